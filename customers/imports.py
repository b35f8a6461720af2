"""Reading and checking a transactions file (CSV or Excel) row by row, before anything is written.

``read_rows`` turns the upload into plain dicts keyed by our column names; ``check_rows`` says, for
each row, either the clean values or what is wrong with it. The services decide what to write.

An upload is small but what it unpacks to need not be: an .xlsx is a zip of XML, and openpyxl pads rows
to whatever the sheet claims. So rows are read one at a time, each cut to ``MAX_COLUMNS`` cells, reading
stops at the first cap crossed, and an .xlsx is measured (unpacked size, cells per row, rows) before
openpyxl builds a single row.
"""

import csv
import io
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from xml.parsers import expat

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

MAX_ROWS = 20_000  # rows with data
MAX_BYTES = 10 * 1024 * 1024
# Every row read counts, blank ones too (a sheet can declare a million empty rows in a few bytes).
MAX_LINES = 50_000
MAX_COLUMNS = 50  # cells read from each row; the columns further right are ignored
MAX_LINE_CHARS = 100_000  # a CSV line: the csv module splits a whole line before we can cut it
# An .xlsx: what it may unpack to, how many parts, and how many cells a row may hold (Excel's own limit;
# openpyxl builds a whole row, about 0.6 KB a cell, before handing it over). See _check_part.
MAX_UNPACKED_BYTES = 50 * 1024 * 1024
MAX_PARTS = 1_000
MAX_CELLS_PER_ROW = 16_384
MAX_ROW_ELEMENTS = 4 * MAX_CELLS_PER_ROW  # all told: a cell is a few elements, <c>, <v>, <is>, <t>
MAX_SHARED_STRINGS = 200_000
MAX_OTHER_ELEMENTS = 100_000  # per part, outside the rows and strings: styles, merged cells, links...

# Our column → the headings people use for it (English and Chinese, compared case-insensitively).
HEADINGS = {
    "customer_code": ["customer_code", "customer code", "customer", "code", "客户编号", "客户代码", "客户编码"],
    "date": ["date", "order date", "日期", "交易日期", "下单日期"],
    "amount": ["amount", "revenue", "sales", "金额", "销售额", "交易金额"],
    "margin": ["margin", "profit", "gross margin", "毛利", "利润"],
    "product": ["product", "item", "产品", "商品"],
    "reference": ["reference", "order", "order number", "order_number", "单号", "订单号"],
}
REQUIRED = ("customer_code", "date", "amount")
# What the columns hold (Purchase.amount and .margin: 14 digits, 2 of them decimals) and the oldest date we take.
MAX_MONEY = Decimal("999999999999.99")
EARLIEST_DATE = date(2000, 1, 1)
COLUMN_LABELS = {
    "customer_code": gettext_lazy("customer code"),
    "date": gettext_lazy("date"),
    "amount": gettext_lazy("amount"),
}

# What can be wrong with a row. A batch keeps {"code", "params"} and the message is worded when it is
# shown, so each reader sees it in their own language, not the uploader's.
ROW_ERRORS = {
    "customer_missing": gettext_lazy("The customer code is missing."),
    "customer_unknown": gettext_lazy("No customer with code %(code)s."),
    "date_invalid": gettext_lazy("The date is missing or not a date like 2026-03-31."),
    "date_future": gettext_lazy("The date is in the future."),
    "date_too_early": gettext_lazy("The date is before %(earliest)s."),
    "amount_invalid": gettext_lazy("The amount is missing or not a number."),
    "amount_not_positive": gettext_lazy("The amount must be more than 0."),
    "amount_decimals": gettext_lazy("The amount has more than two decimals."),
    "amount_too_large": gettext_lazy("The amount is larger than %(max)s."),
    "margin_invalid": gettext_lazy("The margin is not a number."),
    "margin_above_amount": gettext_lazy("The margin is larger than the amount."),
    "margin_decimals": gettext_lazy("The margin has more than two decimals."),
    "margin_too_large": gettext_lazy("The margin is larger than %(max)s."),
    "reference_too_long": gettext_lazy("The order number is longer than 50 characters."),
    "reference_imported": gettext_lazy("Order %(reference)s is already imported."),
    "reference_repeated": gettext_lazy("Order %(reference)s appears twice in the file."),
}
SHOWN_VALUE_LENGTH = 60  # a value quoted in an error is cut to this


