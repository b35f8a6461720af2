"""Reads of the exports app: one's own exports, and the gate of one export (its owner's alone)."""

from django.db.models import QuerySet

from crm_site.org.policy import visible_or_404

from .models import ExportAudit


def export_get_for_user(*, user, pk) -> ExportAudit:
    """The export if it is the user's own; anyone else's, or an unknown one, is a 404."""
    return visible_or_404(user, "export.download", ExportAudit.objects.filter(pk=pk).first())


def exports_of_user(*, user) -> QuerySet[ExportAudit]:
    return ExportAudit.objects.filter(user=user).select_related("job").order_by("-created_at", "-pk")
