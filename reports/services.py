"""Every write of the reports app: raising, changing and moving corrective actions (整改). Each leaves a history row."""

import itertools
from dataclasses import dataclass, field
from datetime import date, datetime, time

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db import connection, transaction
from django.db.models import CharField, Count, DateField, Exists, F, Min, OuterRef, Q, QuerySet, Sum, Value
from django.db.models.functions import Cast, Coalesce, Concat, Lower, Trim, TruncMonth
from django.utils import timezone
from django.utils.translation import gettext as _

from complaints.models import Category, Complaint, Remedy, Revisit, RootCauseGroup, TimelineEvent
from complaints.workflow import SIX_STEPS, PlanStatus, Step
from crm_site.org.access import access_of
from crm_site.org.policy import can
from crm_site.org.roles import Role

from .models import ComplaintMonth, ComplaintStepTime, CorrectiveAction, CorrectiveActionEvent
from .workflow import FINAL_STATUSES, ActionMoveRefused, ActionStatus, check_move

Kind = CorrectiveActionEvent.Kind


class ActionError(Exception):
    """Input a service refuses; the message is shown to the user and nothing is written."""


@dataclass(frozen=True)
class ActionData:
    """What a form gives a corrective action; ``branch_id`` None means company-wide."""

    title: str
    root_cause_group: str
    owner_id: int
    due_on: date
    description: str = ""
    root_cause: str = ""
    category_id: int | None = None
    branch_id: int | None = None
    window_days: int = 90


def owner_candidates(*, branch_id: int | None):
    """Who may own an action: active staff with a role, of the action's branch (any branch when company-wide)."""
    qs = get_user_model().objects.filter(is_active=True, groups__name__in=list(Role))
    if branch_id is not None:
        qs = qs.filter(staff_profile__branch_id=branch_id)
    return qs.distinct().order_by("first_name", "username")


def _check(actor, data: ActionData) -> None:
    """The checks every create and change makes, with messages the form shows."""
    access = access_of(actor)
    if not access.company_wide and data.branch_id != access.branch_id:
        raise ActionError(_("A manager raises corrective actions for their own branch only."))
    if data.root_cause_group not in RootCauseGroup.values:
        raise ActionError(_("Choose the root-cause group the action addresses."))
    if not data.title.strip():
        raise ActionError(_("Say in a few words what the action is."))
    if data.category_id is not None and not Category.objects.filter(pk=data.category_id).exists():
        raise ActionError(_("Choose a category from the list."))
    if not owner_candidates(branch_id=data.branch_id).filter(pk=data.owner_id).exists():
        raise ActionError(_("The owner must be an active member of staff of the action's branch."))
    if not 7 <= data.window_days <= 730:
        raise ActionError(_("Compare over 7 to 730 days."))


def _log(action: CorrectiveAction, kind: str, actor, note: str = "", *, src: str = "", dst: str = "", data=None):
    return CorrectiveActionEvent.objects.create(
        action=action, kind=kind, actor=actor, note=note, from_status=src, to_status=dst, data=data or {}
    )


@transaction.atomic
def corrective_action_create(*, actor, data: ActionData, source_complaint_id: int | None = None) -> CorrectiveAction:
    """Raise a corrective action, from a closed complaint (its cause, branch and prevention measure prefill the form)
    or from a cause of the Pareto. A complaint given must be closed and one the actor may see."""
    if not can(actor, "corrective_action.create"):
        raise PermissionDenied("corrective_action.create")
    _check(actor, data)
    if source_complaint_id is not None:
        complaint = Complaint.objects.filter(pk=source_complaint_id).first()
        if complaint is None or not can(actor, "complaint.view", complaint):
            raise ActionError(_("That complaint is not one you can see."))
        if complaint.step != Step.CLOSED:
            raise ActionError(_("Corrective actions are raised from closed complaints."))
    action = CorrectiveAction.objects.create(
        title=data.title.strip(),
        description=data.description.strip(),
        root_cause_group=data.root_cause_group,
        root_cause=data.root_cause.strip(),
        category_id=data.category_id,
        source_complaint_id=source_complaint_id,
        branch_id=data.branch_id,
        owner_id=data.owner_id,
        due_on=data.due_on,
        window_days=data.window_days,
        created_by=actor,
    )
    _log(action, Kind.CREATED, actor, dst=ActionStatus.OPEN)
    _tell_owner(action)
    return action


