"""Every read of customers that is more than a get(): the access gate, lists, the 360 data, the matrix, reports."""

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db.models import Count, Exists, FilteredRelation, Max, OuterRef, Prefetch, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Lower
from django.utils import timezone

from crm_site.org.access import access_of, scope_to_user_branch
from crm_site.org.models import Branch
from crm_site.org.policy import visible_or_404
from crm_site.org.roles import Role

from .classification import value_window
from .models import (
    ChurnEpisode,
    ClassificationRun,
    Contact,
    Customer,
    ImportBatch,
    Interaction,
    Quadrant,
    QuadrantPolicy,
    Tag,
    Tier,
    ValueMatrixSettings,
    VisitPlan,
)
from .phones import phone_e164, phone_search
from .rules import ACCOUNT_MANAGER_ROLES
from .search import name_or_company

User = get_user_model()


def customer_list_for_user(*, user, search: str = "") -> QuerySet[Customer]:
    """Customers the user may see: their branch's, or all for company-wide roles."""
    qs = scope_to_user_branch(Customer.objects.all(), user).select_related("branch", "account_manager")
    search = search.strip()
    if search:
        qs = qs.filter(name_or_company(search) | Q(code__iexact=search) | phone_search(user, search))
    return qs


def customer_get_for_user(*, user, pk: int) -> Customer:
    """The access gate for one customer (rule customer.view): its branch's staff, company-wide roles, and other
    branches that serve it (a complaint they handle). Unknown and forbidden both raise 404."""
    customer = Customer.objects.select_related("branch", "account_manager").filter(pk=pk).first()
    return visible_or_404(user, "customer.view", customer)


def visit_plan_get_for_user(*, user, pk: int) -> VisitPlan:
    """A visit plan, through its customer's gate."""
    plan = VisitPlan.objects.select_related("customer", "customer__branch", "owner").filter(pk=pk).first()
    visible_or_404(user, "customer.view", plan.customer if plan else None)
    return plan


def import_batch_get_for_user(*, user, pk: int) -> ImportBatch:
    """An import batch: only its creator sees it (rule importbatch.view)."""
    return visible_or_404(user, "importbatch.view", ImportBatch.objects.filter(pk=pk).first())


def customer_duplicates(
    *, phone: str = "", name: str = "", company_name: str = "", kind: str = "", exclude_pk: int | None = None
) -> QuerySet[Customer]:
    """Existing customers, in any branch (the record is company-wide), with the same phone (theirs or a
    contact's), or the same name at the same company. The same name alone is not enough: 王伟 is common."""
    name, company_name = name.strip(), company_name.strip()
    if kind == Customer.Kind.COMPANY and not company_name:
        company_name = name  # a company's own name is its company
    condition = Q()
    number = phone_e164(phone)  # however it was typed: 138 0013 8000 is +86 138-0013-8000
    if number:
        condition |= Q(phone_e164=number) | Q(
            pk__in=Contact.objects.filter(phone_e164=number, is_active=True).values("customer_id")
        )
    if name and company_name:
        by_company = Q(company_name__iexact=company_name) | Q(kind=Customer.Kind.COMPANY, name__iexact=company_name)
        condition |= Q(name__iexact=name) & by_company
        if kind == Customer.Kind.COMPANY:
            condition |= Q(kind=Customer.Kind.COMPANY, name__iexact=name)
    if not condition:
        return Customer.objects.none()
    qs = Customer.objects.filter(condition).select_related("branch").order_by("pk")
    if exclude_pk is not None:
        qs = qs.exclude(pk=exclude_pk)
    return qs


def staff_for_customers_of(*, user) -> QuerySet:
    """Active staff who can own this user's customers: front-line staff and managers of the user's branch
    (every branch for company-wide roles)."""
    qs = User.objects.filter(is_active=True, groups__name__in=ACCOUNT_MANAGER_ROLES)
    access = access_of(user)
    if not access.company_wide:
        if access.branch_id is None:
            return qs.none()
        qs = qs.filter(staff_profile__branch_id=access.branch_id)
    return qs.distinct().order_by("first_name", "last_name", "username")


