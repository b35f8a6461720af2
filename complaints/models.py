from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import get_language, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from crm_site.org.models import Branch, Department
from customers.models import Customer

from .workflow import OPEN_STEPS, PlanStatus, Step  # PlanStatus lives beside its transition table

User = settings.AUTH_USER_MODEL


class Channel(models.TextChoices):
    WALK_IN = "walk_in", pgettext_lazy("channel", "Walk-in")
    PHONE = "phone", pgettext_lazy("channel", "Phone")
    EMAIL = "email", pgettext_lazy("channel", "Email")
    WEB = "web", _("Web form")
    LETTER = "letter", _("Letter")
    SOCIAL = "social", _("Social / IM")
    OTHER = "other", _("Other")


class Severity(models.TextChoices):
    GENERAL = "general", _("General")
    IMPORTANT = "important", _("Important")
    MAJOR = "major", _("Major")


SEVERITY_HINTS = {
    Severity.GENERAL: _("One customer inconvenienced; no loss, no safety issue."),
    Severity.IMPORTANT: _("Real loss or repeated trouble for the customer, or several customers affected."),
    Severity.MAJOR: _("Safety, legal or media risk, large loss, or many customers: the general manager is involved."),
}


class Priority(models.TextChoices):
    LOW = "low", _("Low")
    NORMAL = "normal", _("Normal")
    HIGH = "high", _("High")
    URGENT = "urgent", _("Urgent")


class EscalationLevel(models.IntegerChoices):
    NONE = 0, _("Not escalated")
    MANAGER = 1, _("Branch manager")
    GENERAL_MANAGER = 2, _("General manager")


class RootCauseGroup(models.TextChoices):
    PEOPLE = "people", _("People")
    PRODUCT = "product", _("Product / service / technology")
    SUPPORT = "support", _("Support")
    CUSTOMER = "customer", _("Customer")
    OTHER = "other", _("Other")


class EmotionalState(models.TextChoices):
    CALM = "calm", _("Calm")
    UPSET = "upset", _("Upset")
    ANGRY = "angry", _("Angry")
    VERY_ANGRY = "very_angry", _("Very angry")


class Category(models.Model):
    """A complaint category, configured by admins, named in both languages."""

    code = models.SlugField(_("code"), max_length=30, unique=True)
    name_en = models.CharField(_("name (English)"), max_length=100)
    name_zh = models.CharField(_("name (Chinese)"), max_length=100)
    is_active = models.BooleanField(_("active"), default=True)
    sort_order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("category")
        verbose_name_plural = _("categories")
        ordering = ["sort_order", "code"]

    def __str__(self) -> str:
        return self.name_zh if (get_language() or "").startswith("zh") else self.name_en


class SlaPolicy(models.Model):
    """Response and resolution limits per severity, in business hours."""

    severity = models.CharField(_("severity"), max_length=20, choices=Severity.choices, unique=True)
    response_hours = models.PositiveIntegerField(_("first response within (business hours)"))
    resolution_hours = models.PositiveIntegerField(_("resolution within (business hours)"))
    due_soon_hours = models.PositiveIntegerField(_("'due soon' warning (hours before)"), default=4)

    class Meta:
        verbose_name = _("SLA policy")
        verbose_name_plural = _("SLA policies")
        ordering = ["resolution_hours"]
        constraints = [
            models.CheckConstraint(
                condition=Q(response_hours__gt=0) & Q(resolution_hours__gte=models.F("response_hours")),
                name="cmp_sla_positive_and_ordered",
            )
        ]

    def __str__(self) -> str:
        return str(self.get_severity_display())


def validate_weekdays(value: str) -> None:
    """ "1,2,3,4,5": ISO weekdays, Monday = 1 … Sunday = 7, at least one."""
    items = [item.strip() for item in value.split(",") if item.strip()]
    if not items or any(not item.isdigit() or not 1 <= int(item) <= 7 for item in items):
        raise ValidationError(
            _("List working days as numbers from 1 (Monday) to 7 (Sunday), separated by commas, e.g. 1,2,3,4,5.")
        )