class ImportFileError(Exception):
    """The file as a whole cannot be read; ``str(error)`` is the message the user sees."""


def row_error(code: str, /, **params) -> dict:
    """One thing wrong with a row, as stored in ``ImportBatch.errors``."""
    if code not in ROW_ERRORS:
        raise ValueError(f"Unknown row error {code!r}")
    return {"code": code, "params": params}


def row_error_text(error) -> str:
    """A stored row error in the current language; batches saved before codes kept the text itself."""
    if not isinstance(error, dict):
        return str(error)
    message = ROW_ERRORS.get(error.get("code"))
    if message is None:
        return str(error.get("code", ""))
    try:
        return str(message) % (error.get("params") or {})
    except (KeyError, TypeError, ValueError):
        return str(message)


@dataclass
class CheckedRow:
    row: int  # the line number in the file, the heading being line 1
    values: dict = field(default_factory=dict)
    errors: list[dict] = field(default_factory=list)  # row_error() dicts


def _column_for(heading) -> str | None:
    text = str(heading or "").strip().lower()
    for column, names in HEADINGS.items():
        if text in names:
            return column
    return None


def _blank(cells: Sequence) -> bool:
    return all(c is None or str(c).strip() == "" for c in cells)


def _too_many_lines() -> ImportFileError:
    return ImportFileError(
        _("The file goes on past row %(max)s (empty rows count too); delete the rows below your data.")
        % {"max": f"{MAX_LINES:,}"}
    )


def _records(lines: Iterable[Sequence]) -> list[dict | None]:
    """The data rows under the heading, None for a blank row between them; trailing blank rows are dropped."""
    lines = iter(lines)
    heading = next(lines, None)
    if heading is None:
        raise ImportFileError(_("The file is empty."))
    columns = [_column_for(h) for h in heading[:MAX_COLUMNS]]
    missing = [COLUMN_LABELS[c] for c in REQUIRED if c not in columns]
    if missing:
        raise ImportFileError(
            _("The first row must name the columns; missing: %(columns)s.") % {"columns": ", ".join(map(str, missing))}
        )
    records: list[dict | None] = []
    data_rows = blank_run = 0
    for line, cells in enumerate(lines, start=2):
        if line > MAX_LINES:
            raise _too_many_lines()
        cells = cells[:MAX_COLUMNS]
        if _blank(cells):
            blank_run += 1  # kept only if data follows, so that line numbers stay right
            continue
        data_rows += 1
        if data_rows > MAX_ROWS:
            raise ImportFileError(_("At most %(max)s rows per file; split the file.") % {"max": MAX_ROWS})
        records.extend([None] * blank_run)
        blank_run = 0
        records.append({column: cell for column, cell in zip(columns, cells, strict=False) if column})
    return records


class _Refused(Exception):
    pass


