from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ExportFormat(models.TextChoices):
    CSV = "csv", "CSV"
    XLSX = "xlsx", "Excel"


class ExportState(models.TextChoices):
    DELIVERED = "delivered", _("delivered")  # sent in the response itself (inline or streamed)
    PREPARING = "preparing", _("being prepared")  # a background job builds the file
    READY = "ready", _("ready")
    FAILED = "failed", _("failed")


class ExportAudit(models.Model):
    """One row per export, whoever asked and however it was delivered: who, which list, which filters, how many
    rows. A large export also keeps here its background job and the file the owner downloads until it expires."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("exported by")
    )
    kind = models.CharField(_("list"), max_length=60)
    format = models.CharField(_("format"), max_length=4, choices=ExportFormat.choices)
    # The querystring the user had (without page/format), as {name: value or [values]}.
    filters = models.JSONField(_("filters"), default=dict, blank=True)
    row_count = models.PositiveIntegerField(_("rows"), null=True, blank=True)
    created_at = models.DateTimeField(_("exported at"), default=timezone.now)
    state = models.CharField(_("state"), max_length=10, choices=ExportState.choices, default=ExportState.DELIVERED)
    job = models.ForeignKey(
        "jobs.Job", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("job")
    )
    # Relative to MEDIA_ROOT; never under a public URL: downloaded through the owner's view only.
    file_name = models.CharField(_("file"), max_length=200, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    expires_at = models.DateTimeField(_("download until"), null=True, blank=True)

    class Meta:
        verbose_name = _("export")
        verbose_name_plural = _("exports")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["user", "-created_at"], name="exports_user_idx")]
        constraints = [
            models.CheckConstraint(condition=Q(state__in=ExportState.values), name="exports_state_valid"),
            models.CheckConstraint(condition=Q(format__in=ExportFormat.values), name="exports_format_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.kind}.{self.format} #{self.pk}"

    @property
    def expired(self) -> bool:
        return self.expires_at is not None and self.expires_at <= timezone.now()

    @property
    def downloadable(self) -> bool:
        return self.state == ExportState.READY and bool(self.file_name) and not self.expired
