"""The complaint schedule (complaints/schedule.py): SLA reminders before the deadlines, escalation after them, and
revisit reminders, each sent once. Expected values come from the issue's rules, worked out by hand:

- the handler is reminded of a deadline once it is less than its severity's warning time away (SlaPolicy.due_soon_hours:
  4 hours here), never before, and once per deadline: a moved deadline is a new occasion;
- a complaint past its deadline goes to the active managers of its own branch (level 1); still overdue
  ``escalate_to_gm_after_hours`` after that, to every active general manager (level 2);
- a revisit is due ``revisit_within_days`` after the plan was carried out; its handler is reminded a day before, and
  a missed revisit is told to the branch's managers;
- what a reminder is about changing (closed, answered, revisited) cancels it, and its handler checks again anyway.

Times are Asia/Shanghai; 1 June 2026 is a Monday.
"""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.urls import reverse

from complaints import schedule, services
from complaints.models import Complaint, EscalationLevel, SlaPolicy, TimelineEvent
from complaints.workflow import Step
from crm_site.jobs.models import Job
from crm_site.jobs.services import job_run
from crm_site.jobs.workflow import JobState
from crm_site.notifications.models import Notification
from crm_site.org.roles import Role
from tests.complaints.factories import (
    ComplaintFactory,
    complaint_settings,
    jump_to,
    record_revisit,
    reload,
    version,
    walk_to,
)
from tests.factories import CustomerFactory, staff

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
START = datetime(2026, 6, 1, 10, 0, tzinfo=SHANGHAI)
SECOND = timedelta(seconds=1)
HOUR = timedelta(hours=1)
LEAD = 4 * HOUR  # the general severity's warning time, set below


@pytest.fixture
def clock(time_machine):
    time_machine.move_to(START, tick=False)
    return time_machine


@pytest.fixture(autouse=True)
def _policy(db):
    SlaPolicy.objects.update_or_create(
        severity="general", defaults={"response_hours": 8, "resolution_hours": 40, "due_soon_hours": 4}
    )


@pytest.fixture
def people(frontline, manager, gm, other_branch, branch):
    """Two active managers of the complaint's branch, an inactive one, one of another branch; two general managers
    and an inactive one."""
    return {
        "frontline": frontline,
        "manager": manager,
        "manager_b": staff(Role.MANAGER, branch, username="manager_b"),
        "manager_gone": staff(Role.MANAGER, branch, username="manager_gone", is_active=False),
        "manager_other": staff(Role.MANAGER, other_branch, username="manager_other"),
        "gm": gm,
        "gm_b": staff(Role.GENERAL_MANAGER, None, username="gm_b"),
        "gm_gone": staff(Role.GENERAL_MANAGER, None, username="gm_gone", is_active=False),
    }


def complaint_due(actor, branch, *, resolution, response=None, responded=True) -> Complaint:
    """An open complaint of ``branch`` with these deadlines; past Listen (first response given) unless told."""
    complaint = ComplaintFactory(actor=actor, customer=CustomerFactory(branch=branch))
    if responded:
        complaint = jump_to(complaint, Step.SHARE)
    Complaint.objects.filter(pk=complaint.pk).update(
        response_due_at=response or resolution, resolution_due_at=resolution
    )
    return reload(complaint)


def jobs(kind: str, state=None):
    qs = Job.objects.filter(kind=f"complaints.{kind}")
    return qs.filter(state=state) if state else qs


def run_pending() -> list[str]:
    """Run every pending job of the schedule, as a worker would when the poll sends them."""
    pending = Job.objects.filter(kind__startswith="complaints.", state=JobState.PENDING).order_by("pk")
    return [job_run(job_id=pk) for pk in pending.values_list("pk", flat=True)]


def told(kind: str, complaint=None) -> list[tuple[str, dict]]:
    """(recipient, params) of each notification of this kind, in order."""
    qs = Notification.objects.filter(kind=f"complaint.{kind}").order_by("pk")
    if complaint is not None:
        qs = qs.filter(subject_id=complaint.pk)
    return [(n.recipient.username, n.params) for n in qs.select_related("recipient")]


