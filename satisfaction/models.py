"""Satisfaction (客户满意度, CSI): survey templates, campaigns, personal invitations and the answers.

A template is versioned: once it has answers, editing it makes a new version, so old answers keep their meaning.
Every answer set is a ``Response`` (from a link, a phone call, or a complaint revisit) with one ``Answer`` per
answered item; the figures (satisfaction/selectors.py) are SQL aggregates over them.
"""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from complaints.models import Complaint, Revisit
from crm_site.org.models import Branch
from customers.models import Customer, Quadrant, Tier


class Score(models.IntegerChoices):
    """The sources' 5-point scale (1非常不满意 2不满意 3稍微不满意 4满意 5非常满意)."""

    VERY_DISSATISFIED = 1, _("Very dissatisfied")
    DISSATISFIED = 2, _("Dissatisfied")
    SLIGHTLY_DISSATISFIED = 3, _("Slightly dissatisfied")
    SATISFIED = 4, _("Satisfied")
    VERY_SATISFIED = 5, _("Very satisfied")


class LoyaltyZone(models.IntegerChoices):
    """The satisfaction–loyalty curve's zones, one per overall score (the sources' 满意度与忠诚度的关系)."""

    TERRORIST = 1, _("Terrorist")
    DEFECTOR = 2, _("Defector")
    INDIFFERENCE = 3, _("Indifference")
    AFFECTION = 4, _("Affection")
    APOSTLE = 5, _("Apostle")


class Repurchase(models.TextChoices):
    YES = "yes", _("Yes")
    NO = "no", _("No")
    UNSURE = "unsure", _("Not sure")


def bilingual(obj, field: str) -> str:
    """The Chinese or English text of a ``<field>_zh`` / ``<field>_en`` pair, in the reader's language."""
    zh = (get_language() or "").startswith("zh")
    return getattr(obj, f"{field}_zh") if zh and getattr(obj, f"{field}_zh") else getattr(obj, f"{field}_en")


class Dimension(models.Model):
    """A group of survey items (product quality, service attitude, response speed…), configured by admins."""

    code = models.SlugField(_("code"), max_length=30, unique=True)
    name_en = models.CharField(_("name (English)"), max_length=100)
    name_zh = models.CharField(_("name (Chinese)"), max_length=100)
    sort_order = models.PositiveSmallIntegerField(_("order"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("dimension")
        verbose_name_plural = _("dimensions")
        ordering = ["sort_order", "code"]

    def __str__(self) -> str:
        return bilingual(self, "name")


class SurveyTemplate(models.Model):
    """One version of a questionnaire. Versions of one questionnaire share ``code``; one of them is current."""

    class Kind(models.TextChoices):
        SURVEY = "survey", _("Survey")
        # The one-question template that every complaint revisit answers (made by a migration).
        REVISIT = "revisit", _("Complaint revisit")

    code = models.SlugField(_("code"), max_length=40)
    version = models.PositiveSmallIntegerField(_("version"), default=1)
    is_current = models.BooleanField(_("current version"), default=True)
    is_active = models.BooleanField(_("active"), default=True)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.SURVEY)
    name_en = models.CharField(_("name (English)"), max_length=200)
    name_zh = models.CharField(_("name (Chinese)"), max_length=200)
    intro_en = models.TextField(_("introduction (English)"), blank=True, max_length=2000)
    intro_zh = models.TextField(_("introduction (Chinese)"), blank=True, max_length=2000)
    ask_importance = models.BooleanField(_("ask how important each item is (1–10)"), default=False)
    ask_repurchase = models.BooleanField(_("ask whether they would buy again"), default=True)
    ask_recommend = models.BooleanField(_("ask whether they would recommend us (0–10)"), default=True)
    ask_comment = models.BooleanField(_("ask for comments"), default=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )

    class Meta:
        verbose_name = _("survey template")
        verbose_name_plural = _("survey templates")
        ordering = ["code", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["code", "version"], name="sat_template_code_version"),
            models.UniqueConstraint(fields=["code"], condition=Q(is_current=True), name="sat_template_one_current"),
        ]

    def __str__(self) -> str:
        return f"{bilingual(self, 'name')} (v{self.version})"

    @property
    def name(self) -> str:
        return bilingual(self, "name")

    @property
    def intro(self) -> str:
        return bilingual(self, "intro")


