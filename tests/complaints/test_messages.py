"""What the pages tell the user after each step of the complaint flow, and which forms they offer."""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from complaints import services
from complaints.models import Category, Complaint, Revisit
from complaints.workflow import Step, WorkflowError

from .factories import (
    LISTEN_DATA,
    ComplaintFactory,
    advance,
    agree_plan,
    approve_plan,
    complete_remedies,
    jump_to,
    png_upload,
    record_revisit,
    submit_plan,
    unchanged,
    version,
    walk_to,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def _messages(response) -> list[str]:
    """The messages shown on the page the POST led to (shown messages are used up, so none carry over)."""
    return [str(m) for m in response.context["messages"]]


def _decide(client, user, plan, decision="approve", comment=""):
    client.force_login(user)
    return client.post(
        reverse("complaints:plan_decide", args=[plan.pk]), {"decision": decision, "comment": comment}, follow=True
    )


# --- Plan decisions -----------------------------------------------------------------------------


def test_a_manager_approval_says_when_the_plan_still_waits_for_the_general_manager(
    client, frontline, manager, gm, customer
):
    complaint = jump_to(ComplaintFactory(actor=frontline, customer=customer, severity="major"), Step.ACTION)
    plan = submit_plan(complaint, frontline)
    response = _decide(client, manager, plan)
    assert _messages(response) == ["Approved at manager level; the plan now waits for the general manager."]
    response = _decide(client, gm, plan)
    assert _messages(response) == ["Plan approved: record the customer's answer next."]


def test_a_plan_the_manager_alone_approves_is_ready_for_the_customer(client, frontline, manager, customer):
    complaint = jump_to(ComplaintFactory(actor=frontline, customer=customer), Step.ACTION)
    response = _decide(client, manager, submit_plan(complaint, frontline))
    assert _messages(response) == ["Plan approved: record the customer's answer next."]


# --- Moving on ------------------------------------------------------------------------------------


def test_advancing_names_the_step_reached_and_the_last_advance_says_closed(client, frontline, manager, customer):
    complaint = jump_to(ComplaintFactory(actor=frontline, customer=customer), Step.CHECK)
    for by_customer in (True, False):
        services.complaint_confirm(
            actor=frontline,
            complaint_id=complaint.pk,
            expected_version=version(complaint),
            by_customer=by_customer,
            notes="",
        )
    client.force_login(frontline)
    url = reverse("complaints:advance", args=[complaint.pk])
    response = client.post(url, {"version": version(complaint)}, follow=True)
    assert _messages(response) == ["Moved to the next step: 5 Action."]
    walk_to(complaint, Step.SATISFY, actor=frontline, manager=manager)
    record_revisit(complaint, frontline, score=5)
    response = client.post(url, {"version": version(complaint)}, follow=True)
    assert _messages(response) == ["Complaint closed."]
    assert Complaint.objects.get(pk=complaint.pk).step == Step.CLOSED


def test_save_and_advance_names_the_step_reached(client, frontline, customer):
    complaint = ComplaintFactory(actor=frontline, customer=customer)
    client.force_login(frontline)
    response = client.post(
        reverse("complaints:step_save", args=[complaint.pk]),
        {"version": version(complaint), "customer_words": complaint.customer_words, **LISTEN_DATA, "advance": "1"},
        follow=True,
    )
    assert _messages(response) == ["Saved and moved to the next step: 2 Share."]
    assert Complaint.objects.get(pk=complaint.pk).step == Step.SHARE


# --- Revisits -------------------------------------------------------------------------------------


def _in_satisfy(frontline, manager, customer):
    return walk_to(ComplaintFactory(actor=frontline, customer=customer), Step.SATISFY, actor=frontline, manager=manager)


def _revisit(client, complaint, **data):
    fields = {"version": version(complaint), "outcome": "resolved", "notes": "", "reopen_to": "action", **data}
    return client.post(reverse("complaints:revisit", args=[complaint.pk]), fields, follow=True)


@pytest.mark.parametrize(
    ("reopen_to", "expected"),
    [
        (
            "action",
            "Revisit recorded: the customer is not satisfied, so the case was reopened at 5 Action. "
            "Propose a new resolution plan.",
        ),
        (
            "problem",
            "Revisit recorded: the customer is not satisfied, so the case was reopened at 3 Problem. "
            "Investigate the cause again, then confirm it with the customer and the company.",
        ),
    ],
)
def test_a_dissatisfied_revisit_says_where_the_case_was_reopened_and_what_next(
    client, frontline, manager, customer, reopen_to, expected
):
    complaint = _in_satisfy(frontline, manager, customer)
    client.force_login(frontline)
    response = _revisit(client, complaint, score="2", reopen_to=reopen_to)
    assert _messages(response) == [expected]


def test_the_plan_set_aside_by_a_reopening_is_labelled_truthfully(client, frontline, manager, customer):
    complaint = _in_satisfy(frontline, manager, customer)
    client.force_login(frontline)
    _revisit(client, complaint, score="2")
    page = client.get(reverse("complaints:detail", args=[complaint.pk])).content.decode()
    assert "Set aside: the case was reopened" in page
    assert "Replaced by a newer plan" not in page  # there is no newer plan yet
    submit_plan(complaint, frontline, ("300",))
    page = client.get(reverse("complaints:detail", args=[complaint.pk])).content.decode()
    assert "Replaced by a newer plan" in page and "Set aside: the case was reopened" not in page


def test_a_satisfied_revisit_needs_the_sign_off_and_a_prevention_measure_on_the_form(
    client, frontline, manager, customer
):
    complaint = _in_satisfy(frontline, manager, customer)
    client.force_login(frontline)
    response = _revisit(client, complaint, score="5", prevention_measure=" ")
    assert response.status_code == 400
    errors = response.context["revisit_form"].errors
    assert errors["signed_off"] == ["The customer is satisfied: record their sign-off (签字认可)."]
    assert errors["prevention_measure"] == ["The customer is satisfied: say how this will be prevented."]
    assert not Revisit.objects.exists()
    response = _revisit(client, complaint, score="5", signed_off="on", prevention_measure="Two spare parts in stock")
    assert _messages(response) == ["Revisit recorded: the customer is satisfied and signed off. Close the complaint."]
    assert advance(complaint, frontline).step == Step.CLOSED  # no second revisit needed


def test_a_dissatisfied_revisit_needs_neither_sign_off_nor_prevention(client, frontline, manager, customer):
    complaint = _in_satisfy(frontline, manager, customer)
    client.force_login(frontline)
    response = _revisit(client, complaint, outcome="not_resolved", score="5")
    assert response.redirect_chain and response.context.get("revisit_form") is None
    assert Complaint.objects.get(pk=complaint.pk).step == Step.ACTION


@pytest.mark.parametrize(
    ("signed_off", "prevention", "missing"),
    [
        (False, "Stock parts", "the customer's sign-off"),
        (True, "  ", "a prevention measure"),
        (False, "", "the customer's sign-off; a prevention measure"),
    ],
)
def test_the_revisit_service_refuses_a_satisfied_revisit_without_them(
    frontline, manager, customer, signed_off, prevention, missing
):
    complaint = _in_satisfy(frontline, manager, customer)
    with unchanged(), pytest.raises(WorkflowError) as refused:
        record_revisit(complaint, frontline, score=3, signed_off=signed_off, prevention_measure=prevention)
    assert str(refused.value) == f"A satisfied revisit also records: {missing}."


# --- Which plan form the Action step offers -------------------------------------------------------


def _offers_plan_form(client, complaint) -> bool:
    return 'data-testid="plan-form"' in client.get(reverse("complaints:detail", args=[complaint.pk])).content.decode()


def test_a_new_plan_is_offered_only_when_the_last_one_cannot_go_ahead(client, frontline, manager, customer):
    complaint = jump_to(ComplaintFactory(actor=frontline, customer=customer), Step.ACTION)
    client.force_login(frontline)
    assert _offers_plan_form(client, complaint)  # no plan yet
    plan = submit_plan(complaint, frontline)
    assert not _offers_plan_form(client, complaint)  # waiting for the manager
    services.plan_decide(actor=manager, plan_id=plan.pk, approve=False, comment="Too much")
    assert _offers_plan_form(client, complaint)  # rejected
    plan = approve_plan(submit_plan(complaint, frontline), manager=manager)
    assert not _offers_plan_form(client, complaint)  # approved: waits for the customer's answer
    services.plan_record_response(actor=frontline, plan_id=plan.pk, outcome="counter_offer", notes="Wants 200")
    assert _offers_plan_form(client, complaint)  # a counter-offer is answered with a new plan
    plan = approve_plan(submit_plan(complaint, frontline, ("200",)), manager=manager)
    services.plan_record_response(actor=frontline, plan_id=plan.pk, outcome="refused", notes="No")
    assert _offers_plan_form(client, complaint)  # refused
    plan = approve_plan(submit_plan(complaint, frontline, ("300",)), manager=manager)
    complete_remedies(agree_plan(plan, frontline), frontline)
    assert not _offers_plan_form(client, complaint)  # agreed: carried out, not replaced


# --- Intake with files --------------------------------------------------------------------------


def test_the_intake_form_shown_again_says_the_chosen_files_must_be_chosen_again(client, frontline, customer):
    client.force_login(frontline)
    response = client.post(
        reverse("complaints:create"),
        {
            "customer": customer.pk,
            "channel": "phone",
            "occurred_at": (timezone.localtime() - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
            "customer_words": "x",
            "category": Category.objects.first().pk,
            "severity": "general",
            "priority": "normal",
            "evidence": [png_upload("good.png"), SimpleUploadedFile("bad.png", b"#!/bin/sh\n", "image/png")],
        },
    )
    assert response.status_code == 200 and not Complaint.objects.exists()
    assert "Files are not kept when the form has errors: choose them again." in response.content.decode()


def test_a_fresh_intake_form_has_no_such_warning(client, frontline):
    client.force_login(frontline)
    page = client.get(reverse("complaints:create")).content.decode()
    assert "Files are not kept" not in page