# --- Reminders before the deadlines ----------------------------------------------------------------------------------


def test_the_resolution_reminder_comes_inside_the_lead_time_and_not_before(clock, people, branch):
    due = START + 10 * HOUR  # 20:00 local
    complaint = complaint_due(people["frontline"], branch, resolution=due)
    clock.move_to(due - LEAD - SECOND)
    assert schedule.complaints_scan() == 0
    clock.move_to(due - LEAD)  # exactly the warning time before: not yet "less than 4 hours away"
    assert schedule.complaints_scan() == 0
    clock.move_to(due - LEAD + SECOND)
    assert schedule.complaints_scan() == 1
    assert run_pending() == ["done"]
    assert told("resolution_due_soon") == [("frontline", {"number": complaint.number, "due": "2026-06-01 20:00"})]


def test_the_reminder_goes_to_the_handler_when_someone_else_received_it(clock, people, branch):
    complaint = complaint_due(people["frontline"], branch, resolution=START + HOUR)
    services.complaint_assign(
        actor=people["manager"],
        complaint_id=complaint.pk,
        expected_version=version(complaint),
        handler=people["manager_b"],
        department=None,
    )
    schedule.complaints_scan()
    run_pending()
    assert [who for who, _params in told("resolution_due_soon")] == ["manager_b"]


def test_scanning_twice_and_running_twice_send_one_reminder(clock, people, branch):
    complaint_due(people["frontline"], branch, resolution=START + HOUR)
    assert schedule.complaints_scan() == 1
    assert schedule.complaints_scan() == 0  # a second beat, or the same one a minute later
    assert jobs("resolution_due_soon").count() == 1
    job = jobs("resolution_due_soon").get()
    assert job_run(job_id=job.pk) == "done"
    assert job_run(job_id=job.pk) == "skipped"  # the message delivered again
    clock.move_to(START + 30 * 60 * SECOND)
    assert schedule.complaints_scan() == 0
    assert len(told("resolution_due_soon")) == 1


def test_a_changed_due_time_is_a_new_occasion(clock, people, branch):
    complaint = complaint_due(people["frontline"], branch, resolution=START + HOUR)
    schedule.complaints_scan()
    run_pending()
    new_due = START + 26 * HOUR  # Tuesday 12:00
    services.complaint_extend_deadline(
        actor=people["manager"],
        complaint_id=complaint.pk,
        expected_version=version(complaint),
        new_due_at=new_due,
        reason="Supplier delay",
    )
    clock.move_to(new_due - LEAD - SECOND)
    assert schedule.complaints_scan() == 0
    clock.move_to(new_due - 3 * HOUR)
    assert schedule.complaints_scan() == 1
    run_pending()
    assert [params["due"] for _who, params in told("resolution_due_soon")] == ["2026-06-01 11:00", "2026-06-02 12:00"]


def test_closing_the_complaint_cancels_its_pending_reminder(clock, people, branch):
    complaint = complaint_due(people["frontline"], branch, resolution=START + HOUR)
    schedule.complaints_scan()
    services.complaint_close_without_satisfaction(
        actor=people["manager"],
        complaint_id=complaint.pk,
        expected_version=version(complaint),
        reason="Customer withdrew the complaint",
    )
    job = jobs("resolution_due_soon").get()
    assert job.state == JobState.CANCELLED
    assert job_run(job_id=job.pk) == "skipped"
    assert told("resolution_due_soon") == []


def test_the_handler_sends_nothing_when_the_complaint_closed_before_it_ran(clock, people, branch):
    complaint = complaint_due(people["frontline"], branch, resolution=START + HOUR)
    schedule.complaints_scan()
    # Closed without the cancel reaching the job (say its worker had already claimed it): the handler checks again.
    Complaint.objects.filter(pk=complaint.pk).update(step=Step.CLOSED, closed_at=START)
    assert run_pending() == ["done"]
    assert jobs("resolution_due_soon").get().result == {"sent": 0, "reason": "no longer due"}
    assert told("resolution_due_soon") == []


