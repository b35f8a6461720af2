"""Rules added after the audit: nobody approves their own plan, every supervisor action refuses stale
forms, reopening starts the deadlines and (at Problem) the Check again, SLA warnings per severity,
settings that cannot break intake, and a timeline that reads in the reader's language."""

from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone, translation

from complaints import services
from complaints.models import BusinessCalendar, Complaint, ComplaintSettings, PlanDecision, PlanStatus, SlaPolicy
from complaints.selectors import annotate_due_flags, approval_queue_for_user, due_soon_filter, overdue_filter
from complaints.templatetags.complaint_tags import timeline_summary
from complaints.workflow import StaleForm, Step, WorkflowError
from crm_site.org.roles import Role
from tests.factories import staff

from .factories import (
    LISTEN_DATA,
    ComplaintFactory,
    advance,
    jump_to,
    record,
    record_revisit,
    reload,
    submit_plan,
    unchanged,
    version,
    walk_to,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def w(branch, frontline, manager, gm, customer):
    return SimpleNamespace(
        branch=branch,
        frontline=frontline,
        manager=manager,
        gm=gm,
        customer=customer,
        manager_b=staff(Role.MANAGER, branch, username="manager_b"),
    )


def _new(w, **kwargs):
    kwargs.setdefault("customer", w.customer)
    return ComplaintFactory(actor=w.frontline, **kwargs)


# --- Nobody decides on their own plan ---------------------------------------------------------


def test_a_manager_cannot_approve_the_plan_they_proposed(w):
    complaint = jump_to(_new(w), Step.ACTION)
    plan = submit_plan(complaint, w.manager)
    with unchanged(), pytest.raises(WorkflowError, match="You proposed this plan"):
        services.plan_decide(actor=w.manager, plan_id=plan.pk, approve=True)
    assert plan not in approval_queue_for_user(user=w.manager)
    # Another manager of the branch, or the general manager, decides it.
    assert plan in approval_queue_for_user(user=w.manager_b)
    assert plan in approval_queue_for_user(user=w.gm)
    services.plan_decide(actor=w.manager_b, plan_id=plan.pk, approve=True)
    assert PlanDecision.objects.get(plan=plan).decided_by == w.manager_b


def test_the_general_manager_stepping_in_decides_at_the_higher_level(w):
    complaint = jump_to(_new(w, severity="major"), Step.ACTION)
    plan = submit_plan(complaint, w.manager)
    services.plan_decide(actor=w.gm, plan_id=plan.pk, approve=True)
    plan.refresh_from_db()
    assert plan.status == PlanStatus.APPROVED  # one approval by the GM covers a major complaint
    assert list(plan.decisions.values_list("level", "decided_by")) == [(PlanDecision.Level.GENERAL_MANAGER, w.gm.pk)]


def test_a_front_line_plan_is_not_in_the_general_managers_queue_before_the_manager(w):
    complaint = jump_to(_new(w), Step.ACTION)
    plan = submit_plan(complaint, w.frontline)
    assert plan not in approval_queue_for_user(user=w.gm)
    assert plan in approval_queue_for_user(user=w.manager)


def test_the_page_offers_no_decision_on_your_own_plan(client, w):
    complaint = jump_to(_new(w), Step.ACTION)
    submit_plan(complaint, w.manager)
    client.force_login(w.manager)
    assert "decision_form" not in client.get(reverse("complaints:detail", args=[complaint.pk])).context
    client.force_login(w.manager_b)
    assert "decision_form" in client.get(reverse("complaints:detail", args=[complaint.pk])).context


# --- Stale forms on every supervisor action -----------------------------------------------------


def _closed(w):
    complaint = _new(w)
    services.complaint_close_without_satisfaction(
        actor=w.manager, complaint_id=complaint.pk, expected_version=version(complaint), reason="Withdrawn"
    )
    return complaint


SUPERVISOR_CALLS = {
    "assign": (
        _new,
        lambda w, c, v: services.complaint_assign(
            actor=w.manager, complaint_id=c.pk, expected_version=v, handler=w.manager, department=None
        ),
    ),
    "extend": (
        _new,
        lambda w, c, v: services.complaint_extend_deadline(
            actor=w.manager,
            complaint_id=c.pk,
            expected_version=v,
            new_due_at=reload(c).resolution_due_at + timedelta(days=1),
            reason="Snow",
        ),
    ),
    "close": (
        _new,
        lambda w, c, v: services.complaint_close_without_satisfaction(
            actor=w.manager, complaint_id=c.pk, expected_version=v, reason="Unreachable"
        ),
    ),
    "reopen": (
        _closed,
        lambda w, c, v: services.complaint_reopen(
            actor=w.manager, complaint_id=c.pk, expected_version=v, to_step=Step.ACTION, reason="Called back"
        ),
    ),
    "archive": (
        _closed,
        lambda w, c, v: services.complaint_archive(actor=w.manager, complaint_id=c.pk, expected_version=v),
    ),
}


@pytest.mark.parametrize("name", list(SUPERVISOR_CALLS))
def test_supervisor_actions_refuse_a_stale_form(w, name):
    make, call = SUPERVISOR_CALLS[name]
    complaint = make(w)
    loaded = version(complaint)
    services.complaint_add_note(actor=w.gm, complaint_id=complaint.pk, text="GM looked at it")
    with unchanged(), pytest.raises(StaleForm):
        call(w, complaint, loaded)
    call(w, complaint, version(complaint))  # the same action on a fresh form goes through


# --- Reopening ----------------------------------------------------------------------------------


def test_reopening_at_problem_asks_for_a_new_check_and_fresh_deadlines(w):
    complaint = walk_to(_new(w), Step.SATISFY, actor=w.frontline, manager=w.manager)
    Complaint.objects.filter(pk=complaint.pk).update(
        resolution_due_at=timezone.now() - timedelta(days=1), escalation_level=2
    )
    before = timezone.now()
    record_revisit(complaint, w.frontline, score=1, signed_off=False, reopen_to=Step.PROBLEM)
    reopened = reload(complaint)
    assert reopened.step == Step.PROBLEM
    assert (reopened.customer_confirmed_at, reopened.company_confirmed_at) == (None, None)
    assert reopened.resolution_due_at > before and reopened.escalation_level == 0 and not reopened.is_overdue
    advance(complaint, w.frontline)  # the root cause is still on record: Problem → Check
    with pytest.raises(WorkflowError, match="confirmation"):
        advance(complaint, w.frontline)  # but Check must be confirmed again


def test_an_extension_cannot_set_a_deadline_in_the_past(w):
    complaint = _new(w)
    Complaint.objects.filter(pk=complaint.pk).update(resolution_due_at=timezone.now() - timedelta(days=3))
    with unchanged(), pytest.raises(WorkflowError, match="future"):
        services.complaint_extend_deadline(
            actor=w.manager,
            complaint_id=complaint.pk,
            expected_version=version(complaint),
            new_due_at=timezone.now() - timedelta(days=1),
            reason="Rain",
        )


# --- SLA warnings ---------------------------------------------------------------------------------


def test_due_soon_uses_each_severitys_warning_hours(w):
    SlaPolicy.objects.update_or_create(
        severity="general", defaults={"response_hours": 4, "resolution_hours": 40, "due_soon_hours": 2}
    )
    SlaPolicy.objects.update_or_create(
        severity="major", defaults={"response_hours": 1, "resolution_hours": 8, "due_soon_hours": 10}
    )
    now = timezone.now()
    general, major = _new(w, severity="general"), _new(w, severity="major", customer=w.customer)
    Complaint.objects.filter(pk__in=[general.pk, major.pk]).update(
        resolution_due_at=now + timedelta(hours=5), first_responded_at=now
    )
    soon = set(Complaint.objects.filter(due_soon_filter(now)).values_list("pk", flat=True))
    assert soon == {major.pk}  # 5 h left: inside major's 10 h warning, outside general's 2 h


def test_a_missed_first_response_counts_as_overdue(w):
    now = timezone.now()
    silent, answered = _new(w), _new(w)
    Complaint.objects.filter(pk__in=[silent.pk, answered.pk]).update(
        response_due_at=now - timedelta(hours=1), resolution_due_at=now + timedelta(days=3)
    )
    Complaint.objects.filter(pk=answered.pk).update(first_responded_at=now - timedelta(hours=2))
    assert set(Complaint.objects.filter(overdue_filter(now)).values_list("pk", flat=True)) == {silent.pk}
    flags = {c.pk: c.overdue for c in annotate_due_flags(Complaint.objects.all(), now)}
    assert flags == {silent.pk: True, answered.pk: False}
    assert reload(silent).is_response_overdue and not reload(answered).is_overdue


# --- Settings that would break intake are refused -----------------------------------------------


@pytest.mark.parametrize("days", ["mon,tue", "1,2,9", " , ", "0", "1;2"])
def test_a_calendar_with_bad_working_days_is_refused(days, other_branch):
    with pytest.raises(ValidationError, match="1 \\(Monday\\) to 7 \\(Sunday\\)"):
        BusinessCalendar(branch=other_branch, working_days=days).full_clean()


def test_a_good_calendar_passes(other_branch):
    calendar = BusinessCalendar(branch=other_branch, working_days="1, 2,3,4,5,6")
    calendar.full_clean()
    assert calendar.weekdays == {1, 2, 3, 4, 5, 6}


@pytest.mark.parametrize("values", [{"gm_compensation_threshold": -1}, {"repeat_window_days": 0}])
def test_settings_that_make_no_sense_are_refused_by_the_database(values):
    ComplaintSettings.current()
    with pytest.raises(IntegrityError), transaction.atomic():
        ComplaintSettings.objects.filter(pk=1).update(**values)


# --- Pages ------------------------------------------------------------------------------------------


def test_save_and_advance_keeps_what_was_typed_when_the_step_cannot_move_on(client, w):
    complaint = _new(w)
    client.force_login(w.frontline)
    response = client.post(
        reverse("complaints:step_save", args=[complaint.pk]),
        {"customer_words": "Edited words", "key_points": "", "version": version(complaint), "advance": "1"},
        follow=True,
    )
    stored = reload(complaint)
    assert (stored.customer_words, stored.step) == ("Edited words", Step.LISTEN)
    assert "cannot move on yet" in response.content.decode()


def test_a_step_form_from_an_earlier_step_gets_the_stale_message(client, w):
    complaint = _new(w)
    loaded = version(complaint)
    record(complaint, w.frontline, LISTEN_DATA)
    advance(complaint, w.frontline)
    client.force_login(w.frontline)
    response = client.post(
        reverse("complaints:step_save", args=[complaint.pk]),
        {"customer_words": "x", "key_points": "y", "version": loaded},
        follow=True,
    )
    assert "changed by someone else" in response.content.decode()
    assert reload(complaint).customer_words != "x"


def test_the_timeline_reads_in_the_readers_language(w):
    complaint = jump_to(_new(w), Step.ACTION)
    plan = submit_plan(complaint, w.frontline)
    services.plan_decide(actor=w.manager, plan_id=plan.pk, approve=False, comment="太贵 Too much")
    event = complaint.timeline.latest("pk")
    assert event.note == "太贵 Too much"  # what the manager wrote, as written
    with translation.override("en"):
        assert timeline_summary(event) == "Manager: rejected"
    with translation.override("zh-hans"):
        chinese = timeline_summary(event)
    assert chinese and "rejected" not in chinese and "Manager" not in chinese


def test_the_list_filters_archived_complaints(client, w):
    archived = _closed(w)
    services.complaint_archive(actor=w.manager, complaint_id=archived.pk, expected_version=version(archived))
    closed = _closed(w)
    client.force_login(w.manager)
    url = reverse("complaints:list")

    def listed(**params):
        return {c.pk for c in client.get(url, {"step": "closed", **params}).context["page"].object_list}

    assert listed() == {archived.pk, closed.pk}
    assert listed(archived="yes") == {archived.pk}
    assert listed(archived="no") == {closed.pk}
