"""Every figure of the complaint statistics (投诉总结) and the corrective actions (整改) beside them.

Each figure is an SQL aggregate (GROUP BY, COUNT/SUM with FILTER, window functions for the time spent in each step
and its 90th percentile); Python only shapes the few grouped rows that come back (one per month, branch, cause …),
never the complaints themselves. Each function takes the user and a ``ReportFilters`` and returns plain dicts and
lists (the API serves them as they are), and its docstring gives its formula.

Every figure starts from ``report_complaints``: the complaints the user may see (a manager: their branch; the general
manager and the admin: all), received (``created_at``) in the period, narrowed by the filters. A manager who asks for
another branch gets 404, as for any object of another branch.
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import (
    Aggregate,
    Avg,
    Count,
    F,
    FloatField,
    Min,
    Q,
    QuerySet,
    Sum,
)
from django.db.models.functions import Lower, Trim, TruncMonth, TruncQuarter
from django.http import Http404
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from complaints.models import Category, Channel, Complaint, Remedy, Revisit, RootCauseGroup, Severity, TimelineEvent
from complaints.workflow import SIX_STEPS, PlanStatus, Step
from crm_site.org.access import access_of, can_access_branch, scope_to_user_branch
from crm_site.org.models import Branch, Department
from crm_site.org.policy import can

from .models import CorrectiveAction
from .workflow import OPEN_STATUSES

# --- Who reads what, and the filters ------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReportFilters:
    """The statistics' filters: local days, both included; empty values filter nothing."""

    date_from: date | None = None
    date_to: date | None = None
    branch_id: int | None = None
    department_id: int | None = None
    category_id: int | None = None
    severity: str = ""
    channel: str = ""


def _day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min), timezone.get_current_timezone())


def _scoped(*, user, filters: ReportFilters, with_period: bool = True, model=Complaint, via: str = "") -> QuerySet:
    """The complaints in scope; with ``model`` and ``via`` (the path from that model to its complaint,
    "plan__complaint"), that model's rows whose complaint is in scope, filtered on the join itself (no second scan of
    the complaints)."""
    if not can(user, "reports.view"):
        return model.objects.none()
    if filters.branch_id is not None and not (
        can_access_branch(user, filters.branch_id) and Branch.objects.filter(pk=filters.branch_id).exists()
    ):
        raise Http404  # another branch's figures: as unknown as another branch's complaint
    p = f"{via}__" if via else ""
    qs = scope_to_user_branch(model.objects.all(), user, field=f"{p}branch").order_by()
    if with_period and filters.date_from:
        qs = qs.filter(**{f"{p}created_at__gte": _day_start(filters.date_from)})
    if with_period and filters.date_to:
        qs = qs.filter(**{f"{p}created_at__lt": _day_start(filters.date_to + timedelta(days=1))})
    if filters.branch_id:
        qs = qs.filter(**{f"{p}branch_id": filters.branch_id})
    if filters.department_id:
        qs = qs.filter(**{f"{p}department_id": filters.department_id})
    if filters.category_id:
        qs = qs.filter(**{f"{p}category_id": filters.category_id})
    if filters.severity:
        qs = qs.filter(**{f"{p}severity": filters.severity})
    if filters.channel:
        qs = qs.filter(**{f"{p}channel": filters.channel})
    return qs


def report_complaints(*, user, filters: ReportFilters) -> QuerySet[Complaint]:
    """The complaints every figure counts: the user's scope, received in the period, narrowed by the filters."""
    return _scoped(user=user, filters=filters)


def _zh() -> bool:
    return (get_language() or "").startswith("zh")


def _share(part, whole) -> float | None:
    """100 × part / whole; None (shown "no data") when there is nothing to divide by."""
    return 100 * part / whole if whole else None


def _local_day(value) -> date:
    if isinstance(value, datetime):
        return (timezone.localtime(value) if timezone.is_aware(value) else value).date()
    return value


# --- Counts by one dimension --------------------------------------------------------------------------------------

DIMENSIONS = ("category", "root_cause_group", "root_cause", "department", "branch", "channel", "severity", "month")
ROOT_CAUSE_LIMIT = 20  # the free-text causes: the most frequent ones, the rest added up in one row


def not_recorded() -> str:
    return _("Not recorded yet")


def counts_by(*, user, filters: ReportFilters, by: str) -> list[dict]:
    """Complaints per value of one dimension, most first (months: oldest first), in one GROUP BY query.

    Each row: ``key`` (code or id; "" / None where not recorded yet), ``label`` (in the reader's language),
    ``count``, and ``share`` = 100 × count / Σ count of the rows. Root causes are the free text trimmed and
    compared without case; only the ``ROOT_CAUSE_LIMIT`` most frequent are listed and the rest make one row
    "All other causes".
    """
    if by not in DIMENSIONS:
        raise ValueError(by)
    qs = report_complaints(user=user, filters=filters)
    zh = _zh()
    if by == "month":
        grouped = qs.annotate(k=TruncMonth("created_at")).values("k").annotate(n=Count("pk")).order_by("k")
        rows = [
            {"key": f"{_local_day(r['k']):%Y-%m}", "label": f"{_local_day(r['k']):%Y-%m}", "count": r["n"]}
            for r in grouped
        ]
    elif by == "category":
        grouped = (
            qs.values("category_id", "category__code", "category__name_en", "category__name_zh")
            .annotate(n=Count("pk"))
            .order_by("-n", "category__code")
        )
        rows = [
            {
                "key": r["category__code"],
                "label": r["category__name_zh" if zh else "category__name_en"],
                "count": r["n"],
            }
            for r in grouped
        ]
    elif by == "department":
        grouped = (
            qs.values("department_id", "department__name").annotate(n=Count("pk")).order_by("-n", "department__name")
        )
        rows = [
            {"key": r["department_id"], "label": r["department__name"] or not_recorded(), "count": r["n"]}
            for r in grouped
        ]
    elif by == "branch":
        grouped = (
            qs.values("branch_id", "branch__code", "branch__name")
            .annotate(n=Count("pk"))
            .order_by("-n", "branch__code")
        )
        rows = [{"key": r["branch_id"], "label": r["branch__name"], "count": r["n"]} for r in grouped]
    elif by == "root_cause":
        return [
            {"key": row["key"], "label": row["label"], "count": row["count"], "share": row["share"]}
            for row in pareto(user=user, filters=filters, limit=ROOT_CAUSE_LIMIT)["rows"]
        ]
    else:
        choices = {"root_cause_group": RootCauseGroup, "channel": Channel, "severity": Severity}[by]
        names = dict(choices.choices)
        grouped = qs.values(by).annotate(n=Count("pk")).order_by("-n", by)
        rows = [{"key": r[by], "label": str(names.get(r[by], not_recorded())), "count": r["n"]} for r in grouped]
    total = sum(row["count"] for row in rows)
    for row in rows:
        row["share"] = _share(row["count"], total)
    return rows


