from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import get_language, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from crm_site.org.models import Branch


class Quadrant(models.TextChoices):
    """The value matrix (客户价值矩阵): current value × potential value."""

    HIGH = "high", _("High value")
    SECONDARY = "secondary", _("Secondary value")
    POTENTIAL = "potential", pgettext_lazy("quadrant", "Potential value")
    LOW = "low", _("Low value")


class Tier(models.TextChoices):
    """Key-customer tiers (A/B/C 分级)."""

    A = "A", _("A")
    B = "B", _("B")
    C = "C", _("C")


class Channel(models.TextChoices):
    """How staff and customer spoke (沟通记录)."""

    VISIT = "visit", _("Visit")
    PHONE = "phone", _("Phone")
    SMS = "sms", _("SMS")
    EMAIL = "email", _("Email")
    IM = "im", _("IM / chat")
    MEETING = "meeting", _("Meeting")


class Tag(models.Model):
    name = models.CharField(_("name"), max_length=50)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("tag")
        verbose_name_plural = _("tags")
        ordering = ["name"]
        constraints = [models.UniqueConstraint(Lower("name"), name="cust_tag_name_ci_unique")]

    def __str__(self) -> str:
        return self.name


class Customer(models.Model):
    """The single customer record (客户档案) for the whole company.

    The value fields (current value … classified_at) are written only by the classification
    service, in a few set-based statements; they are stored here so that lists and the matrix
    filter on them without aggregating transactions.
    """

    class Kind(models.TextChoices):
        INDIVIDUAL = "individual", _("Individual")
        COMPANY = "company", _("Company")

    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        AT_RISK = "at_risk", _("At risk")
        CHURNED = "churned", _("Churned")

    class AtRiskReason(models.TextChoices):
        NO_PURCHASE = "no_purchase", _("No purchase for a long time")
        FALLING_SPEND = "falling_spend", _("Falling spend")
        MANUAL = "manual", _("Flagged by staff")

    code = models.CharField(_("customer code"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("type"), max_length=20, choices=Kind.choices, default=Kind.INDIVIDUAL)
    company_name = models.CharField(_("company"), max_length=200, blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    phone_e164 = models.CharField(_("phone (E.164)"), max_length=30, blank=True, editable=False)  # what lookups match
    email = models.EmailField(_("email"), blank=True)
    address = models.CharField(_("address"), max_length=300, blank=True)
    branch = models.ForeignKey(Branch, on_delete=models.PROTECT, related_name="customers", verbose_name=_("branch"))
    account_manager = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="managed_customers",
        verbose_name=_("account manager"),
    )
    tags = models.ManyToManyField(Tag, blank=True, related_name="customers", verbose_name=_("tags"))
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.ACTIVE)
    churn_reason = models.CharField(_("churn reason"), max_length=300, blank=True)
    churned_on = models.DateField(_("churned on"), null=True, blank=True)
    at_risk_reason = models.CharField(_("why at risk"), max_length=20, choices=AtRiskReason.choices, blank=True)
    source = models.CharField(_("source"), max_length=100, blank=True)
    # Created from what a visitor typed on the public complaint form or in an e-mail: nobody has checked who they are.
    unverified = models.BooleanField(_("unverified"), default=False)
    possible_duplicate_of = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("possible duplicate of"),
    )
    latest_assessment = models.ForeignKey(
        "PotentialAssessment",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("latest assessment"),
    )
    # Classification results (written by customers_classify only).
    current_value = models.DecimalField(_("current value"), max_digits=16, decimal_places=2, default=Decimal("0"))
    potential_score = models.DecimalField(
        _("potential value"), max_digits=5, decimal_places=2, null=True, blank=True, help_text=_("0–100")
    )
    window_sales = models.DecimalField(_("sales in the window"), max_digits=16, decimal_places=2, default=Decimal("0"))
    window_purchases = models.PositiveIntegerField(_("purchases in the window"), default=0)
    last_purchase_on = models.DateField(_("last purchase"), null=True, blank=True)
    quadrant = models.CharField(_("value quadrant"), max_length=20, choices=Quadrant.choices, blank=True)
    tier = models.CharField(_("tier"), max_length=1, choices=Tier.choices, blank=True)
    classified_at = models.DateTimeField(_("value figures changed at"), null=True, blank=True)
    # The customer's latest survey answer (satisfaction.services keeps them with every answer): loyalty × contribution
    # counts the customers who last answered in a period from these and the status and quadrant beside them, from
    # one index, instead of finding each customer's latest answer among the period's and looking the customer up.
    last_answered_at = models.DateTimeField(_("last survey answer"), null=True, blank=True, editable=False)
    last_repurchase = models.CharField(_("would buy again (last answer)"), max_length=10, blank=True, editable=False)
    last_recommend = models.PositiveSmallIntegerField(
        _("would recommend (last answer)"), null=True, blank=True, editable=False
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("customer")
        verbose_name_plural = _("customers")
        ordering = ["name"]
        indexes = [
            models.Index(fields=["phone_e164"], name="cust_phone_e164_idx"),
            models.Index(fields=["name"], name="cust_name_idx"),
            models.Index(fields=["branch", "status"], name="cust_branch_status_idx"),
            models.Index(fields=["-created_at"], name="cust_created_idx"),
            models.Index(fields=["branch", "quadrant", "tier"], name="cust_branch_quad_tier_idx"),
            models.Index(fields=["quadrant", "tier"], name="cust_quad_tier_idx"),
            models.Index(fields=["account_manager", "status"], name="cust_manager_status_idx"),
            # The CSI dashboard's loyalty × contribution looks up the status and quadrant of every customer who
            # answered in the period (50,000 for six months at 200,000 customers): from the index alone.
            models.Index(fields=["id"], include=["status", "quadrant"], name="cust_loyalty_cover_idx"),
            models.Index(
                fields=["last_answered_at"],
                include=["status", "quadrant", "last_repurchase", "last_recommend"],
                condition=models.Q(last_answered_at__isnull=False),
                name="cust_last_answer_idx",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(status="churned") | ~models.Q(churn_reason=""),
                name="cust_churned_needs_reason",
            ),
            models.CheckConstraint(
                condition=~models.Q(status="churned") | models.Q(churned_on__isnull=False),
                name="cust_churned_needs_date",
            ),
            models.CheckConstraint(
                condition=~models.Q(status="at_risk") | ~models.Q(at_risk_reason=""),
                name="cust_at_risk_needs_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class Contact(models.Model):
    """A person to speak to at a customer (联系人): several per customer, each with a role."""

    customer = models.ForeignKey(
        Customer, on_delete=models.PROTECT, related_name="contacts", verbose_name=_("customer")
    )
    name = models.CharField(_("name"), max_length=100)
    role = models.CharField(_("role"), max_length=100, blank=True, help_text=_("e.g. purchasing manager, owner"))
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    phone_e164 = models.CharField(_("phone (E.164)"), max_length=30, blank=True, editable=False)
    email = models.EmailField(_("email"), blank=True)
    is_primary = models.BooleanField(_("primary contact"), default=False)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")
        ordering = ["-is_primary", "name", "pk"]
        indexes = [models.Index(fields=["phone_e164"], name="cust_contact_phone_e164_idx")]

    def __str__(self) -> str:
        return self.name


class PotentialAssessment(models.Model):
    """A scored assessment of what a customer could become (potential value); each score 0–10."""

    customer = models.ForeignKey(
        Customer, on_delete=models.PROTECT, related_name="assessments", verbose_name=_("customer")
    )
    share_of_wallet = models.PositiveSmallIntegerField(
        _("share of wallet still to win"), validators=[MaxValueValidator(10)]
    )
    growth = models.PositiveSmallIntegerField(_("growth"), validators=[MaxValueValidator(10)])
    recommendation = models.PositiveSmallIntegerField(_("recommendations"), validators=[MaxValueValidator(10)])
    loyalty_intent = models.PositiveSmallIntegerField(
        _("loyalty intent (would buy again)"), validators=[MaxValueValidator(10)]
    )
    rating = models.PositiveSmallIntegerField(
        _("customer's rating of us (1–5)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
    )
    notes = models.TextField(_("notes"), blank=True)
    assessed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("assessed by")
    )
    assessed_at = models.DateTimeField(_("assessed at"), default=timezone.now)

    class Meta:
        verbose_name = _("potential assessment")
        verbose_name_plural = _("potential assessments")
        ordering = ["-assessed_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(
                    share_of_wallet__lte=10, growth__lte=10, recommendation__lte=10, loyalty_intent__lte=10
                ),
                name="cust_assessment_scores_0_10",
            ),
            models.CheckConstraint(
                condition=models.Q(rating__isnull=True) | models.Q(rating__gte=1, rating__lte=5),
                name="cust_assessment_rating_1_5",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.customer_id} {self.assessed_at:%Y-%m-%d}"


class ImportBatch(models.Model):
    """One uploaded transactions file: previewed first, then imported in one transaction."""

    class Status(models.TextChoices):
        PREVIEWED = "previewed", _("Previewed")
        IMPORTED = "imported", _("Imported")
        CANCELLED = "cancelled", _("Cancelled")

    filename = models.CharField(_("file"), max_length=200)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.PREVIEWED)
    total_rows = models.PositiveIntegerField(_("rows in the file"), default=0)
    good_rows = models.JSONField(_("rows that can be imported"), default=list)
    errors = models.JSONField(_("row errors"), default=list)
    imported_rows = models.PositiveIntegerField(_("rows imported"), default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("uploaded by")
    )
    created_at = models.DateTimeField(_("uploaded at"), default=timezone.now)
    imported_at = models.DateTimeField(_("imported at"), null=True, blank=True)

    class Meta:
        verbose_name = _("transaction import")
        verbose_name_plural = _("transaction imports")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return self.filename


class Purchase(models.Model):
    """A transaction (purchase or order) of a customer: the source of current value and tiers."""

    customer = models.ForeignKey(
        Customer, on_delete=models.PROTECT, related_name="purchases", verbose_name=_("customer")
    )
    date = models.DateField(_("date"))
    amount = models.DecimalField(_("amount"), max_digits=14, decimal_places=2)
    margin = models.DecimalField(_("margin"), max_digits=14, decimal_places=2, default=Decimal("0"))
    product = models.CharField(_("product"), max_length=200, blank=True)
    reference = models.CharField(_("order number"), max_length=50, blank=True)
    import_batch = models.ForeignKey(
        ImportBatch,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="purchases",
        verbose_name=_("import"),
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("transaction")
        verbose_name_plural = _("transactions")
        ordering = ["-date", "-pk"]
        indexes = [
            models.Index(fields=["customer", "date"], name="cust_purchase_cust_date_idx"),
            models.Index(fields=["date"], name="cust_purchase_date_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="cust_purchase_amount_positive"),
            models.CheckConstraint(condition=models.Q(margin__lte=models.F("amount")), name="cust_purchase_margin_le"),
            models.UniqueConstraint(
                fields=["customer", "reference"],
                condition=~models.Q(reference=""),
                name="cust_purchase_reference_unique",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.customer_id} {self.date} {self.amount}"


class VisitPlan(models.Model):
    """Scheduled contact (定期拜访) with a customer: at most one active plan per customer."""

    class Origin(models.TextChoices):
        MANUAL = "manual", _("Planned by staff")
        DEFAULT = "default", _("Default plan of the quadrant")

    customer = models.ForeignKey(
        Customer, on_delete=models.PROTECT, related_name="visit_plans", verbose_name=_("customer")
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="visit_plans", verbose_name=_("owner")
    )
    every_days = models.PositiveIntegerField(_("every (days)"), validators=[MinValueValidator(1)])
    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices, default=Channel.VISIT)
    next_due = models.DateField(_("next due"))
    purpose = models.CharField(_("purpose"), max_length=200, blank=True)
    origin = models.CharField(_("origin"), max_length=20, choices=Origin.choices, default=Origin.MANUAL)
    is_active = models.BooleanField(_("active"), default=True)
    last_visited_on = models.DateField(_("last visited"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("visit plan")
        verbose_name_plural = _("visit plans")
        ordering = ["next_due", "pk"]
        indexes = [
            models.Index(fields=["owner", "is_active", "next_due"], name="cust_plan_owner_due_idx"),
            models.Index(fields=["is_active", "next_due"], name="cust_plan_due_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["customer"], condition=models.Q(is_active=True), name="cust_one_active_plan"
            ),
            models.CheckConstraint(condition=models.Q(every_days__gte=1), name="cust_plan_every_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.customer_id} / {self.every_days}d"

    @property
    def is_overdue(self) -> bool:
        return self.is_active and self.next_due < timezone.localdate()


class Interaction(models.Model):
    """A communication with the customer (沟通记录); a visit of a plan is one too."""

    customer = models.ForeignKey(
        Customer, on_delete=models.PROTECT, related_name="interactions", verbose_name=_("customer")
    )
    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices)
    summary = models.TextField(_("summary"))
    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("staff")
    )
    occurred_at = models.DateTimeField(_("when"), default=timezone.now)
    visit_plan = models.ForeignKey(
        VisitPlan,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="visits",
        verbose_name=_("visit plan"),
    )
    created_at = models.DateTimeField(_("logged at"), default=timezone.now)

    class Meta:
        verbose_name = _("interaction")
        verbose_name_plural = _("interactions")
        ordering = ["-occurred_at", "-pk"]
        indexes = [models.Index(fields=["customer", "-occurred_at"], name="cust_interaction_idx")]

    def __str__(self) -> str:
        return f"{self.customer_id} {self.channel} {self.occurred_at:%Y-%m-%d}"


class CustomerEvent(models.Model):
    """The customer's history (登记备案): who changed what and when, written only by services."""

    class Kind(models.TextChoices):
        CREATED = "created", _("Created")
        UPDATED = "updated", _("Details changed")
        CONTACT = "contact", _("Contact changed")
        STATUS = "status", _("Status changed")
        TRANSFERRED = "transferred", _("Account manager changed")
        ASSESSED = "assessed", _("Potential assessed")
        VISIT_PLAN = "visit_plan", _("Visit plan changed")
        DUPLICATE = "duplicate", _("Possible duplicate")

    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="events", verbose_name=_("customer"))
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
    )
    from_value = models.CharField(_("from"), max_length=200, blank=True)
    to_value = models.CharField(_("to"), max_length=200, blank=True)
    note = models.TextField(_("note"), blank=True)
    created_at = models.DateTimeField(_("at"), default=timezone.now)

    class Meta:
        verbose_name = _("customer event")
        verbose_name_plural = _("customer events")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["customer", "-created_at"], name="cust_event_idx"),
            models.Index(fields=["kind", "-created_at"], name="cust_event_kind_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.customer_id} {self.kind}"


class ChurnEpisode(models.Model):
    """A time the customer was lost, and when it was won back (empty while still lost).

    The customer row keeps only the current churn; these rows keep the past ones, so that winning a customer
    back does not change the churn already reported for past periods. Written only by customer_set_status.
    """

    customer = models.ForeignKey(
        Customer, on_delete=models.PROTECT, related_name="churn_episodes", verbose_name=_("customer")
    )
    churned_on = models.DateField(_("churned on"))
    won_back_on = models.DateField(_("won back on"), null=True, blank=True)
    reason = models.CharField(_("churn reason"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("churn episode")
        verbose_name_plural = _("churn episodes")
        ordering = ["-churned_on", "-pk"]
        indexes = [
            models.Index(fields=["customer", "churned_on"], name="cust_churn_ep_cust_idx"),
            models.Index(fields=["churned_on", "won_back_on"], name="cust_churn_ep_dates_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["customer"], condition=models.Q(won_back_on__isnull=True), name="cust_one_open_churn"
            ),
            models.CheckConstraint(
                condition=models.Q(won_back_on__isnull=True) | models.Q(won_back_on__gte=models.F("churned_on")),
                name="cust_churn_won_back_after",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.customer_id} {self.churned_on}–{self.won_back_on or ''}"


class ValueMatrixSettings(models.Model):
    """How value, quadrants, tiers and at-risk are computed (one row, edited in /config/)."""

    class Basis(models.TextChoices):
        REVENUE = "revenue", _("Revenue")
        MARGIN = "margin", _("Margin")

    class ThresholdMode(models.TextChoices):
        ABSOLUTE = "absolute", _("Absolute values")
        PERCENTILE = "percentile", _("Top share of customers")

    value_basis = models.CharField(_("current value is"), max_length=20, choices=Basis.choices, default=Basis.REVENUE)
    value_months = models.PositiveSmallIntegerField(
        _("over the last (months)"), default=12, validators=[MinValueValidator(1), MaxValueValidator(120)]
    )
    threshold_mode = models.CharField(
        _("thresholds"), max_length=20, choices=ThresholdMode.choices, default=ThresholdMode.PERCENTILE
    )
    current_threshold = models.DecimalField(
        _("high current value from (amount)"), max_digits=14, decimal_places=2, default=Decimal("10000")
    )
    potential_threshold = models.DecimalField(
        _("high potential from (score 0–100)"),
        max_digits=5,
        decimal_places=2,
        default=Decimal("60"),
        validators=[MaxValueValidator(100)],
    )
    current_top_percent = models.PositiveSmallIntegerField(
        _("high current value: top share of customers (%)"),
        default=30,
        validators=[MinValueValidator(1), MaxValueValidator(99)],
    )
    potential_top_percent = models.PositiveSmallIntegerField(
        _("high potential: top share of customers (%)"),
        default=40,
        validators=[MinValueValidator(1), MaxValueValidator(99)],
    )
    weight_share_of_wallet = models.PositiveSmallIntegerField(_("weight: share of wallet"), default=3)
    weight_growth = models.PositiveSmallIntegerField(_("weight: growth"), default=3)
    weight_recommendation = models.PositiveSmallIntegerField(_("weight: recommendations"), default=2)
    weight_loyalty = models.PositiveSmallIntegerField(_("weight: loyalty intent"), default=2)
    pareto_percent = models.PositiveSmallIntegerField(
        _("A: customers bringing this share of sales (%)"),
        default=80,
        validators=[MinValueValidator(1), MaxValueValidator(100)],
    )
    tier_a_min_purchases = models.PositiveSmallIntegerField(_("A: at least (purchases in the window)"), default=2)
    tier_a_min_loyalty = models.PositiveSmallIntegerField(
        _("A: and loyalty intent at least (0–10)"),
        null=True,
        blank=True,
        validators=[MaxValueValidator(10)],
        help_text=_("Empty: not used. When set, customers never assessed cannot be A."),
    )
    tier_a_min_rating = models.PositiveSmallIntegerField(
        _("A: and their rating of us at least (1–5)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
        help_text=_("Empty: not used. When set, customers without a rating cannot be A."),
    )
    tier_b_percent = models.PositiveSmallIntegerField(
        _("B: customers bringing the next sales, up to %"),
        default=95,
        validators=[MinValueValidator(1), MaxValueValidator(100)],
    )
    tier_b_min_purchases = models.PositiveSmallIntegerField(_("B: or at least (purchases in the window)"), default=6)
    tier_b_min_loyalty = models.PositiveSmallIntegerField(
        _("B: or loyalty intent at least (0–10)"), default=8, validators=[MaxValueValidator(10)]
    )
    tier_b_min_rating = models.PositiveSmallIntegerField(
        _("… together with a rating at least (1–5)"),
        default=4,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
    )
    tier_a_visit_every_days = models.PositiveSmallIntegerField(
        _("A-tier customers are visited every (days)"), default=30, validators=[MinValueValidator(1)]
    )
    at_risk_after_days = models.PositiveSmallIntegerField(
        _("at risk after no purchase for (days)"), default=120, validators=[MinValueValidator(1)]
    )
    spend_window_months = models.PositiveSmallIntegerField(
        _("falling spend: compare the last (months) with the ones before"),
        default=6,
        validators=[MinValueValidator(1), MaxValueValidator(24)],
    )
    spend_drop_percent = models.PositiveSmallIntegerField(
        _("falling spend: a drop of at least (%)"),
        default=50,
        validators=[MinValueValidator(1), MaxValueValidator(100)],
    )

    class Meta:
        verbose_name = _("value matrix settings")
        verbose_name_plural = _("value matrix settings")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(weight_share_of_wallet__gt=0)
                | models.Q(weight_growth__gt=0)
                | models.Q(weight_recommendation__gt=0)
                | models.Q(weight_loyalty__gt=0),
                name="cust_settings_some_weight",
            ),
            models.CheckConstraint(
                condition=models.Q(tier_b_percent__gte=models.F("pareto_percent")),
                name="cust_settings_b_after_a",
            ),
        ]

    def __str__(self) -> str:
        return str(_("Value matrix settings"))

    @classmethod
    def current(cls) -> "ValueMatrixSettings":
        obj, _created = cls.objects.get_or_create(pk=1)
        return obj


class QuadrantPolicy(models.Model):
    """What each quadrant means for the relationship: retention strategy and default contact plan."""

    quadrant = models.CharField(_("quadrant"), max_length=20, choices=Quadrant.choices, unique=True)
    strategy_en = models.TextField(_("retention strategy (English)"))
    strategy_zh = models.TextField(_("retention strategy (Chinese)"), blank=True)
    contact_every_days = models.PositiveSmallIntegerField(
        _("default contact every (days)"), default=0, help_text=_("0: no scheduled contact")
    )
    contact_channel = models.CharField(
        _("default contact channel"), max_length=20, choices=Channel.choices, default=Channel.VISIT
    )

    class Meta:
        verbose_name = _("quadrant policy")
        verbose_name_plural = _("quadrant policies")
        ordering = ["quadrant"]

    def __str__(self) -> str:
        return str(Quadrant(self.quadrant).label)

    @property
    def strategy(self) -> str:
        if (get_language() or "").startswith("zh") and self.strategy_zh:
            return self.strategy_zh
        return self.strategy_en


class ClassificationRun(models.Model):
    """One recomputation of values, quadrants and tiers, with the thresholds it used."""

    started_at = models.DateTimeField(_("started at"), default=timezone.now)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    triggered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("started by"),
    )
    as_of = models.DateField(_("as of"))
    window_start = models.DateField(_("transactions from"))
    value_basis = models.CharField(_("current value is"), max_length=20, choices=ValueMatrixSettings.Basis.choices)
    current_threshold = models.DecimalField(
        _("high current value from"), max_digits=16, decimal_places=2, null=True, blank=True
    )
    potential_threshold = models.DecimalField(
        _("high potential from"), max_digits=5, decimal_places=2, null=True, blank=True
    )
    pareto_percent = models.PositiveSmallIntegerField(_("Pareto share (%)"))
    settings_snapshot = models.JSONField(_("settings used"), default=dict)
    customers_classified = models.PositiveIntegerField(_("customers classified"), default=0)
    quadrant_changes = models.PositiveIntegerField(_("quadrant changes"), default=0)
    tier_changes = models.PositiveIntegerField(_("tier changes"), default=0)

    class Meta:
        verbose_name = _("classification run")
        verbose_name_plural = _("classification runs")
        ordering = ["-started_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.as_of}"


class ClassificationChange(models.Model):
    """A change of quadrant or tier, with the figures that caused it (its reason)."""

    class Kind(models.TextChoices):
        QUADRANT = "quadrant", _("Value quadrant")
        TIER = "tier", _("Tier")

    customer = models.ForeignKey(
        Customer, on_delete=models.PROTECT, related_name="classification_changes", verbose_name=_("customer")
    )
    run = models.ForeignKey(
        ClassificationRun, on_delete=models.PROTECT, related_name="changes", verbose_name=_("classification run")
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    from_value = models.CharField(_("from"), max_length=20, blank=True)
    to_value = models.CharField(_("to"), max_length=20)
    changed_at = models.DateTimeField(_("changed at"))
    current_value = models.DecimalField(_("current value"), max_digits=16, decimal_places=2)
    potential_score = models.DecimalField(_("potential value"), max_digits=5, decimal_places=2, null=True)
    sales_share_before = models.DecimalField(
        _("share of sales of bigger customers (%)"), max_digits=6, decimal_places=2, null=True
    )
    window_purchases = models.PositiveIntegerField(_("purchases in the window"))

    class Meta:
        verbose_name = _("classification change")
        verbose_name_plural = _("classification changes")
        ordering = ["-changed_at", "-pk"]
        indexes = [
            models.Index(fields=["customer", "-changed_at"], name="cust_clschange_idx"),
            models.Index(fields=["run", "kind"], name="cust_clschange_run_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.customer_id} {self.kind} {self.from_value}→{self.to_value}"

    def label(self, value: str) -> str:
        choices = Quadrant if self.kind == self.Kind.QUADRANT else Tier
        return str(choices(value).label) if value in choices.values else "—"

    @property
    def from_label(self) -> str:
        return self.label(self.from_value)

    @property
    def to_label(self) -> str:
        return self.label(self.to_value)
