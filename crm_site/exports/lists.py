"""A list's export: the list page's own filters and access (its ``select``), its columns, and the way out (CSV
streamed, Excel in the request up to EXPORT_INLINE_MAX_ROWS rows, a background job above).

Each list declares one ``ListExport`` next to its page (``complaints.views.COMPLAINT_EXPORT`` …), whose ``select``
is the very function the page uses to turn its querystring into rows, so the export cannot show more than the page.
"""

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache

from django.conf import settings
from django.contrib import messages
from django.db.models import QuerySet
from django.http import Http404, QueryDict
from django.shortcuts import redirect
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from .services import export_request_background
from .tables import FORMATS, query_filters, table_response

CHUNK_SIZE = 2000
# Each list's name (a lazy translation) by kind, for "My exports" and the admin; filled as the lists declare theirs.
KIND_TITLES: dict[str, object] = {}


def choice_label(obj, field: str) -> str:
    """``obj.get_<field>_display()`` without a translation lookup per row (a 20,000-row export made 500,000 of
    them): each model field's labels are translated once per language."""
    value = getattr(obj, field)
    labels = _choice_labels(type(obj), field, translation.get_language())
    return labels.get(value, "" if value is None else str(value))


@lru_cache(maxsize=256)
def _choice_labels(model, field: str, language: str | None) -> dict:
    return {key: str(label) for key, label in model._meta.get_field(field).flatchoices}


@dataclass(frozen=True)
class Selection:
    """What a list shows for a querystring: its rows, and whether some filters were not understood (ignored)."""

    rows: QuerySet
    filters_ignored: bool = False
    form: object = None  # the list's filter form (or filterset), for the page to show


@dataclass(frozen=True)
class Column:
    header: object  # a lazy translation
    value: Callable  # (user, obj) -> cell value (str, number, date, None)


@dataclass(frozen=True)
class ListExport:
    kind: str
    title: object  # a lazy translation: the list's name, in file names and notifications
    path: str  # where this object lives ("complaints.views.COMPLAINT_EXPORT"), for the background job
    select: Callable[[object, QueryDict], Selection]  # (user, querystring) -> Selection: the list page's own
    columns: Sequence[Column]
    related: tuple[str, ...] = ()  # what the export's columns read beyond what the page selects (one join each)

    def __post_init__(self) -> None:
        KIND_TITLES[self.kind] = self.title

    def headers(self) -> list[str]:
        return [str(column.header) for column in self.columns]

    def rows(self, user, queryset: QuerySet) -> Iterator[list]:
        if self.related:
            queryset = queryset.select_related(*self.related)
        for obj in queryset.iterator(chunk_size=CHUNK_SIZE):
            yield [column.value(user, obj) for column in self.columns]


def list_export(request, *, spec: ListExport, fmt: str):
    """The export view's body: the list's rows for the user's querystring, as a download, or a background job
    for a large Excel file (the user is sent to "My exports" and notified when it is ready)."""
    if fmt not in FORMATS:
        raise Http404
    user = request.user
    selection = spec.select(user, request.GET)
    if selection.filters_ignored:
        messages.warning(request, _("Some filters were not understood and were ignored in the export."))
    count = selection.rows.count()
    filters = query_filters(request.GET)
    if fmt == "xlsx" and count > settings.EXPORT_INLINE_MAX_ROWS:
        export_request_background(
            user=user,
            kind=spec.kind,
            fmt=fmt,
            filters=filters,
            row_count=count,
            spec=spec.path,
            language=translation.get_language() or settings.LANGUAGE_CODE,
        )
        messages.info(
            request,
            ngettext(
                "Your export of %(n)s row is being prepared; you will be notified when it is ready.",
                "Your export of %(n)s rows is being prepared; you will be notified when it is ready.",
                count,
            )
            % {"n": count},
        )
        return redirect("exports:mine")
    response = table_response(
        request,
        kind=spec.kind,
        filename=f"{spec.kind}-{timezone_stamp()}",
        columns=spec.headers(),
        rows=spec.rows(user, selection.rows),
        fmt=fmt,
        row_count=count,
        filters=filters,
    )
    if selection.filters_ignored:
        response["X-Export-Filters-Ignored"] = "1"
    return response


def timezone_stamp() -> str:
    return timezone.localtime().strftime("%Y%m%d-%H%M")
