"""The customers schedule (customers/schedule.py): key-customer visit reminders and the nightly recomputation.

Rules, from the issue: the plan's owner is reminded before a visit is due (from 3 days before, once per due date);
a visit not made by its due date goes to the managers of the customer's branch (the general managers while the
branch has none); recording the visit cancels what was pending, and the next due date is a new occasion. The
values and tiers are recomputed every night at 02:30 local time, recorded once per day. Times are Asia/Shanghai.
"""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from celery.schedules import crontab
from django.conf import settings
from django.urls import reverse

from crm_site.jobs.models import Job
from crm_site.jobs.services import job_run
from crm_site.jobs.workflow import JobState
from crm_site.notifications.models import Notification
from crm_site.org.roles import Role
from customers import schedule
from customers.jobs import RECOMPUTE
from customers.models import ClassificationRun
from customers.services import visit_plan_stop, visit_record
from tests.customers.factories import VisitPlanFactory
from tests.factories import CustomerFactory, staff

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
DUE = date(2026, 6, 10)


def at(day: date, hour: int = 9, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=SHANGHAI)


@pytest.fixture
def plan(frontline, manager, branch):
    return VisitPlanFactory(customer=CustomerFactory(branch=branch, name="钱多多"), owner=frontline, next_due=DUE)


def run_pending() -> list[str]:
    pending = Job.objects.filter(kind__startswith="customers.visit", state=JobState.PENDING).order_by("pk")
    return [job_run(job_id=pk) for pk in pending.values_list("pk", flat=True)]


def told(kind: str) -> list[tuple[str, dict]]:
    qs = Notification.objects.filter(kind=f"customer.{kind}").select_related("recipient").order_by("pk")
    return [(n.recipient.username, n.params) for n in qs]


def test_the_owner_is_reminded_from_three_days_before_the_visit_and_once(time_machine, plan):
    time_machine.move_to(at(DUE - timedelta(days=4), 23, 59), tick=False)
    assert schedule.visits_scan() == 0
    time_machine.move_to(at(DUE - timedelta(days=3), 0, 0), tick=False)
    assert schedule.visits_scan() == 1
    assert schedule.visits_scan() == 0  # a second scan, or a second beat
    assert run_pending() == ["done"]
    time_machine.move_to(at(DUE), tick=False)
    assert schedule.visits_scan() == 0  # still the same due date: already reminded
    assert told("visit_due_soon") == [("frontline", {"customer": "钱多多", "due": "2026-06-10"})]
    assert told("visit_overdue") == []


def test_an_overdue_visit_goes_to_the_managers_of_the_customers_branch(time_machine, plan, other_branch, branch):
    staff(Role.MANAGER, other_branch, username="manager_other")
    staff(Role.MANAGER, branch, username="manager_gone", is_active=False)
    time_machine.move_to(at(DUE, 23, 59), tick=False)  # due today: not overdue yet
    schedule.visits_scan()
    assert not Job.objects.filter(kind="customers.visit_overdue").exists()
    time_machine.move_to(at(DUE + timedelta(days=1), 0, 0), tick=False)
    assert schedule.visits_scan() == 1
    run_pending()
    assert told("visit_overdue") == [("manager", {"customer": "钱多多", "due": "2026-06-10"})]


def test_an_overdue_visit_of_a_branch_without_a_manager_goes_to_the_general_managers(time_machine, gm, other_branch):
    owner = staff(Role.FRONTLINE, other_branch, username="owner_other")
    VisitPlanFactory(customer=CustomerFactory(branch=other_branch), owner=owner, next_due=DUE)
    time_machine.move_to(at(DUE + timedelta(days=1)), tick=False)
    schedule.visits_scan()
    run_pending()
    assert [who for who, _params in told("visit_overdue")] == ["gm"]


def test_recording_the_visit_cancels_the_reminder_and_the_next_due_date_is_a_new_occasion(time_machine, plan):
    time_machine.move_to(at(DUE - timedelta(days=1)), tick=False)
    schedule.visits_scan()
    visit_record(actor=plan.owner, plan_id=plan.pk, summary="拜访 Visited")
    assert Job.objects.get(kind="customers.visit_due_soon").state == JobState.CANCELLED
    plan.refresh_from_db()
    assert plan.next_due == DUE - timedelta(days=1) + timedelta(days=30)
    assert run_pending() == []
    time_machine.move_to(at(DUE + timedelta(days=5)), tick=False)
    assert schedule.visits_scan() == 0  # visited: neither due soon nor overdue
    time_machine.move_to(at(plan.next_due - timedelta(days=2)), tick=False)
    assert schedule.visits_scan() == 1
    run_pending()
    assert told("visit_due_soon") == [("frontline", {"customer": "钱多多", "due": "2026-07-09"})]


def test_the_handler_sends_nothing_for_a_plan_stopped_meanwhile(time_machine, plan, manager):
    time_machine.move_to(at(DUE + timedelta(days=2)), tick=False)
    schedule.visits_scan()
    job = Job.objects.get(kind="customers.visit_overdue")
    visit_plan_stop(actor=manager, plan_id=plan.pk)
    assert Job.objects.get(pk=job.pk).state == JobState.CANCELLED
    # And had the job already been claimed when the plan stopped, its handler would find nothing to say:
    Job.objects.filter(pk=job.pk).update(state=JobState.PENDING)
    assert job_run(job_id=job.pk) == "done"
    assert Job.objects.get(pk=job.pk).result == {"sent": 0, "reason": "no longer due"}
    assert told("visit_overdue") == []


def test_the_nightly_recomputation_is_recorded_once_per_day_and_shows_on_the_matrix(time_machine, client, gm, customer):
    beat = settings.CELERY_BEAT_SCHEDULE["customers-nightly-recompute"]
    assert (beat["task"], beat["schedule"]) == ("customers.tasks.nightly_recompute", crontab(hour=2, minute=30))
    assert settings.CELERY_TIMEZONE == "Asia/Shanghai"  # 02:30 local time
    time_machine.move_to(datetime(2026, 6, 2, 2, 30, tzinfo=SHANGHAI), tick=False)  # 1 June 18:30 UTC
    first = schedule.nightly_recompute_schedule()
    again = schedule.nightly_recompute_schedule()  # a second beat, or a restarted one, the same night
    assert again.pk == first.pk
    assert (first.kind, first.key, first.payload) == (RECOMPUTE, f"{RECOMPUTE}:2026-06-02", {"as_of": "2026-06-02"})
    assert job_run(job_id=first.pk) == "done"
    assert job_run(job_id=first.pk) == "skipped"
    run = ClassificationRun.objects.get()
    assert run.as_of == date(2026, 6, 2)
    time_machine.move_to(datetime(2026, 6, 3, 2, 30, tzinfo=SHANGHAI), tick=False)
    assert schedule.nightly_recompute_schedule().key == f"{RECOMPUTE}:2026-06-03"
    assert Job.objects.filter(kind=RECOMPUTE).count() == 2
    client.force_login(gm)
    page = client.get(reverse("customers:matrix")).content.decode()
    assert "Classified 2026-06-02 02:30" in page  # the matrix says when it was last computed


def test_the_scans_run_every_minute_from_beat():
    tasks = {entry["task"]: entry["schedule"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    scans = ("complaints.tasks.scan_complaints", "customers.tasks.scan_visits", "satisfaction.tasks.scan_reminders")
    assert [tasks[task] for task in scans] == [60, 60, 60]