def _tell_owner(action: CorrectiveAction) -> None:
    """The owner is told once per action and owner (a second change to the same owner adds nothing)."""
    from crm_site.notifications.services import notify

    from .notifications import ACTION_ASSIGNED

    notify(
        recipients=[action.owner],
        kind=ACTION_ASSIGNED,
        subject_id=action.pk,
        params={"title": action.title, "due": action.due_on.isoformat()},
        moment=f"owner:{action.owner_id}",
    )


def _lock(action_id: int) -> CorrectiveAction:
    return CorrectiveAction.objects.select_for_update().get(pk=action_id)


FIELDS = ("title", "description", "root_cause_group", "root_cause", "category_id", "owner_id", "due_on", "window_days")


@transaction.atomic
def corrective_action_change(*, actor, action_id: int, data: ActionData) -> CorrectiveAction:
    """Change what an open action addresses, its owner, due date or description; the branch stays. The history
    row lists each changed field as [before, after]."""
    action = _lock(action_id)
    if not can(actor, "corrective_action.change", action):
        raise PermissionDenied("corrective_action.change")
    if action.status in FINAL_STATUSES:
        raise ActionError(_("A done or cancelled action is kept as it was."))
    data = ActionData(**{**data.__dict__, "branch_id": action.branch_id})
    _check(actor, data)
    new = {
        "title": data.title.strip(),
        "description": data.description.strip(),
        "root_cause_group": data.root_cause_group,
        "root_cause": data.root_cause.strip(),
        "category_id": data.category_id,
        "owner_id": data.owner_id,
        "due_on": data.due_on,
        "window_days": data.window_days,
    }
    changed = {
        name: [str(getattr(action, name)), str(value)] for name, value in new.items() if getattr(action, name) != value
    }
    if not changed:
        return action
    for name, value in new.items():
        setattr(action, name, value)
    action.save(update_fields=[*new.keys(), "updated_at"])
    _log(action, Kind.CHANGED, actor, data=changed)
    if "owner_id" in changed:
        _tell_owner(action)
    return action


@transaction.atomic
def corrective_action_move(*, actor, action_id: int, to: str, note: str = "") -> CorrectiveAction:
    """Start, finish or cancel an action (reports/workflow.py). Finishing needs the result, cancelling the reason;
    either is stored as the action's result and closes it."""
    action = _lock(action_id)
    if not can(actor, "corrective_action.progress", action):
        raise PermissionDenied("corrective_action.progress")
    if to not in ActionStatus.values:
        raise ActionMoveRefused(_("Unknown status."))
    check_move(action.status, to)
    note = note.strip()
    fields = ["status", "updated_at"]
    if to in FINAL_STATUSES:
        if not note:
            raise ActionError(
                _("Record the result of the action.") if to == ActionStatus.DONE else _("Say why it is cancelled.")
            )
        action.result = note
        action.closed_at = timezone.now()
        fields += ["result", "closed_at"]
    src = action.status
    action.status = to
    action.save(update_fields=fields)
    _log(action, Kind.STATUS, actor, note, src=src, dst=to)
    return action


def corrective_action_close(*, actor, action_id: int, result: str) -> CorrectiveAction:
    """Finish an action in progress with its result (``corrective_action_move`` to done)."""
    return corrective_action_move(actor=actor, action_id=action_id, to=ActionStatus.DONE, note=result)


# --- The monthly complaint sums the statistics read (ComplaintMonth, ComplaintStepTime) -----------------------------

SUMMED = ("received", "closed", "repeats", "escalated", "escalated_gm", "responded", "response_on_time",
          "unanswered_closed", "resolution_on_time", "satisfied", "amount", "total")  # fmt: skip
