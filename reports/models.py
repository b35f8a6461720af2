"""Corrective actions (整改): what a manager decides to change about a cause of complaints, and its history."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from complaints.models import Category, Complaint, RootCauseGroup
from crm_site.org.models import Branch

from .workflow import ActionStatus

User = settings.AUTH_USER_MODEL


class CorrectiveAction(models.Model):
    """One corrective action against a cause: a root-cause group, optionally narrowed to a root cause (matched
    without regard to case or surrounding spaces, as the Pareto groups them) and a category."""

    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("what will be done"), blank=True)
    root_cause_group = models.CharField(_("root-cause group"), max_length=20, choices=RootCauseGroup.choices)
    root_cause = models.CharField(_("root cause"), max_length=200, blank=True)
    category = models.ForeignKey(
        Category,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="corrective_actions",
        verbose_name=_("category"),
    )
    source_complaint = models.ForeignKey(
        Complaint,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="corrective_actions",
        verbose_name=_("from complaint"),
    )
    # The branch whose complaints the cause concerns; empty: the whole company (general manager only).
    branch = models.ForeignKey(
        Branch,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="corrective_actions",
        verbose_name=_("branch"),
    )
    owner = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="corrective_actions", verbose_name=_("owner")
    )
    due_on = models.DateField(_("due date"))
    status = models.CharField(_("status"), max_length=20, choices=ActionStatus.choices, default=ActionStatus.OPEN)
    result = models.TextField(_("result"), blank=True)
    # The before/after comparison: the cause's complaints this many days before the action was raised and after.
    window_days = models.PositiveSmallIntegerField(
        _("compare over (days)"), default=90, validators=[MinValueValidator(7), MaxValueValidator(730)]
    )
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+", verbose_name=_("raised by"))
    created_at = models.DateTimeField(_("raised at"), default=timezone.now)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("corrective action")
        verbose_name_plural = _("corrective actions")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["branch", "status"], name="rep_action_branch_status_idx"),
            models.Index(fields=["root_cause_group", "status"], name="rep_action_cause_status_idx"),
            models.Index(fields=["owner", "status"], name="rep_action_owner_status_idx"),
            models.Index(fields=["due_on"], name="rep_action_due_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["done", "cancelled"], closed_at__isnull=False)
                | (~Q(status__in=["done", "cancelled"]) & Q(closed_at__isnull=True)),
                name="rep_action_closed_at_iff_final",
            ),
            models.CheckConstraint(
                condition=~Q(status__in=["done", "cancelled"]) | ~Q(result=""), name="rep_action_final_has_result"
            ),
            models.CheckConstraint(
                condition=Q(window_days__gte=7) & Q(window_days__lte=730), name="rep_action_window_sane"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_open(self) -> bool:
        return self.status in (ActionStatus.OPEN, ActionStatus.IN_PROGRESS)

    @property
    def is_overdue(self) -> bool:
        return self.is_open and self.due_on < timezone.localdate()


class CorrectiveActionEvent(models.Model):
    """The action's history, written only by reports/services.py (as a complaint's timeline)."""

    class Kind(models.TextChoices):
        CREATED = "created", _("Raised")
        CHANGED = "changed", _("Changed")
        STATUS = "status", _("Status changed")

    action = models.ForeignKey(
        CorrectiveAction, on_delete=models.PROTECT, related_name="events", verbose_name=_("corrective action")
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    actor = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+", verbose_name=_("by"))
    from_status = models.CharField(_("from"), max_length=20, choices=ActionStatus.choices, blank=True)
    to_status = models.CharField(_("to"), max_length=20, choices=ActionStatus.choices, blank=True)
    note = models.TextField(_("note"), blank=True)
    # What changed, field by field: {"due_on": ["2026-01-01", "2026-02-01"], ...}
    data = models.JSONField(_("details"), default=dict, blank=True)
    created_at = models.DateTimeField(_("at"), default=timezone.now)

    class Meta:
        verbose_name = _("corrective action event")
        verbose_name_plural = _("corrective action events")
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["action", "created_at"], name="rep_action_event_idx")]

    def __str__(self) -> str:
        return f"{self.action_id} {self.kind}"


class ComplaintMonth(models.Model):
    """The complaints received in one local month (TIME_ZONE) and branch, summed per value of one dimension: what the
    statistics read for whole months instead of the complaints (``selectors.reads_summary``).

    One row per (month, branch, ``dimension``, ``value``): dimension "all" (value "") holds every counter; "category",
    "department", "channel", "severity", "root_cause_group" and "cause" (group|cause trimmed, lower case; ``shown`` the
    least of its spellings) the received count and the SLA counters; "step" the complaints with a finished stay in a
    step and Σ their seconds (``total``); "remedy" the remedies of agreed plans by type; "done" (YYYY-MM|type) the
    remedies carried out per month and type with Σ amount; "revisit" (YYYY-MM) the revisits per month, Σ score in
    ``total``. Every figure is a sum of one number per complaint (``summary.contribution``), written with each change
    of a complaint in its transaction and rebuilt set-based by ``manage.py rebuild_complaint_summary``. Only figures
    that do not depend on the time of reading are kept: what is overdue now is read live from the open complaints.
    """

    month = models.DateField(_("month"))  # the first day
    branch = models.ForeignKey(Branch, on_delete=models.CASCADE, related_name="+")
    dimension = models.CharField(max_length=20)
    value = models.CharField(max_length=255, blank=True)
    received = models.IntegerField(default=0)
    closed = models.IntegerField(default=0)
    repeats = models.IntegerField(default=0)
    escalated = models.IntegerField(default=0)
    escalated_gm = models.IntegerField(default=0)
    responded = models.IntegerField(default=0)
    response_on_time = models.IntegerField(default=0)
    unanswered_closed = models.IntegerField(default=0)  # closed without a first response
    resolution_on_time = models.IntegerField(default=0)
    satisfied = models.IntegerField(default=0)
    amount = models.DecimalField(max_digits=16, decimal_places=2, default=0)
    total = models.FloatField(default=0)
    shown = models.TextField(blank=True)

    class Meta:
        verbose_name = _("complaints of a month")
        verbose_name_plural = _("complaints of a month")
        constraints = [
            models.UniqueConstraint(fields=["month", "branch", "dimension", "value"], name="rpt_complaint_month_key"),
        ]
        indexes = [models.Index(fields=["month", "dimension"], name="rpt_complaint_month_idx")]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.dimension}={self.value}: {self.received}"


class ComplaintStepTime(models.Model):
    """One complaint's time in each of the six steps (Σ seconds of its finished stays; None: none finished), with its
    month of receipt and branch: the rows the 90th percentiles of ``selectors.step_durations`` sort for whole
    months, instead of walking the timeline. Written with ComplaintMonth."""

    complaint = models.OneToOneField(Complaint, on_delete=models.CASCADE, primary_key=True, related_name="+")
    month = models.DateField(_("month"))
    branch = models.ForeignKey(Branch, on_delete=models.CASCADE, related_name="+")
    listen_seconds = models.FloatField(null=True)
    share_seconds = models.FloatField(null=True)
    problem_seconds = models.FloatField(null=True)
    check_seconds = models.FloatField(null=True)
    action_seconds = models.FloatField(null=True)
    satisfy_seconds = models.FloatField(null=True)

    class Meta:
        indexes = [models.Index(fields=["month", "branch"], name="rpt_step_time_month_idx")]

    def __str__(self) -> str:
        return f"{self.complaint_id} {self.month:%Y-%m}"