def _escalations(complaints: QuerySet[Complaint]) -> QuerySet[TimelineEvent]:
    """The escalation rows of these complaints' timelines (one scan of the timeline by kind, rather than an
    EXISTS per complaint: an escalation level can be set back by an extension, the timeline keeps it)."""
    kinds = [TimelineEvent.Kind.ESCALATED, TimelineEvent.Kind.ESCALATED_GM]
    return TimelineEvent.objects.filter(kind__in=kinds, complaint_id__in=complaints.values("pk")).order_by()


def summary(*, user, filters: ReportFilters, now: datetime | None = None) -> dict:
    """The headline, in two queries: received; closed; open; repeats (``repeat_of`` set: a complaint by the same
    customer within the repeat window) and the repeat rate = 100 × repeats / received; escalated = complaints with
    at least one escalation in their timeline (to the branch manager), of which to the general manager; and
    overdue now (open past the resolution deadline)."""
    now = now or timezone.now()
    complaints = report_complaints(user=user, filters=filters)
    row = complaints.aggregate(
        received=Count("pk"),
        closed=Count("pk", filter=Q(step=Step.CLOSED)),
        repeats=Count("pk", filter=Q(repeat_of__isnull=False)),
        overdue=Count("pk", filter=~Q(step=Step.CLOSED) & Q(resolution_due_at__lt=now)),
    )
    row.update({"escalated": 0, "escalated_gm": 0})
    for found in _escalations(complaints).values("kind").annotate(n=Count("complaint_id", distinct=True)):
        row["escalated" if found["kind"] == TimelineEvent.Kind.ESCALATED else "escalated_gm"] = found["n"]
    row["open"] = row["received"] - row["closed"]
    row["repeat_rate"] = _share(row["repeats"], row["received"])
    row["escalation_rate"] = _share(row["escalated"], row["received"])
    return row


def repeats_and_escalations_by_month(*, user, filters: ReportFilters) -> list[dict]:
    """Per month of receipt (two GROUP BYs: the complaints, their escalation rows): received, repeats, repeat
    rate = 100 × repeats / received, escalated (ever escalated to the branch manager, from the timeline) and
    escalated to the general manager."""
    complaints = report_complaints(user=user, filters=filters)
    grouped = (
        complaints.annotate(k=TruncMonth("created_at"))
        .values("k")
        .annotate(received=Count("pk"), repeats=Count("pk", filter=Q(repeat_of__isnull=False)))
        .order_by("k")
    )
    escalations: dict[tuple[str, str], int] = {}
    for found in (
        _escalations(complaints)
        .annotate(k=TruncMonth("complaint__created_at"))
        .values("k", "kind")
        .annotate(n=Count("complaint_id", distinct=True))
    ):
        escalations[(f"{_local_day(found['k']):%Y-%m}", found["kind"])] = found["n"]
    rows = []
    for r in grouped:
        month = f"{_local_day(r['k']):%Y-%m}"
        rows.append(
            {
                "month": month,
                "received": r["received"],
                "repeats": r["repeats"],
                "repeat_rate": _share(r["repeats"], r["received"]),
                "escalated": escalations.get((month, TimelineEvent.Kind.ESCALATED), 0),
                "escalated_gm": escalations.get((month, TimelineEvent.Kind.ESCALATED_GM), 0),
            }
        )
    return rows


# --- Pareto of causes ---------------------------------------------------------------------------------------------


def cause_key(group: str, text: str) -> str:
    """A cause's key: its root-cause group and its root cause trimmed and in lower case ("people|rude staff")."""
    return f"{group}|{text.strip().lower()}"


def pareto(*, user, filters: ReportFilters, limit: int = 15) -> dict:
    """The causes of the complaints whose root cause is recorded, most first, in two queries.

    A cause is (root-cause group, root cause trimmed and without case). ``rows`` are the ``limit`` most frequent
    (ties by group, then text), then one row "All other causes" with the rest; each row has ``count``,
    ``share`` = 100 × count / recorded and ``cumulative`` = 100 × Σ count of this row and those above / recorded.
    ``recorded`` = complaints with a root-cause group; ``not_recorded`` = the others (not yet past step 3).
    """
    qs = report_complaints(user=user, filters=filters)
    totals = qs.aggregate(recorded=Count("pk", filter=~Q(root_cause_group="")), all=Count("pk"))
    top = (
        qs.exclude(root_cause_group="")
        .annotate(text=Lower(Trim("root_cause")))
        .values("root_cause_group", "text")
        .annotate(n=Count("pk"), shown=Min("root_cause"))
        .order_by("-n", "root_cause_group", "text")[:limit]
    )
    causes = [(r["root_cause_group"], r["text"] or "", r["shown"], r["n"]) for r in top]
    return _pareto_rows(causes, recorded=totals["recorded"], everything=totals["all"])