BASE_DIMENSIONS = ("all", "branch", "category", "department", "channel", "severity", "root_cause_group", "cause")
ESCALATION_KINDS = {TimelineEvent.Kind.ESCALATED: "escalated", TimelineEvent.Kind.ESCALATED_GM: "escalated_gm"}


def local_month(value: datetime) -> date:
    """The first day of ``value``'s month in TIME_ZONE (the summary's months)."""
    return timezone.localtime(value, timezone.get_default_timezone()).date().replace(day=1)


def cause_text(root_cause: str) -> str:
    """The root cause as the statistics compare it: trimmed of spaces, in lower case (SQL's LOWER(TRIM(…)))."""
    return root_cause.strip(" ").lower()


@dataclass
class ComplaintFigures:
    """What one complaint adds to the monthly sums: (dimension, value) → counters, the spelling of its cause, and
    its seconds in each step."""

    rows: dict = field(default_factory=dict)
    root_cause: str = ""
    seconds: dict = field(default_factory=dict)


def step_seconds(rows) -> dict[str, float]:
    """Σ seconds of the finished stays per step from the timeline rows that enter a step, in their order
    (created_at, id): a stay runs from its row to the next one, as ``selectors.step_durations``' LEAD()."""
    seconds: dict[str, float] = {}
    for (step, entered), (_next_step, left) in itertools.pairwise(rows):
        if step in STEP_NAMES:
            seconds[step] = seconds.get(step, 0.0) + (left - entered).total_seconds()
    return seconds


STEP_NAMES = frozenset(str(step) for step in SIX_STEPS)


def complaint_figures(complaint: Complaint) -> ComplaintFigures:
    """The complaint's share of the monthly sums as the database holds it now, in three queries (its step and
    escalation rows, its remedies, its revisits); the rebuild computes the same set-based."""
    timeline = list(
        TimelineEvent.objects.filter(complaint_id=complaint.pk)
        .filter(~Q(to_step="") | Q(kind__in=list(ESCALATION_KINDS)))
        .order_by("created_at", "pk")
        .values_list("kind", "to_step", "created_at")
    )
    kinds = {kind for kind, _to, _at in timeline}
    closed = complaint.step == Step.CLOSED
    responded = complaint.first_responded_at is not None
    base = {
        "received": 1,
        "closed": int(closed),
        "repeats": int(complaint.repeat_of_id is not None),
        "responded": int(responded),
        "response_on_time": int(responded and complaint.first_responded_at <= complaint.response_due_at),
        "unanswered_closed": int(closed and not responded and complaint.response_due_at <= complaint.closed_at),
        "resolution_on_time": int(
            complaint.closed_at is not None and complaint.closed_at <= complaint.resolution_due_at
        ),
        **{name: int(kind in kinds) for kind, name in ESCALATION_KINDS.items()},
    }
    figures = ComplaintFigures(root_cause=complaint.root_cause if complaint.root_cause_group else "")
    values = {
        "all": "",
        "branch": str(complaint.branch_id),
        "category": str(complaint.category_id),
        "department": str(complaint.department_id or ""),
        "channel": complaint.channel,
        "severity": complaint.severity,
        "root_cause_group": complaint.root_cause_group,
    }
    if complaint.root_cause_group:
        values["cause"] = f"{complaint.root_cause_group}|{cause_text(complaint.root_cause)}"
    rows = figures.rows
    for dimension, value in values.items():
        rows[(dimension, value)] = dict(base)
    if closed and not responded and complaint.response_due_at > complaint.closed_at:
        # Closed before its first-response deadline without a response: due once that deadline has passed.
        rows[("pending", f"{complaint.branch_id}|{complaint.severity}|{complaint.pk}")] = {
            "received": 1,
            "total": complaint.response_due_at.timestamp(),
        }
    figures.seconds = step_seconds([(to, at) for kind, to, at in timeline if to])
    for step, seconds in figures.seconds.items():
        rows[("step", step)] = {"received": 1, "total": seconds}

    def add(key, **counters):
        row = rows.setdefault(key, {})
        for name, n in counters.items():
            row[name] = row.get(name, 0) + n

    for kind, amount, done_at, status in Remedy.objects.filter(plan__complaint_id=complaint.pk).values_list(
        "kind", "amount", "done_at", "plan__status"
    ):
        if status == PlanStatus.AGREED:
            add(("remedy", kind), received=1)
        if done_at is not None:
            add(("done", f"{local_month(done_at):%Y-%m}|{kind}"), received=1, amount=amount)
    for recorded_at, score, outcome in Revisit.objects.filter(complaint_id=complaint.pk).values_list(
        "recorded_at", "score", "outcome"
    ):
        satisfied = outcome == Revisit.Outcome.RESOLVED and score >= 3
        add(("revisit", f"{local_month(recorded_at):%Y-%m}"), received=1, total=float(score), satisfied=int(satisfied))
    return figures


