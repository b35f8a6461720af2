"""Every write of the exports app: the audit row of an export, and a background export's file."""

import uuid
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation

from crm_site.jobs.services import job_enqueue
from crm_site.notifications.services import notify

from .models import ExportAudit, ExportState
from .tables import filters_query, xlsx_write

EXPORT_JOB = "export.build"
EXPORTS_DIR = "exports"  # under MEDIA_ROOT, which has no URL: files leave only through the owner's download view


def export_record(
    *, user, kind: str, fmt: str, filters: dict, row_count: int | None, state: str = ExportState.DELIVERED
) -> ExportAudit:
    """The audit row of one export: who, which list, which format, which filters, how many rows. (One INSERT,
    atomic by itself: no savepoint around it, so an export costs one query for its audit.)"""
    return ExportAudit.objects.create(
        user=user, kind=kind, format=fmt, filters=filters, row_count=row_count, state=state
    )


def export_set_count(*, audit: ExportAudit, row_count: int) -> None:
    """The row count of an export counted while it streamed (known only at its end); one UPDATE."""
    ExportAudit.objects.filter(pk=audit.pk).update(row_count=row_count)
    audit.row_count = row_count


@transaction.atomic
def export_request_background(
    *, user, kind: str, fmt: str, filters: dict, row_count: int, spec: str, language: str
) -> ExportAudit:
    """Record a large export and the job that builds its file (re-applying the filters with the owner's access
    when it runs: what is stored is the querystring, never the rows)."""
    audit = export_record(
        user=user, kind=kind, fmt=fmt, filters=filters, row_count=row_count, state=ExportState.PREPARING
    )
    audit.job = job_enqueue(
        kind=EXPORT_JOB, payload={"export_id": audit.pk, "spec": spec, "language": language}, actor=user
    )
    audit.save(update_fields=["job"])
    return audit


def export_path(audit: ExportAudit) -> Path:
    return Path(settings.MEDIA_ROOT) / audit.file_name


@transaction.atomic
def export_build(*, audit: ExportAudit, spec, language: str) -> ExportAudit:
    """Build a background export's Excel file (from the job: CSV always streams), mark it ready and tell its owner.
    Safe to run twice: a ready export is left as it is."""
    audit = ExportAudit.objects.select_for_update().select_related("user").get(pk=audit.pk)
    if audit.state != ExportState.PREPARING:
        return audit
    selection = spec.select(audit.user, filters_query(audit.filters))
    name = f"{EXPORTS_DIR}/{audit.user_id}/{audit.kind}-{audit.pk}-{uuid.uuid4().hex[:12]}.{audit.format}"
    path = Path(settings.MEDIA_ROOT) / name
    path.parent.mkdir(parents=True, exist_ok=True)
    with translation.override(language):  # the language the owner asked in: headers, labels and the notice
        count = xlsx_write(path, title=spec.kind, columns=spec.headers(), rows=spec.rows(audit.user, selection.rows))
        now = timezone.now()
        audit.state = ExportState.READY
        audit.file_name = name
        audit.row_count = count
        audit.finished_at = now
        audit.expires_at = now + timedelta(days=settings.EXPORT_FILE_DAYS)
        audit.save(update_fields=["state", "file_name", "row_count", "finished_at", "expires_at"])
        notify(
            recipients=[audit.user],
            kind="export.ready",
            subject_id=audit.pk,
            params={"rows": count, "list": str(spec.title)},
            moment=str(audit.pk),
        )
    return audit