def staff_for_branches(*, user, branch_ids) -> QuerySet:
    """Of the staff who can own this user's customers, those who work in one of these branches: the only ones
    who can open (and so own) customers of them."""
    return staff_for_customers_of(user=user).filter(staff_profile__branch_id__in=branch_ids)


def tags_active() -> QuerySet[Tag]:
    return Tag.objects.filter(is_active=True).order_by(Lower("name"))


@dataclass
class Customer360:
    customer: Customer
    contacts: list = field(default_factory=list)
    interactions: list = field(default_factory=list)
    purchases: list = field(default_factory=list)
    totals: dict = field(default_factory=dict)
    changes: list = field(default_factory=list)
    events: list = field(default_factory=list)
    visit_plan: VisitPlan | None = None
    policy: QuadrantPolicy | None = None


RECENT = 15


def customer_interactions(*, customer: Customer, limit: int = RECENT) -> list[Interaction]:
    return list(customer.interactions.select_related("staff", "visit_plan").order_by("-occurred_at", "-pk")[:limit])


def customer_360_for_user(*, user, pk: int) -> Customer360:
    """One customer with everything its 360 page shows, in a fixed number of queries, behind the customer gate."""
    qs = (
        Customer.objects.select_related("branch", "account_manager")
        .select_related("latest_assessment__assessed_by", "possible_duplicate_of")
        # The active visit plan (at most one, cust_one_active_plan) and the value window's length come with the row.
        .annotate(
            active_visit_plan=FilteredRelation("visit_plans", condition=Q(visit_plans__is_active=True)),
            window_months=Subquery(ValueMatrixSettings.objects.filter(pk=1).values("value_months")),
        )
        .select_related("active_visit_plan__owner")
        .prefetch_related("tags", Prefetch("contacts", queryset=Contact.objects.filter(is_active=True)))
    )
    customer = visible_or_404(user, "customer.view", qs.filter(pk=pk).first())
    # The same window as the classification's current value (its first day counts, a day in the future does not).
    months = customer.window_months or ValueMatrixSettings.current().value_months
    window_start, today = value_window(timezone.localdate(), months)
    in_window = Q(date__gte=window_start, date__lte=today)
    totals = customer.purchases.aggregate(
        count=Count("pk"),
        revenue=Sum("amount"),
        margin=Sum("margin"),
        last=Max("date"),
        revenue_12m=Sum("amount", filter=in_window),
        count_12m=Count("pk", filter=in_window),
    )
    totals["window_months"] = months
    return Customer360(
        customer=customer,
        contacts=list(customer.contacts.all()),
        interactions=customer_interactions(customer=customer),
        purchases=list(customer.purchases.order_by("-date", "-pk")[:RECENT]),
        totals=totals,
        changes=list(customer.classification_changes.select_related("run").order_by("-changed_at", "-pk")[:RECENT]),
        events=list(customer.events.select_related("actor").order_by("-created_at", "-pk")[:RECENT]),
        visit_plan=getattr(customer, "active_visit_plan", None),  # not set when the join found none
        policy=QuadrantPolicy.objects.filter(quadrant=customer.quadrant).first() if customer.quadrant else None,
    )


def visit_plans_for_user(*, user) -> QuerySet[VisitPlan]:
    """Active visit plans the user answers for: front-line staff their own, managers their branch's (their
    team's), company-wide roles all."""
    access = access_of(user)
    qs = VisitPlan.objects.filter(is_active=True).select_related("customer", "customer__branch", "owner")
    if access.role is None:
        return qs.none()
    if access.role == Role.FRONTLINE:
        return qs.filter(owner=user, customer__branch_id=access.branch_id)
    return scope_to_user_branch(qs, user, field="customer__branch")


def visit_overview_for_user(*, user, as_of: date | None = None, upcoming_days: int = 14) -> dict:
    """The user's overdue visits and those due in the next ``upcoming_days``, as querysets the page paginates."""
    as_of = as_of or timezone.localdate()
    plans = visit_plans_for_user(user=user)
    return {
        "overdue": plans.filter(next_due__lt=as_of).order_by("next_due", "pk"),
        "upcoming": plans.filter(next_due__gte=as_of, next_due__lte=as_of + timedelta(days=upcoming_days)).order_by(
            "next_due", "pk"
        ),
    }


