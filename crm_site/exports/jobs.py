"""The background export (a large Excel file) and the notification that tells its owner it is ready."""

from django.conf import settings
from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy as _

from crm_site.jobs.services import job_handler
from crm_site.notifications.registry import NotificationKind, register

from .models import ExportAudit
from .selectors import export_get_for_user
from .services import EXPORT_JOB, export_build

register(
    NotificationKind(
        kind="export.ready",
        subject_type="export",
        title=_("Your export of %(rows)s rows (%(list)s) is ready to download"),
        url_name="exports:download",
        gate=export_get_for_user,
        label=_("Export ready"),
    )
)


@job_handler(EXPORT_JOB, label=_("Prepare an export file"))
def build_export(job) -> dict:
    from .lists import ListExport

    spec = import_string(job.payload["spec"])
    audit = ExportAudit.objects.get(pk=job.payload["export_id"])
    if not isinstance(spec, ListExport) or spec.kind != audit.kind:
        raise ValueError(f"Export {audit.pk}: {job.payload['spec']!r} is not the {audit.kind!r} list export")
    audit = export_build(audit=audit, spec=spec, language=job.payload.get("language") or settings.LANGUAGE_CODE)
    return {"export": audit.pk, "rows": audit.row_count}
