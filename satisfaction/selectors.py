"""Every read of the satisfaction app that is more than a get(): the responses a user may read and the CSI figures.

All figures are SQL aggregates (GROUP BY, and COUNT/SUM with FILTER); Python only shapes the few grouped rows that
come back (≤ one per month, branch, item …), never the responses themselves. Each function's docstring gives its
formula. Every figure starts from ``responses_for_user`` and the filters are applied in one place
(``csi_responses``), so a manager's figures, lists and exports only ever hold their own branch's answers.
"""

from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import (
    Avg,
    Case,
    Count,
    Exists,
    F,
    FloatField,
    Func,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
    Window,
)
from django.db.models.functions import RowNumber, TruncMonth
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from complaints.models import Category, Complaint, RootCauseGroup
from complaints.selectors import complaint_list_for_user
from crm_site.org.access import access_of, scope_to_user_branch
from crm_site.org.policy import can
from customers.models import Customer, Quadrant, Tier

from .models import (
    Answer,
    AnswerMonth,
    Invitation,
    LoyaltyZone,
    Repurchase,
    Response,
    ResponseMonth,
    SurveyItem,
    SurveyTemplate,
    bilingual,
)

# --- Who reads what, and the filters ------------------------------------------------------------------------------


class Group:
    """Whose answers: everyone, complainants (a complaint revisit, or a customer with any complaint), or the rest."""

    ALL = "all"
    COMPLAINANTS = "complainants"
    OTHERS = "others"


@dataclass(frozen=True)
class CsiFilters:
    """The dashboard's filters; dates are local days, both included. Empty values filter nothing."""

    date_from: date | None = None
    date_to: date | None = None
    branch_id: int | None = None
    tier: str = ""
    quadrant: str = ""
    template_code: str = ""
    group: str = Group.ALL


def responses_for_user(*, user) -> QuerySet[Response]:
    """The responses the user may read: every branch's for company-wide roles (admin, general manager), their own
    branch's for a manager, none for anyone else (the ``csi.view`` rule says who reads them at all)."""
    if not can(user, "csi.view"):
        return Response.objects.none()
    return scope_to_user_branch(Response.objects.all(), user)


def questionnaire_choices() -> list[tuple[str, str]]:
    """(code, name) of every questionnaire, by its current version, for the dashboard's filter (one query)."""
    return [
        (template.code, bilingual(template, "name"))
        for template in SurveyTemplate.objects.filter(is_current=True)
        .only("code", "name_en", "name_zh")
        .order_by("code")
    ]


def _day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min), timezone.get_current_timezone())


def csi_responses(*, user, filters: CsiFilters) -> QuerySet[Response]:
    """``responses_for_user`` narrowed by the filters: the one place they are applied."""
    qs = responses_for_user(user=user).order_by()
    if filters.date_from:
        qs = qs.filter(answered_at__gte=_day_start(filters.date_from))
    if filters.date_to:
        qs = qs.filter(answered_at__lt=_day_start(filters.date_to + timedelta(days=1)))
    if filters.branch_id:
        qs = qs.filter(branch_id=filters.branch_id)
    if filters.tier:
        qs = qs.filter(tier=filters.tier)
    if filters.quadrant:
        qs = qs.filter(quadrant=filters.quadrant)
    if filters.template_code:
        qs = qs.filter(template__code=filters.template_code)
    if filters.group in (Group.COMPLAINANTS, Group.OTHERS):
        complainant = Q(source=Response.Source.REVISIT) | Q(
            Exists(Complaint.objects.filter(customer_id=OuterRef("customer_id")))
        )
        qs = qs.filter(complainant) if filters.group == Group.COMPLAINANTS else qs.exclude(complainant)
    return qs


