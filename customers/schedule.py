"""Scheduled work of the customers app: key-customer visit reminders, and the nightly recomputation.

A scan (every minute, from beat: customers.tasks) finds the visits due now and records one keyed job per occasion;
the key names the plan and the due date it is about, so a scan run twice, or by two schedulers at once, adds
nothing, and a plan whose due date moved (a visit recorded) is a new occasion. The job's handler checks again,
under a lock, that the occasion still holds before it notifies anyone (crm_site.notifications: once per recipient
and occasion).
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from crm_site.jobs.models import Job
from crm_site.jobs.services import job_enqueue, job_handler, jobs_schedule
from crm_site.notifications.registry import NotificationKind, register
from crm_site.notifications.services import notify
from crm_site.org.roles import Role

from .jobs import RECOMPUTE
from .models import VisitPlan
from .selectors import visit_plan_get_for_user
from .services import visit_plan_key_prefix

# The owner is reminded this many days before the visit is due (and on the days up to it, once).
VISIT_REMINDER_DAYS = 3
SCAN_BATCH = 1000


def branch_managers(branch_id: int | None) -> QuerySet:
    """The active managers of a branch: the first level an overdue matter goes to."""
    if branch_id is None:
        return get_user_model().objects.none()
    return (
        get_user_model()
        .objects.filter(is_active=True, groups__name=Role.MANAGER, staff_profile__branch_id=branch_id)
        .distinct()
        .order_by("pk")
    )


def general_managers() -> QuerySet:
    """Every active general manager: the second level."""
    return get_user_model().objects.filter(is_active=True, groups__name=Role.GENERAL_MANAGER).distinct().order_by("pk")


def managers_of_branch(branch_id: int | None) -> QuerySet:
    """Who an overdue matter of a branch goes to: its managers, or the general managers while it has none (a
    matter nobody hears of is not escalated)."""
    managers = branch_managers(branch_id)
    return managers if managers.exists() else general_managers()


def schedule_new(*, kind: str, rows: list[tuple[str, dict]], now) -> int:
    """Record one job per (key, payload) whose key is not recorded yet, due ``now``; returns how many were new.

    Keys already there (pending, done or cancelled) are left alone: an occasion is handled once. Looking them up
    first keeps a scan that finds nothing new to one read per batch instead of an insert of every row."""
    created = 0
    for start in range(0, len(rows), SCAN_BATCH):
        batch = rows[start : start + SCAN_BATCH]
        known = set(Job.objects.filter(key__in=[key for key, _payload in batch]).values_list("key", flat=True))
        fresh = [(key, payload, now) for key, payload in batch if key not in known]
        created += jobs_schedule(kind=kind, rows=fresh)
    return created


# --- Visit reminders ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class VisitRule:
    name: str  # the job kind is customers.<name>, the notification kind customer.<name>
    occasion: str  # part of the job's key
    condition: Callable[[date], Q]  # the plans this rule fires for on that (local) day
    recipients: Callable[[VisitPlan], QuerySet]
    title: object
    label: object

    @property
    def job_kind(self) -> str:
        return f"customers.{self.name}"

    @property
    def notification(self) -> str:
        return f"customer.{self.name}"


def visit_key(plan_id: int, occasion: str, due: date) -> str:
    return f"{visit_plan_key_prefix(plan_id)}{occasion}:{due.isoformat()}"


VISIT_RULES = [
    VisitRule(
        name="visit_due_soon",
        occasion="soon",
        condition=lambda today: Q(
            is_active=True, next_due__gte=today, next_due__lte=today + timedelta(days=VISIT_REMINDER_DAYS)
        ),
        recipients=lambda plan: get_user_model().objects.filter(pk=plan.owner_id, is_active=True),
        title=_("A visit to %(customer)s is due on %(due)s"),
        label=_("Visit due soon"),
    ),
    VisitRule(
        name="visit_overdue",
        occasion="overdue",
        condition=lambda today: Q(is_active=True, next_due__lt=today),
        recipients=lambda plan: managers_of_branch(plan.customer.branch_id),
        title=_("The visit to %(customer)s was due on %(due)s and is overdue"),
        label=_("Visit overdue"),
    ),
]


def visits_scan(*, now=None) -> int:
    """Record a job for each visit reminder due now (set-based: one read per rule); returns how many were new."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    created = 0
    for rule in VISIT_RULES:
        due = VisitPlan.objects.filter(rule.condition(today)).order_by().values_list("pk", "next_due")
        rows = [
            (visit_key(pk, rule.occasion, next_due), {"plan": pk, "due": next_due.isoformat()})
            for pk, next_due in due.iterator()
        ]
        created += schedule_new(kind=rule.job_kind, rows=rows, now=now)
    return created


def _visit_handler(rule: VisitRule):
    def handle(job) -> dict:
        """Notify, if the plan is still active and still due on that day (no visit recorded since, no new plan)."""
        due = date.fromisoformat(job.payload["due"])
        plan = (
            VisitPlan.objects.select_for_update(of=("self",))
            .filter(pk=job.payload["plan"], next_due=due, is_active=True)
            .select_related("customer")
            .first()
        )
        if plan is None:
            return {"sent": 0, "reason": "no longer due"}
        sent = notify(
            recipients=list(rule.recipients(plan)),
            kind=rule.notification,
            subject_id=plan.pk,
            params={"customer": plan.customer.name, "due": due.isoformat()},
            moment=due.isoformat(),
        )
        return {"sent": len(sent)}

    return handle


# --- Nightly recomputation -----------------------------------------------------------------------------------


def nightly_recompute_schedule(*, now=None) -> Job:
    """Record tonight's recomputation (values, tiers, at-risk, default visit plans) once per local day, whoever
    asks and however often: the key names the day (the same key as ``tasks.recompute_customers_task``)."""
    as_of = timezone.localdate(now or timezone.now()).isoformat()
    return job_enqueue(kind=RECOMPUTE, payload={"as_of": as_of}, key=f"{RECOMPUTE}:{as_of}")


def register_schedule() -> None:
    """Register the notification kinds and job handlers of this module (from CustomersConfig.ready)."""
    for rule in VISIT_RULES:
        register(
            NotificationKind(
                kind=rule.notification,
                subject_type="visit_plan",
                title=rule.title,
                url_name="customers:visit_record",
                gate=visit_plan_get_for_user,
                label=rule.label,
            )
        )
        job_handler(rule.job_kind, label=rule.label)(_visit_handler(rule))