class SurveyItem(models.Model):
    """A statement the customer scores 1–5, with its weight in the CSI."""

    template = models.ForeignKey(
        SurveyTemplate, on_delete=models.PROTECT, related_name="items", verbose_name=_("template")
    )
    dimension = models.ForeignKey(
        Dimension, on_delete=models.PROTECT, related_name="items", verbose_name=_("dimension")
    )
    text_en = models.CharField(_("item (English)"), max_length=300)
    text_zh = models.CharField(_("item (Chinese)"), max_length=300)
    weight = models.DecimalField(
        _("weight"),
        max_digits=5,
        decimal_places=2,
        default=Decimal("1"),
        validators=[MinValueValidator(Decimal("0.01")), MaxValueValidator(Decimal("100"))],
    )
    sort_order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("survey item")
        verbose_name_plural = _("survey items")
        ordering = ["template", "sort_order", "pk"]
        constraints = [models.CheckConstraint(condition=Q(weight__gt=0), name="sat_item_weight_positive")]

    def __str__(self) -> str:
        return bilingual(self, "text")

    @property
    def text(self) -> str:
        return bilingual(self, "text")


class Campaign(models.Model):
    """A template version sent to a segment of customers, each through a personal link."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SENT = "sent", _("Sent")
        CLOSED = "closed", _("Closed")

    name = models.CharField(_("name"), max_length=200)
    template = models.ForeignKey(
        SurveyTemplate, on_delete=models.PROTECT, related_name="campaigns", verbose_name=_("template")
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    # The segment: every condition set must hold. A branch manager's campaigns are for their branch.
    branch = models.ForeignKey(
        Branch, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("branch")
    )
    tier = models.CharField(_("tier"), max_length=1, choices=Tier.choices, blank=True)
    quadrant = models.CharField(_("value quadrant"), max_length=20, choices=Quadrant.choices, blank=True)
    complaint_closed_from = models.DateField(_("complaint closed from"), null=True, blank=True)
    complaint_closed_to = models.DateField(_("complaint closed until"), null=True, blank=True)
    picked_customers = models.ManyToManyField(
        Customer, blank=True, related_name="+", verbose_name=_("hand-picked customers")
    )
    skip_recent_days = models.PositiveSmallIntegerField(
        _("skip customers surveyed in the last (days)"), default=90, validators=[MaxValueValidator(3650)]
    )
    link_valid_days = models.PositiveSmallIntegerField(
        _("links valid for (days)"), default=14, validators=[MinValueValidator(1), MaxValueValidator(365)]
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("created by")
    )
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("survey campaign")
        verbose_name_plural = _("survey campaigns")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(complaint_closed_from__isnull=True)
                | Q(complaint_closed_to__isnull=True)
                | Q(complaint_closed_to__gte=models.F("complaint_closed_from")),
                name="sat_campaign_period_ordered",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Invitation(models.Model):
    """One customer's personal link to a campaign: single use, with an expiry. Only the token's hash is stored."""

    class State(models.TextChoices):
        PENDING = "pending", _("Not answered yet")
        ANSWERED = "answered", _("Answered")
        CANCELLED = "cancelled", _("Cancelled")

    campaign = models.ForeignKey(Campaign, on_delete=models.PROTECT, related_name="invitations")
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="survey_invitations")
    # A random salt: the token is an HMAC of it and the id under SECRET_KEY, so staff can show the link again,
    # while the database alone (a backup, say) never reveals one. Looked up by the token's SHA-256.
    salt = models.CharField(max_length=32)
    token_hash = models.CharField(max_length=64, unique=True)
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.PENDING)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires at"))
    opened_at = models.DateTimeField(_("first opened at"), null=True, blank=True)
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    emailed_at = models.DateTimeField(_("e-mailed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("survey invitation")
        verbose_name_plural = _("survey invitations")
        constraints = [
            models.UniqueConstraint(fields=["campaign", "customer"], name="sat_invitation_once_per_campaign"),
        ]
        indexes = [models.Index(fields=["customer", "-created_at"], name="sat_invitation_customer_idx")]

    def __str__(self) -> str:
        return f"{self.campaign} → {self.customer}"


class Response(models.Model):
    """One customer's answers: through a link, recorded by staff from a phone call, or a complaint revisit."""

    class Source(models.TextChoices):
        LINK = "link", _("Personal link")
        PHONE = "phone", _("Phone call (recorded by staff)")
        REVISIT = "revisit", _("Complaint revisit")

    template = models.ForeignKey(
        SurveyTemplate, on_delete=models.PROTECT, related_name="responses", verbose_name=_("template")
    )
    campaign = models.ForeignKey(
        Campaign, on_delete=models.PROTECT, null=True, blank=True, related_name="responses", verbose_name=_("campaign")
    )
    invitation = models.OneToOneField(
        Invitation, on_delete=models.PROTECT, null=True, blank=True, related_name="response"
    )
    customer = models.ForeignKey(
        Customer, on_delete=models.PROTECT, related_name="survey_responses", verbose_name=_("customer")
    )
    # Who the answer counts for on the dashboards: the customer's branch when answering, or the complaint's.
    branch = models.ForeignKey(Branch, on_delete=models.PROTECT, related_name="+", verbose_name=_("branch"))
    # The customer's segment when answering, so a later reclassification does not rewrite history.
    tier = models.CharField(_("tier"), max_length=1, choices=Tier.choices, blank=True)
    quadrant = models.CharField(_("value quadrant"), max_length=20, choices=Quadrant.choices, blank=True)
    source = models.CharField(_("source"), max_length=10, choices=Source.choices)
    complaint = models.ForeignKey(
        Complaint,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="satisfaction_responses",
        verbose_name=_("complaint"),
    )
    revisit = models.OneToOneField(
        Revisit, on_delete=models.PROTECT, null=True, blank=True, related_name="satisfaction_response"
    )
    overall = models.PositiveSmallIntegerField(_("overall satisfaction"), choices=Score.choices, null=True, blank=True)
    repurchase = models.CharField(_("would buy again"), max_length=10, choices=Repurchase.choices, blank=True)
    recommend = models.PositiveSmallIntegerField(
        _("would recommend (0–10)"), null=True, blank=True, validators=[MaxValueValidator(10)]
    )
    comment = models.TextField(_("comments"), blank=True, max_length=4000)
    language = models.CharField(_("language"), max_length=10, blank=True)
    answered_at = models.DateTimeField(_("answered at"), default=timezone.now)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    # Σ weight × (score − 1) / 4 × 100 and Σ weight over the answered items, kept with the response so a CSI over
    # many responses is Σ/Σ without reading every answer (services write them with the answers).
    weighted_points = models.DecimalField(max_digits=12, decimal_places=4, default=Decimal("0"))
    weight_answered = models.DecimalField(max_digits=10, decimal_places=2, default=Decimal("0"))

    class Meta:
        verbose_name = _("survey response")
        verbose_name_plural = _("survey responses")
        ordering = ["-answered_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(overall__isnull=True) | (Q(overall__gte=1) & Q(overall__lte=5)), name="sat_overall_1_5"
            ),
            models.CheckConstraint(
                condition=Q(recommend__isnull=True) | (Q(recommend__gte=0) & Q(recommend__lte=10)),
                name="sat_recommend_0_10",
            ),
        ]
        indexes = [
            # The CSI and NPS of a period (the home pages' 90 days, a custom period) and the latest answers of each
            # customer for loyalty × contribution: read from the index alone.
            models.Index(
                fields=["answered_at"],
                include=["id", "weighted_points", "weight_answered", "recommend", "customer", "repurchase"],
                name="sat_response_time_idx",
            ),
            models.Index(
                fields=["branch", "answered_at"],
                include=["id", "weighted_points", "weight_answered", "recommend"],
                name="sat_response_branch_idx",
            ),
            models.Index(fields=["template", "answered_at"], name="sat_response_template_idx"),
            # A customer's responses, newest first; the dashboard's loyalty grid reads each customer's latest response
            # in a period from it alone, already in the window's order (no sort).
            models.Index(
                fields=["customer", "-answered_at", "-id"],
                include=["repurchase", "recommend", "branch"],
                name="sat_response_latest_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.customer} {self.answered_at:%Y-%m-%d}"


class Answer(models.Model):
    """A score for one item, with how important the customer says it is (when the template asks)."""

    response = models.ForeignKey(Response, on_delete=models.PROTECT, related_name="answers")
    item = models.ForeignKey(SurveyItem, on_delete=models.PROTECT, related_name="answers")
    score = models.PositiveSmallIntegerField(_("score"), choices=Score.choices)
    importance = models.PositiveSmallIntegerField(
        _("importance (1–10)"), null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(10)]
    )

    class Meta:
        verbose_name = _("answer")
        verbose_name_plural = _("answers")
        constraints = [
            models.UniqueConstraint(fields=["response", "item"], name="sat_answer_once_per_item"),
            models.CheckConstraint(condition=Q(score__gte=1) & Q(score__lte=5), name="sat_answer_score_1_5"),
            models.CheckConstraint(
                condition=Q(importance__isnull=True) | (Q(importance__gte=1) & Q(importance__lte=10)),
                name="sat_answer_importance_1_10",
            ),
        ]
        indexes = [
            models.Index(fields=["item", "response"], name="sat_answer_item_idx"),
            # The dashboard's per-item sums read a response's answers from the index alone (index-only scans).
            models.Index(
                fields=["response"], include=["item", "score", "importance"], name="sat_answer_response_cover_idx"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.item}: {self.score}"


class AnswerMonth(models.Model):
    """The answers of one local month (TIME_ZONE) summed per branch, questionnaire version, segment, source,
    complainant flag and item: what the dashboard's per-item, per-dimension and importance–performance figures read
    for whole months instead of the answers. Written with the answers (``services._response_write``) and rebuilt from
    them by ``manage.py rebuild_csi_summary`` (backfills, bulk writers, anything that changes answers afterwards).

    ``is_complainant`` is the complainant rule as of the answer: a revisit answer, or a customer with a complaint
    created at or before the answer. The dashboard's group filter asks whether the customer has a complaint now,
    which a later complaint changes for all their past answers, so that filter keeps reading the answers live.
    """

    month = models.DateField(_("month"))  # the first day
    branch = models.ForeignKey(Branch, on_delete=models.CASCADE, related_name="+")
    template = models.ForeignKey(SurveyTemplate, on_delete=models.CASCADE, related_name="+")
    tier = models.CharField(max_length=1, choices=Tier.choices, blank=True)
    quadrant = models.CharField(max_length=20, choices=Quadrant.choices, blank=True)
    source = models.CharField(max_length=10, choices=Response.Source.choices)
    is_complainant = models.BooleanField()
    item = models.ForeignKey(SurveyItem, on_delete=models.CASCADE, related_name="+")
    answer_count = models.PositiveIntegerField(default=0)
    score_sum = models.PositiveIntegerField(default=0)
    # Σ weight × (score − 1) × 25 and Σ weight, as Response.weighted_points / weight_answered hold them per response
    points_sum = models.DecimalField(max_digits=16, decimal_places=4, default=Decimal("0"))
    weight_sum = models.DecimalField(max_digits=14, decimal_places=2, default=Decimal("0"))
    importance_count = models.PositiveIntegerField(default=0)
    importance_sum = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("answers of a month")
        verbose_name_plural = _("answers of a month")
        constraints = [
            models.UniqueConstraint(
                fields=["month", "branch", "template", "tier", "quadrant", "source", "is_complainant", "item"],
                name="sat_answer_month_key",
            ),
        ]
        indexes = [models.Index(fields=["branch", "month"], name="sat_answer_month_branch_idx")]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.item_id}: {self.answer_count}"


class ResponseMonth(models.Model):
    """The responses of one local month (TIME_ZONE) summed per branch, questionnaire version, segment, source and
    complainant flag (AnswerMonth's key without the item): what the dashboard's response-level figures (CSI and NPS
    in all, per branch, tier, quadrant, questionnaire and month, and the loyalty zones) read for whole months instead
    of the responses. Written with each response (``services._response_write``) and rebuilt with AnswerMonth by
    ``manage.py rebuild_csi_summary``; ``is_complainant`` as there."""

    month = models.DateField(_("month"))  # the first day
    branch = models.ForeignKey(Branch, on_delete=models.CASCADE, related_name="+")
    template = models.ForeignKey(SurveyTemplate, on_delete=models.CASCADE, related_name="+")
    tier = models.CharField(max_length=1, choices=Tier.choices, blank=True)
    quadrant = models.CharField(max_length=20, choices=Quadrant.choices, blank=True)
    source = models.CharField(max_length=10, choices=Response.Source.choices)
    is_complainant = models.BooleanField()
    response_count = models.PositiveIntegerField(default=0)
    # Σ Response.weighted_points and Σ Response.weight_answered
    points_sum = models.DecimalField(max_digits=18, decimal_places=4, default=Decimal("0"))
    weight_sum = models.DecimalField(max_digits=16, decimal_places=2, default=Decimal("0"))
    recommend_count = models.PositiveIntegerField(default=0)  # answered "would you recommend us"
    promoter_count = models.PositiveIntegerField(default=0)  # recommend 9–10
    detractor_count = models.PositiveIntegerField(default=0)  # recommend 0–6
    # Responses per overall score (loyalty zone): 1 terrorist … 5 apostle
    overall_1 = models.PositiveIntegerField(default=0)
    overall_2 = models.PositiveIntegerField(default=0)
    overall_3 = models.PositiveIntegerField(default=0)
    overall_4 = models.PositiveIntegerField(default=0)
    overall_5 = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("responses of a month")
        verbose_name_plural = _("responses of a month")
        constraints = [
            models.UniqueConstraint(
                fields=["month", "branch", "template", "tier", "quadrant", "source", "is_complainant"],
                name="sat_response_month_key",
            ),
        ]
        indexes = [models.Index(fields=["branch", "month"], name="sat_response_month_branch_idx")]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.branch_id}: {self.response_count}"