def test_the_first_response_reminder_stops_once_the_customer_has_an_answer(clock, people, branch):
    deadlines = {"response": START + 2 * HOUR, "resolution": START + 30 * HOUR, "responded": False}
    waiting = complaint_due(people["frontline"], branch, **deadlines)
    answered = complaint_due(people["frontline"], branch, **deadlines)
    assert schedule.complaints_scan() == 2  # both are 2 hours from their first-response deadline
    services.complaint_add_note(
        actor=people["frontline"], complaint_id=answered.pk, text="We are on it", customer_facing=True
    )
    assert jobs("response_due_soon", JobState.CANCELLED).get().payload["complaint"] == answered.pk
    run_pending()
    assert told("response_due_soon") == [("frontline", {"number": waiting.number, "due": "2026-06-01 12:00"})]


# --- Escalation after the deadline -------------------------------------------------------------------------------


def test_overdue_goes_to_the_active_managers_of_its_own_branch_only(clock, people, branch):
    due = START + HOUR
    complaint = complaint_due(people["frontline"], branch, resolution=due)
    clock.move_to(due)  # due now, not yet past it
    schedule.complaints_scan()
    assert not jobs("escalated").exists()
    clock.move_to(due + SECOND)
    assert schedule.complaints_scan() == 1
    run_pending()
    stored = reload(complaint)
    assert (stored.escalation_level, stored.escalated_at) == (EscalationLevel.MANAGER, due + SECOND)
    event = stored.timeline.get(kind=TimelineEvent.Kind.ESCALATED)
    assert (event.actor, event.created_at) == (None, due + SECOND)
    assert sorted(who for who, _params in told("escalated")) == ["manager", "manager_b"]
    assert told("escalated_gm") == []


def test_a_branch_without_a_manager_escalates_to_the_general_managers(clock, people, other_branch):
    people["manager_other"].is_active = False
    people["manager_other"].save()
    complaint_due(staff(Role.FRONTLINE, other_branch), other_branch, resolution=START - HOUR)
    schedule.complaints_scan()
    run_pending()
    assert sorted(who for who, _params in told("escalated")) == ["gm", "gm_b"]


def test_still_overdue_after_the_configured_hours_goes_to_the_general_managers(clock, people, branch):
    complaint_settings(escalate_to_gm_after_hours=6)
    complaint = complaint_due(people["frontline"], branch, resolution=START - HOUR)
    schedule.complaints_scan()
    run_pending()
    escalated_at = reload(complaint).escalated_at
    assert escalated_at == START
    clock.move_to(escalated_at + 6 * HOUR - SECOND)
    assert schedule.complaints_scan() == 0
    clock.move_to(escalated_at + 6 * HOUR)
    assert schedule.complaints_scan() == 1
    run_pending()
    assert reload(complaint).escalation_level == EscalationLevel.GENERAL_MANAGER
    assert reload(complaint).timeline.filter(kind=TimelineEvent.Kind.ESCALATED_GM).count() == 1
    assert sorted(who for who, _params in told("escalated_gm")) == ["gm", "gm_b"]
    clock.move_to(escalated_at + 60 * HOUR)
    assert schedule.complaints_scan() == 0  # there is no third level
    assert len(told("escalated")) == 2 and len(told("escalated_gm")) == 2  # two managers, then two GMs, once


def test_a_late_first_response_and_a_late_resolution_escalate_once(clock, people, branch):
    """Both deadlines past make one overdue case: one escalation, whichever rule's job runs first."""
    complaint = complaint_due(
        people["frontline"], branch, response=START - 2 * HOUR, resolution=START - HOUR, responded=False
    )
    assert schedule.complaints_scan() == 2  # no first response, and past resolution
    assert run_pending() == ["done", "done"]
    results = sorted(job.result["sent"] for job in Job.objects.filter(kind__startswith="complaints.escalated"))
    assert results == [0, 2]  # the second found it escalated already
    assert reload(complaint).escalation_level == EscalationLevel.MANAGER
    assert len(told("escalated_no_response")) + len(told("escalated")) == 2  # one notification for each manager
    assert reload(complaint).timeline.filter(kind=TimelineEvent.Kind.ESCALATED).count() == 1


