from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .workflow import JobState


class Job(models.Model):
    """A piece of background work, recorded before any message is sent: the broker only says "look at row N".

    A lost or duplicated message cannot lose or repeat the work: the poll (``jobs_poll``) finds rows nobody
    finished, and the worker does the work and marks the row done in one transaction (``job_run``).
    """

    kind = models.CharField(_("kind"), max_length=60)
    payload = models.JSONField(_("details"), default=dict, blank=True)
    state = models.CharField(_("state"), max_length=10, choices=JobState.choices, default=JobState.PENDING)
    # Unique while set: the same reminder or invitation asked for twice is one row.
    key = models.CharField(_("idempotency key"), max_length=200, null=True, blank=True, unique=True)
    created_at = models.DateTimeField(_("queued at"), default=timezone.now)
    # Not started before this (a reminder's moment); empty: as soon as possible.
    due_at = models.DateTimeField(_("due at"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("queued by"),
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    claimed_at = models.DateTimeField(_("last started at"), null=True, blank=True)
    claimed_by = models.CharField(_("last started by"), max_length=200, blank=True)
    claim_token = models.UUIDField(null=True, blank=True, editable=False)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    result = models.JSONField(_("result"), default=dict, blank=True)

    class Meta:
        verbose_name = _("background job")
        verbose_name_plural = _("background jobs")
        ordering = ["-created_at", "-pk"]
        indexes = [
            # The poll reads unfinished rows only.
            models.Index(
                fields=["state", "claimed_at"],
                name="jobs_unfinished_idx",
                condition=Q(state__in=["pending", "running"]),
            ),
            models.Index(fields=["kind", "-created_at"], name="jobs_kind_idx"),
            models.Index(fields=["due_at"], name="jobs_due_idx", condition=Q(state="pending")),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(state__in=JobState.values), name="jobs_state_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} #{self.pk}"
