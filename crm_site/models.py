from django.db import models
from django.utils.translation import gettext_lazy as _


class WorkerProbe(models.Model):
    """A round trip through the broker: created in a transaction, answered by a Celery worker.

    Beat sends one every few minutes; /healthz reports when a worker last answered.
    """

    created_at = models.DateTimeField(_("sent at"), auto_now_add=True)
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    answered_by = models.CharField(_("answered by"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("worker probe")
        verbose_name_plural = _("worker probes")
        indexes = [models.Index(fields=["-answered_at"], name="crm_probe_answered_idx")]

    def __str__(self) -> str:
        return f"probe {self.pk}"
