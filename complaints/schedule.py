"""Scheduled work of the complaints app: SLA reminders and escalations, revisit reminders and missed revisits.

How nothing is sent twice: a scan (every minute, from beat: complaints.tasks) finds, in one query per rule, the
complaints a rule holds for now, and records one job per occasion with ``jobs_schedule``. The job's key names the
complaint, the occasion and the due time it is about (``services.occasion_key``), so a scan run again, or by a
second beat at the same moment, adds nothing, and a changed due time (an extension, a reopening) is a new
occasion. The job's handler locks the complaint and checks again, for the same due time, that the occasion still
stands (a reminder: still open, still unanswered or not revisited; an escalation: its whole rule): if not (closed,
answered, extended, revisited) it sends nothing; if so, it escalates (with a timeline row) and notifies, in the
transaction that marks the job done. Services that change what a reminder is about also cancel its pending job
(``services._cancel_scheduled``).
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from crm_site.jobs.services import job_handler
from crm_site.notifications.registry import NotificationKind, register
from crm_site.notifications.services import notify
from customers.schedule import general_managers, managers_of_branch, schedule_new

from . import services
from .models import Complaint, ComplaintSettings, EscalationLevel, Revisit, Severity, SlaPolicy
from .selectors import DEFAULT_DUE_SOON, complaint_get_for_user, due_soon_filter, overdue_filter
from .services import Occasion, occasion_key
from .workflow import Step

# The handler is reminded of a revisit this long before it is due (at once when it is due sooner).
REVISIT_REMINDER_LEAD = timedelta(days=1)


@dataclass(frozen=True)
class Context:
    """The configuration the rules read, once per scan: the warning time per severity, the second level's delay."""

    due_soon: dict[str, timedelta]
    gm_after: timedelta


def current_context() -> Context:
    hours = dict(SlaPolicy.objects.values_list("severity", "due_soon_hours"))
    due_soon = {s: timedelta(hours=hours[s]) if s in hours else DEFAULT_DUE_SOON for s in Severity.values}
    gm_after = timedelta(hours=ComplaintSettings.current().escalate_to_gm_after_hours)
    return Context(due_soon=due_soon, gm_after=gm_after)


OPEN = ~Q(step=Step.CLOSED)


def _response_soon(now: datetime, ctx: Context) -> Q:
    """No first response yet, due within its severity's warning time (as ``due_soon_filter`` for resolution)."""
    by_severity = Q()
    for severity, warning in ctx.due_soon.items():
        by_severity |= Q(severity=severity, response_due_at__lt=now + warning)
    window = Q(response_due_at__gte=now, response_due_at__lt=now + max(ctx.due_soon.values()))
    return OPEN & Q(first_responded_at__isnull=True) & window & by_severity


def _resolution_soon(now: datetime, ctx: Context) -> Q:
    # The overall window is implied by due_soon_filter; said once more, the database reads one range of its index.
    return due_soon_filter(now) & Q(resolution_due_at__lt=now + max(ctx.due_soon.values()))


def _no_response(now: datetime, ctx: Context) -> Q:
    return OPEN & Q(escalation_level=EscalationLevel.NONE, first_responded_at__isnull=True, response_due_at__lt=now)


def _overdue(now: datetime, ctx: Context) -> Q:
    return OPEN & Q(escalation_level=EscalationLevel.NONE, resolution_due_at__lt=now)


def _still_overdue(now: datetime, ctx: Context) -> Q:
    """At the branch manager for ``gm_after`` and still overdue. (Escalated before escalations were timed: counted
    from the resolution deadline.)"""
    cutoff = now - ctx.gm_after
    waited = Q(escalated_at__lte=cutoff) | Q(escalated_at__isnull=True, resolution_due_at__lte=cutoff)
    # The lateness itself is that old too: a complaint escalated days ago for a late first response, answered
    # since, goes to the general manager only ``gm_after`` past its resolution deadline, not on the first scan.
    waited &= Q(resolution_due_at__lte=cutoff) | Q(first_responded_at__isnull=True, response_due_at__lte=cutoff)
    # "> none" is implied by "= manager"; said as well, the database reads the small index of escalated complaints.
    escalated = Q(escalation_level__gt=EscalationLevel.NONE, escalation_level=EscalationLevel.MANAGER)
    return overdue_filter(now) & escalated & waited