def test_a_late_first_response_answered_since_waits_for_its_own_resolution_lateness(clock, people, branch):
    """Escalated to the manager two days ago for a late first response, answered since: when the resolution
    deadline passes, the general manager hears of it 24 hours (the default) after that deadline, not at once."""
    complaint = complaint_due(people["frontline"], branch, response=START - HOUR, resolution=START + 48 * HOUR,
                              responded=False)  # fmt: skip
    schedule.complaints_scan()
    run_pending()
    assert reload(complaint).escalation_level == EscalationLevel.MANAGER
    Complaint.objects.filter(pk=complaint.pk).update(first_responded_at=START)
    clock.move_to(START + 49 * HOUR)  # one hour past the resolution deadline, 49 hours after the escalation
    schedule.complaints_scan()
    run_pending()
    assert told("escalated_gm") == []
    clock.move_to(START + 72 * HOUR)  # 24 hours past the resolution deadline
    schedule.complaints_scan()
    run_pending()
    assert sorted(who for who, _params in told("escalated_gm")) == ["gm", "gm_b"]


def test_an_extension_sets_the_level_back_and_its_new_deadline_escalates_anew(clock, people, branch):
    complaint_settings(escalate_to_gm_after_hours=6)
    complaint = complaint_due(people["frontline"], branch, resolution=START - HOUR)
    schedule.complaints_scan()
    run_pending()
    clock.move_to(START + 6 * HOUR)
    schedule.complaints_scan()  # the level-2 job is recorded …
    new_due = START + 8 * HOUR
    services.complaint_extend_deadline(
        actor=people["manager"],
        complaint_id=complaint.pk,
        expected_version=version(complaint),
        new_due_at=new_due,
        reason="Heavy rain",
    )
    assert jobs("escalated_gm").get().state == JobState.CANCELLED  # … and cancelled by the extension
    assert (reload(complaint).escalation_level, reload(complaint).escalated_at) == (EscalationLevel.NONE, None)
    clock.move_to(new_due + SECOND)
    schedule.complaints_scan()
    run_pending()
    assert reload(complaint).escalation_level == EscalationLevel.MANAGER
    assert [params["due"] for who, params in told("escalated") if who == "manager"] == [
        "2026-06-01 09:00",
        "2026-06-01 18:00",
    ]
    assert told("escalated_gm") == []


def test_the_list_shows_the_escalation_level_and_filters_by_it(client, people, branch):
    calm, at_manager, at_gm = (complaint_due(people["frontline"], branch, resolution=START) for _ in range(3))
    Complaint.objects.filter(pk=at_manager.pk).update(escalation_level=EscalationLevel.MANAGER)
    Complaint.objects.filter(pk=at_gm.pk).update(escalation_level=EscalationLevel.GENERAL_MANAGER)
    client.force_login(people["manager"])
    url = reverse("complaints:list")

    def listed(**params) -> set[int]:
        return {c.pk for c in client.get(url, params).context["page"].object_list}

    assert listed(escalation="0") == {calm.pk}
    assert listed(escalation="1") == {at_manager.pk}
    assert listed(escalation="2") == {at_gm.pk}
    assert listed(escalation="any") == {at_manager.pk, at_gm.pk}
    assert listed() == {calm.pk, at_manager.pk, at_gm.pk}
    page = client.get(url).content.decode()
    badge = '<td class="small" data-testid="escalation"><span class="badge text-bg-danger">{}</span></td>'
    assert page.count(badge.format("General manager")) == 1 and page.count(badge.format("Branch manager")) == 1


# --- Revisits ------------------------------------------------------------------------------------------------------