def _check_part(source) -> None:
    """Walk one part of an .xlsx once, keeping nothing, and refuse shapes that would cost openpyxl too much.

    openpyxl streams a sheet row by row and the shared strings one by one, but builds each row or string
    whole, keeps every element it does not know until the end, and parses the other parts as one tree.
    So a part may hold only so many rows (or strings), so many elements in each, and so many elements
    outside them: an XML element costs it a few hundred bytes, and a few bytes of XML make one.
    """
    nowhere = 1 << 30
    depth = 0  # of the element being opened, the root being 1
    record_depth = nowhere  # depth of a row (in <sheetData>) or of a string (in <sst>), once inside one
    worksheet = False
    records = in_record = cells = loose = row = 0

    def start(name, attributes):
        nonlocal depth, record_depth, worksheet, records, in_record, cells, loose, row
        depth += 1
        if depth > record_depth:  # inside a row or a string: the bulk of a sheet, so checked first
            in_record += 1
            if depth == record_depth + 1:
                cells += 1
            if in_record > MAX_ROW_ELEMENTS or cells > MAX_CELLS_PER_ROW:
                raise _Refused(_row_too_wide(row) if worksheet else _too_complex())
        elif depth == record_depth:
            records += 1
            in_record = 1
            cells = 0
            if worksheet:
                number = attributes.get("r", "")
                row = int(number) if number.isdecimal() else row + 1
                if records > MAX_LINES or row > MAX_LINES:
                    raise _Refused(str(_too_many_lines()))
            elif records > MAX_SHARED_STRINGS:
                raise _Refused(_too_complex())
        else:
            loose += 1
            if loose > MAX_OTHER_ELEMENTS:
                raise _Refused(_too_complex())
            tag = name.rpartition(" ")[2]
            if depth == 1:
                worksheet = tag == "worksheet"
                record_depth = 2 if tag == "sst" else nowhere
            elif depth == 2 and worksheet and tag == "sheetData":
                record_depth = 3

    def end(name):
        nonlocal depth, record_depth
        if depth == record_depth - 1:  # </sheetData> or </sst>
            record_depth = nowhere
        depth -= 1

    parser = expat.ParserCreate(namespace_separator=" ")
    parser.StartElementHandler = start
    parser.EndElementHandler = end
    try:
        while chunk := source.read(256 * 1024):
            parser.Parse(chunk, False)
        parser.Parse(b"", True)
    except expat.ExpatError:
        return  # not XML (a picture, say): openpyxl reads it as bytes or not at all, and fails where expat did


def _row_too_wide(row: int) -> str:
    return _("Row %(row)s has too many cells (at most %(max)s); keep only the columns with the transactions.") % {
        "row": row,
        "max": f"{MAX_CELLS_PER_ROW:,}",
    }


def _too_complex() -> str:
    return _("This Excel file is too large to read; copy the transactions into a new workbook and upload that.")


def _check_archive(data: bytes) -> None:
    """Refuse an .xlsx that unpacks to too much, or whose XML would, before openpyxl opens it.

    The sizes come from the zip's directory; zipfile never yields more than a part's declared size.
    """
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            parts = archive.infolist()
            if len(parts) > MAX_PARTS:
                raise ImportFileError(_too_complex())
            if sum(p.file_size for p in parts) > MAX_UNPACKED_BYTES:
                raise ImportFileError(
                    _("This Excel file unpacks to more than %(max)s MB; keep only the sheet with the transactions.")
                    % {"max": MAX_UNPACKED_BYTES // (1024 * 1024)}
                )
            for part in parts:
                with archive.open(part) as source:
                    _check_part(source)
    except _Refused as exc:
        raise ImportFileError(str(exc)) from None
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, RuntimeError, EOFError, OSError) as exc:
        raise ImportFileError(_("This is not a readable Excel (.xlsx) file.")) from exc


def _xlsx_lines(data: bytes) -> Iterator[Sequence]:
    """The first sheet's rows, one at a time, each cut to MAX_COLUMNS cells."""
    import openpyxl

    _check_archive(data)
    unreadable = _("This is not a readable Excel (.xlsx) file.")
    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # noqa: BLE001 - openpyxl raises many kinds for a bad file
        raise ImportFileError(unreadable) from exc
    try:
        if not book.worksheets:
            raise ImportFileError(_("The file is empty."))
        sheet = book.worksheets[0]
        sheet.reset_dimensions()  # its <dimension> is only a claim, and openpyxl pads every row to it
        yield from sheet.iter_rows(max_col=MAX_COLUMNS, values_only=True)
    except ImportFileError:
        raise
    except Exception as exc:  # noqa: BLE001 - a broken sheet shows up only while it is read
        raise ImportFileError(unreadable) from exc
    finally:
        book.close()


def _short_lines(text: io.StringIO) -> Iterator[str]:
    """The lines of a CSV text, refusing one so long that the csv module would make a huge row of it."""
    for number, line in enumerate(text, start=1):
        if len(line) > MAX_LINE_CHARS:
            raise ImportFileError(
                _("Line %(line)s of the CSV file is longer than %(max)s characters.")
                % {"line": f"{number:,}", "max": f"{MAX_LINE_CHARS:,}"}
            )
        yield line


