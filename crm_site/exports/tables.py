"""Tables out as CSV or Excel: cells a spreadsheet will not run, and the audit row every export leaves.

``table_response`` is what a view returns for a table it has built (a report, the CSI dashboard's tables): CSV is
streamed, Excel is built in the request with openpyxl's write-only workbook. The lists (complaints, customers,
visits, answers) go through ``crm_site.exports.lists``, which also sends a large Excel export to the background.
"""

import csv
import datetime
import io
from collections.abc import Iterable, Iterator, Sequence
from decimal import Decimal
from pathlib import PurePath

from django.http import Http404, HttpResponse, QueryDict, StreamingHttpResponse
from django.utils import timezone, translation
from django.utils.http import content_disposition_header

FORMATS = ("csv", "xlsx")
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# A spreadsheet runs a cell that starts with one of these as a formula (CSV injection): such cells get a "'".
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# Not filters: which page of the list, and which file.
NOT_FILTERS = ("page", "format", "fmt")


def safe_cell(value):
    """A cell a spreadsheet will not run: text starting with = + - @ tab or CR gets a leading apostrophe; numbers,
    dates and booleans stay typed (a negative number is a number, not a formula); aware datetimes in local time
    (Excel has no time zones); None is an empty cell."""
    if value is None:
        return ""
    if isinstance(value, bool | int | float | Decimal):
        return value
    if isinstance(value, datetime.datetime):
        return timezone.localtime(value).replace(tzinfo=None) if timezone.is_aware(value) else value
    if isinstance(value, datetime.date | datetime.time):
        return value
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def _csv_text(value) -> str:
    """A safe cell as CSV text: local times to the minute, dates as YYYY-MM-DD."""
    if isinstance(value, datetime.datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value)


class _Echo:
    """A file-like object for csv.writer whose write returns the line, for a streamed download."""

    def write(self, value):
        return value


def csv_lines(columns: Sequence, rows: Iterable[Sequence]) -> Iterator[str]:
    """The CSV text, line by line, with a BOM so that Excel reads Chinese as UTF-8."""
    writer = csv.writer(_Echo())
    yield "\ufeff"
    yield writer.writerow([_csv_text(safe_cell(c)) for c in columns])
    for row in rows:
        yield writer.writerow([_csv_text(safe_cell(v)) for v in row])


def xlsx_write(target, *, title: str, columns: Sequence, rows: Iterable[Sequence]) -> int:
    """Write an Excel workbook (one sheet) to ``target`` (a path or a binary file); return how many rows."""
    import openpyxl
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    def clean(value):
        value = safe_cell(value)
        return ILLEGAL_CHARACTERS_RE.sub("", value) if isinstance(value, str) else value

    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet(title=_sheet_title(title))
    sheet.freeze_panes = "A2"
    sheet.append([clean(c) for c in columns])
    count = 0
    for row in rows:
        sheet.append([clean(v) for v in row])
        count += 1
    book.save(target)
    return count


def _sheet_title(title: str) -> str:
    """Excel refuses a sheet title over 31 characters or with any of []:*?/\\."""
    cleaned = "".join(" " if ch in "[]:*?/\\" else ch for ch in str(title)).strip()
    return (cleaned or "Sheet")[:31]


def query_filters(query: QueryDict) -> dict:
    """The filters the user had, as JSON: {name: value} or {name: [values]} for a repeated name; no page/format."""
    filters = {}
    for name, values in query.lists():
        if name in NOT_FILTERS:
            continue
        filters[name] = values[0] if len(values) == 1 else values
    return filters


def filters_query(filters: dict) -> QueryDict:
    """The QueryDict back from ``query_filters`` (a background export re-applies it)."""
    query = QueryDict(mutable=True)
    for name, value in filters.items():
        query.setlist(name, value if isinstance(value, list) else [value])
    return query


def attachment(response: HttpResponse, filename: str) -> HttpResponse:
    response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=filename)
    response["Cache-Control"] = "no-store"
    return response


def file_name(filename: str, fmt: str) -> str:
    """``filename`` with the format's extension (whether or not it came with one)."""
    stem = PurePath(filename).stem if PurePath(filename).suffix.lower() in (".csv", ".xlsx") else filename
    return f"{stem}.{fmt}"


def table_response(
    request,
    *,
    kind: str,
    filename: str,
    columns: list[str],
    rows: Iterable[Sequence],
    fmt: str,
    row_count: int | None = None,
    filters: dict | None = None,
) -> HttpResponse:
    """The table as a download, and its audit row (request.user, kind, fmt, the GET filters, row_count).

    CSV is streamed (rows given as a list or tuple, already in memory, are sent whole); Excel is built here (a list
    that may be large goes through ``lists.list_export`` instead, which sends it to the background). Without
    ``row_count``, a sized ``rows`` gives its length, otherwise the streamed rows are counted and the audit row gets
    the count at the end. ``filters`` replaces the GET filters in the audit. Another ``fmt`` is a 404.
    """
    from .services import export_record, export_set_count

    if fmt not in FORMATS:
        raise Http404
    if row_count is None and hasattr(rows, "__len__"):
        row_count = len(rows)  # type: ignore[arg-type]
    audit = export_record(
        user=request.user,
        kind=kind,
        fmt=fmt,
        filters=query_filters(request.GET) if filters is None else filters,
        row_count=row_count,
    )
    name = file_name(filename, fmt)
    if fmt == "xlsx":
        out = io.BytesIO()
        written = xlsx_write(out, title=kind, columns=columns, rows=rows)
        if row_count is None:
            export_set_count(audit=audit, row_count=written)
        return attachment(HttpResponse(out.getvalue(), content_type=XLSX_CONTENT_TYPE), name)

    if isinstance(rows, list | tuple):  # already in memory (a report's table): sent whole, nothing to stream
        return attachment(
            HttpResponse("".join(csv_lines(columns, rows)).encode(), content_type="text/csv; charset=utf-8"), name
        )

    def counted(source: Iterable[Sequence]) -> Iterator[Sequence]:
        count = 0
        for row in source:
            count += 1
            yield row
        export_set_count(audit=audit, row_count=count)

    # The rows are read while the response streams, after the view returned: in the request's language and zone.
    language, zone = translation.get_language(), timezone.get_current_timezone()

    def lines() -> Iterator[str]:
        with translation.override(language), timezone.override(zone):
            yield from csv_lines(columns, rows if row_count is not None else counted(rows))

    return attachment(StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8"), name)