@pytest.fixture
def satisfy(clock, people, branch):
    """A complaint whose plan was carried out at START (the real path), waiting for its revisit, due in 5 days;
    its resolution deadline a month away (so that only the revisit rules are at work)."""
    complaint_settings(revisit_within_days=5)
    complaint = ComplaintFactory(actor=people["frontline"], customer=CustomerFactory(branch=branch))
    complaint = walk_to(complaint, Step.SATISFY, actor=people["frontline"], manager=people["manager"])
    Complaint.objects.filter(pk=complaint.pk).update(resolution_due_at=START + timedelta(days=30))
    return reload(complaint)


def test_a_revisit_is_due_within_the_configured_days_and_its_handler_is_reminded_a_day_before(clock, satisfy):
    due = START + timedelta(days=5)
    assert satisfy.revisit_due_at == due
    clock.move_to(due - timedelta(days=1) - SECOND)
    schedule.complaints_scan()
    assert not jobs("revisit_due_soon").exists()
    clock.move_to(due - timedelta(days=1) + SECOND)
    assert schedule.complaints_scan() == 1
    run_pending()
    assert told("revisit_due_soon") == [("frontline", {"number": satisfy.number, "due": "2026-06-06 10:00"})]


def test_a_missed_revisit_is_told_to_the_branch_managers(clock, satisfy):
    due = START + timedelta(days=5)
    clock.move_to(due + SECOND)
    schedule.complaints_scan()
    run_pending()
    assert sorted(who for who, _params in told("revisit_missed")) == ["manager", "manager_b"]
    assert reload(satisfy).timeline.filter(kind=TimelineEvent.Kind.REVISIT_MISSED).count() == 1
    clock.move_to(due + timedelta(days=2))
    assert schedule.complaints_scan() == 0


def test_a_revisit_made_in_time_cancels_its_reminder_and_is_not_missed(clock, satisfy, people):
    due = START + timedelta(days=5)
    clock.move_to(due - HOUR)
    schedule.complaints_scan()
    record_revisit(satisfy, people["frontline"])
    assert jobs("revisit_due_soon").get().state == JobState.CANCELLED
    clock.move_to(due + HOUR)
    assert schedule.complaints_scan() == 0
    run_pending()
    assert told("revisit_due_soon") == [] and told("revisit_missed") == []


def test_reopening_cancels_every_pending_job_of_the_complaint(clock, satisfy, people):
    Complaint.objects.filter(pk=satisfy.pk).update(resolution_due_at=START + timedelta(days=4))
    clock.move_to(START + timedelta(days=5) + SECOND)
    assert schedule.complaints_scan() == 2  # the revisit is missed, and the complaint is overdue
    record_revisit(satisfy, people["frontline"], outcome="not_resolved", score=2, signed_off=False, notes="Still noisy")
    pending = Job.objects.filter(key__startswith=f"complaint:{satisfy.pk}:")
    assert sorted(pending.values_list("kind", "state")) == [
        ("complaints.escalated", JobState.CANCELLED),
        ("complaints.revisit_missed", JobState.CANCELLED),
    ]
    assert reload(satisfy).revisit_due_at is None


# --- The demo ------------------------------------------------------------------------------------------------------


@pytest.mark.slow  # seeds the whole demo
def test_the_demo_complaint_shows_its_manager_a_reminder_and_then_an_escalation_once_each(clock):
    call_command("seed_demo", verbosity=0, force=True)
    demo = Complaint.objects.get(product="SLA 演示 demo")
    run_pending()  # the worker's first poll
    assert [who for who, _params in told("resolution_due_soon", demo)] == ["manager"]
    clock.move_to(START + 61 * SECOND)  # beat's first scan after the tiny deadline
    schedule.complaints_scan()
    run_pending()
    clock.move_to(START + 121 * SECOND)
    schedule.complaints_scan()
    run_pending()
    assert [who for who, _params in told("escalated", demo)] == ["manager"]
    assert len(told("resolution_due_soon", demo)) == 1