def _waiting_for_revisit() -> Q:
    """In Satisfy with no revisit since it got there (a revisit before a reopening does not count)."""
    made = Revisit.objects.filter(complaint=OuterRef("pk"), recorded_at__gte=OuterRef("step_entered_at"))
    return Q(step=Step.SATISFY, revisit_due_at__isnull=False) & ~Q(Exists(made))


def _revisit_soon(now: datetime, ctx: Context) -> Q:
    return _waiting_for_revisit() & Q(revisit_due_at__gte=now, revisit_due_at__lt=now + REVISIT_REMINDER_LEAD)


def _revisit_missed(now: datetime, ctx: Context) -> Q:
    return _waiting_for_revisit() & Q(revisit_due_at__lt=now)


# What a reminder's handler checks again: that what it reminds of still stands for the same due time (a reminder
# delayed past that time, by a worker down for a while, still goes out: "was due by" is still worth knowing).
def _response_missing(now: datetime, ctx: Context) -> Q:
    return OPEN & Q(first_responded_at__isnull=True)


def _still_open(now: datetime, ctx: Context) -> Q:
    return OPEN


def _revisit_missing(now: datetime, ctx: Context) -> Q:
    return _waiting_for_revisit()


def _handler_of(complaint: Complaint) -> list:
    person = complaint.handler or complaint.first_responder
    # Filed by the customer and not yet assigned: the branch's managers, who assign it.
    return [person] if person is not None else list(managers_of_branch(complaint.branch_id))


def _managers_of(complaint: Complaint) -> QuerySet:
    return managers_of_branch(complaint.branch_id)


def _general_managers(complaint: Complaint) -> QuerySet:
    return general_managers()


@dataclass(frozen=True)
class Rule:
    name: str  # the job kind is complaints.<name>, the notification kind complaint.<name>
    occasion: Occasion
    due_field: str  # the due time the occasion is about
    condition: Callable[[datetime, Context], Q]  # the complaints it fires for now
    recipients: Callable[[Complaint], object]
    title: object
    label: object
    recheck: Callable[[datetime, Context], Q] | None = None  # what must still hold when its job runs (the condition)
    record: Callable[[int], object] | None = None  # what is written on the complaint before it is notified

    @property
    def job_kind(self) -> str:
        return f"complaints.{self.name}"

    @property
    def notification(self) -> str:
        return f"complaint.{self.name}"