def complaint_summary_update(complaint: Complaint, stage: str) -> None:
    """complaints.services' change listener: at "before" (the complaint locked for a change) remember its share of
    the sums; at "after" (written) add the difference to the ComplaintMonth rows and its step times, in the write's
    transaction: one INSERT of missing rows (ON CONFLICT DO NOTHING), one UPDATE with F() per distinct difference."""
    if stage == "before":
        complaint._report_figures = complaint_figures(complaint)
        return
    before = getattr(complaint, "_report_figures", None) or ComplaintFigures()
    after = complaint_figures(complaint)
    complaint._report_figures = after
    month, branch_id = local_month(complaint.created_at), complaint.branch_id
    changes: dict[tuple, list] = {}
    for key in before.rows.keys() | after.rows.keys():
        old, new = before.rows.get(key, {}), after.rows.get(key, {})
        delta = tuple(sorted((n, new.get(n, 0) - old.get(n, 0)) for n in old.keys() | new.keys()))
        delta = tuple((n, d) for n, d in delta if d)
        if delta:
            changes.setdefault(delta, []).append(key)
    added = [key for key in after.rows if key not in before.rows]
    if added:
        ComplaintMonth.objects.bulk_create(
            [ComplaintMonth(month=month, branch_id=branch_id, dimension=d, value=v) for d, v in added],
            ignore_conflicts=True,
        )
    for delta, keys in changes.items():
        which = Q()
        for dimension, value in keys:
            which |= Q(dimension=dimension, value=value)
        ComplaintMonth.objects.filter(which, month=month, branch_id=branch_id).update(
            **{name: F(name) + d for name, d in delta}
        )
    causes = {k for k in before.rows if k[0] == "cause"} ^ {k for k in after.rows if k[0] == "cause"}
    if before.root_cause != after.root_cause:
        causes |= {k for k in after.rows if k[0] == "cause"}
    for _dimension, value in causes:
        _cause_shown_refresh(month=month, branch_id=branch_id, value=value)
    if before.seconds != after.seconds:
        columns = {f"{step}_seconds": after.seconds.get(step) for step in STEP_NAMES}
        ComplaintStepTime.objects.update_or_create(
            complaint_id=complaint.pk, defaults={"month": month, "branch_id": branch_id, **columns}
        )


