"""The resolution plan's lifecycle: its statuses move only as the source documents say, and only through
``check_plan_move``."""

import pytest

from complaints import services
from complaints.models import PlanStatus, ResolutionPlan
from complaints.workflow import PlanMove, PlanTransitionNotAllowed, Step, WorkflowError, check_plan_move

from .factories import (
    ComplaintFactory,
    advance,
    agree_plan,
    approve_plan,
    complete_remedies,
    jump_to,
    record_revisit,
    reload,
    submit_plan,
    unchanged,
    version,
)

MGR, GM, OK = PlanStatus.PENDING_MANAGER, PlanStatus.PENDING_GM, PlanStatus.APPROVED
NO, AGREED, REFUSED, OLD = PlanStatus.REJECTED, PlanStatus.AGREED, PlanStatus.REFUSED, PlanStatus.SUPERSEDED

# Written from DOMAIN.md (Action step and Rules: 主管批示, 总经理批准, rejection with comments, customer
# agreement, reopening), not from workflow.PLAN_ALLOWED.
PLAN_MOVES = {
    # "Managers approve plans; a major complaint, or compensation above a configurable amount, also needs the GM."
    (MGR, OK, PlanMove.APPROVE),
    (MGR, GM, PlanMove.APPROVE),
    (GM, OK, PlanMove.APPROVE),
    # "A plan can be rejected with comments", at either level.
    (MGR, NO, PlanMove.REJECT),
    (GM, NO, PlanMove.REJECT),
    # "agree it with the customer": the customer accepts or refuses the approved plan.
    (OK, AGREED, PlanMove.ACCEPT),
    (OK, REFUSED, PlanMove.REFUSE),
    # "a rejected plan returns to Action": a new plan replaces a rejected or refused one, or an approved one
    # the customer answered with a counter-offer. A plan waiting for a decision, or agreed, is not replaced.
    (NO, OLD, PlanMove.REPLACE),
    (REFUSED, OLD, PlanMove.REPLACE),
    (OK, OLD, PlanMove.REPLACE),
    # "a dissatisfied revisit reopens the case": whatever plan it had is set aside, kept on record.
    (MGR, OLD, PlanMove.REOPEN),
    (GM, OLD, PlanMove.REOPEN),
    (OK, OLD, PlanMove.REOPEN),
    (NO, OLD, PlanMove.REOPEN),
    (AGREED, OLD, PlanMove.REOPEN),
    (REFUSED, OLD, PlanMove.REOPEN),
}


def test_check_plan_move_allows_exactly_the_moves_the_domain_names():
    wrong = []
    for src in PlanStatus:
        for dst in PlanStatus:
            for move in PlanMove:
                try:
                    check_plan_move(src, dst, move)
                except PlanTransitionNotAllowed:
                    if (src, dst, move) in PLAN_MOVES:
                        wrong.append(("refused", src.value, dst.value, move.value))
                else:
                    if (src, dst, move) not in PLAN_MOVES:
                        wrong.append(("allowed", src.value, dst.value, move.value))
    assert wrong == []


def test_a_refused_plan_move_is_a_workflow_error_naming_both_statuses():
    with pytest.raises(WorkflowError) as refused:
        check_plan_move(AGREED, OK, PlanMove.APPROVE)
    assert isinstance(refused.value, PlanTransitionNotAllowed)
    assert str(refused.value) == (
        "A resolution plan cannot go from “Agreed with the customer” to “Approved, waiting for the customer” this way."
    )


# --- Through the services -----------------------------------------------------------------------


@pytest.fixture
def checked(monkeypatch):
    """Every (from, to, move) the services ask check_plan_move about, in order."""
    calls = []

    def recording(src, dst, move):
        calls.append((PlanStatus(src), PlanStatus(dst), move))
        check_plan_move(src, dst, move)

    monkeypatch.setattr(services, "check_plan_move", recording)
    return calls


def _statuses(complaint):
    return list(ResolutionPlan.objects.filter(complaint=complaint).order_by("pk").values_list("status", flat=True))


def test_every_plan_status_change_in_the_services_goes_through_the_check(frontline, manager, gm, customer, checked):
    complaint = jump_to(ComplaintFactory(actor=frontline, customer=customer, severity="major"), Step.ACTION)
    first = submit_plan(complaint, frontline)
    services.plan_decide(actor=manager, plan_id=first.pk, approve=False, comment="Too little")
    second = submit_plan(complaint, frontline)  # replaces the rejected one
    services.plan_decide(actor=manager, plan_id=second.pk, approve=True)  # major: on to the GM
    services.plan_decide(actor=gm, plan_id=second.pk, approve=True)
    services.plan_record_response(actor=frontline, plan_id=second.pk, outcome="counter_offer", notes="Wants 200")
    third = submit_plan(complaint, frontline, ("200",))  # answers the counter-offer
    services.plan_decide(actor=manager, plan_id=third.pk, approve=True)
    services.plan_decide(actor=gm, plan_id=third.pk, approve=True)
    services.plan_record_response(actor=frontline, plan_id=third.pk, outcome="refused", notes="No")
    fourth = submit_plan(complaint, frontline, ("300",))
    approve_plan(fourth, manager=manager, gm=gm)
    complete_remedies(agree_plan(fourth, frontline), frontline)
    advance(complaint, frontline)  # to Satisfy
    record_revisit(complaint, frontline, score=2, signed_off=False)  # reopens at Action

    assert checked == [
        (MGR, NO, PlanMove.REJECT),
        (NO, OLD, PlanMove.REPLACE),
        (MGR, GM, PlanMove.APPROVE),
        (GM, OK, PlanMove.APPROVE),
        (OK, OLD, PlanMove.REPLACE),
        (MGR, GM, PlanMove.APPROVE),
        (GM, OK, PlanMove.APPROVE),
        (OK, REFUSED, PlanMove.REFUSE),
        (REFUSED, OLD, PlanMove.REPLACE),
        (MGR, GM, PlanMove.APPROVE),
        (GM, OK, PlanMove.APPROVE),
        (OK, AGREED, PlanMove.ACCEPT),
        (AGREED, OLD, PlanMove.REOPEN),
    ]
    assert _statuses(complaint) == [OLD, OLD, OLD, OLD]
    assert reload(complaint).step == Step.ACTION


def test_an_approved_plan_waiting_for_the_customer_is_not_replaced(frontline, manager, customer):
    complaint = jump_to(ComplaintFactory(actor=frontline, customer=customer), Step.ACTION)
    approve_plan(submit_plan(complaint, frontline), manager=manager)
    with unchanged(), pytest.raises(WorkflowError, match="waits for the customer's answer"):
        submit_plan(complaint, frontline, ("50",))


@pytest.mark.parametrize("decided", [False, True], ids=["pending", "approved"])
def test_reopening_a_closed_case_sets_aside_a_plan_in_any_status(frontline, manager, customer, decided):
    complaint = jump_to(ComplaintFactory(actor=frontline, customer=customer), Step.ACTION)
    plan = submit_plan(complaint, frontline)
    if decided:
        approve_plan(plan, manager=manager)
    services.complaint_close_without_satisfaction(
        actor=manager, complaint_id=complaint.pk, expected_version=version(complaint), reason="Withdrawn"
    )
    plan.refresh_from_db()
    assert plan.status == (OK if decided else MGR)  # closing keeps the plan as it was, on record
    services.complaint_reopen(
        actor=manager,
        complaint_id=complaint.pk,
        expected_version=version(complaint),
        to_step=Step.ACTION,
        reason="Back",
    )
    plan.refresh_from_db()
    assert plan.status == OLD
    assert reload(complaint).current_plan is None
