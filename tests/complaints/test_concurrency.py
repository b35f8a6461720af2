"""Two people acting on one row at once, with real threads and separate database connections.

SQLite serialises writers (IMMEDIATE transactions); PostgreSQL relies on select_for_update. Transactional
tests flush the data-migration rows, so each test makes the category and settings it needs.
"""

import threading
from decimal import Decimal

import pytest
from django.db import connection
from django.utils import timezone

from complaints import services
from complaints.models import (
    Complaint,
    CustomerResponse,
    NumberSequence,
    PlanDecision,
    PlanStatus,
    ResolutionPlan,
    TimelineEvent,
)
from complaints.workflow import StaleForm, Step, WorkflowError
from crm_site.org.roles import Role
from tests.factories import BranchFactory, CustomerFactory, staff

from .factories import CategoryFactory, ComplaintFactory, complaint_settings, submit_plan, walk_to

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def run_together(*calls):
    """Run each call in its own thread, released at the same moment; return (results, errors) by index."""
    barrier = threading.Barrier(len(calls))
    results, errors = [None] * len(calls), [None] * len(calls)

    def worker(index, call):
        try:
            barrier.wait(timeout=10)
            results[index] = call()
        except Exception as exc:  # noqa: BLE001 - reported to the test thread
            errors[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
        assert not thread.is_alive()
    return results, errors


@pytest.fixture
def setup():
    CategoryFactory()
    complaint_settings()
    branch = BranchFactory(code="BJ", name="Beijing 北京")
    return {
        "branch": branch,
        "frontline": staff(Role.FRONTLINE, branch, username="frontline"),
        "managers": [staff(Role.MANAGER, branch, username=f"manager{i}") for i in range(2)],
        "customer": CustomerFactory(branch=branch),
    }


@pytest.mark.parametrize("approvals", [(True, True), (True, False), (False, False)], ids=["yes-yes", "yes-no", "no-no"])
def test_two_managers_deciding_one_plan_at_once_store_exactly_one_decision(setup, approvals):
    frontline, managers = setup["frontline"], setup["managers"]
    complaint = walk_to(ComplaintFactory(actor=frontline, customer=setup["customer"]), Step.ACTION, actor=frontline)
    plan = submit_plan(complaint, frontline, ("100",))
    version_before = Complaint.objects.get(pk=complaint.pk).version

    def decide(manager, approve):
        return lambda: services.plan_decide(actor=manager, plan_id=plan.pk, approve=approve, comment="Checked")

    results, errors = run_together(*(decide(m, a) for m, a in zip(managers, approvals, strict=True)))

    winners = [i for i, result in enumerate(results) if result is not None]
    losers = [i for i, error in enumerate(errors) if error is not None]
    assert len(winners) == 1 and len(losers) == 1, errors
    error = errors[losers[0]]
    assert type(error) is WorkflowError and "already decided" in str(error)
    decision = PlanDecision.objects.get(plan=plan)  # exactly one stored
    winner = managers[winners[0]]
    assert (decision.decided_by, decision.approved) == (winner, approvals[winners[0]])
    plan = ResolutionPlan.objects.get(pk=plan.pk)
    expected = PlanStatus.APPROVED if decision.approved else PlanStatus.REJECTED
    assert plan.status == expected
    assert plan.approved_amount == (Decimal("100.00") if decision.approved else None)
    assert TimelineEvent.objects.filter(complaint=complaint, kind=TimelineEvent.Kind.DECISION).count() == 1
    assert Complaint.objects.get(pk=complaint.pk).version == version_before + 1


def test_complaints_created_at_once_get_distinct_consecutive_numbers(setup):
    count = 6
    receivers = [setup["frontline"], *setup["managers"]]
    customers = [CustomerFactory(branch=setup["branch"]) for _ in range(count)]
    assert not NumberSequence.objects.exists()  # the year's counter row is created inside the race too

    def create(i):
        return lambda: ComplaintFactory(actor=receivers[i % len(receivers)], customer=customers[i]).number

    results, errors = run_together(*(create(i) for i in range(count)))

    assert errors == [None] * count
    assert len(set(results)) == count
    assert sorted(int(number.rsplit("-", 1)[1]) for number in results) == list(range(1, count + 1))
    assert sorted(Complaint.objects.values_list("number", flat=True)) == sorted(results)
    assert NumberSequence.objects.get().last == count


# Every service locks the complaint before its plan; a different order deadlocked on PostgreSQL. The complaint
# lock is wrapped only to hold each thread at its first lock until the other has taken its own (1 s at most),
# so that the two transactions overlap every time.
def test_a_response_and_a_new_plan_at_once_do_not_deadlock(setup, monkeypatch):
    frontline, manager = setup["frontline"], setup["managers"][0]
    colleague = staff(Role.FRONTLINE, setup["branch"], username="colleague")
    complaint = walk_to(ComplaintFactory(actor=frontline, customer=setup["customer"]), Step.ACTION, actor=frontline)
    plan = submit_plan(complaint, frontline, ("100",))
    services.plan_decide(actor=manager, plan_id=plan.pk, approve=True)
    version = Complaint.objects.get(pk=complaint.pk).version

    holding = {"submit": threading.Event(), "respond": threading.Event()}
    real_lock = services._lock

    def paced_lock(complaint_id, expected_version=None):
        me = threading.current_thread().name
        if me == "respond":  # already holds the plan row: announce, give the other a moment, then lock
            holding["respond"].set()
            holding["submit"].wait(timeout=1)
            return real_lock(complaint_id, expected_version)
        locked = real_lock(complaint_id, expected_version)
        if me == "submit":
            holding["submit"].set()
            holding["respond"].wait(timeout=1)
        return locked

    monkeypatch.setattr(services, "_lock", paced_lock)

    def named(name, call):
        def run():
            threading.current_thread().name = name
            return call()

        return run

    results, errors = run_together(
        named(
            "respond",
            lambda: services.plan_record_response(
                actor=frontline, plan_id=plan.pk, outcome=CustomerResponse.Outcome.ACCEPTED
            ),
        ),
        named(
            "submit",
            lambda: services.plan_submit(
                actor=colleague,
                complaint_id=complaint.pk,
                expected_version=version,
                summary="A better offer",
                deadline=timezone.localdate(),
                remedies=[services.RemedyInput(kind="compensation", amount=Decimal("150"))],
            ),
        ),
    )

    assert all(error is None or type(error) in (WorkflowError, StaleForm) for error in errors), errors
    assert sum(result is not None for result in results) >= 1
    statuses = sorted(ResolutionPlan.objects.filter(complaint=complaint).values_list("status", flat=True))
    # Either the customer accepted first (the new plan is refused), or the new plan replaced the old one first
    # (the response is refused, or the form was stale).
    assert statuses in ([PlanStatus.AGREED], [PlanStatus.PENDING_MANAGER, PlanStatus.SUPERSEDED])