def month_starts(date_from: date, date_to: date) -> list[date]:
    """The first day of every month from ``date_from``'s to ``date_to``'s, oldest first."""
    months, index, last = [], date_from.year * 12 + date_from.month - 1, date_to.year * 12 + date_to.month - 1
    while index <= last:
        months.append(date(index // 12, index % 12 + 1, 1))
        index += 1
    return months


def _month(value) -> date:
    """A truncated month (an aware datetime in the current time zone, or a date) as the month's first day."""
    if isinstance(value, datetime):
        value = timezone.localtime(value) if timezone.is_aware(value) else value
        return value.date().replace(day=1)
    return value.replace(day=1)


def _months_of(filters: CsiFilters, found) -> list[date]:
    """The months a per-month figure shows: every month of the filtered period (empty ones too), or the months
    that have answers when the period is open-ended."""
    if filters.date_from and filters.date_to:
        return month_starts(filters.date_from, filters.date_to)
    return sorted(set(found))


# --- CSI and NPS ---------------------------------------------------------------------------------------------------


def csi_value(points, weight) -> float | None:
    """CSI = Σ weighted points / Σ weight answered (0–100); no answered item: no CSI (None, shown "no data")."""
    if not weight:
        return None
    return float(points) / float(weight)


@dataclass(frozen=True)
class Nps:
    """Net promoter score over the answers to "would you recommend us" (0–10)."""

    answered: int = 0
    promoters: int = 0  # 9–10
    detractors: int = 0  # 0–6

    @property
    def passives(self) -> int:  # 7–8
        return self.answered - self.promoters - self.detractors

    @property
    def score(self) -> float | None:
        """NPS = 100 × (promoters − detractors) / answered; −100…100; None without answers."""
        if not self.answered:
            return None
        return 100 * (self.promoters - self.detractors) / self.answered


def _response_sums(within: Q | None = None) -> dict:
    """Σ weighted_points, Σ weight_answered, the number of responses and the NPS counts, per row or group (of the
    rows ``within`` only, when given)."""
    within = within or Q()
    return {
        "points": Sum("weighted_points", filter=within or None),
        "weight": Sum("weight_answered", filter=within or None),
        "responses": Count("pk", filter=within or None),
        "nps_answered": Count("pk", filter=Q(recommend__isnull=False) & within),
        "promoters": Count("pk", filter=Q(recommend__gte=9) & within),
        "detractors": Count("pk", filter=Q(recommend__lte=6) & within),
    }


def _nps_of(row: dict) -> Nps:
    return Nps(answered=row["nps_answered"] or 0, promoters=row["promoters"] or 0, detractors=row["detractors"] or 0)


@dataclass(frozen=True)
class CsiFigure:
    """CSI, NPS and the number of responses of one group (the whole selection, a branch, a month …)."""

    key: object = None
    label: str = ""
    responses: int = 0
    csi: float | None = None
    nps: Nps = field(default_factory=Nps)


def _figure(row: dict, key=None, label: str = "") -> CsiFigure:
    return CsiFigure(
        key=key,
        label=label,
        responses=row["responses"] or 0,
        csi=csi_value(row["points"], row["weight"]),
        nps=_nps_of(row),
    )


def csi_summary(*, user, filters: CsiFilters) -> CsiFigure:
    """The selection's CSI = Σ Response.weighted_points / Σ Response.weight_answered (each response stores
    Σ weight × (score − 1) / 4 × 100 and Σ weight over its answered items, so the sums over responses are the sums
    over all answered items); NPS = 100 × (#recommend ≥ 9 − #recommend ≤ 6) / #recommend answered; one query. For
    whole months (``_reads_summary``) the same sums and counts come from ResponseMonth."""
    if _reads_summary(filters):
        return _figure(_response_months(user=user, filters=filters).aggregate(**_month_sums()))
    row = csi_responses(user=user, filters=filters).aggregate(**_response_sums())
    return _figure(row)


def csi_summaries(*, user, periods: list[CsiFilters]) -> list[CsiFigure]:
    """``csi_summary`` of each period of one selection (the same filters but the dates, each period dated at both
    ends, all read from the same rows: ``_reads_summary``), in one query: every sum is kept to its period's rows,
    over the rows of the span that holds them all. Periods that differ otherwise: one ``csi_summary`` each."""
    undated = {replace(p, date_from=None, date_to=None) for p in periods}
    from_summary = {_reads_summary(p) for p in periods}
    if len(undated) != 1 or len(from_summary) != 1 or not all(p.date_from and p.date_to for p in periods):
        return [csi_summary(user=user, filters=p) for p in periods]
    span = replace(periods[0], date_from=min(p.date_from for p in periods), date_to=max(p.date_to for p in periods))
    if from_summary.pop():
        qs, sums = _response_months(user=user, filters=span), _month_sums
        periods_rows = [Q(month__gte=p.date_from, month__lte=p.date_to) for p in periods]
    else:
        qs, sums = csi_responses(user=user, filters=span), _response_sums
        periods_rows = [
            Q(answered_at__gte=_day_start(p.date_from), answered_at__lt=_day_start(p.date_to + timedelta(days=1)))
            for p in periods
        ]
    aggregates = {f"{name}_{n}": agg for n, rows in enumerate(periods_rows) for name, agg in sums(rows).items()}
    row = qs.aggregate(**aggregates)
    return [_figure({name: row[f"{name}_{n}"] for name in sums()}) for n in range(len(periods))]


BY_FIELDS = {
    "branch": ("branch_id", "branch__name"),
    "tier": ("tier",),
    "quadrant": ("quadrant",),
    "template": ("template__code",),
    "month": ("month",),
}


def csi_by(*, user, filters: CsiFilters, by: str) -> list[CsiFigure]:
    """CSI and NPS per branch, tier, quadrant, questionnaire (code, all versions) or month, with the same formulas
    as ``csi_summary`` grouped by that field (GROUP BY, one query). By month, every month of the period is listed,
    those without responses with CSI and NPS None ("no data", never 0). For whole months, from ResponseMonth."""
    extra = {}
    if by == "template":
        extra = {"name_en": Max("template__name_en"), "name_zh": Max("template__name_zh")}
    if _reads_summary(filters):  # the same rows from the monthly sums, whose month is a column
        qs, sums = _response_months(user=user, filters=filters), _month_sums()
    else:
        qs, sums = csi_responses(user=user, filters=filters), _response_sums()
        if by == "month":
            qs = qs.annotate(month=TruncMonth("answered_at"))
    rows = list(qs.values(*BY_FIELDS[by]).annotate(**sums, **extra).order_by())
    if by == "month":
        found = {_month(row["month"]): row for row in rows}
        empty = dict.fromkeys(sums, None)
        return [
            _figure(found.get(month, empty), key=month, label=f"{month:%Y-%m}") for month in _months_of(filters, found)
        ]
    if by == "branch":
        figures = [_figure(row, key=row["branch_id"], label=row["branch__name"]) for row in rows]
    elif by == "template":
        zh = (get_language() or "").startswith("zh")
        figures = [
            _figure(row, key=row["template__code"], label=(row["name_zh"] if zh and row["name_zh"] else row["name_en"]))
            for row in rows
        ]
    else:
        choices = dict(Tier.choices if by == "tier" else Quadrant.choices)
        figures = [_figure(row, key=row[by], label=str(choices.get(row[by], _("Not classified")))) for row in rows]
    return sorted(figures, key=lambda figure: (figure.label, str(figure.key)))


def _answers(*, user, filters: CsiFilters) -> QuerySet[Answer]:
    return Answer.objects.filter(response__in=csi_responses(user=user, filters=filters).values("pk")).order_by()


class _OfGroup(Subquery):
    """A scalar subquery on the GROUP BY key (an item's own columns, looked up by the grouped item_id): evaluated once
    per result row, and not a GROUP BY key itself (as a key it would be evaluated for every answer)."""

    def get_group_by_cols(self):
        return []


def _next_month(day: date) -> date:
    return date(day.year + day.month // 12, day.month % 12 + 1, 1)


def _reads_summary(filters: CsiFilters) -> bool:
    """Whether the figures can come from the monthly sums (AnswerMonth for the answer figures, ResponseMonth for the
    response figures: CSI and NPS in all, per segment and month, loyalty zones) rather than the answers and responses:
    the period is whole local months (from a first day, to a last day or to today or later in this month, as no answer
    is dated after today), in TIME_ZONE (the summary's months), and the group is everyone (the complainants group asks
    about the complaints a customer has now, which the summary cannot know: it keeps reading the answers)."""
    if filters.group in (Group.COMPLAINANTS, Group.OTHERS):
        return False
    if timezone.get_current_timezone_name() != timezone.get_default_timezone_name():
        return False
    if filters.date_from and filters.date_from.day != 1:
        return False
    if filters.date_to and _next_month(filters.date_to) - timedelta(days=1) != filters.date_to:
        today = timezone.localdate()
        return filters.date_to >= today and filters.date_to.replace(day=1) == today.replace(day=1)
    return True


def _answer_months(*, user, filters: CsiFilters) -> QuerySet[AnswerMonth]:
    """The AnswerMonth rows of the selection; only when ``_reads_summary``."""
    return _summary_rows(AnswerMonth, user=user, filters=filters)


def _response_months(*, user, filters: CsiFilters) -> QuerySet[ResponseMonth]:
    """The ResponseMonth rows of the selection; only when ``_reads_summary``."""
    return _summary_rows(ResponseMonth, user=user, filters=filters)


def _month_sums(within: Q | None = None) -> dict:
    """``_response_sums`` over ResponseMonth rows: the same names, from the rows' sums (``within``: of those only)."""
    names = {
        "points": "points_sum",
        "weight": "weight_sum",
        "responses": "response_count",
        "nps_answered": "recommend_count",
        "promoters": "promoter_count",
        "detractors": "detractor_count",
    }
    return {name: Sum(column, filter=within) for name, column in names.items()}


def _summary_rows(model, *, user, filters: CsiFilters) -> QuerySet:
    """The monthly-sum rows (AnswerMonth, ResponseMonth, or the reports' ComplaintMonth) of the selection: the user's
    branches (as ``responses_for_user``) and the filters (as ``csi_responses``) over whole months."""
    if not can(user, "csi.view"):
        return model.objects.none()
    qs = scope_to_user_branch(model.objects.all(), user).order_by()
    if filters.date_from:
        qs = qs.filter(month__gte=filters.date_from)
    if filters.date_to:
        qs = qs.filter(month__lte=filters.date_to)
    if filters.branch_id:
        qs = qs.filter(branch_id=filters.branch_id)
    if filters.tier:
        qs = qs.filter(tier=filters.tier)
    if filters.quadrant:
        qs = qs.filter(quadrant=filters.quadrant)
    if filters.template_code:
        qs = qs.filter(template__code=filters.template_code)
    return qs


class _Mean(Func):
    """Σ / n as the database's AVG over integers computes it, so a mean from the summary's sums is the live one bit
    for bit: PostgreSQL divides numeric by numeric (int8_avg), SQLite double by double; n = 0 gives NULL."""

    output_field = FloatField()
    arity = 2

    def as_sql(self, compiler, connection, **extra_context):
        total, count = (compiler.compile(expression) for expression in self.source_expressions)
        cast = "(%s)::numeric" if connection.vendor == "postgresql" else "CAST(%s AS REAL)"
        sql = f"{cast % total[0]} / NULLIF({cast % count[0]}, 0)"
        return sql, (*total[1], *count[1])


def _item_sums(*, user, filters: CsiFilters, columns: dict[str, str]) -> QuerySet:
    """One row per item answered in the selection (one GROUP BY answer.item_id): the number of answers, Σ score, the
    mean score and mean importance (AVG, nulls left out) and the number of importance answers, read from the answers
    alone (the covering index on the response holds them: no join per answer), and the item's ``columns`` (name →
    SurveyItem path), each read by a subquery once per result row rather than joined to every answer. An item's
    weight is one number, so over its answers Σ weight × (score − 1) × 25 = weight × 25 × (Σ score − answers) and
    Σ weight = weight × answers, exactly (``_item_points``). For whole months (``_reads_summary``) the same row comes
    from AnswerMonth: its Σ answers, Σ score, Σ importance and counts, the means divided as AVG divides."""
    item = SurveyItem.objects.filter(pk=OuterRef("item_id")).order_by()
    if _reads_summary(filters):  # the same row from the monthly sums: Σ answers, Σ score, Σ importance and counts
        return (
            _answer_months(user=user, filters=filters)
            .values("item_id")
            .annotate(
                answers=Sum("answer_count"),
                score_total=Sum("score_sum"),
                mean_score=_Mean(Sum("score_sum"), Sum("answer_count")),
                mean_importance=_Mean(Sum("importance_sum"), Sum("importance_count")),
                importance_answers=Sum("importance_count"),
                **{name: _OfGroup(item.values(path)) for name, path in columns.items()},
            )
        )
    return (
        _answers(user=user, filters=filters)
        .values("item_id")
        .annotate(
            answers=Count("score"),  # every answer has a score; the covering index has it, not the pk
            score_total=Sum("score"),
            mean_score=Avg("score", output_field=FloatField()),
            mean_importance=Avg("importance", output_field=FloatField()),
            importance_answers=Count("importance"),
            **{name: _OfGroup(item.values(path)) for name, path in columns.items()},
        )
    )


def _item_points(row: dict) -> tuple[Decimal, Decimal]:
    """(Σ weight × (score − 1) × 25, Σ weight) over one item's answers, from its ``_item_sums`` row."""
    return row["weight"] * 25 * (row["score_total"] - row["answers"]), row["weight"] * row["answers"]


@dataclass(frozen=True)
class ItemFigure:
    """One item's figures: its CSI, mean score (performance, 1–5) and mean importance (1–10, None if not asked)."""

    item_id: int
    label: str
    dimension: str
    template_code: str
    answers: int
    csi: float | None
    performance: float | None
    importance: float | None
    importance_answers: int


def _bilingual(row: dict, en: str, zh: str) -> str:
    return row[zh] if (get_language() or "").startswith("zh") and row[zh] else row[en]


ITEM_COLUMNS = {  # what an item's figure shows (``_item_sums`` columns: name → SurveyItem path)
    "weight": "weight",
    "text_en": "text_en",
    "text_zh": "text_zh",
    "sort_order": "sort_order",
    "template_code": "template__code",
    "template_version": "template__version",
    "dimension_en": "dimension__name_en",
    "dimension_zh": "dimension__name_zh",
}
DIMENSION_COLUMNS = {  # what adding items up per dimension needs
    "weight": "weight",
    "dimension_id": "dimension_id",
    "dimension_en": "dimension__name_en",
    "dimension_zh": "dimension__name_zh",
    "dimension_order": "dimension__sort_order",
}
ITEM_ORDER = ("template_code", "-template_version", "sort_order", "item_id")


def _item_figures(rows) -> list[ItemFigure]:
    return [
        ItemFigure(
            item_id=row["item_id"],
            label=_bilingual(row, "text_en", "text_zh"),
            dimension=_bilingual(row, "dimension_en", "dimension_zh"),
            template_code=row["template_code"],
            answers=row["answers"],
            csi=csi_value(*_item_points(row)),
            performance=None if row["mean_score"] is None else float(row["mean_score"]),
            importance=None if row["mean_importance"] is None else float(row["mean_importance"]),
            importance_answers=row["importance_answers"],
        )
        for row in rows
    ]


def _dimension_figures(rows) -> list[CsiFigure]:
    dimensions: dict[int, dict] = {}
    for row in rows:
        points, weight = _item_points(row)
        total = dimensions.setdefault(row["dimension_id"], {**row, "points": 0, "weight": 0, "answers": 0})
        total["points"] += points
        total["weight"] += weight
        total["answers"] += row["answers"]
    return [
        CsiFigure(
            key=key,
            label=_bilingual(total, "dimension_en", "dimension_zh"),
            responses=total["answers"],
            csi=csi_value(total["points"], total["weight"]),
        )
        for key, total in sorted(dimensions.items(), key=lambda entry: (entry[1]["dimension_order"], entry[0]))
    ]


def csi_by_item(*, user, filters: CsiFilters) -> list[ItemFigure]:
    """Per item (one GROUP BY, ``_item_sums``): CSI = Σ(weight × (score − 1) × 25) / Σ weight over its answers;
    performance = mean score; importance = mean of the importance answers (None when nobody gave one). By
    questionnaire code, newest version first, then the item's order."""
    return _item_figures(_item_sums(user=user, filters=filters, columns=ITEM_COLUMNS).order_by(*ITEM_ORDER))


def csi_by_dimension(*, user, filters: CsiFilters) -> list[CsiFigure]:
    """Per dimension: CSI = Σ(weight × (score − 1) × 25) / Σ weight over the answers to its items, the sums of its
    items' sums (one GROUP BY per item, ``_item_sums``; Python adds up the few item rows); ``responses`` holds the
    number of answers. Dimensions in their configured order."""
    return _dimension_figures(_item_sums(user=user, filters=filters, columns=DIMENSION_COLUMNS))


def csi_items_and_dimensions(*, user, filters: CsiFilters) -> tuple[list[ItemFigure], list[CsiFigure]]:
    """``csi_by_item`` and ``csi_by_dimension`` of one selection from the same item rows: one query, not two."""
    rows = list(
        _item_sums(user=user, filters=filters, columns={**ITEM_COLUMNS, **DIMENSION_COLUMNS}).order_by(*ITEM_ORDER)
    )
    return _item_figures(rows), _dimension_figures(rows)


# --- Loyalty zones ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ZoneMonth:
    """How many responses of a month gave each overall score (1 terrorist … 5 apostle), and the shares in %."""

    month: date
    counts: dict[int, int]
    total: int

    @property
    def shares(self) -> dict[int, float | None]:
        """share of zone z = 100 × count(overall = z) / count(overall answered); None in a month without answers."""
        return {zone: (100 * n / self.total if self.total else None) for zone, n in self.counts.items()}


def loyalty_zones(*, user, filters: CsiFilters) -> list[ZoneMonth]:
    """The loyalty-zone distribution per month: COUNT(*) GROUP BY month, overall, over responses that answered the
    overall question; a month of the period without answers is listed with total 0 (shares None). For whole months,
    the sums of ResponseMonth's count per overall score."""
    counts: dict[date, dict[int, int]] = {}
    if _reads_summary(filters):  # per month, Σ of each zone's column over the monthly sums
        sums = {f"zone_{zone}": Sum(f"overall_{zone}") for zone in LoyaltyZone.values}
        for row in _response_months(user=user, filters=filters).values("month").annotate(**sums).order_by():
            if any(row[name] for name in sums):  # as live: a month is found when someone answered the question
                counts[_month(row["month"])] = {zone: row[f"zone_{zone}"] for zone in LoyaltyZone.values}
    else:
        rows = (
            csi_responses(user=user, filters=filters)
            .filter(overall__isnull=False)
            .annotate(month=TruncMonth("answered_at"))
            .values("month", "overall")
            .annotate(n=Count("pk"))
            .order_by()
        )
        for row in rows:
            counts.setdefault(_month(row["month"]), dict.fromkeys(LoyaltyZone.values, 0))[row["overall"]] = row["n"]
    result = []
    for month in _months_of(filters, counts):
        month_counts = counts.get(month, dict.fromkeys(LoyaltyZone.values, 0))
        result.append(ZoneMonth(month=month, counts=month_counts, total=sum(month_counts.values())))
    return result


# --- Importance–performance ------------------------------------------------------------------------------------------


class IpaQuadrant:
    CONCENTRATE = "concentrate"  # high importance, low performance: fix first
    KEEP_UP = "keep_up"  # high importance, high performance
    LOW_PRIORITY = "low_priority"  # low importance, low performance
    OVERKILL = "overkill"  # low importance, high performance


def ipa_labels() -> dict[str, str]:
    """The quadrants' names (the sources' chart: 優先順序高 / 表現良好 / 優先順序低 / 表現超水準)."""
    return {
        IpaQuadrant.CONCENTRATE: _("Concentrate here"),
        IpaQuadrant.KEEP_UP: _("Keep up the good work"),
        IpaQuadrant.LOW_PRIORITY: _("Low priority"),
        IpaQuadrant.OVERKILL: _("Possible overkill"),
    }


@dataclass(frozen=True)
class Ipa:
    items: list[tuple[ItemFigure, str]]  # each item with importance answers, and its quadrant
    mean_importance: float | None
    mean_performance: float | None


def ipa_from_items(items: list[ItemFigure]) -> Ipa:
    """Importance–performance analysis of the items that have importance answers: split lines at the mean of the
    items' mean importance and at the mean of their mean performance; importance ≥ its split line is high, and so
    is performance. High importance & low performance: concentrate here; high & high: keep up the good work;
    low & low: low priority; low importance & high performance: possible overkill."""
    shown = [item for item in items if item.importance is not None and item.performance is not None]
    if not shown:
        return Ipa(items=[], mean_importance=None, mean_performance=None)
    mean_importance = sum(item.importance for item in shown) / len(shown)
    mean_performance = sum(item.performance for item in shown) / len(shown)

    def quadrant(item: ItemFigure) -> str:
        important, performing = item.importance >= mean_importance, item.performance >= mean_performance
        if important:
            return IpaQuadrant.KEEP_UP if performing else IpaQuadrant.CONCENTRATE
        return IpaQuadrant.OVERKILL if performing else IpaQuadrant.LOW_PRIORITY

    return Ipa(
        items=[(item, quadrant(item)) for item in shown],
        mean_importance=mean_importance,
        mean_performance=mean_performance,
    )


def importance_performance(*, user, filters: CsiFilters) -> Ipa:
    """``ipa_from_items`` over ``csi_by_item`` (one query): per item, mean importance (1–10) × mean score (1–5)."""
    return ipa_from_items(csi_by_item(user=user, filters=filters))


# --- Loyalty × contribution ------------------------------------------------------------------------------------------

LOYAL_FROM = 0.6
HIGH_CONTRIBUTION = (Quadrant.HIGH, Quadrant.SECONDARY)  # high current value in the value matrix


class LoyaltyCell:
    KEEP = "keep"  # loyal, high contribution (保持)
    DEVELOP = "develop"  # loyal, low contribution (发展)
    WIN_BACK = "win_back"  # not loyal, high contribution (挽回)
    LET_GO = "let_go"  # not loyal, low contribution (放弃)


def loyalty_cell_labels() -> dict[str, str]:
    return {
        LoyaltyCell.KEEP: _("Keep"),
        LoyaltyCell.DEVELOP: _("Develop"),
        LoyaltyCell.WIN_BACK: _("Win back"),
        LoyaltyCell.LET_GO: _("Let go"),
    }


def loyalty_contribution(*, user, filters: CsiFilters) -> dict[str, int]:
    """Customers with a response in the selection, counted in the loyalty × contribution grid (忠诚及贡献度).

    Loyalty = mean of the components available among: the customer's latest response's repurchase answer
    (yes 1, not sure 0.5, no 0) and its recommend answer / 10 (intent), and Customer.status (active 1, at risk
    0.5, churned 0; behaviour, always there); loyal when ≥ 0.6. Contribution is high when the customer's
    value-matrix quadrant is high or secondary value (high current value). One query. For the dashboard's usual
    selection (company-wide, every answer of a period up to today) the customers' latest answers are read from their
    own rows (``_last_answers_in``): one index holds them with the status and quadrant. Otherwise the latest response
    (by answered_at, then pk) is the first of each customer's responses in the selection by a window function
    (ROW_NUMBER, built by the ORM from ``csi_responses``), so the selection is read once; only those latest responses
    are joined to their customers, and counted GROUP BY (loyal, high contribution): the four cells.

    The join and the cells are written out around the ORM's query because the ORM puts every join inside the window's
    subquery: the whole selection would be joined to the customers and sorted with their columns (about twice the
    time at 30,000 responses). Every constant is a parameter, so the arithmetic is in floats on every database.
    """
    counts = dict.fromkeys(CELLS.values(), 0)
    last_answers = _last_answers_in(user, filters)
    if last_answers is not None:
        # Every customer who answered in the period last answered in it: their latest answers are on their rows.
        latest = last_answers.values(
            "status", "quadrant", repurchase=F("last_repurchase"), recommend=F("last_recommend")
        )
        return _loyalty_cells(latest, joined=False, counts=counts)
    latest = (
        csi_responses(user=user, filters=filters)
        .annotate(
            recency=Window(
                RowNumber(), partition_by=[F("customer_id")], order_by=[F("answered_at").desc(), F("pk").desc()]
            )
        )
        # "≤ 1" is "= 1" (row numbers start at 1); PostgreSQL estimates "= 1" on a window as a handful of rows and
        # would then look the customers up one by one instead of hashing them.
        .filter(recency__lte=1)
        .values("customer_id", "repurchase", "recommend")
    )
    return _loyalty_cells(latest, joined=True, counts=counts)


CELLS = {
    (True, True): LoyaltyCell.KEEP,
    (True, False): LoyaltyCell.DEVELOP,
    (False, True): LoyaltyCell.WIN_BACK,
    (False, False): LoyaltyCell.LET_GO,
}


def _last_answers_in(user, filters: CsiFilters) -> QuerySet[Customer] | None:
    """The customers whose latest answer (``Customer.last_answered_at``) is in the period, when they are exactly the
    customers with an answer in the selection, each with that answer as their latest in it: the selection keeps
    every answer of the period (a company-wide reader, no filter but the dates) and the period runs to today (no
    answer is dated later: the services stamp answers when they are written). None otherwise."""
    if not access_of(user).company_wide or not can(user, "csi.view"):
        return None
    if filters != CsiFilters(date_from=filters.date_from, date_to=filters.date_to):
        return None
    if filters.date_to is not None and filters.date_to < timezone.localdate():
        return None
    customers = Customer.objects.filter(last_answered_at__isnull=False).order_by()
    if filters.date_from:
        customers = customers.filter(last_answered_at__gte=_day_start(filters.date_from))
    return customers


def _loyalty_cells(latest: QuerySet, *, joined: bool, counts: dict) -> dict[str, int]:
    """Count ``latest`` (one row per customer: repurchase, recommend; and status, quadrant unless ``joined``, when
    its customer_id is joined to the customer for them) in the four cells.

    The rows are first counted by their four inputs (a few hundred combinations), and loyalty is computed once per
    combination, not once per customer (half the time of the query at 90,000 customers)."""
    try:
        sql, params = latest.query.sql_with_params()
    except EmptyResultSet:  # nothing to read (no csi.view): the query would select nothing
        return counts
    qn = connection.ops.quote_name
    loyalty = (
        "(COALESCE(CASE inputs.repurchase WHEN %s THEN %s WHEN %s THEN %s WHEN %s THEN %s END, %s)"
        " + COALESCE(CAST(inputs.recommend AS DOUBLE PRECISION) / %s, %s)"
        " + CASE inputs.status WHEN %s THEN %s WHEN %s THEN %s ELSE %s END)"
        " / (%s + CASE WHEN inputs.repurchase IN (%s, %s, %s) THEN %s ELSE %s END"
        " + CASE WHEN inputs.recommend IS NULL THEN %s ELSE %s END)"
    )
    loyalty_params = [
        *(Repurchase.YES.value, 1.0, Repurchase.UNSURE.value, 0.5, Repurchase.NO.value, 0.0, 0.0),
        *(10.0, 0.0),
        *(Customer.Status.ACTIVE.value, 1.0, Customer.Status.AT_RISK.value, 0.5, 0.0),
        *(1.0, Repurchase.YES.value, Repurchase.UNSURE.value, Repurchase.NO.value, 1.0, 0.0),
        *(0.0, 1.0),
    ]
    source, holder = f"({sql}) latest", "latest"
    if joined:
        source += f" INNER JOIN {qn(Customer._meta.db_table)} customer ON customer.id = latest.customer_id"
        holder = "customer"
    inputs = (
        f"SELECT latest.repurchase AS repurchase, latest.recommend AS recommend, {holder}.status AS status, "  # noqa: S608
        f"{holder}.quadrant AS quadrant, COUNT(*) AS n FROM {source} GROUP BY 1, 2, 3, 4"
    )
    query = (
        f"SELECT {loyalty} >= %s AS loyal, inputs.quadrant IN (%s, %s) AS high, SUM(inputs.n) "  # noqa: S608
        f"FROM ({inputs}) inputs GROUP BY 1, 2"  # each combination's loyalty computed once (FILTERs: once each)
    )
    with connection.cursor() as cursor:
        # 0.6 exactly is loyal, whatever the float rounding
        cursor.execute(query, [*loyalty_params, LOYAL_FROM - 1e-9, *(q.value for q in HIGH_CONTRIBUTION), *params])
        rows = cursor.fetchall()
    for loyal, high, n in rows:  # SQLite answers 1 / 0, PostgreSQL true / false
        counts[CELLS[bool(loyal), bool(high)]] = int(n)  # PostgreSQL's SUM of counts is a numeric
    return counts


# --- Campaigns -------------------------------------------------------------------------------------------------------


def campaign_response_rate(*, campaign_ids) -> dict[int, tuple[int, int, float | None]]:
    """Per campaign: (invited, answered, rate). invited = invitations not cancelled; answered = invitations answered
    (by link, or used up by answers recorded on the phone); rate = 100 × answered / invited, None when nobody was
    invited. One GROUP BY query; every id asked for is in the result."""
    ids = list(campaign_ids)
    result: dict[int, tuple[int, int, float | None]] = dict.fromkeys(ids, (0, 0, None))
    rows = (
        Invitation.objects.filter(campaign_id__in=ids)
        .values("campaign_id")
        .annotate(
            invited=Count("pk", filter=~Q(state=Invitation.State.CANCELLED)),
            answered=Count("pk", filter=Q(state=Invitation.State.ANSWERED)),
        )
        .order_by()
    )
    for row in rows:
        invited, answered = row["invited"], row["answered"]
        result[row["campaign_id"]] = (invited, answered, 100 * answered / invited if invited else None)
    return result


# --- Complaint figures beside the CSI --------------------------------------------------------------------------------


@dataclass(frozen=True)
class ComplaintFigures:
    received: int
    by_category: list[tuple[str, str, int]]  # (code, name, count), most first
    by_root_cause: list[tuple[str, str, int]]
    closed: int
    closed_within_sla: int
    revisits: int
    revisit_score: float | None  # mean 1–5

    @property
    def sla_share(self) -> float | None:
        """100 × closed on or before their resolution deadline / closed; None when none closed."""
        return 100 * self.closed_within_sla / self.closed if self.closed else None


def complaints_for_dashboard(*, user, filters: CsiFilters) -> QuerySet[Complaint]:
    """Complaints received in the period, scoped like the responses (a manager: their branch; the complaints'
    own branch rule) and by the customer's current tier and quadrant. Questionnaire and group do not apply."""
    if not can(user, "csi.view"):
        return Complaint.objects.none()
    qs = complaint_list_for_user(user=user).order_by()
    if filters.date_from:
        qs = qs.filter(created_at__gte=_day_start(filters.date_from))
    if filters.date_to:
        qs = qs.filter(created_at__lt=_day_start(filters.date_to + timedelta(days=1)))
    if filters.branch_id:
        qs = qs.filter(branch_id=filters.branch_id)
    if filters.tier:
        qs = qs.filter(customer__tier=filters.tier)
    if filters.quadrant:
        qs = qs.filter(customer__quadrant=filters.quadrant)
    return qs


def _complaints_read_summary(filters: CsiFilters) -> bool:
    """Whether ``complaint_figures`` can come from the reports app's monthly complaint sums (ComplaintMonth, kept per
    local month of receipt in TIME_ZONE and branch) rather than the complaints: whole months as ``_reads_summary``
    (the group and the questionnaire do not apply to complaints) and no tier or quadrant (the sums do not know the
    customer's current segment)."""
    return not filters.tier and not filters.quadrant and _reads_summary(replace(filters, group=Group.ALL))


def _complaint_month_sums(*, user, filters: CsiFilters) -> tuple[dict, dict, dict, dict]:
    """``complaint_figures``' counts from ComplaintMonth, in two small queries (the sums' rows of the period grouped
    by dimension and value, then the categories' codes and names). Per category and per root-cause group: received,
    closed (step Closed, which is closed_at set: the services set and clear both together) and resolution on time
    (closed_at ≤ resolution_due_at, as here); the "revisit" rows (one per month of the revisits of the month's
    complaints) summed over their months: the number of revisits and Σ score, the mean divided as AVG divides."""
    from reports.models import ComplaintMonth  # reports sits above satisfaction: read its sums, not its module

    # The user's branches, the months and the branch, as the CSI sums; the questionnaire does not apply to complaints
    # (and _complaints_read_summary has left out a tier or quadrant).
    months = _summary_rows(ComplaintMonth, user=user, filters=replace(filters, template_code=""))
    qs = months.filter(dimension__in=["category", "root_cause_group", "revisit"])
    rows = (
        qs.annotate(key=Case(When(dimension="revisit", then=Value("")), default=F("value")))
        .values("dimension", "key")
        .annotate(
            n=Sum("received"),
            closed=Sum("closed"),
            within=Sum("resolution_on_time"),
            mean=_Mean(Sum("total"), Sum("received")),
        )
    )
    per_id: dict[int, int] = {}
    per_cause: dict[str, int] = {}
    totals = {"received": 0, "closed": 0, "within": 0}
    revisits = {"n": 0, "mean": None}
    for row in rows:
        if row["dimension"] == "revisit":
            revisits = {"n": row["n"] or 0, "mean": row["mean"]}
        elif not row["n"]:  # a row left at 0 by a complaint that changed category or cause: none received
            continue
        elif row["dimension"] == "category":
            per_id[int(row["key"])] = row["n"]
            totals["received"] += row["n"]
            totals["closed"] += row["closed"]
            totals["within"] += row["within"]
        else:
            per_cause[row["key"]] = row["n"]
    zh = (get_language() or "").startswith("zh")
    per_category = {  # in the order of the codes, as the database sorts them
        (code, name_zh if zh else name_en): per_id[pk]
        for pk, code, name_en, name_zh in Category.objects.filter(pk__in=per_id)
        .order_by("code")
        .values_list("pk", "code", "name_en", "name_zh")
    }
    return per_category, per_cause, totals, revisits


def _complaint_live_sums(*, user, filters: CsiFilters) -> tuple[dict, dict, dict, dict]:
    """``complaint_figures``' counts from the complaints of the period, in two queries."""
    complaints = complaints_for_dashboard(user=user, filters=filters)
    zh = (get_language() or "").startswith("zh")
    category = Category.objects.filter(pk=OuterRef("category_id")).order_by()
    rows = (
        complaints.values("category_id", "root_cause_group")
        .annotate(
            n=Count("pk"),
            closed=Count("pk", filter=Q(closed_at__isnull=False)),
            within=Count("pk", filter=Q(closed_at__isnull=False, closed_at__lte=F("resolution_due_at"))),
            # the category's columns once per result row, not hashed with every complaint
            **{name: _OfGroup(category.values(name)) for name in ("code", "name_en", "name_zh")},
        )
        .order_by("code", "root_cause_group")
    )
    per_category: dict[tuple, int] = {}  # in the order of the codes, as the database sorts them
    per_cause: dict[str, int] = {}
    totals = {"received": 0, "closed": 0, "within": 0}
    for row in rows:
        category = (row["code"], row["name_zh"] if zh else row["name_en"])
        per_category[category] = per_category.get(category, 0) + row["n"]
        per_cause[row["root_cause_group"]] = per_cause.get(row["root_cause_group"], 0) + row["n"]
        totals["received"] += row["n"]
        totals["closed"] += row["closed"]
        totals["within"] += row["within"]
    # The complaints joined to their revisits (each revisit once; a complaint without any adds a NULL that COUNT and
    # AVG leave out): one pass over the complaints' index rather than a hash of every complaint of the period.
    revisits = complaints.aggregate(n=Count("revisits"), mean=Avg("revisits__score", output_field=FloatField()))
    return per_category, per_cause, totals, revisits


def complaint_figures(*, user, filters: CsiFilters) -> ComplaintFigures:
    """Over ``complaints_for_dashboard``, in two queries: received, closed and closed within SLA (closed_at ≤
    resolution_due_at) as COUNTs with FILTER GROUP BY category and root-cause group (not recorded yet: blank), which
    Python adds up per category (most first, then by code), per root-cause group (likewise) and in all, from the few
    grouped rows (the category's code and names read once per row); and the number and mean score of their revisits
    (the complaints LEFT JOIN their revisits: COUNT and AVG over the revisits). Both read a period from the
    complaints' (created_at) index alone, which includes the columns they need. For whole months without a tier or
    quadrant (``_complaints_read_summary``) the same counts and sums come from the monthly complaint sums (the join
    of a year's complaints with every revisit took ~200 ms on a million complaints)."""
    if _complaints_read_summary(filters):
        per_category, per_cause, totals, revisits = _complaint_month_sums(user=user, filters=filters)
    else:
        per_category, per_cause, totals, revisits = _complaint_live_sums(user=user, filters=filters)
    # A stable sort: categories with as many complaints stay in the order of their codes.
    by_category = [(code, name, n) for (code, name), n in sorted(per_category.items(), key=lambda entry: -entry[1])]
    causes = dict(RootCauseGroup.choices)
    # The groups are RootCauseGroup values (lower-case letters) or blank: Python orders them as the database does.
    by_root_cause = [
        (code, str(causes.get(code, _("Not recorded yet"))), n)
        for code, n in sorted(per_cause.items(), key=lambda entry: (-entry[1], entry[0]))
    ]
    return ComplaintFigures(
        received=totals["received"],
        by_category=by_category,
        by_root_cause=by_root_cause,
        closed=totals["closed"],
        closed_within_sla=totals["within"],
        revisits=revisits["n"],
        revisit_score=None if revisits["mean"] is None else float(revisits["mean"]),
    )