def _pareto_rows(causes: list[tuple[str, str, str | None, int]], *, recorded: int, everything: int) -> dict:
    """The Pareto table from its causes, most first: (group, text without case, first spelling, count)."""
    groups = dict(RootCauseGroup.choices)
    rows, running = [], 0
    for group, text, shown, n in causes:
        running += n
        shown = (shown or "").strip()
        rows.append(
            {
                "key": cause_key(group, text),
                "group": group,
                "root_cause": shown,
                "label": f"{groups.get(group, group)}: {shown or _('no detail')}",
                "count": n,
                "share": _share(n, recorded),
                "cumulative": _share(running, recorded),
            }
        )
    rest = recorded - running
    if rest > 0:
        rows.append(
            {
                "key": "",
                "group": "",
                "root_cause": "",
                "label": _("All other causes"),
                "count": rest,
                "share": _share(rest, recorded),
                "cumulative": _share(recorded, recorded),
            }
        )
    return {"rows": rows, "recorded": recorded, "not_recorded": everything - recorded}


# --- The service-demand pattern: quarter × cause, and how the complaints were handled -------------------------------

QUARTERS = 8  # the last two years


def quarters_ending(day: date, count: int = QUARTERS) -> list[date]:
    """The first days of the ``count`` quarters ending with ``day``'s, oldest first."""
    index = day.year * 4 + (day.month - 1) // 3
    return [date((i // 4), (i % 4) * 3 + 1, 1) for i in range(index - count + 1, index + 1)]


def _quarter_label(day: date) -> str:
    return f"{day.year} Q{(day.month - 1) // 3 + 1}"


def quarter_pattern(*, user, filters: ReportFilters) -> dict:
    """The sources' service-demand pattern over the last two years (the 8 quarters ending with the period's last
    day; the period's start does not apply, the other filters do), in two queries: complaints per quarter of
    receipt × root-cause group (blank: not recorded yet), and the remedies of the plans the customers agreed to
    (status agreed) per quarter of the complaint's receipt × remedy type. Every quarter is listed, empty ones with
    zeros; only groups and types that occur are."""
    end = filters.date_to or timezone.localdate()
    quarters = quarters_ending(end)
    period = ReportFilters(**{**filters.__dict__, "date_from": quarters[0], "date_to": end})
    qs = _scoped(user=user, filters=period)
    index = {q: i for i, q in enumerate(quarters)}
    causes: dict[str, list[int]] = {}
    for r in qs.annotate(q=TruncQuarter("created_at")).values("q", "root_cause_group").annotate(n=Count("pk")):
        counts = causes.setdefault(r["root_cause_group"], [0] * len(quarters))
        counts[index[_local_day(r["q"])]] += r["n"]
    remedies: dict[str, list[int]] = {}
    remedy_rows = (
        _scoped(user=user, filters=period, model=Remedy, via="plan__complaint")
        .filter(plan__status=PlanStatus.AGREED)
        .annotate(q=TruncQuarter("plan__complaint__created_at"))
        .values("q", "kind")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for r in remedy_rows:
        counts = remedies.setdefault(r["kind"], [0] * len(quarters))
        counts[index[_local_day(r["q"])]] += r["n"]
    group_names, kind_names = dict(RootCauseGroup.choices), dict(Remedy.Kind.choices)
    group_order = [*RootCauseGroup.values, ""]
    return {
        "quarters": [_quarter_label(q) for q in quarters],
        "causes": [
            {"key": g, "label": str(group_names.get(g, not_recorded())), "counts": causes[g], "total": sum(causes[g])}
            for g in group_order
            if g in causes
        ],
        "remedies": [
            {"key": k, "label": str(kind_names[k]), "counts": remedies[k], "total": sum(remedies[k])}
            for k in Remedy.Kind.values
            if k in remedies
        ],
    }


# --- SLA compliance -----------------------------------------------------------------------------------------------


def sla_compliance(*, user, filters: ReportFilters, by: str, now: datetime | None = None) -> list[dict]:
    """First response and resolution before their deadlines, per branch or severity (one GROUP BY).

    Response: ``response_due`` = complaints answered, or unanswered past the response deadline (the others cannot
    be judged yet); ``response_on_time`` = answered at or before ``response_due_at``; share = 100 × on time / due.
    Resolution: ``resolution_due`` = closed, or open past ``resolution_due_at``; ``resolution_on_time`` = closed at
    or before it; share likewise. An extended deadline counts as the deadline.
    """
    if by not in ("branch", "severity"):
        raise ValueError(by)
    now = now or timezone.now()
    key = {"branch": ("branch_id", "branch__name", "branch__code"), "severity": ("severity",)}[by]
    grouped = (
        report_complaints(user=user, filters=filters)
        .values(*key)
        .annotate(
            received=Count("pk"),
            response_due=Count("pk", filter=Q(first_responded_at__isnull=False) | Q(response_due_at__lt=now)),
            response_on_time=Count("pk", filter=Q(first_responded_at__lte=F("response_due_at"))),
            resolution_due=Count("pk", filter=Q(closed_at__isnull=False) | Q(resolution_due_at__lt=now)),
            resolution_on_time=Count("pk", filter=Q(closed_at__lte=F("resolution_due_at"))),
        )
        .order_by(key[-1])
    )
    names = dict(Severity.choices)
    rows = []
    for r in grouped:
        rows.append(
            {
                "key": r[key[0]],
                "label": r["branch__name"] if by == "branch" else str(names.get(r["severity"], r["severity"])),
                "received": r["received"],
                "response_due": r["response_due"],
                "response_on_time": r["response_on_time"],
                "response_share": _share(r["response_on_time"], r["response_due"]),
                "resolution_due": r["resolution_due"],
                "resolution_on_time": r["resolution_on_time"],
                "resolution_share": _share(r["resolution_on_time"], r["resolution_due"]),
            }
        )
    if by == "severity":  # general, important, major: the order of the scale, not of the codes
        order = {s: i for i, s in enumerate(Severity.values)}
        rows.sort(key=lambda row: order.get(row["key"], len(order)))
    return rows


# --- Time spent in each of the six steps --------------------------------------------------------------------------


def _seconds_between(later: str, earlier: str) -> str:
    if connection.vendor == "postgresql":
        return f"CAST(EXTRACT(EPOCH FROM ({later} - {earlier})) AS DOUBLE PRECISION)"
    return f"((julianday({later}) - julianday({earlier})) * 86400.0)"


def step_durations(*, user, filters: ReportFilters) -> list[dict]:
    """Hours spent in each of the six steps by the complaints received in the period, in one SQL query.

    A stay in a step runs from the timeline row that entered it (received: Listen; a step completed, a reopening,
    a closing: the row's ``to_step``) to the next such row of the same complaint (LEAD … OVER (PARTITION BY
    complaint ORDER BY created_at, id)); a complaint still in a step has no finished stay there and is left out of
    that step. A complaint's time in a step is the sum of its finished stays there (a reopened case may pass twice).
    Per step: ``complaints`` = n complaints with a finished stay, ``mean_hours`` = Σ time / n, and ``p90_hours`` =
    the 90th percentile, interpolated as PostgreSQL's percentile_cont(0.9): with the n times sorted x₁ … xₙ,
    h = 1 + 0.9 × (n − 1), p90 = x⌊h⌋ + (h − ⌊h⌋) × (x⌊h⌋₊₁ − x⌊h⌋). PostgreSQL computes it with percentile_cont;
    other databases with ROW_NUMBER() and COUNT(*) OVER the step's times, which picks the same two rows.
    """
    try:
        complaint_sql, complaint_params = (
            report_complaints(user=user, filters=filters).values("pk").query.sql_with_params()
        )
    except EmptyResultSet:  # nothing to read (no statistics for this user)
        complaint_sql, complaint_params = None, []
    table = TimelineEvent._meta.db_table
    steps = [str(step) for step in SIX_STEPS]
    placeholders = ", ".join(["%s"] * len(steps))
    seconds = _seconds_between("left_at", "entered")
    if connection.vendor == "postgresql":
        final = """
            SELECT step, COUNT(*), AVG(seconds),
                   percentile_cont(0.9) WITHIN GROUP (ORDER BY seconds)
            FROM per_complaint GROUP BY step
        """
    else:
        final = """
            , ranked AS (
                SELECT step, seconds,
                       ROW_NUMBER() OVER (PARTITION BY step ORDER BY seconds) AS rn,
                       COUNT(*) OVER (PARTITION BY step) AS n
                FROM per_complaint
            ), picked AS (
                SELECT step, COUNT(*) AS stays_n, AVG(seconds) AS mean,
                       MAX(CASE WHEN rn = CAST(1 + 0.9 * (n - 1) AS INTEGER) THEN seconds END) AS lo,
                       MAX(CASE WHEN rn = CAST(1 + 0.9 * (n - 1) AS INTEGER) + 1 THEN seconds END) AS hi,
                       MAX(0.9 * (n - 1) - CAST(0.9 * (n - 1) AS INTEGER)) AS frac
                FROM ranked GROUP BY step
            )
            SELECT step, stays_n, mean, lo + frac * (COALESCE(hi, lo) - lo) FROM picked
        """
    # Only the table name, these fragments and Django's own compiled subquery go into the text; values are params.
    sql = f"""
        WITH stays AS (
            SELECT complaint_id, to_step AS step, created_at AS entered,
                   LEAD(created_at) OVER (PARTITION BY complaint_id ORDER BY created_at, id) AS left_at
            FROM {table}
            WHERE to_step <> '' AND complaint_id IN ({complaint_sql})
        ), per_complaint AS (
            SELECT complaint_id, step, SUM({seconds}) AS seconds
            FROM stays
            WHERE left_at IS NOT NULL AND step IN ({placeholders})
            GROUP BY complaint_id, step
        )
        {final}
    """  # noqa: S608
    found = {}
    if complaint_sql is not None:
        with connection.cursor() as cursor:
            cursor.execute(sql, [*complaint_params, *steps])
            found = {row[0]: row for row in cursor.fetchall()}
    names = dict(Step.choices)
    result = []
    for step in steps:
        row = found.get(step)
        result.append(
            {
                "step": step,
                "label": str(names[step]),
                "complaints": row[1] if row else 0,
                "mean_hours": float(row[2]) / 3600 if row and row[2] is not None else None,
                "p90_hours": float(row[3]) / 3600 if row and row[3] is not None else None,
            }
        )
    return result


# --- Compensation and revisits ------------------------------------------------------------------------------------


def compensation_by_month(*, user, filters: ReportFilters) -> dict:
    """The cost of the remedies carried out (``done_at`` set) for the complaints received in the period, per month
    carried out × remedy type, in one GROUP BY: Σ amount and the number of remedies. ``months`` lists the months that
    have any; ``kinds`` the types that occur, each with its amounts per month (0 where none) and its total;
    ``total`` = Σ of every amount."""
    rows = (
        Remedy.objects.filter(plan__complaint__in=report_complaints(user=user, filters=filters).values("pk"))
        .filter(done_at__isnull=False)
        .annotate(k=TruncMonth("done_at"))
        .values("k", "kind")
        .annotate(amount=Sum("amount"), n=Count("pk"))
        .order_by("k", "kind")
    )
    months: list[str] = []
    cells: dict[tuple[str, str], tuple] = {}
    for r in rows:
        month = f"{_local_day(r['k']):%Y-%m}"
        if month not in months:
            months.append(month)
        cells[(r["kind"], month)] = (r["amount"], r["n"])
    return _compensation_table(cells, months)


def _compensation_table(cells: dict[tuple[str, str], tuple], months: list[str]) -> dict:
    """The compensation figure from its cells: (remedy type, month) → (amount, remedies carried out)."""
    names = dict(Remedy.Kind.choices)
    kinds = []
    for kind in Remedy.Kind.values:
        if not any(k == kind for k, _m in cells):
            continue
        amounts = [float(cells[(kind, m)][0]) if (kind, m) in cells else 0.0 for m in months]
        counts = [cells[(kind, m)][1] if (kind, m) in cells else 0 for m in months]
        kinds.append(
            {"key": kind, "label": str(names[kind]), "amounts": amounts, "counts": counts, "total": sum(amounts)}
        )
    return {"months": months, "kinds": kinds, "total": sum(k["total"] for k in kinds)}


def revisit_satisfaction(*, user, filters: ReportFilters) -> list[dict]:
    """Revisits (回访) of the complaints received in the period, per month of the revisit (one GROUP BY):
    revisits, mean score (1–5) = Σ score / revisits, satisfied = outcome resolved with a score of 3 or more (as
    ``Revisit.is_satisfied``), satisfied share = 100 × satisfied / revisits."""
    rows = (
        Revisit.objects.filter(complaint__in=report_complaints(user=user, filters=filters).values("pk"))
        .annotate(k=TruncMonth("recorded_at"))
        .values("k")
        .annotate(
            n=Count("pk"),
            mean=Avg("score", output_field=FloatField()),
            satisfied=Count("pk", filter=Q(outcome=Revisit.Outcome.RESOLVED, score__gte=3)),
        )
        .order_by("k")
    )
    return [
        {
            "month": f"{_local_day(r['k']):%Y-%m}",
            "revisits": r["n"],
            "mean_score": float(r["mean"]) if r["mean"] is not None else None,
            "satisfied": r["satisfied"],
            "satisfied_share": _share(r["satisfied"], r["n"]),
        }
        for r in rows
    ]


# --- Corrective actions -------------------------------------------------------------------------------------------


def corrective_actions_for_user(*, user) -> QuerySet[CorrectiveAction]:
    """The actions the user may see: readers of the statistics their scope (a manager: their branch's; company-wide
    actions only for company-wide roles), and every member of staff the actions they own."""
    access = access_of(user)
    if access.role is None:
        return CorrectiveAction.objects.none()
    qs = CorrectiveAction.objects.select_related("owner", "branch", "category", "source_complaint")
    if can(user, "reports.view"):
        if access.company_wide:
            return qs
        return (
            qs.filter(Q(branch_id=access.branch_id) | Q(owner_id=user.pk))
            if access.branch_id
            else qs.filter(owner_id=user.pk)
        )
    return qs.filter(owner_id=user.pk)


def corrective_action_get_for_user(*, user, pk: int) -> CorrectiveAction:
    """The gate for one action: unknown and forbidden both 404."""
    from crm_site.org.policy import visible_or_404

    action = (
        CorrectiveAction.objects.select_related("owner", "branch", "category", "source_complaint", "created_by")
        .filter(pk=pk)
        .first()
    )
    return visible_or_404(user, "corrective_action.view", action)


@dataclass(frozen=True)
class ActionFilters:
    status: str = ""  # "" = any; "open" = open or in progress; or one status
    branch_id: int | None = None
    root_cause_group: str = ""
    overdue: bool = False


def corrective_action_list(*, user, filters: ActionFilters, today: date | None = None) -> QuerySet[CorrectiveAction]:
    """The list page: the user's actions narrowed by the filters, overdue (open past the due date) first."""
    today = today or timezone.localdate()
    qs = corrective_actions_for_user(user=user)
    if filters.status == "open":
        qs = qs.filter(status__in=OPEN_STATUSES)
    elif filters.status:
        qs = qs.filter(status=filters.status)
    if filters.branch_id:
        qs = qs.filter(branch_id=filters.branch_id)
    if filters.root_cause_group:
        qs = qs.filter(root_cause_group=filters.root_cause_group)
    if filters.overdue:
        qs = qs.filter(status__in=OPEN_STATUSES, due_on__lt=today)
    return qs.order_by("due_on", "pk")


def _cause_filter(action: CorrectiveAction) -> Q:
    condition = Q(root_cause_group=action.root_cause_group)
    if action.root_cause.strip():
        condition &= Q(cause_text=action.root_cause.strip().lower())
    if action.category_id:
        condition &= Q(category_id=action.category_id)
    if action.branch_id:
        condition &= Q(branch_id=action.branch_id)
    return condition


def action_windows(action: CorrectiveAction, now: datetime) -> tuple[datetime, datetime, datetime]:
    """(before starts, raised, after ends): after = from the action's raising to ``window_days`` later or now,
    whichever comes first; before = the same length just before the raising, so both count over equal time."""
    raised = action.created_at
    after_end = min(raised + timedelta(days=action.window_days), max(now, raised))
    return raised - (after_end - raised), raised, after_end


def before_after_counts(actions, *, now: datetime | None = None) -> dict[int, dict]:
    """For each action, the complaints of its cause (its root-cause group; its root cause, trimmed and without
    case, if given; its category if given; its branch if it has one) received in the window before it was raised
    and in the window after (``action_windows``), in one query of two FILTERed COUNTs per action.
    Each value: {"before", "after", "days"}; ``change`` = after − before."""
    actions = list(actions)
    if not actions:
        return {}
    now = now or timezone.now()
    aggregates, windows = {}, {}
    for action in actions:
        start, raised, end = action_windows(action, now)
        windows[action.pk] = (end - raised).days
        cause = _cause_filter(action)
        aggregates[f"b{action.pk}"] = Count("pk", filter=cause & Q(created_at__gte=start, created_at__lt=raised))
        aggregates[f"a{action.pk}"] = Count("pk", filter=cause & Q(created_at__gte=raised, created_at__lt=end))
    first = min(action_windows(action, now)[0] for action in actions)
    last = max(action_windows(action, now)[2] for action in actions)
    row = (
        Complaint.objects.filter(created_at__gte=first, created_at__lt=last)  # the windows only, not every complaint
        .annotate(cause_text=Lower(Trim("root_cause")))
        .aggregate(**aggregates)
    )
    return {
        action.pk: {
            "before": row[f"b{action.pk}"],
            "after": row[f"a{action.pk}"],
            "change": row[f"a{action.pk}"] - row[f"b{action.pk}"],
            "days": windows[action.pk],
        }
        for action in actions
    }


OPEN_ACTIONS_SHOWN = 50


def open_actions_by_cause(*, user, filters: ReportFilters, now: datetime | None = None) -> list[dict]:
    """The open actions (open or in progress) the user may see, for the statistics page, in two queries: each with
    its cause's key (``cause_key``; a group-wide action: "group|"), its before/after counts and whether overdue.
    With a branch filter, that branch's actions and the company-wide ones. At most ``OPEN_ACTIONS_SHOWN``."""
    report_complaints(user=user, filters=filters)  # the same 404 for another branch
    qs = corrective_actions_for_user(user=user).filter(status__in=OPEN_STATUSES)
    if filters.branch_id:
        qs = qs.filter(Q(branch_id=filters.branch_id) | Q(branch__isnull=True))
    actions = list(qs.order_by("due_on", "pk")[:OPEN_ACTIONS_SHOWN])
    counts = before_after_counts(actions, now=now)
    today = timezone.localdate()
    groups = dict(RootCauseGroup.choices)
    return [
        {
            "id": action.pk,
            "title": action.title,
            "cause_key": cause_key(action.root_cause_group, action.root_cause),
            "group": action.root_cause_group,
            "cause": f"{groups[action.root_cause_group]}: {action.root_cause.strip() or _('the whole group')}",
            "owner": action.owner.get_full_name() or action.owner.get_username(),
            "due_on": action.due_on,
            "overdue": action.due_on < today,
            "status": action.get_status_display(),
            **counts[action.pk],
        }
        for action in actions
    ]


# --- Filter choices ------------------------------------------------------------------------------------------------


def filter_choices(*, user) -> dict:
    """What the filters offer, in three queries: the branches the user may see, the departments, the categories."""
    access = access_of(user)
    branches = Branch.objects.filter(is_active=True).order_by("code")
    if not access.company_wide:
        branches = branches.filter(pk=access.branch_id) if access.branch_id else branches.none()
    zh = _zh()
    categories = list(Category.objects.order_by("sort_order", "code"))
    return {
        "branches": [(b.pk, b.name) for b in branches],
        "departments": [(d.pk, d.name) for d in Department.objects.order_by("name")],
        "categories": [(c.pk, c.name_zh if zh else c.name_en) for c in categories],
        "category_codes": {c.pk: c.code for c in categories},
    }


# --- Whole months from the monthly sums (ComplaintMonth, ComplaintStepTime) ----------------------------------------


def _next_month(day: date) -> date:
    return date(day.year + day.month // 12, day.month % 12 + 1, 1)


def reads_summary(filters: ReportFilters) -> bool:
    """Whether the figures can come from the monthly sums rather than the complaints: the period is whole local
    months of TIME_ZONE (from a first day, to a last day, or to today or later in this month, as nothing is received
    after today) and the filters are the branch at most (the sums are kept per month, branch and one dimension; the
    other filters narrow the complaints enough to read them live)."""
    if filters.department_id or filters.category_id or filters.severity or filters.channel:
        return False
    if timezone.get_current_timezone_name() != timezone.get_default_timezone_name():
        return False
    if not filters.date_from or filters.date_from.day != 1 or not filters.date_to:
        return False
    if _next_month(filters.date_to) - timedelta(days=1) != filters.date_to:
        today = timezone.localdate()
        return filters.date_to >= today and filters.date_to.replace(day=1) == today.replace(day=1)
    return True


SUM_NAMES = ("received", "closed", "repeats", "escalated", "escalated_gm", "responded", "response_on_time",
             "unanswered_closed", "resolution_on_time", "satisfied", "amount", "total")  # fmt: skip


@dataclass
class MonthSums:
    """The monthly sums of the user's complaints in the period, read in one query: ``rows`` (dimension, value) → the
    counters summed over the months, ``months`` (dimension, value, month) → the counters of that month, ``open`` the
    open complaints' figures that depend on the time of reading (read live: overdue, response past due), per
    (branch id, severity); ``labels`` the names of branches, departments and categories."""

    rows: dict
    months: dict
    open: dict
    labels: dict
    now: datetime
    date_from: date
    date_to: date


def _summary_scope(model, *, user, filters: ReportFilters, field: str = "branch") -> QuerySet:
    if not can(user, "reports.view"):
        return model.objects.none()
    qs = scope_to_user_branch(model.objects.all(), user, field=field).order_by()
    qs = qs.filter(month__gte=filters.date_from, month__lte=filters.date_to)
    if filters.branch_id:
        qs = qs.filter(branch_id=filters.branch_id)
    return qs


def month_sums(*, user, filters: ReportFilters, choices: dict | None = None, now: datetime | None = None) -> MonthSums:
    """The figures' sums for whole months (``reads_summary``), in two queries: the ComplaintMonth rows grouped by
    dimension, value and month, and the open complaints grouped by branch and severity (what is overdue now)."""
    from .models import ComplaintMonth

    now = now or timezone.now()
    report_complaints(user=user, filters=filters)  # another branch: 404
    sums = {name: Sum(name) for name in SUM_NAMES}
    rows: dict = {}
    months: dict = {}
    # From the first of the quarters the service-demand pattern shows, so that one query serves it too.
    start = min(filters.date_from, quarters_ending(filters.date_to)[0])
    widened = ReportFilters(**{**filters.__dict__, "date_from": start})
    for r in (
        _summary_scope(ComplaintMonth, user=user, filters=widened)
        .values("dimension", "value", "month")
        .annotate(**sums, shown=Min("shown"))
    ):
        key = (r["dimension"], r["value"])
        months[(*key, r["month"])] = r
        if r["month"] < filters.date_from:
            continue
        total = rows.setdefault(key, dict.fromkeys(SUM_NAMES, 0) | {"shown": None})
        for name in SUM_NAMES:
            total[name] += r[name] or 0
        if r["shown"] and (total["shown"] is None or r["shown"] < total["shown"]):
            total["shown"] = r["shown"]
    live = {}
    for r in (
        report_complaints(user=user, filters=filters)
        .filter(~Q(step=Step.CLOSED))
        .values("branch_id", "severity")
        .annotate(
            overdue=Count("pk", filter=Q(resolution_due_at__lt=now)),
            unanswered_due=Count("pk", filter=Q(first_responded_at__isnull=True, response_due_at__lt=now)),
        )
        .order_by()
    ):
        live[(r["branch_id"], r["severity"])] = r
    choices = choices or filter_choices(user=user)
    labels = {
        "branch": {str(pk): name for pk, name in choices["branches"]},
        "branch_order": {str(pk): i for i, (pk, _name) in enumerate(choices["branches"])},
        "category_code": {str(pk): code for pk, code in choices["category_codes"].items()},
        "department": {str(pk): name for pk, name in choices["departments"]},
        "category": {str(pk): name for pk, name in choices["categories"]},
    }
    return MonthSums(
        rows=rows,
        months=months,
        open=live,
        labels=labels,
        now=now,
        date_from=filters.date_from,
        date_to=filters.date_to,
    )


def _rows_of(sums: MonthSums, dimension: str) -> list[tuple[str, dict]]:
    return [(value, row) for (d, value), row in sums.rows.items() if d == dimension and row["received"]]


def _month_key(month: date) -> str:
    return f"{month:%Y-%m}"


def summary_from_sums(sums: MonthSums) -> dict:
    """``summary``'s headline from the sums; overdue from the open complaints."""
    a = sums.rows.get(("all", ""), dict.fromkeys(SUM_NAMES, 0))
    row = {name: a[name] for name in ("received", "closed", "repeats", "escalated", "escalated_gm")}
    row["overdue"] = sum(r["overdue"] for r in sums.open.values())
    row["open"] = row["received"] - row["closed"]
    row["repeat_rate"] = _share(row["repeats"], row["received"])
    row["escalation_rate"] = _share(row["escalated"], row["received"])
    return row


def counts_from_sums(sums: MonthSums, by: str) -> list[dict]:
    """``counts_by`` from the sums (root causes: ``pareto_from_sums``), in the same order."""
    if by == "month":
        found = sorted((m, r) for (d, _v, m), r in sums.months.items() if d == "all" and r["received"])
        rows = [{"key": _month_key(m), "label": _month_key(m), "count": r["received"]} for m, r in found]
        rows = [row for row, (m, _r) in zip(rows, found, strict=True) if m >= sums.date_from]
    elif by == "root_cause":
        return [
            {"key": r["key"], "label": r["label"], "count": r["count"], "share": r["share"]}
            for r in pareto_from_sums(sums, limit=ROOT_CAUSE_LIMIT)["rows"]
        ]
    else:
        found = _rows_of(sums, by)
        if by == "category":
            codes = sums.labels["category_code"]
            found.sort(key=lambda vr: (-vr[1]["received"], codes.get(vr[0], "")))
            rows = [
                {"key": codes.get(v, v), "label": sums.labels["category"].get(v, v), "count": r["received"]}
                for v, r in found
            ]
        elif by == "department":
            names = sums.labels["department"]
            nulls_last = connection.vendor == "postgresql"  # where ORDER BY puts "not recorded yet" among ties
            found.sort(key=lambda vr: (-vr[1]["received"], (vr[0] == "") == nulls_last, names.get(vr[0], "")))
            rows = [
                {"key": int(v) if v else None, "label": names.get(v) or not_recorded(), "count": r["received"]}
                for v, r in found
            ]
        elif by == "branch":
            order = sums.labels["branch_order"]
            found.sort(key=lambda vr: (-vr[1]["received"], order.get(vr[0], len(order))))
            rows = [{"key": int(v), "label": _branch_name(sums, v), "count": r["received"]} for v, r in found]
        else:
            names = dict({"root_cause_group": RootCauseGroup, "channel": Channel, "severity": Severity}[by].choices)
            found.sort(key=lambda vr: (-vr[1]["received"], vr[0]))
            rows = [{"key": v, "label": str(names.get(v, not_recorded())), "count": r["received"]} for v, r in found]
    total = sum(row["count"] for row in rows)
    for row in rows:
        row["share"] = _share(row["count"], total)
    return rows


def _branch_name(sums: MonthSums, value: str) -> str:
    name = sums.labels["branch"].get(value)
    if name is None:  # an inactive branch is not offered as a filter but keeps its complaints
        name = Branch.objects.filter(pk=int(value)).values_list("name", flat=True).first() or value
        sums.labels["branch"][value] = name
    return name


def pareto_from_sums(sums: MonthSums, *, limit: int = 15) -> dict:
    """``pareto`` from the cause rows of the sums."""
    recorded = sum(r["received"] for v, r in _rows_of(sums, "root_cause_group") if v)
    everything = sums.rows.get(("all", ""), {"received": 0})["received"]
    causes = []
    for value, r in _rows_of(sums, "cause"):
        group, _bar, text = value.partition("|")
        causes.append((-r["received"], group, text, r))
    causes.sort(key=lambda c: c[:3])
    top = [(group, text, r["shown"], -minus_n) for minus_n, group, text, r in causes[:limit]]
    return _pareto_rows(top, recorded=recorded, everything=everything)


def quarter_pattern_from_sums(sums: MonthSums) -> dict:
    """``quarter_pattern`` from the monthly root-cause-group and agreed-remedy rows of the last eight quarters."""
    quarters = quarters_ending(sums.date_to)
    index = {q: i for i, q in enumerate(quarters)}
    found: dict[str, dict[str, list[int]]] = {"root_cause_group": {}, "remedy": {}}
    for (dimension, value, month), r in sums.months.items():
        if dimension in found and r["received"] and month >= quarters[0]:
            counts = found[dimension].setdefault(value, [0] * len(quarters))
            counts[index[date(month.year, (month.month - 1) // 3 * 3 + 1, 1)]] += r["received"]
    causes, remedies = found["root_cause_group"], found["remedy"]
    group_names, kind_names = dict(RootCauseGroup.choices), dict(Remedy.Kind.choices)
    return {
        "quarters": [_quarter_label(q) for q in quarters],
        "causes": [
            {"key": g, "label": str(group_names.get(g, not_recorded())), "counts": causes[g], "total": sum(causes[g])}
            for g in [*RootCauseGroup.values, ""]
            if g in causes
        ],
        "remedies": [
            {"key": k, "label": str(kind_names[k]), "counts": remedies[k], "total": sum(remedies[k])}
            for k in Remedy.Kind.values
            if k in remedies
        ],
    }


def sla_from_sums(sums: MonthSums, by: str) -> list[dict]:
    """``sla_compliance`` from the sums: the closed and answered complaints' counts from the months, plus what is
    due by now among the open ones (live) and the closed ones never answered whose deadline was still ahead."""
    position = {"branch": 0, "severity": 1}[by]
    late: dict[str, int] = {}
    now = sums.now.timestamp()
    for (dimension, value), r in sums.rows.items():
        if dimension == "pending" and r["received"] and r["total"] < now:
            key = value.split("|")[position]
            late[key] = late.get(key, 0) + r["received"]
    live: dict[str, dict] = {}
    for (branch_id, severity), r in sums.open.items():
        found = live.setdefault(str((branch_id, severity)[position]), {"overdue": 0, "unanswered_due": 0})
        found["overdue"] += r["overdue"]
        found["unanswered_due"] += r["unanswered_due"]
    names = dict(Severity.choices)
    rows = []
    for value, r in _rows_of(sums, by):
        open_now = live.get(value, {"overdue": 0, "unanswered_due": 0})
        response_due = r["responded"] + r["unanswered_closed"] + late.get(value, 0) + open_now["unanswered_due"]
        resolution_due = r["closed"] + open_now["overdue"]
        rows.append(
            {
                "key": int(value) if by == "branch" else value,
                "label": _branch_name(sums, value) if by == "branch" else str(names.get(value, value)),
                "received": r["received"],
                "response_due": response_due,
                "response_on_time": r["response_on_time"],
                "response_share": _share(r["response_on_time"], response_due),
                "resolution_due": resolution_due,
                "resolution_on_time": r["resolution_on_time"],
                "resolution_share": _share(r["resolution_on_time"], resolution_due),
            }
        )
    if by == "branch":
        order = sums.labels["branch_order"]
        rows.sort(key=lambda row: order.get(str(row["key"]), len(order)))
    else:
        order = {s: i for i, s in enumerate(Severity.values)}
        rows.sort(key=lambda row: order.get(row["key"], len(order)))
    return rows


def repeats_from_sums(sums: MonthSums) -> list[dict]:
    """``repeats_and_escalations_by_month`` from the "all" rows of each month."""
    rows = []
    for (dimension, _v, month), r in sorted(sums.months.items(), key=lambda kv: kv[0][2]):
        if dimension != "all" or not r["received"] or month < sums.date_from:
            continue
        rows.append(
            {
                "month": _month_key(month),
                "received": r["received"],
                "repeats": r["repeats"],
                "repeat_rate": _share(r["repeats"], r["received"]),
                "escalated": r["escalated"],
                "escalated_gm": r["escalated_gm"],
            }
        )
    return rows


def compensation_from_sums(sums: MonthSums) -> dict:
    """``compensation_by_month`` from the "done" rows (month carried out|type)."""
    cells: dict[tuple[str, str], tuple] = {}
    for value, r in _rows_of(sums, "done"):
        month, _bar, kind = value.partition("|")
        cells[(kind, month)] = (r["amount"], r["received"])
    months = sorted({m for _k, m in cells})
    return _compensation_table(cells, months)


def revisits_from_sums(sums: MonthSums) -> list[dict]:
    """``revisit_satisfaction`` from the "revisit" rows (month of the revisit)."""
    return [
        {
            "month": month,
            "revisits": r["received"],
            "mean_score": r["total"] / r["received"],
            "satisfied": r["satisfied"],
            "satisfied_share": _share(r["satisfied"], r["received"]),
        }
        for month, r in sorted(_rows_of(sums, "revisit"))
    ]


class _P90(Aggregate):
    """PostgreSQL's percentile_cont(0.9) over one column (NULLs left out)."""

    function = "percentile_cont"
    template = "%(function)s(0.9) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = FloatField()


def step_durations_from_times(*, user, filters: ReportFilters) -> list[dict]:
    """``step_durations`` for whole months from each complaint's step times (ComplaintStepTime), in one query: per
    step the complaints with a finished stay, the mean and the 90th percentile (on other databases than PostgreSQL
    the times are read and the same interpolation done here)."""
    from .models import ComplaintStepTime

    qs = _summary_scope(ComplaintStepTime, user=user, filters=filters)
    steps = [str(step) for step in SIX_STEPS]
    found: dict[str, tuple] = {}
    if connection.vendor == "postgresql":
        aggregates = {}
        for step in steps:
            column = f"{step}_seconds"
            aggregates |= {f"n_{step}": Count(column), f"m_{step}": Avg(column), f"p_{step}": _P90(column)}
        row = qs.aggregate(**aggregates)
        found = {step: (row[f"n_{step}"], row[f"m_{step}"], row[f"p_{step}"]) for step in steps}
    else:
        columns = {step: [] for step in steps}
        for values in qs.values_list(*(f"{step}_seconds" for step in steps)):
            for step, value in zip(steps, values, strict=True):
                if value is not None:
                    columns[step].append(value)
        for step, xs in columns.items():
            xs.sort()
            n = len(xs)
            if not n:
                found[step] = (0, None, None)
                continue
            h = 0.9 * (n - 1)
            lo = int(h)
            hi = xs[min(lo + 1, n - 1)]
            found[step] = (n, sum(xs) / n, xs[lo] + (h - lo) * (hi - xs[lo]))
    names = dict(Step.choices)
    return [
        {
            "step": step,
            "label": str(names[step]),
            "complaints": found[step][0] or 0,
            "mean_hours": float(found[step][1]) / 3600 if found[step][1] is not None else None,
            "p90_hours": float(found[step][2]) / 3600 if found[step][2] is not None else None,
        }
        for step in steps
    ]