def latest_classification_run() -> ClassificationRun | None:
    return ClassificationRun.objects.filter(finished_at__isnull=False).order_by("-started_at", "-pk").first()


MATRIX_POINTS = 3000


def matrix_for_user(*, user, branch_id: int | None = None, tier: str = "") -> dict:
    """What the matrix page draws: counts per quadrant, the thresholds of the last run, and up to
    MATRIX_POINTS customers (the most valuable first) as points."""
    qs = scope_to_user_branch(Customer.objects.exclude(quadrant=""), user)
    qs = qs.exclude(status=Customer.Status.CHURNED)
    if branch_id:
        qs = qs.filter(branch_id=branch_id)
    if tier:
        qs = qs.filter(tier=tier)
    counts = dict.fromkeys(Quadrant.values, 0)
    for row in qs.order_by().values("quadrant").annotate(n=Count("pk")):
        counts[row["quadrant"]] = row["n"]
    points = list(
        qs.order_by("-current_value", "pk").values_list(
            "pk", "name", "current_value", "potential_score", "quadrant", "tier"
        )[:MATRIX_POINTS]
    )
    run = latest_classification_run()
    return {
        "counts": counts,
        "total": sum(counts.values()),
        "points": points,
        "run": run,
        "policies": {p.quadrant: p for p in QuadrantPolicy.objects.all()},
    }


def matrix_chart_data(matrix: dict, labels: dict) -> dict:
    """The JSON the ECharts script reads (a json_script data island): no HTML, numbers as floats."""
    run = matrix["run"]
    series: dict[str, list] = {q: [] for q in Quadrant.values}
    for pk, name, current, potential, quadrant, tier in matrix["points"]:
        series[quadrant].append([float(current), float(potential or 0), name, pk, tier])
    return {
        "series": [{"quadrant": q, "name": str(Quadrant(q).label), "points": pts} for q, pts in series.items()],
        "currentThreshold": float(run.current_threshold) if run and run.current_threshold is not None else None,
        "potentialThreshold": float(run.potential_threshold) if run and run.potential_threshold is not None else None,
        "labels": {k: str(v) for k, v in labels.items()},
    }


# --- Retention and churn -----------------------------------------------------------------------------------


def retention_figures(at_start: int, churned: int) -> tuple[Decimal | None, Decimal | None]:
    """Retention and churn rate of a period, in %: of the customers there at its start, those still there
    at its end (new customers of the period do not count). No customers at the start: no rate."""
    if at_start <= 0:
        return None, None
    churn = (Decimal(churned) * 100 / at_start).quantize(Decimal("0.1"))
    return Decimal(100) - churn, churn