class BusinessCalendar(models.Model):
    """Working days and hours; a branch's own calendar, or the company default (no branch)."""

    branch = models.OneToOneField(
        Branch,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="business_calendar",
        verbose_name=_("branch"),
    )
    # ISO weekdays, Monday = 1, as a comma-separated list, e.g. "1,2,3,4,5".
    working_days = models.CharField(
        _("working days (1 = Monday … 7 = Sunday)"), max_length=20, default="1,2,3,4,5", validators=[validate_weekdays]
    )
    day_starts = models.TimeField(_("day starts"), default="09:00")
    day_ends = models.TimeField(_("day ends"), default="18:00")

    class Meta:
        verbose_name = _("business calendar")
        verbose_name_plural = _("business calendars")
        constraints = [
            models.CheckConstraint(condition=Q(day_ends__gt=models.F("day_starts")), name="cmp_cal_day_ends_after"),
            # One calendar per branch, and one company default (branch empty).
            models.UniqueConstraint(Coalesce("branch", Value(0)), name="cmp_cal_one_per_branch_or_default"),
        ]

    def __str__(self) -> str:
        return str(self.branch) if self.branch_id else str(_("Company default"))

    @property
    def weekdays(self) -> set[int]:
        return {int(d) for d in self.working_days.split(",") if d.strip().isdigit() and 1 <= int(d) <= 7}


class Holiday(models.Model):
    date = models.DateField(_("date"))
    name = models.CharField(_("name"), max_length=100)
    branch = models.ForeignKey(
        Branch,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="holidays",
        verbose_name=_("branch (empty: every branch)"),
    )

    class Meta:
        verbose_name = _("holiday")
        verbose_name_plural = _("holidays")
        ordering = ["date"]
        indexes = [models.Index(fields=["date"], name="cmp_holiday_date_idx")]

    def __str__(self) -> str:
        return f"{self.date} {self.name}"


class ComplaintSettings(models.Model):
    """Company-wide thresholds (one row)."""

    repeat_window_days = models.PositiveIntegerField(
        _("repeat complaint window (days)"), default=90, validators=[MinValueValidator(1), MaxValueValidator(3650)]
    )
    gm_compensation_threshold = models.DecimalField(
        _("compensation needing the general manager (above)"),
        max_digits=12,
        decimal_places=2,
        default=Decimal("5000.00"),
        validators=[MinValueValidator(Decimal("0"))],
    )
    revisit_within_days = models.PositiveIntegerField(
        _("revisit within (days after the plan is carried out)"), default=3, validators=[MinValueValidator(1)]
    )
    # An overdue complaint goes to the branch manager at once, and to the general manager this long after.
    escalate_to_gm_after_hours = models.PositiveIntegerField(
        _("escalate to the general manager after (hours overdue at the branch manager)"),
        default=24,
        validators=[MinValueValidator(1)],
    )

    class Meta:
        verbose_name = _("complaint settings")
        verbose_name_plural = _("complaint settings")
        constraints = [
            models.CheckConstraint(
                condition=Q(gm_compensation_threshold__gte=0) & Q(repeat_window_days__gte=1),
                name="cmp_settings_sane",
            )
        ]

    def __str__(self) -> str:
        return str(_("Complaint settings"))

    @classmethod
    def current(cls) -> "ComplaintSettings":
        obj, _created = cls.objects.get_or_create(pk=1)
        return obj


class CannedPhrase(models.Model):
    """A reusable phrase (话术) for apologies, empathy and revisit calls."""

    class Kind(models.TextChoices):
        APOLOGY = "apology", _("Apology")
        EMPATHY = "empathy", _("Empathy")
        QUESTION = "question", _("Question")
        REVISIT = "revisit", _("Revisit call")
        OTHER = "other", _("Other")

    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    title = models.CharField(_("title"), max_length=100)
    text = models.TextField(_("text"))
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("canned phrase")
        verbose_name_plural = _("canned phrases")
        ordering = ["kind", "title"]

    def __str__(self) -> str:
        return self.title


class NumberSequence(models.Model):
    """The last complaint number given out per year (locked row: unique under concurrency)."""

    year = models.PositiveSmallIntegerField(primary_key=True)
    last = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.year}: {self.last}"


class ComplaintQuerySet(models.QuerySet):
    def open(self):
        return self.exclude(step=Step.CLOSED)

    # Overdue and due soon: complaints.selectors.overdue_filter / due_soon_filter, the one definition of each.