def _month_range(month: date) -> tuple[datetime, datetime]:
    tz = timezone.get_default_timezone()
    following = date(month.year + month.month // 12, month.month % 12 + 1, 1)
    return (
        timezone.make_aware(datetime.combine(month, time.min), tz),
        timezone.make_aware(datetime.combine(following, time.min), tz),
    )


def _cause_shown_refresh(*, month: date, branch_id: int, value: str) -> None:
    """A cause row's spelling (the least one, as the Pareto's MIN) from its complaints, when one joined or left it."""
    group, _bar, text = value.partition("|")
    start, end = _month_range(month)
    shown = (
        Complaint.objects.filter(branch_id=branch_id, created_at__gte=start, created_at__lt=end, root_cause_group=group)
        .annotate(text=Lower(Trim("root_cause")))
        .filter(text=text)
        .aggregate(shown=Min("root_cause"))["shown"]
    )
    ComplaintMonth.objects.filter(month=month, branch_id=branch_id, dimension="cause", value=value).update(
        shown=shown or ""
    )


def _grouped_rows(qs, dimension: str, value, **sums) -> list[ComplaintMonth]:
    """ComplaintMonth rows from ``qs`` (annotated with k_month and k_branch) grouped by month, branch and ``value``."""
    grouped = qs.annotate(k_value=value).values("k_month", "k_branch", "k_value").annotate(**sums).order_by()
    return [
        ComplaintMonth(
            month=r["k_month"],
            branch_id=r["k_branch"],
            dimension=dimension,
            value=r["k_value"],
            **{name: r[name] for name in sums},
        )
        for r in grouped
    ]


def _month_of(field_name: str):
    return Cast(TruncMonth(field_name, tzinfo=timezone.get_default_timezone()), DateField())


def _step_times_insert(complaints: QuerySet[Complaint]) -> None:
    """ComplaintStepTime for ``complaints``, in one INSERT … SELECT: the finished stays (the timeline's step rows,
    LEAD() to the next one, as ``selectors.step_durations``) summed per complaint and step, one column per step."""
    from .selectors import _seconds_between

    sql, params = (
        complaints.annotate(k_month=_month_of("created_at"))
        .values("pk", "branch_id", "k_month")
        .query.sql_with_params()
    )
    table = TimelineEvent._meta.db_table
    seconds = _seconds_between("s.left_at", "s.entered")
    columns = ", ".join(f"{step}_seconds" for step in SIX_STEPS)
    picks = ", ".join(f"SUM(CASE WHEN s.step = %s THEN {seconds} END)" for _step in SIX_STEPS)
    qn = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            INSERT INTO {qn(ComplaintStepTime._meta.db_table)} (complaint_id, branch_id, month, {columns})
            SELECT c.pk, c.branch_id, c.k_month, {picks}
            FROM ({sql}) AS c JOIN (
                SELECT complaint_id, to_step AS step, created_at AS entered,
                       LEAD(created_at) OVER (PARTITION BY complaint_id ORDER BY created_at, id) AS left_at
                FROM {table}
                WHERE to_step <> ''
            ) AS s ON s.complaint_id = c.pk
            WHERE s.left_at IS NOT NULL AND s.step IN ({", ".join(["%s"] * len(SIX_STEPS))})
            GROUP BY c.pk, c.branch_id, c.k_month
            """,  # noqa: S608  (names and fragments from code; values are params)
            [*[str(s) for s in SIX_STEPS], *params, *[str(s) for s in SIX_STEPS]],
        )


@transaction.atomic
def complaint_summary_rebuild(*, months: list[date] | None = None) -> int:
    """Delete the ComplaintMonth and ComplaintStepTime rows of ``months`` (first days; None: all) and compute them
    again from the complaints, their timelines, remedies and revisits, set-based: one GROUP BY per dimension and one
    INSERT … SELECT of the step times (the rows a GROUP BY returns are few: months × branches × values). Returns the
    number of ComplaintMonth rows written. As ``complaint_figures`` computes one complaint's share."""
    complaints = Complaint.objects.order_by()
    summary, step_times = ComplaintMonth.objects.all(), ComplaintStepTime.objects.all()
    if months is not None:
        within = Q(pk__in=[])
        for month in months:
            start, end = _month_range(month)
            within |= Q(created_at__gte=start, created_at__lt=end)
        complaints = complaints.filter(within)
        summary, step_times = summary.filter(month__in=months), step_times.filter(month__in=months)
    summary.delete()
    step_times.delete()
    closed, responded = Q(step=Step.CLOSED), Q(first_responded_at__isnull=False)
    kinds = {
        name: Exists(TimelineEvent.objects.filter(complaint_id=OuterRef("pk"), kind=kind))
        for kind, name in ESCALATION_KINDS.items()
    }
    base = complaints.annotate(k_month=_month_of("created_at"), k_branch=F("branch_id"), **kinds)
    counters = {
        "received": Count("pk"),
        "closed": Count("pk", filter=closed),
        "repeats": Count("pk", filter=Q(repeat_of__isnull=False)),
        "escalated": Count("pk", filter=Q(escalated=True)),
        "escalated_gm": Count("pk", filter=Q(escalated_gm=True)),
        "responded": Count("pk", filter=responded),
        "response_on_time": Count("pk", filter=Q(first_responded_at__lte=F("response_due_at"))),
        "unanswered_closed": Count("pk", filter=closed & ~responded & Q(response_due_at__lte=F("closed_at"))),
        "resolution_on_time": Count("pk", filter=Q(closed_at__lte=F("resolution_due_at"))),
    }
    text = CharField()
    values = {
        "all": Value("", output_field=text),
        "branch": Cast("branch_id", text),
        "category": Cast("category_id", text),
        "department": Coalesce(Cast("department_id", text), Value("", output_field=text)),
        "channel": F("channel"),
        "severity": F("severity"),
        "root_cause_group": F("root_cause_group"),
    }
    rows: list[ComplaintMonth] = []
    for dimension, value in values.items():
        rows += _grouped_rows(base, dimension, value, **counters)
    rows += _grouped_rows(
        base.exclude(root_cause_group=""),
        "cause",
        Concat(F("root_cause_group"), Value("|"), Lower(Trim("root_cause")), output_field=text),
        **counters,
        shown=Min("root_cause"),
    )
    for pk, month, branch_id, severity, due in base.filter(
        closed, first_responded_at__isnull=True, response_due_at__gt=F("closed_at")
    ).values_list("pk", "k_month", "branch_id", "severity", "response_due_at"):
        rows.append(
            ComplaintMonth(
                month=month,
                branch_id=branch_id,
                dimension="pending",
                value=f"{branch_id}|{severity}|{pk}",
                received=1,
                total=due.timestamp(),
            )  # fmt: skip
        )
    remedies = Remedy.objects.filter(plan__complaint__in=complaints.values("pk")).annotate(
        k_month=_month_of("plan__complaint__created_at"), k_branch=F("plan__complaint__branch_id")
    )
    rows += _grouped_rows(remedies.filter(plan__status=PlanStatus.AGREED), "remedy", F("kind"), received=Count("pk"))
    for r in (
        remedies.filter(done_at__isnull=False)
        .annotate(k_done=_month_of("done_at"))
        .values("k_month", "k_branch", "k_done", "kind")
        .annotate(n=Count("pk"), amount=Sum("amount"))
        .order_by()
    ):
        rows.append(
            ComplaintMonth(
                month=r["k_month"],
                branch_id=r["k_branch"],
                dimension="done",
                value=f"{r['k_done']:%Y-%m}|{r['kind']}",
                received=r["n"],
                amount=r["amount"],
            )  # fmt: skip
        )
    revisits = Revisit.objects.filter(complaint__in=complaints.values("pk")).annotate(
        k_month=_month_of("complaint__created_at"), k_branch=F("complaint__branch_id"), k_at=_month_of("recorded_at")
    )
    for r in (
        revisits.values("k_month", "k_branch", "k_at")
        .annotate(
            n=Count("pk"),
            score_sum=Sum("score"),
            satisfied=Count("pk", filter=Q(outcome=Revisit.Outcome.RESOLVED, score__gte=3)),
        )
        .order_by()
    ):
        rows.append(
            ComplaintMonth(
                month=r["k_month"],
                branch_id=r["k_branch"],
                dimension="revisit",
                value=f"{r['k_at']:%Y-%m}",
                received=r["n"],
                total=float(r["score_sum"]),
                satisfied=r["satisfied"],
            )  # fmt: skip
        )
    _step_times_insert(complaints)
    for step in SIX_STEPS:
        column = f"{step}_seconds"
        rows += _grouped_rows(
            ComplaintStepTime.objects.filter(pk__in=step_times.values("pk")).annotate(
                k_month=F("month"), k_branch=F("branch_id")
            ),
            "step",
            Value(str(step), output_field=text),
            received=Count(column),
            total=Sum(column, default=0.0),
        )
    rows = [row for row in rows if row.received]
    ComplaintMonth.objects.bulk_create(rows, batch_size=2000)
    return len(rows)