def periods_back(*, today: date, unit: str, count: int) -> list[tuple[date, date]]:
    """The last ``count`` months or quarters as [start, end) ranges, oldest first; the last one is the current."""
    step = 3 if unit == "quarter" else 1
    month0 = (today.month - 1) // step * step  # first month (0-based) of the current period
    ranges = []
    for i in range(count - 1, -1, -1):
        start_index = today.year * 12 + month0 - i * step
        end_index = start_index + step
        ranges.append(
            (
                date(start_index // 12, start_index % 12 + 1, 1),
                date(end_index // 12, end_index % 12 + 1, 1),
            )
        )
    return ranges


DIMENSIONS = {
    "none": None,
    "branch": "branch__name",
    "quadrant": "quadrant",
    "tier": "tier",
}


@dataclass
class RetentionRow:
    start: date
    end: date
    group: str
    at_start: int
    churned: int
    retention: Decimal | None
    churn: Decimal | None
    unit: str = "month"

    @property
    def label(self) -> str:
        if self.unit == "quarter":
            return f"{self.start.year} Q{(self.start.month - 1) // 3 + 1}"
        return f"{self.start:%Y-%m}"


def retention_report_for_user(
    *, user, unit: str = "month", count: int = 6, dimension: str = "none", today: date | None = None
) -> list[RetentionRow]:
    """Retention and churn per period and per branch, quadrant or tier, in two queries.

    At a period's start: customers created before it who were not lost at that moment. Churned in the period:
    those of them who were lost during it. The current churn is the customer's ``churned_on``; churns the
    customer was won back from are closed churn episodes, so winning a customer back does not change the
    figures of past periods. Churned customers keep the quadrant and tier they had when they left (the
    classification skips them), which is what they are grouped by.
    """
    today = today or timezone.localdate()
    periods = periods_back(today=today, unit=unit, count=count)
    tz = timezone.get_current_timezone()
    current, past = {}, {}
    for i, (start, end) in enumerate(periods):
        start_at = timezone.make_aware(datetime.combine(start, time.min), tz)
        # 1. Customers, with their current churn (if any).
        present = Q(created_at__lt=start_at) & (Q(churned_on__isnull=True) | Q(churned_on__gte=start))
        current[f"s{i}"] = Count("pk", filter=present)
        current[f"c{i}"] = Count("pk", filter=present & Q(churned_on__gte=start, churned_on__lt=end))
        # 2. Churns they were won back from: away at the start (lost before it, won back after it) …
        existed = Q(customer__created_at__lt=start_at)
        away = existed & Q(churned_on__lt=start, won_back_on__gt=start)
        past[f"a{i}"] = Count("pk", filter=away)
        # … which also takes back a current churn in the period of a customer who was not there at its start;
        past[f"x{i}"] = Count("pk", filter=away & Q(customer__churned_on__gte=start, customer__churned_on__lt=end))
        # … and lost in the period, having been there at its start (and not counted by the current churn).
        away_at_start = ChurnEpisode.objects.filter(
            customer_id=OuterRef("customer_id"), won_back_on__isnull=False, churned_on__lt=start, won_back_on__gt=start
        )
        past[f"c{i}"] = Count(
            "customer",
            distinct=True,
            filter=~Exists(away_at_start)
            & existed
            & Q(churned_on__gte=start, churned_on__lt=end)
            & (Q(customer__churned_on__isnull=True) | Q(customer__churned_on__gte=end)),
        )
    group_field = DIMENSIONS.get(dimension)
    customers = scope_to_user_branch(Customer.objects.all(), user).order_by()
    won_back = scope_to_user_branch(
        ChurnEpisode.objects.filter(won_back_on__isnull=False), user, field="customer__branch"
    ).order_by()
    if group_field:
        by_group = {row[group_field]: row for row in customers.values(group_field).annotate(**current)}
        past_by_group = {
            row[f"customer__{group_field}"]: row for row in won_back.values(f"customer__{group_field}").annotate(**past)
        }
    else:
        by_group = {"": customers.aggregate(**current)}
        past_by_group = {"": won_back.aggregate(**past)}
    labels = _group_labels(dimension)
    rows = []
    for group, data in by_group.items():
        extra = past_by_group.get(group, {})
        for i, (start, end) in enumerate(periods):
            at_start = data[f"s{i}"] - extra.get(f"a{i}", 0)
            churned = data[f"c{i}"] - extra.get(f"x{i}", 0) + extra.get(f"c{i}", 0)
            retention, churn = retention_figures(at_start, churned)
            rows.append(
                RetentionRow(
                    start=start,
                    end=end,
                    group=labels.get(group, group),
                    at_start=at_start,
                    churned=churned,
                    retention=retention,
                    churn=churn,
                    unit=unit,
                )
            )
    rows.sort(key=lambda r: (str(r.group), r.start))
    return rows


def _group_labels(dimension: str) -> dict:
    from django.utils.translation import gettext as _

    if dimension == "quadrant":
        return {**dict(Quadrant.choices), "": _("Not classified")}
    if dimension == "tier":
        return {**dict(Tier.choices), "": _("Not classified")}
    return {}


def branches_for_user(*, user) -> QuerySet[Branch]:
    """Active branches whose customers the user may see."""
    access = access_of(user)
    qs = Branch.objects.filter(is_active=True).order_by("code")
    if access.company_wide:
        return qs
    return qs.filter(pk=access.branch_id) if access.branch_id else qs.none()