class Complaint(models.Model):
    number = models.CharField(_("number"), max_length=20, unique=True)
    customer = models.ForeignKey(
        Customer, on_delete=models.PROTECT, related_name="complaints", verbose_name=_("customer")
    )
    branch = models.ForeignKey(Branch, on_delete=models.PROTECT, related_name="complaints", verbose_name=_("branch"))
    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices)
    occurred_at = models.DateTimeField(_("when it happened"))
    location = models.CharField(_("where"), max_length=200, blank=True)
    product = models.CharField(_("product / order"), max_length=200, blank=True)
    customer_words = models.TextField(_("in the customer's own words"))
    customer_request = models.TextField(_("what the customer asks for"), blank=True)
    category = models.ForeignKey(
        Category, on_delete=models.PROTECT, related_name="complaints", verbose_name=_("category")
    )
    severity = models.CharField(_("severity"), max_length=20, choices=Severity.choices, default=Severity.GENERAL)
    priority = models.CharField(_("priority"), max_length=20, choices=Priority.choices, default=Priority.NORMAL)
    step = models.CharField(_("step"), max_length=20, choices=Step.choices, default=Step.LISTEN)
    step_entered_at = models.DateTimeField(_("in this step since"), default=timezone.now)
    # First responder (首问责任人): receives the complaint and stays its owner of record. Empty while a complaint the
    # customer filed (web form, e-mail) waits unassigned in the branch's queue: the first handler assigned becomes it.
    first_responder = models.ForeignKey(
        User,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="complaints_received",
        verbose_name=_("first responder"),
    )
    handler = models.ForeignKey(
        User,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="complaints_handled",
        verbose_name=_("handler"),
    )
    department = models.ForeignKey(
        Department,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="complaints",
        verbose_name=_("responsible department"),
    )
    repeat_of = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="repeats", verbose_name=_("repeat of")
    )
    # Set when a later complaint becomes a repeat of this one (complaint_create): the list's repeat badge reads the
    # row instead of asking, per row, whether any complaint points here.
    has_repeats = models.BooleanField(_("has repeat complaints"), default=False, editable=False)
    # Step content
    key_points = models.TextField(_("key points"), blank=True)
    emotional_state = models.CharField(_("emotional state"), max_length=20, choices=EmotionalState.choices, blank=True)
    empathy_given = models.TextField(_("apology / empathy given"), blank=True)
    root_cause_group = models.CharField(
        _("root-cause group"), max_length=20, choices=RootCauseGroup.choices, blank=True
    )
    root_cause = models.TextField(_("root cause"), blank=True)
    customer_confirmed_at = models.DateTimeField(_("confirmed by the customer"), null=True, blank=True)
    customer_confirmation = models.TextField(_("customer confirmation notes"), blank=True)
    company_confirmed_at = models.DateTimeField(_("confirmed by the company"), null=True, blank=True)
    company_confirmation = models.TextField(_("company confirmation notes"), blank=True)
    # SLA
    response_due_at = models.DateTimeField(_("first response due"))
    resolution_due_at = models.DateTimeField(_("resolution due"))
    first_responded_at = models.DateTimeField(_("first responded"), null=True, blank=True)
    # Raised by complaints.schedule when overdue; an extension or a reopening sets it back to none.
    escalation_level = models.PositiveSmallIntegerField(
        _("escalation level"), choices=EscalationLevel.choices, default=EscalationLevel.NONE
    )
    escalated_at = models.DateTimeField(_("escalated at"), null=True, blank=True)
    revisit_due_at = models.DateTimeField(_("revisit due"), null=True, blank=True)
    # Closing
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    closed_without_satisfaction = models.BooleanField(_("closed without satisfaction"), default=False)
    close_reason = models.TextField(_("reason for closing"), blank=True)
    is_archived = models.BooleanField(_("archived"), default=False)
    version = models.PositiveIntegerField(default=1)  # Bumped by every write: stale forms are refused.
    created_at = models.DateTimeField(_("received at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = ComplaintQuerySet.as_manager()

    class Meta:
        verbose_name = _("complaint")
        verbose_name_plural = _("complaints")
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["branch", "step"], name="cmp_branch_step_idx"),
            models.Index(fields=["step", "resolution_due_at"], name="cmp_step_due_idx"),
            models.Index(fields=["handler", "step"], name="cmp_handler_step_idx"),
            models.Index(fields=["first_responder", "step"], name="cmp_responder_step_idx"),
            models.Index(fields=["customer", "-created_at"], name="cmp_customer_created_idx"),
            models.Index(fields=["severity"], name="cmp_severity_idx"),
            # Newest first for the lists; the included columns let the CSI dashboard's complaint figures (received,
            # closed, within SLA per category and root cause, their revisits) read a period from the index alone.
            models.Index(
                fields=["-created_at"],
                include=["id", "branch", "customer", "category", "root_cause_group", "closed_at", "resolution_due_at"],
                name="cmp_created_cover_idx",
            ),
            # The list's escalation filter: few complaints are escalated.
            models.Index(fields=["escalation_level"], name="cmp_escalated_idx", condition=Q(escalation_level__gt=0)),
            # The schedule's scans (complaints.schedule), every minute: open complaints by deadline, and those still
            # waiting for a first response by theirs.
            models.Index(fields=["resolution_due_at"], name="cmp_open_due_idx", condition=~Q(step="closed")),
            # The open queue (the list's default, the home pages' counts and urgent list): a few percent of a table
            # that keeps every complaint ever received, so only the open rows are indexed. Newest first, company-wide
            # and per branch; the per-branch one carries what the home counts read, so they need not visit the table.
            models.Index(fields=["-created_at", "-id"], name="cmp_open_created_idx", condition=~Q(step="closed")),
            models.Index(
                fields=["branch", "-created_at", "-id"],
                include=[
                    "handler",
                    "first_responder",
                    "severity",
                    "resolution_due_at",
                    "response_due_at",
                    "first_responded_at",
                ],
                name="cmp_open_branch_created_idx",
                condition=~Q(step="closed"),
            ),
            models.Index(
                fields=["branch", "resolution_due_at"], name="cmp_open_branch_due_idx", condition=~Q(step="closed")
            ),
            # The search's customers' complaints in the user's branch: a broad name fragment probes thousands of
            # customers, each from the index alone.
            models.Index(fields=["customer", "branch"], name="cmp_customer_branch_idx"),
            # A general manager's queue of one severity (most severe first, or the filter): the open rows of that
            # severity, without visiting every open complaint's row to read it.
            models.Index(
                fields=["severity", "-created_at", "-id"], name="cmp_open_severity_idx", condition=~Q(step="closed")
            ),
            # The approval queues (and the home pages' count of them) keep plans whose complaint is in Action: the
            # keys of those complaints, read from this index alone, instead of every open complaint's row.
            models.Index(fields=["id"], name="cmp_in_action_idx", condition=Q(step="action")),
            models.Index(
                fields=["response_due_at"],
                name="cmp_unanswered_due_idx",
                condition=Q(first_responded_at__isnull=True) & ~Q(step="closed"),
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(step="closed") | Q(closed_at__isnull=False), name="cmp_closed_has_time"
            ),
            models.CheckConstraint(
                condition=Q(closed_without_satisfaction=False) | ~Q(close_reason=""),
                name="cmp_force_close_has_reason",
            ),
            models.CheckConstraint(
                condition=Q(escalation_level__gte=0) & Q(escalation_level__lte=2), name="cmp_escalation_level_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def is_open(self) -> bool:
        return self.step in OPEN_STEPS

    @property
    def is_response_overdue(self) -> bool:
        return self.is_open and self.first_responded_at is None and self.response_due_at < timezone.now()

    @property
    def is_overdue(self) -> bool:
        """Past the resolution deadline, or without a first response past that deadline (as ``overdue_filter``)."""
        return self.is_open and (self.resolution_due_at < timezone.now() or self.is_response_overdue)

    @cached_property
    def current_plan(self) -> "ResolutionPlan | None":
        return self.plans.exclude(status=PlanStatus.SUPERSEDED).order_by("-pk").first()

    @cached_property
    def last_revisit(self) -> "Revisit | None":
        return self.revisits.order_by("-pk").first()


class ResolutionPlan(models.Model):
    complaint = models.ForeignKey(
        Complaint, on_delete=models.PROTECT, related_name="plans", verbose_name=_("complaint")
    )
    summary = models.TextField(_("plan"))
    deadline = models.DateField(_("carried out by"))
    status = models.CharField(
        _("status"), max_length=20, choices=PlanStatus.choices, default=PlanStatus.PENDING_MANAGER
    )
    needs_gm = models.BooleanField(_("needs the general manager"), default=False)
    total_amount = models.DecimalField(_("total amount"), max_digits=12, decimal_places=2, default=Decimal("0"))
    approved_amount = models.DecimalField(_("approved amount"), max_digits=12, decimal_places=2, null=True, blank=True)
    submitted_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+", verbose_name=_("submitted by"))
    submitted_at = models.DateTimeField(_("submitted at"), default=timezone.now)

    class Meta:
        verbose_name = _("resolution plan")
        verbose_name_plural = _("resolution plans")
        ordering = ["-pk"]
        indexes = [models.Index(fields=["status"], name="cmp_plan_status_idx")]

    def __str__(self) -> str:
        return f"{self.complaint_id}/{self.pk}"


class Remedy(models.Model):
    class Kind(models.TextChoices):
        REFUND = "refund", _("Refund")
        EXCHANGE = "exchange", _("Exchange")
        REPAIR = "repair", _("Repair")
        DISCOUNT = "discount", _("Discount")
        COMPENSATION = "compensation", _("Compensation")
        APOLOGY_LETTER = "apology_letter", _("Apology letter")
        SERVICE_REDO = "service_redo", _("Service redo")
        OTHER = "other", _("Other")

    plan = models.ForeignKey(ResolutionPlan, on_delete=models.PROTECT, related_name="remedies", verbose_name=_("plan"))
    kind = models.CharField(_("remedy"), max_length=20, choices=Kind.choices)
    description = models.CharField(_("description"), max_length=300, blank=True)
    amount = models.DecimalField(
        _("amount"), max_digits=12, decimal_places=2, default=Decimal("0"), validators=[MinValueValidator(Decimal("0"))]
    )
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    done_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("done by")
    )

    class Meta:
        verbose_name = _("remedy")
        verbose_name_plural = _("remedies")
        ordering = ["pk"]
        constraints = [models.CheckConstraint(condition=Q(amount__gte=0), name="cmp_remedy_amount_not_negative")]

    def __str__(self) -> str:
        return str(self.get_kind_display())


class PlanDecision(models.Model):
    """An approval or rejection; one per plan and level, so two managers cannot both decide."""

    class Level(models.TextChoices):
        MANAGER = "manager", _("Manager")
        GENERAL_MANAGER = "general_manager", _("General manager")

    plan = models.ForeignKey(ResolutionPlan, on_delete=models.PROTECT, related_name="decisions", verbose_name=_("plan"))
    level = models.CharField(_("level"), max_length=20, choices=Level.choices)
    approved = models.BooleanField(_("approved"))
    comment = models.TextField(_("comment"), blank=True)
    decided_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+", verbose_name=_("decided by"))
    decided_at = models.DateTimeField(_("decided at"), default=timezone.now)

    class Meta:
        verbose_name = _("plan decision")
        verbose_name_plural = _("plan decisions")
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "level"], name="cmp_one_decision_per_plan_level"),
            models.CheckConstraint(condition=Q(approved=True) | ~Q(comment=""), name="cmp_rejection_has_comment"),
        ]

    def __str__(self) -> str:
        return f"{self.plan_id} {self.level} {self.approved}"