def _csv_lines(data: bytes) -> Iterator[Sequence]:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise ImportFileError(_("The CSV file is neither UTF-8 nor GBK text."))
    reader = csv.reader(_short_lines(io.StringIO(text)))
    try:
        yield from reader
    except csv.Error as exc:
        raise ImportFileError(
            _("The CSV file cannot be read near line %(line)s.") % {"line": f"{reader.line_num:,}"}
        ) from exc


def read_rows(upload) -> list[dict | None]:
    """The rows of an uploaded .csv or .xlsx file (None for blank lines)."""
    name = (upload.name or "").lower()
    if upload.size and upload.size > MAX_BYTES:
        raise ImportFileError(_("The file is larger than 10 MB."))
    if not name.endswith((".xlsx", ".csv")):
        raise ImportFileError(_("Upload a .csv or .xlsx file."))
    data = upload.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise ImportFileError(_("The file is larger than 10 MB."))
    lines = _xlsx_lines(data) if name.endswith(".xlsx") else _csv_lines(data)
    try:
        return _records(lines)
    finally:
        lines.close()  # a cap may stop the reading early: close the workbook now


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _shown(text: str) -> str:
    return text if len(text) <= SHOWN_VALUE_LENGTH else text[: SHOWN_VALUE_LENGTH - 1] + "…"


def _date(value) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = _text(value)
    for fmt in ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y%m%d"):
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return None


def _money(value) -> Decimal | None:
    text = _text(value).replace(",", "").replace("¥", "").replace("￥", "")
    if not text:
        return None
    try:
        amount = Decimal(text)
    except InvalidOperation:
        return None
    if not amount.is_finite():
        return None
    return amount


def check_rows(
    records: list[dict | None],
    *,
    customers_by_code: dict[str, int],
    known_references: set[tuple[int, str]],
    today: date,
) -> list[CheckedRow]:
    """Each non-blank row with its clean values or its errors. Unknown customers include those the user may not see."""
    checked = []
    seen_references: set[tuple[int, str]] = set()
    for index, record in enumerate(records, start=2):
        if record is None:
            continue
        row = CheckedRow(row=index)
        code = _text(record.get("customer_code"))
        customer_id = customers_by_code.get(code)
        if not code:
            row.errors.append(row_error("customer_missing"))
        elif customer_id is None:
            row.errors.append(row_error("customer_unknown", code=_shown(code)))
        day = _date(record.get("date"))
        if day is None:
            row.errors.append(row_error("date_invalid"))
        elif day > today:
            row.errors.append(row_error("date_future"))
        elif day < EARLIEST_DATE:
            row.errors.append(row_error("date_too_early", earliest=EARLIEST_DATE.isoformat()))
        amount = _money(record.get("amount"))
        if amount is None:
            row.errors.append(row_error("amount_invalid"))
        elif amount <= 0:
            row.errors.append(row_error("amount_not_positive"))
        elif amount.as_tuple().exponent < -2:
            row.errors.append(row_error("amount_decimals"))
        elif amount > MAX_MONEY:
            row.errors.append(row_error("amount_too_large", max=f"{MAX_MONEY:,}"))
        margin_text = _text(record.get("margin"))
        margin = _money(margin_text) if margin_text else Decimal("0")
        if margin is None:
            row.errors.append(row_error("margin_invalid"))
        elif amount is not None and amount > 0 and margin > amount:
            row.errors.append(row_error("margin_above_amount"))
        elif margin.as_tuple().exponent < -2:
            row.errors.append(row_error("margin_decimals"))
        elif abs(margin) > MAX_MONEY:
            row.errors.append(row_error("margin_too_large", max=f"{MAX_MONEY:,}"))
        product = _text(record.get("product"))[:200]
        reference = _text(record.get("reference"))
        if len(reference) > 50:
            row.errors.append(row_error("reference_too_long"))
        elif reference and customer_id is not None:
            key = (customer_id, reference)
            if key in known_references:
                row.errors.append(row_error("reference_imported", reference=reference))
            elif key in seen_references:
                row.errors.append(row_error("reference_repeated", reference=reference))
            seen_references.add(key)
        if not row.errors:
            row.values = {
                "customer_id": customer_id,
                "customer_code": code,
                "date": day.isoformat(),
                "amount": str(amount),
                "margin": str(margin),
                "product": product,
                "reference": reference,
            }
        checked.append(row)
    return checked