SLA_RULES = [
    Rule(
        name="response_due_soon",
        occasion=Occasion.RESPONSE_SOON,
        due_field="response_due_at",
        condition=_response_soon,
        recheck=_response_missing,
        recipients=_handler_of,
        title=_("Complaint %(number)s needs a first response by %(due)s"),
        label=_("First response due soon"),
    ),
    Rule(
        name="resolution_due_soon",
        occasion=Occasion.RESOLUTION_SOON,
        due_field="resolution_due_at",
        condition=_resolution_soon,
        recheck=_still_open,
        recipients=_handler_of,
        title=_("Complaint %(number)s is due for resolution by %(due)s"),
        label=_("Resolution due soon"),
    ),
    Rule(
        name="escalated_no_response",
        occasion=Occasion.NO_RESPONSE,
        due_field="response_due_at",
        condition=_no_response,
        recipients=_managers_of,
        title=_("Complaint %(number)s had no first response by %(due)s: escalated to you as branch manager"),
        label=_("No first response: escalated to the branch manager"),
        record=lambda pk: services.complaint_escalate(complaint_id=pk, level=EscalationLevel.MANAGER),
    ),
    Rule(
        name="escalated",
        occasion=Occasion.OVERDUE,
        due_field="resolution_due_at",
        condition=_overdue,
        recipients=_managers_of,
        title=_("Complaint %(number)s was due by %(due)s and is overdue: escalated to you as branch manager"),
        label=_("Overdue: escalated to the branch manager"),
        record=lambda pk: services.complaint_escalate(complaint_id=pk, level=EscalationLevel.MANAGER),
    ),
    Rule(
        name="escalated_gm",
        occasion=Occasion.STILL_OVERDUE,
        due_field="resolution_due_at",
        condition=_still_overdue,
        recipients=_general_managers,
        title=_("Complaint %(number)s is still overdue (due by %(due)s): escalated to you as general manager"),
        label=_("Still overdue: escalated to the general manager"),
        record=lambda pk: services.complaint_escalate(complaint_id=pk, level=EscalationLevel.GENERAL_MANAGER),
    ),
]
REVISIT_RULES = [
    Rule(
        name="revisit_due_soon",
        occasion=Occasion.REVISIT_SOON,
        due_field="revisit_due_at",
        condition=_revisit_soon,
        recheck=_revisit_missing,
        recipients=_handler_of,
        title=_("The revisit of complaint %(number)s is due by %(due)s"),
        label=_("Revisit due soon"),
    ),
    Rule(
        name="revisit_missed",
        occasion=Occasion.REVISIT_MISSED,
        due_field="revisit_due_at",
        condition=_revisit_missed,
        recipients=_managers_of,
        title=_("The revisit of complaint %(number)s was due by %(due)s and has not been made"),
        label=_("Revisit missed"),
        record=lambda pk: services.complaint_record_revisit_missed(complaint_id=pk),
    ),
]
RULES = [*SLA_RULES, *REVISIT_RULES]


def complaints_scan(*, now=None, rules: list[Rule] = RULES) -> int:
    """Record a job for each occasion due now, one query per rule over the open complaints (set-based, however
    many there are); returns how many jobs are new. Safe to run twice, or from two schedulers at once."""
    now = now or timezone.now()
    ctx = current_context()
    created = 0
    for rule in rules:
        due = Complaint.objects.filter(rule.condition(now, ctx)).order_by().values_list("pk", rule.due_field)
        rows = [
            (occasion_key(pk, rule.occasion, when), {"complaint": pk, "due": when.isoformat()})
            for pk, when in due.iterator()
        ]
        created += schedule_new(kind=rule.job_kind, rows=rows, now=now)
    return created


def sla_scan(*, now=None) -> int:
    return complaints_scan(now=now, rules=SLA_RULES)


def revisit_scan(*, now=None) -> int:
    return complaints_scan(now=now, rules=REVISIT_RULES)


def _local(when: datetime) -> str:
    return f"{timezone.localtime(when):%Y-%m-%d %H:%M}"


def _handler(rule: Rule):
    def handle(job) -> dict:
        """Check the rule again under the complaint's lock, for the same due time; then record and notify."""
        pk = job.payload["complaint"]
        due = datetime.fromisoformat(job.payload["due"])
        if Complaint.objects.select_for_update().filter(pk=pk).first() is None:
            return {"sent": 0, "reason": "no such complaint"}
        recheck = rule.recheck or rule.condition
        holds = Complaint.objects.filter(pk=pk, **{rule.due_field: due}).filter(
            recheck(timezone.now(), current_context())
        )
        if not holds.exists():
            return {"sent": 0, "reason": "no longer due"}
        if rule.record is not None:
            rule.record(pk)
        complaint = Complaint.objects.select_related("handler", "first_responder").get(pk=pk)
        sent = notify(
            recipients=list(rule.recipients(complaint)),
            kind=rule.notification,
            subject_id=pk,
            params={"number": complaint.number, "due": _local(due)},
            moment=due.isoformat(),
        )
        return {"sent": len(sent)}

    return handle


def register_schedule() -> None:
    """Register the notification kinds and job handlers of these rules (from ComplaintsConfig.ready)."""
    for rule in RULES:
        register(
            NotificationKind(
                kind=rule.notification,
                subject_type="complaint",
                title=rule.title,
                url_name="complaints:detail",
                gate=complaint_get_for_user,
                label=rule.label,
            )
        )
        job_handler(rule.job_kind, label=rule.label)(_handler(rule))
