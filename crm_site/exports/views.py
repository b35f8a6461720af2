"""HTTP for one's own exports: the list of them, and the download of a file prepared in the background."""

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from crm_site.org.policy import allowed

from .lists import KIND_TITLES
from .models import ExportState
from .selectors import export_get_for_user, exports_of_user
from .services import export_path
from .tables import XLSX_CONTENT_TYPE, attachment

PAGE_SIZE = 25


@require_GET
@allowed("export.list")
def export_list(request):
    page = Paginator(exports_of_user(user=request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    entries = [
        {"export": export, "title": KIND_TITLES.get(export.kind, export.kind), "failed": _failed(export)}
        for export in page.object_list
    ]
    context = {"page": page, "entries": entries, "export_days": settings.EXPORT_FILE_DAYS}
    return render(request, "exports/export_list.html", context)


def _failed(export) -> bool:
    from crm_site.jobs.workflow import JobState

    return export.state == ExportState.FAILED or (
        export.state == ExportState.PREPARING and export.job is not None and export.job.state == JobState.FAILED
    )


@require_GET
@allowed("export.download", gate=export_get_for_user, as_="export")
def export_download(request, export):
    """The owner's file, while it is there: a file not ready yet or expired sends them back to the list."""
    if not export.downloadable:
        messages.warning(
            request,
            _("This export has expired; export the list again.")
            if export.expired
            else _("This export is not ready yet."),
        )
        return redirect("exports:mine")
    try:
        handle = export_path(export).open("rb")
    except FileNotFoundError:
        raise Http404 from None
    content_type = XLSX_CONTENT_TYPE if export.format == "xlsx" else "text/csv; charset=utf-8"
    name = f"{export.kind}-{timezone.localtime(export.created_at):%Y%m%d-%H%M}.{export.format}"
    return attachment(FileResponse(handle, content_type=content_type), name)