class CustomerResponse(models.Model):
    """The negotiation log: what the customer said to a plan."""

    class Outcome(models.TextChoices):
        ACCEPTED = "accepted", _("Accepted")
        COUNTER_OFFER = "counter_offer", _("Counter-offer")
        REFUSED = "refused", _("Refused")

    plan = models.ForeignKey(ResolutionPlan, on_delete=models.PROTECT, related_name="responses", verbose_name=_("plan"))
    outcome = models.CharField(_("outcome"), max_length=20, choices=Outcome.choices)
    notes = models.TextField(_("notes"), blank=True)
    recorded_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+", verbose_name=_("recorded by"))
    recorded_at = models.DateTimeField(_("recorded at"), default=timezone.now)

    class Meta:
        verbose_name = _("customer response")
        verbose_name_plural = _("customer responses")
        ordering = ["pk"]

    def __str__(self) -> str:
        return str(self.get_outcome_display())


class Revisit(models.Model):
    """The revisit (回访) after the plan was carried out."""

    class Outcome(models.TextChoices):
        RESOLVED = "resolved", _("Resolved")
        NOT_RESOLVED = "not_resolved", _("Not resolved")

    complaint = models.ForeignKey(
        Complaint, on_delete=models.PROTECT, related_name="revisits", verbose_name=_("complaint")
    )
    outcome = models.CharField(_("outcome"), max_length=20, choices=Outcome.choices)
    score = models.PositiveSmallIntegerField(
        _("satisfaction (1–5)"), validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    signed_off = models.BooleanField(_("customer signed off"), default=False)
    prevention_measure = models.TextField(_("prevention measure"), blank=True)
    notes = models.TextField(_("notes"), blank=True)
    recorded_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+", verbose_name=_("recorded by"))
    recorded_at = models.DateTimeField(_("recorded at"), default=timezone.now)

    class Meta:
        verbose_name = _("revisit")
        verbose_name_plural = _("revisits")
        ordering = ["pk"]
        constraints = [
            models.CheckConstraint(condition=Q(score__gte=1) & Q(score__lte=5), name="cmp_revisit_score_1_5")
        ]

    def __str__(self) -> str:
        return f"{self.complaint_id} {self.score}"

    @property
    def is_satisfied(self) -> bool:
        return self.outcome == self.Outcome.RESOLVED and self.score >= 3


class Attachment(models.Model):
    complaint = models.ForeignKey(
        Complaint, on_delete=models.PROTECT, related_name="attachments", verbose_name=_("complaint")
    )
    file = models.FileField(_("file"), upload_to="complaints/%Y/%m/")
    original_name = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(_("type"), max_length=100)
    size = models.PositiveIntegerField(_("size"))
    # Empty: sent by the customer (the public status page, an e-mail).
    uploaded_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("uploaded by")
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), default=timezone.now)

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.original_name


class TimelineEvent(models.Model):
    """Everything that happened to a complaint (登记备案), written only by services."""

    class Kind(models.TextChoices):
        CREATED = "created", _("Received")
        STEP = "step", _("Step completed")
        RECORDED = "recorded", _("Step details recorded")
        ASSIGNED = "assigned", _("Assigned")
        NOTE = "note", _("Note")
        CONFIRMED = "confirmed", _("Problem confirmed")
        ATTACHMENT = "attachment", _("Attachment added")
        PLAN = "plan", _("Plan submitted")
        DECISION = "decision", _("Plan decided")
        RESPONSE = "response", _("Customer response")
        REMEDY = "remedy", _("Remedy done")
        EXTENSION = "extension", _("Deadline extended")
        REVISIT = "revisit", _("Revisit")
        REOPENED = "reopened", _("Reopened")
        CLOSED = "closed", _("Closed")
        ARCHIVED = "archived", _("Archived")
        REPEAT = "repeat", _("Linked as repeat")
        ESCALATED = "escalated", _("Overdue: escalated to the branch manager")
        ESCALATED_GM = "escalated_gm", _("Still overdue: escalated to the general manager")
        REVISIT_MISSED = "revisit_missed", _("Revisit missed: the branch manager was told")
        CUSTOMER_MESSAGE = "customer_message", _("Message from the customer")

    complaint = models.ForeignKey(
        Complaint, on_delete=models.PROTECT, related_name="timeline", verbose_name=_("complaint")
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    actor = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("by")
    )
    from_step = models.CharField(_("from"), max_length=20, choices=Step.choices, blank=True)
    to_step = models.CharField(_("to"), max_length=20, choices=Step.choices, blank=True)
    note = models.TextField(_("note"), blank=True)
    # What the system knows of the event (codes, numbers, amounts), shown in the reader's language;
    # ``note`` holds only what a person wrote.
    data = models.JSONField(_("details"), default=dict, blank=True)
    is_internal = models.BooleanField(_("internal"), default=True)
    created_at = models.DateTimeField(_("at"), default=timezone.now)

    class Meta:
        verbose_name = _("timeline event")
        verbose_name_plural = _("timeline events")
        ordering = ["created_at", "pk"]
        indexes = [
            models.Index(fields=["complaint", "created_at"], name="cmp_timeline_idx"),
            # The statistics' time in each step (reports.selectors.step_durations): the step changes only, already
            # in the order of its LEAD() window, read from the index alone (half of the timeline is notes).
            models.Index(
                fields=["complaint", "created_at", "id"],
                include=["to_step"],
                condition=~Q(to_step=""),
                name="cmp_timeline_steps_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.complaint_id} {self.kind}"


class Extension(models.Model):
    complaint = models.ForeignKey(
        Complaint, on_delete=models.PROTECT, related_name="extensions", verbose_name=_("complaint")
    )
    reason = models.TextField(_("reason"))
    old_due_at = models.DateTimeField(_("was due"))
    new_due_at = models.DateTimeField(_("now due"))
    granted_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+", verbose_name=_("granted by"))
    granted_at = models.DateTimeField(_("granted at"), default=timezone.now)

    class Meta:
        verbose_name = _("deadline extension")
        verbose_name_plural = _("deadline extensions")
        constraints = [
            models.CheckConstraint(condition=Q(new_due_at__gt=models.F("old_due_at")), name="cmp_ext_later"),
            models.CheckConstraint(condition=~Q(reason=""), name="cmp_ext_has_reason"),
        ]

    def __str__(self) -> str:
        return f"{self.complaint_id} → {self.new_due_at}"
