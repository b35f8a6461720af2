"""The lifecycle: every allowed move made through the services, every forbidden one refused."""

from decimal import Decimal

import pytest

from complaints import services
from complaints.models import (
    Complaint,
    CustomerResponse,
    PlanDecision,
    PlanStatus,
    ResolutionPlan,
    Revisit,
    TimelineEvent,
)
from complaints.templatetags.complaint_tags import timeline_summary
from complaints.workflow import (
    OPEN_STEPS,
    SIX_STEPS,
    Move,
    Step,
    StepIncomplete,
    TransitionNotAllowed,
    WorkflowError,
    check_move,
    missing_for_step,
    next_step,
)

from .factories import (
    LISTEN_DATA,
    SHARE_DATA,
    ComplaintFactory,
    advance,
    agree_plan,
    approve_plan,
    complaint_settings,
    complete_remedies,
    jump_to,
    problem_data,
    record,
    record_revisit,
    reload,
    submit_plan,
    unchanged,
    version,
    walk_to,
)

Kind = TimelineEvent.Kind
MOVE_KIND = {
    Move.ADVANCE: Kind.STEP,
    Move.CLOSE: Kind.CLOSED,
    Move.REOPEN: Kind.REOPENED,
    Move.FORCE_CLOSE: Kind.CLOSED,
}


# --- The table itself (no database) -------------------------------------------------------------

L, S, P, C, A, F, X = Step.LISTEN, Step.SHARE, Step.PROBLEM, Step.CHECK, Step.ACTION, Step.SATISFY, Step.CLOSED

# Written from DOMAIN.md "The six steps" and its Rules (客户抱怨处理六步骤), not from workflow.ALLOWED.
STEP_MOVES = {
    # "steps go forward in order"
    (L, S, Move.ADVANCE),
    (S, P, Move.ADVANCE),
    (P, C, Move.ADVANCE),
    (C, A, Move.ADVANCE),
    (A, F, Move.ADVANCE),
    # "a complaint closes only after the customer confirms satisfaction"
    (F, X, Move.CLOSE),
    # "a dissatisfied revisit reopens the case at Action (or Problem)"
    (F, A, Move.REOPEN),
    (F, P, Move.REOPEN),
    # "nothing is ever deleted, only closed, reopened or archived": a manager reopens at Action or Problem
    (X, A, Move.REOPEN),
    (X, P, Move.REOPEN),
    # "a manager may close without satisfaction only with a written reason", from any open step
    (L, X, Move.FORCE_CLOSE),
    (S, X, Move.FORCE_CLOSE),
    (P, X, Move.FORCE_CLOSE),
    (C, X, Move.FORCE_CLOSE),
    (A, X, Move.FORCE_CLOSE),
    (F, X, Move.FORCE_CLOSE),
}


def test_check_move_allows_exactly_the_moves_the_domain_names():
    wrong = []
    for src in Step:
        for dst in Step:
            for move in Move:
                try:
                    check_move(src, dst, move)
                except TransitionNotAllowed as refused:
                    assert "cannot go from" in str(refused)
                    if (src, dst, move) in STEP_MOVES:
                        wrong.append(("refused", src.value, dst.value, move.value))
                else:
                    if (src, dst, move) not in STEP_MOVES:
                        wrong.append(("allowed", src.value, dst.value, move.value))
    assert wrong == []


@pytest.mark.parametrize(
    ("src", "dst", "move", "names"),
    [
        (L, P, Move.ADVANCE, "from “1 Listen” to “3 Problem”"),  # a step skipped
        (A, C, Move.ADVANCE, "from “5 Action” to “4 Check”"),  # backwards is a reopening, not an advance
        (A, X, Move.CLOSE, "from “5 Action” to “Closed”"),  # closed "satisfied" before Satisfy
        (X, L, Move.REOPEN, "from “Closed” to “1 Listen”"),  # reopened only at Action or Problem
        (F, S, Move.REOPEN, "from “6 Satisfy” to “2 Share”"),
        (X, X, Move.FORCE_CLOSE, "from “Closed” to “Closed”"),  # closed twice
    ],
    ids=lambda v: getattr(v, "value", ""),
)
def test_check_move_refuses_wrong_order_naming_both_steps(src, dst, move, names):
    with pytest.raises(TransitionNotAllowed) as refused:
        check_move(src, dst, move)
    assert names in str(refused.value)


def test_the_six_steps_go_forward_in_order_then_close():
    assert [next_step(step) for step in SIX_STEPS] == [*SIX_STEPS[1:], Step.CLOSED]
    assert next_step(Step.CLOSED) is None


# --- Every allowed move, through the services ---------------------------------------------------


def test_every_allowed_transition_through_the_services(frontline, manager, gm, customer):
    made = []  # (complaint, src, dst, move, actor) in the order the services were called

    def new(severity="general"):
        return ComplaintFactory(actor=frontline, customer=customer, severity=severity)

    def walk(complaint, step):
        before = reload(complaint).step
        walk_to(complaint, step, actor=frontline, manager=manager, gm=gm)
        order = [*SIX_STEPS, Step.CLOSED]
        path = order[order.index(before) : order.index(step) + 1]
        for src, dst in zip(path, path[1:], strict=False):
            made.append((complaint.pk, src, dst, Move.CLOSE if dst == Step.CLOSED else Move.ADVANCE, frontline))

    def force_close(complaint):
        src = reload(complaint).step
        services.complaint_close_without_satisfaction(
            actor=manager, complaint_id=complaint.pk, expected_version=version(complaint), reason="Withdrawn"
        )
        made.append((complaint.pk, src, Step.CLOSED, Move.FORCE_CLOSE, manager))

    def reopen(complaint, to_step):
        services.complaint_reopen(
            actor=manager,
            complaint_id=complaint.pk,
            expected_version=version(complaint),
            to_step=to_step,
            reason="Called back",
        )
        made.append((complaint.pk, Step.CLOSED, to_step, Move.REOPEN, manager))

    def dissatisfied(complaint, to_step):
        record_revisit(complaint, frontline, score=2, signed_off=False, reopen_to=to_step)
        made.append((complaint.pk, Step.SATISFY, to_step, Move.REOPEN, frontline))

    # Listen → … → Satisfy → Closed after a satisfied revisit; a manager reopens it at Action and at Problem,
    # and closes it without satisfaction from Action and from Problem.
    walked = new(severity="major")  # its plan needs the general manager too
    walk(walked, Step.CLOSED)
    decisions = PlanDecision.objects.filter(plan__complaint=walked).values_list("level", "decided_by", "approved")
    assert list(decisions) == [("manager", manager.pk, True), ("general_manager", gm.pk, True)]
    reopen(walked, Step.ACTION)
    force_close(walked)
    reopen(walked, Step.PROBLEM)
    force_close(walked)
    # Dissatisfied revisits reopen at Action, or at Problem when chosen; a manager closes one from Satisfy.
    for to_step in (Step.ACTION, Step.PROBLEM):
        complaint = new()
        walk(complaint, Step.SATISFY)
        dissatisfied(complaint, to_step)
    in_satisfy = new()
    walk(in_satisfy, Step.SATISFY)
    force_close(in_satisfy)
    # A manager closes without satisfaction from the remaining open steps.
    for step in (Step.LISTEN, Step.SHARE, Step.CHECK):
        complaint = new()
        walk(complaint, step)
        force_close(complaint)

    assert {(src, dst, move) for _pk, src, dst, move, _actor in made} == STEP_MOVES
    events = list(
        TimelineEvent.objects.exclude(from_step="")
        .order_by("pk")
        .values_list("complaint_id", "kind", "from_step", "to_step", "actor")
    )
    assert events == [(pk, MOVE_KIND[move], src, dst, actor.pk) for pk, src, dst, move, actor in made]
    closed_flags = dict(Complaint.objects.values_list("pk", "closed_without_satisfaction"))
    last_move = {pk: move for pk, _src, _dst, move, _actor in made}
    for pk, move in last_move.items():
        assert closed_flags[pk] is (move == Move.FORCE_CLOSE)


def test_satisfied_close_records_times_amounts_and_revisit_due(frontline, manager, customer):
    complaint_settings(revisit_within_days=5)
    complaint = walk_to(
        ComplaintFactory(actor=frontline, customer=customer), Step.SATISFY, actor=frontline, manager=manager
    )
    assert complaint.first_responded_at is not None
    assert complaint.revisit_due_at is not None
    entered_satisfy = TimelineEvent.objects.get(complaint=complaint, to_step=Step.SATISFY).created_at
    assert abs((complaint.revisit_due_at - entered_satisfy).total_seconds() - 5 * 86400) < 60
    plan = complaint.current_plan
    assert plan.status == PlanStatus.AGREED and plan.approved_amount == Decimal("100")
    assert not plan.remedies.filter(done_at__isnull=True).exists()
    record_revisit(complaint, frontline, score=3)
    closed = advance(complaint, frontline)
    assert closed.step == Step.CLOSED and closed.closed_at is not None
    assert not closed.closed_without_satisfaction and closed.close_reason == ""


@pytest.mark.parametrize(
    ("severity", "amounts", "needs_gm"),
    [
        ("major", ("10",), True),
        ("general", ("3000", "2000.01"), True),  # total above the threshold
        ("general", ("3000", "2000"), False),  # exactly the threshold: the manager alone
        ("important", ("0",), False),
    ],
)
def test_general_manager_approves_major_complaints_and_large_compensation(
    frontline, manager, gm, customer, severity, amounts, needs_gm
):
    complaint_settings(gm_compensation_threshold=Decimal("5000.00"))
    complaint = ComplaintFactory(actor=frontline, customer=customer, severity=severity)
    walk_to(complaint, Step.ACTION, actor=frontline)
    plan = submit_plan(complaint, frontline, amounts)
    assert plan.needs_gm is needs_gm
    assert plan.total_amount == sum(Decimal(a) for a in amounts)
    services.plan_decide(actor=manager, plan_id=plan.pk, approve=True)
    plan.refresh_from_db()
    if needs_gm:
        assert plan.status == PlanStatus.PENDING_GM and plan.approved_amount is None
        with pytest.raises(StepIncomplete, match="the plan's approval"):
            advance(complaint, frontline)
        services.plan_decide(actor=gm, plan_id=plan.pk, approve=True)
        plan.refresh_from_db()
    assert plan.status == PlanStatus.APPROVED
    assert plan.approved_amount == plan.total_amount
    levels = list(plan.decisions.values_list("level", "decided_by__username"))
    expected = [("manager", "manager"), ("general_manager", "gm")] if needs_gm else [("manager", "manager")]
    assert levels == expected
    complete_remedies(agree_plan(plan, frontline), frontline)
    assert advance(complaint, frontline).step == Step.SATISFY


@pytest.mark.parametrize(
    ("outcome", "score", "reopen_to", "expected_step"),
    [
        (Revisit.Outcome.RESOLVED, 1, Step.ACTION, Step.ACTION),
        (Revisit.Outcome.RESOLVED, 2, Step.ACTION, Step.ACTION),
        (Revisit.Outcome.NOT_RESOLVED, 5, Step.ACTION, Step.ACTION),
        (Revisit.Outcome.NOT_RESOLVED, 4, Step.PROBLEM, Step.PROBLEM),
        (Revisit.Outcome.RESOLVED, 3, Step.ACTION, Step.SATISFY),  # satisfied: stays, ready to close
    ],
)
def test_dissatisfied_revisit_reopens_the_case(frontline, manager, customer, outcome, score, reopen_to, expected_step):
    complaint = walk_to(
        ComplaintFactory(actor=frontline, customer=customer), Step.SATISFY, actor=frontline, manager=manager
    )
    revisit = record_revisit(complaint, frontline, outcome=outcome, score=score, notes="", reopen_to=reopen_to)
    after = reload(complaint)
    assert after.step == expected_step
    assert revisit.is_satisfied is (expected_step == Step.SATISFY)
    kinds = list(TimelineEvent.objects.filter(complaint=complaint).order_by("-pk").values_list("kind", flat=True)[:2])
    if expected_step == Step.SATISFY:
        assert kinds[0] == Kind.REVISIT
        assert after.revisit_due_at is not None
    else:
        assert kinds == [Kind.REOPENED, Kind.REVISIT]
        reopened = TimelineEvent.objects.filter(complaint=complaint, kind=Kind.REOPENED).get()
        assert (reopened.from_step, reopened.to_step) == (Step.SATISFY, expected_step)
        assert reopened.data == {"revisit_score": score}  # the reason, when the caller gave none
        assert f"({score}/5)" in timeline_summary(reopened)
        assert after.revisit_due_at is None


def test_dissatisfied_revisit_cannot_reopen_to_a_step_not_allowed(frontline, manager, customer):
    complaint = walk_to(
        ComplaintFactory(actor=frontline, customer=customer), Step.SATISFY, actor=frontline, manager=manager
    )
    with unchanged(), pytest.raises(TransitionNotAllowed):
        record_revisit(complaint, frontline, score=1, signed_off=False, reopen_to=Step.LISTEN)


@pytest.mark.parametrize("to_step", [Step.ACTION, Step.PROBLEM])
@pytest.mark.parametrize("role", ["manager", "gm"])
def test_a_supervisor_reopens_a_closed_complaint(request, frontline, manager, customer, to_step, role):
    actor = request.getfixturevalue(role)
    complaint = ComplaintFactory(actor=frontline, customer=customer)
    services.complaint_close_without_satisfaction(
        actor=manager, complaint_id=complaint.pk, expected_version=version(complaint), reason="Unreachable"
    )
    services.complaint_archive(actor=manager, complaint_id=complaint.pk, expected_version=version(complaint))
    reopened = services.complaint_reopen(
        actor=actor,
        complaint_id=complaint.pk,
        expected_version=version(complaint),
        to_step=to_step,
        reason="Called back",
    )
    reopened = reload(reopened)
    assert reopened.step == to_step
    assert reopened.closed_at is None and not reopened.is_archived
    assert not reopened.closed_without_satisfaction and reopened.close_reason == ""
    event = TimelineEvent.objects.filter(complaint=complaint).latest("pk")
    assert (event.kind, event.from_step, event.to_step, event.actor, event.note) == (
        Kind.REOPENED,
        Step.CLOSED,
        to_step,
        actor,
        "Called back",
    )
    # The forced close stays on record even though the flag is cleared.
    assert TimelineEvent.objects.filter(complaint=complaint, kind=Kind.CLOSED, note="Unreachable").exists()


def test_reopen_is_refused_without_reason_on_open_cases_and_to_other_steps(frontline, manager, customer):
    complaint = ComplaintFactory(actor=frontline, customer=customer)
    with unchanged(), pytest.raises(WorkflowError, match="not allowed"):
        services.complaint_reopen(
            actor=manager,
            complaint_id=complaint.pk,
            expected_version=version(complaint),
            to_step=Step.ACTION,
            reason="x",
        )
    services.complaint_close_without_satisfaction(
        actor=manager, complaint_id=complaint.pk, expected_version=version(complaint), reason="Withdrawn"
    )
    with unchanged(), pytest.raises(WorkflowError, match="Say why"):
        services.complaint_reopen(
            actor=manager,
            complaint_id=complaint.pk,
            expected_version=version(complaint),
            to_step=Step.ACTION,
            reason="  ",
        )
    for step in (Step.LISTEN, Step.SHARE, Step.CHECK, Step.SATISFY, Step.CLOSED):
        with unchanged(), pytest.raises(TransitionNotAllowed):
            services.complaint_reopen(
                actor=manager, complaint_id=complaint.pk, expected_version=version(complaint), to_step=step, reason="x"
            )


@pytest.mark.parametrize("step", SIX_STEPS, ids=lambda s: s.value)
def test_manager_force_closes_with_a_reason_from_each_open_step(frontline, manager, customer, step):
    complaint = walk_to(ComplaintFactory(actor=frontline, customer=customer), step, actor=frontline, manager=manager)
    closed = reload(
        services.complaint_close_without_satisfaction(
            actor=manager, complaint_id=complaint.pk, expected_version=version(complaint), reason=" Moved away "
        )
    )
    assert closed.step == Step.CLOSED
    assert closed.closed_without_satisfaction and closed.close_reason == "Moved away"
    assert closed.closed_at is not None
    event = TimelineEvent.objects.filter(complaint=complaint).latest("pk")
    assert (event.kind, event.from_step, event.to_step, event.actor, event.note) == (
        Kind.CLOSED,
        step,
        Step.CLOSED,
        manager,
        "Moved away",
    )


@pytest.mark.parametrize("step", SIX_STEPS, ids=lambda s: s.value)
def test_force_close_needs_a_written_reason(frontline, manager, customer, step):
    complaint = walk_to(ComplaintFactory(actor=frontline, customer=customer), step, actor=frontline, manager=manager)
    with unchanged(), pytest.raises(WorkflowError, match="needs a written reason"):
        services.complaint_close_without_satisfaction(
            actor=manager, complaint_id=complaint.pk, expected_version=version(complaint), reason=" \n "
        )


def test_a_closed_complaint_cannot_be_worked_or_closed_again(frontline, manager, customer):
    complaint = walk_to(
        ComplaintFactory(actor=frontline, customer=customer), Step.CLOSED, actor=frontline, manager=manager
    )
    with unchanged(), pytest.raises(WorkflowError, match="not allowed"):
        advance(complaint, frontline)
    with unchanged(), pytest.raises(WorkflowError, match="not allowed"):
        services.complaint_close_without_satisfaction(
            actor=manager, complaint_id=complaint.pk, expected_version=version(complaint), reason="again"
        )


# --- Wrong order: each step's own actions are refused elsewhere ---------------------------------


def test_step_actions_are_refused_outside_their_step(frontline, manager, customer):
    complaint = ComplaintFactory(actor=frontline, customer=customer)
    with unchanged(), pytest.raises(WorkflowError, match="Check step"):
        services.complaint_confirm(
            actor=frontline, complaint_id=complaint.pk, expected_version=version(complaint), by_customer=True, notes=""
        )
    with unchanged(), pytest.raises(WorkflowError, match="Action step"):
        submit_plan(complaint, frontline)
    with unchanged(), pytest.raises(WorkflowError, match="Satisfy step"):
        record_revisit(complaint, frontline)
    walk_to(complaint, Step.CHECK, actor=frontline)
    with unchanged(), pytest.raises(WorkflowError, match="its own form"):
        record(complaint, frontline, {"key_points": "changed late"})
    walk_to(complaint, Step.ACTION, actor=frontline)
    with unchanged(), pytest.raises(WorkflowError, match="its own form"):
        record(complaint, frontline, {"root_cause": "changed late"})


def test_recording_a_step_writes_only_that_steps_fields(frontline, customer):
    complaint = ComplaintFactory(actor=frontline, customer=customer)
    record(complaint, frontline, {"key_points": "kp", "root_cause": "sneaky", "severity": "major"})
    stored = reload(complaint)
    assert stored.key_points == "kp"
    assert stored.root_cause == "" and stored.severity == "general"


# --- Missing content: StepIncomplete names what is missing --------------------------------------


def _listen_without_words(world):
    complaint = ComplaintFactory(actor=world.frontline, customer=world.customer, customer_words="   ")
    record(complaint, world.frontline, LISTEN_DATA)
    return complaint


def _at(world, step, **data):
    # Straight into the step: the path there is walked by the tests above.
    complaint = jump_to(ComplaintFactory(actor=world.frontline, customer=world.customer), step)
    if data:
        record(complaint, world.frontline, data)
    return complaint


def _check_confirmed(world, *, by_customer):
    complaint = _at(world, Step.CHECK)
    services.complaint_confirm(
        actor=world.frontline,
        complaint_id=complaint.pk,
        expected_version=version(complaint),
        by_customer=by_customer,
        notes="",
    )
    return complaint


def _action(world, *, amounts=("100",), then=()):
    complaint = _at(world, Step.ACTION)
    plan = submit_plan(complaint, world.frontline, amounts)
    for action in then:
        action(world, plan)
        plan.refresh_from_db()
    return complaint


def _manager_yes(world, plan):
    services.plan_decide(actor=world.manager, plan_id=plan.pk, approve=True)


def _manager_no(world, plan):
    services.plan_decide(actor=world.manager, plan_id=plan.pk, approve=False, comment="Too generous")


def _gm_yes(world, plan):
    services.plan_decide(actor=world.gm, plan_id=plan.pk, approve=True)


def _customer(outcome, notes="She wants more"):
    def respond(world, plan):
        services.plan_record_response(actor=world.frontline, plan_id=plan.pk, outcome=outcome, notes=notes)

    return respond


def _first_remedy_done(world, plan):
    services.remedy_complete(actor=world.frontline, remedy_id=plan.remedies.first().pk)


def _satisfy(world, **revisit):
    complaint = _at(world, Step.SATISFY)
    if revisit:
        record_revisit(complaint, world.frontline, **revisit)
    return complaint


def _satisfy_with_unsatisfied_revisit_row(world):
    complaint = _satisfy(world)
    # A revisit recorded as dissatisfied reopens the case at once, so this state is built directly.
    Revisit.objects.create(complaint=complaint, outcome="not_resolved", score=4, recorded_by=world.frontline)
    return complaint


def _satisfy_with_old_revisit_row(world, **fields):
    complaint = _satisfy(world)
    # A satisfied revisit without sign-off or prevention, as recorded before the revisit service refused them.
    Revisit.objects.create(complaint=complaint, outcome="resolved", score=5, recorded_by=world.frontline, **fields)
    return complaint


ACCEPTED, COUNTER, REFUSED = CustomerResponse.Outcome.ACCEPTED, CustomerResponse.Outcome.COUNTER_OFFER, "refused"

MISSING_CASES = {
    "listen-nothing": (lambda w: _at(w, Step.LISTEN), ["the key points"]),
    "listen-words": (_listen_without_words, ["the complaint in the customer's own words"]),
    "listen-key-points": (lambda w: _at(w, Step.LISTEN, key_points="  "), ["the key points"]),
    "share-nothing": (lambda w: _at(w, Step.SHARE), ["emotional state", "apology or empathy"]),
    "share-emotion": (lambda w: _at(w, Step.SHARE, empathy_given="非常抱歉"), ["the customer's emotional state"]),
    "share-empathy": (lambda w: _at(w, Step.SHARE, emotional_state="upset"), ["the apology or empathy given"]),
    "problem-group": (
        lambda w: _at(w, Step.PROBLEM, **{**problem_data(), "root_cause_group": ""}),
        ["the root-cause group"],
    ),
    "problem-cause": (lambda w: _at(w, Step.PROBLEM, **{**problem_data(), "root_cause": ""}), ["the root cause"]),
    "problem-department": (
        lambda w: _at(w, Step.PROBLEM, **{**problem_data(), "department": None}),
        ["the responsible department"],
    ),
    "check-nothing": (lambda w: _at(w, Step.CHECK), ["customer's confirmation", "company's confirmation"]),
    "check-customer": (lambda w: _check_confirmed(w, by_customer=False), ["the customer's confirmation"]),
    "check-company": (lambda w: _check_confirmed(w, by_customer=True), ["the company's confirmation"]),
    "action-no-plan": (lambda w: _at(w, Step.ACTION), ["a resolution plan"]),
    "action-pending-manager": (lambda w: _action(w), ["the plan's approval"]),
    "action-pending-gm": (lambda w: _action(w, amounts=("9000",), then=[_manager_yes]), ["the plan's approval"]),
    "action-rejected": (lambda w: _action(w, then=[_manager_no]), ["a new plan (the last one was rejected)"]),
    "action-gm-rejected": (
        lambda w: _action(
            w,
            amounts=("9000",),
            then=[
                _manager_yes,
                lambda w, p: services.plan_decide(actor=w.gm, plan_id=p.pk, approve=False, comment="No"),
            ],
        ),
        ["a new plan (the last one was rejected)"],
    ),
    "action-refused": (
        lambda w: _action(w, then=[_manager_yes, _customer(REFUSED)]),
        ["a new plan (the customer refused the last one)"],
    ),
    "action-approved": (lambda w: _action(w, then=[_manager_yes]), ["the customer's agreement to the plan"]),
    "action-counter-offer": (
        lambda w: _action(w, then=[_manager_yes, _customer(COUNTER)]),
        ["the customer's agreement to the plan"],
    ),
    "action-remedies": (
        lambda w: _action(w, amounts=("10", "20"), then=[_manager_yes, _customer(ACCEPTED), _first_remedy_done]),
        ["completion of every remedy"],
    ),
    "satisfy-no-revisit": (lambda w: _satisfy(w), ["a revisit with the customer"]),
    "satisfy-unsatisfied": (_satisfy_with_unsatisfied_revisit_row, ["a satisfied revisit"]),
    "satisfy-sign-off": (lambda w: _satisfy_with_old_revisit_row(w, prevention_measure="Stock"), ["sign-off"]),
    "satisfy-prevention": (
        lambda w: _satisfy_with_old_revisit_row(w, signed_off=True, prevention_measure=" "),
        ["a prevention measure"],
    ),
    "satisfy-both": (lambda w: _satisfy_with_old_revisit_row(w), ["sign-off", "a prevention measure"]),
}


@pytest.fixture
def world(frontline, manager, gm, customer):
    class World:
        pass

    w = World()
    w.frontline, w.manager, w.gm, w.customer = frontline, manager, gm, customer
    return w


@pytest.mark.parametrize("case", list(MISSING_CASES))
def test_advance_is_refused_until_the_step_is_complete(world, case):
    build, missing = MISSING_CASES[case]
    complaint = build(world)
    step = reload(complaint).step
    with unchanged(), pytest.raises(StepIncomplete) as refused:
        advance(complaint, world.frontline)
    assert len(refused.value.missing) == len(missing)
    message = str(refused.value)
    assert message.startswith("This step is not complete:")
    for item in missing:
        assert item in message
    assert reload(complaint).step == step
    assert step in OPEN_STEPS


def test_missing_for_step_is_empty_once_complete(world):
    complaint = _at(world, Step.LISTEN, **LISTEN_DATA)
    assert missing_for_step(reload(complaint)) == []
    advance(complaint, world.frontline)
    record(complaint, world.frontline, SHARE_DATA)
    assert missing_for_step(reload(complaint)) == []


# --- Plans inside Action ------------------------------------------------------------------------


def test_a_rejected_plan_stays_in_action_and_a_new_plan_supersedes_it(world):
    complaint = _action(world, then=[_manager_no])
    assert reload(complaint).step == Step.ACTION
    rejected = ResolutionPlan.objects.get(complaint=complaint)
    assert rejected.status == PlanStatus.REJECTED and rejected.approved_amount is None
    decision = PlanDecision.objects.get(plan=rejected)
    assert (decision.approved, decision.comment, decision.decided_by) == (False, "Too generous", world.manager)
    new_plan = submit_plan(complaint, world.frontline, ("50",), summary="Smaller offer")
    rejected.refresh_from_db()
    assert rejected.status == PlanStatus.SUPERSEDED
    assert reload(complaint).current_plan == new_plan
    assert new_plan.status == PlanStatus.PENDING_MANAGER


def test_a_counter_offer_keeps_the_plan_approved_and_allows_a_superseding_plan(world):
    complaint = _action(world, then=[_manager_yes, _customer(COUNTER, "Wants 200")])
    plan = ResolutionPlan.objects.get(complaint=complaint)
    assert plan.status == PlanStatus.APPROVED
    assert list(plan.responses.values_list("outcome", "notes")) == [(COUNTER, "Wants 200")]
    better = submit_plan(complaint, world.frontline, ("200",))
    plan.refresh_from_db()
    assert plan.status == PlanStatus.SUPERSEDED
    approve_plan(better, manager=world.manager)
    complete_remedies(agree_plan(better, world.frontline), world.frontline)
    assert advance(complaint, world.frontline).step == Step.SATISFY


def test_a_refused_plan_needs_notes_and_then_a_new_plan(world):
    complaint = _action(world, then=[_manager_yes])
    plan = ResolutionPlan.objects.get(complaint=complaint)
    with unchanged(), pytest.raises(WorkflowError, match="Note what the customer said"):
        services.plan_record_response(actor=world.frontline, plan_id=plan.pk, outcome=REFUSED, notes=" ")
    _customer(REFUSED, "Not enough")(world, plan)
    plan.refresh_from_db()
    assert plan.status == PlanStatus.REFUSED
    with unchanged(), pytest.raises(WorkflowError, match="Only an approved plan"):
        services.plan_record_response(actor=world.frontline, plan_id=plan.pk, outcome=ACCEPTED)
    new_plan = submit_plan(complaint, world.frontline, ("300",))
    plan.refresh_from_db()
    assert plan.status == PlanStatus.SUPERSEDED and new_plan.status == PlanStatus.PENDING_MANAGER


def test_a_plan_waiting_for_approval_or_agreed_cannot_be_replaced(world):
    complaint = _action(world)
    with unchanged(), pytest.raises(WorkflowError, match="still waiting for approval"):
        submit_plan(complaint, world.frontline)
    plan = complaint.plans.get()
    _manager_yes(world, plan)
    _customer(ACCEPTED)(world, plan)
    with unchanged(), pytest.raises(WorkflowError, match="agreed to the current plan"):
        submit_plan(complaint, world.frontline)


def _walked_to_satisfy(world):
    return walk_to(
        ComplaintFactory(actor=world.frontline, customer=world.customer),
        Step.SATISFY,
        actor=world.frontline,
        manager=world.manager,
    )


def _reopen(world, complaint, via, to_step=Step.ACTION):
    if via == "dissatisfied_revisit":
        record_revisit(complaint, world.frontline, score=1, signed_off=False, reopen_to=to_step)
    else:
        record_revisit(complaint, world.frontline)
        advance(complaint, world.frontline)
        services.complaint_reopen(
            actor=world.manager,
            complaint_id=complaint.pk,
            expected_version=version(complaint),
            to_step=to_step,
            reason="Again",
        )
    assert reload(complaint).step == to_step


@pytest.mark.parametrize("via", ["dissatisfied_revisit", "manager_reopen"])
def test_a_reopened_case_needs_a_new_plan_and_keeps_the_old_one_on_record(world, via):
    complaint = _walked_to_satisfy(world)
    old_plan = complaint.current_plan
    _reopen(world, complaint, via)
    old_plan.refresh_from_db()
    assert old_plan.status == PlanStatus.SUPERSEDED
    assert old_plan.remedies.filter(done_at__isnull=False).count() == 1  # what was done stays recorded
    with unchanged(), pytest.raises(StepIncomplete, match="a resolution plan"):
        advance(complaint, world.frontline)
    new_plan = submit_plan(complaint, world.frontline, ("500",), summary="Replace the motor")
    assert reload(complaint).current_plan == new_plan
    approve_plan(new_plan, manager=world.manager)
    complete_remedies(agree_plan(new_plan, world.frontline), world.frontline)
    assert advance(complaint, world.frontline).step == Step.SATISFY


# A revisit recorded before the case was reopened does not satisfy Satisfy a second time.
@pytest.mark.parametrize("to_step", [Step.ACTION, Step.PROBLEM], ids=lambda s: s.value)
@pytest.mark.parametrize("via", ["dissatisfied_revisit", "manager_reopen"])
def test_a_reopened_case_needs_a_new_revisit_before_it_closes_again(world, via, to_step):
    complaint = _walked_to_satisfy(world)
    _reopen(world, complaint, via, to_step)
    walk_to(complaint, Step.SATISFY, actor=world.frontline, manager=world.manager)
    with unchanged(), pytest.raises(StepIncomplete, match="revisit"):
        advance(complaint, world.frontline)
    record_revisit(complaint, world.frontline, score=5)
    assert advance(complaint, world.frontline).step == Step.CLOSED


def test_the_open_queryset_follows_the_step(world):
    complaint = _at(world, Step.SHARE)
    assert Complaint.objects.open().filter(pk=complaint.pk).exists()
    services.complaint_close_without_satisfaction(
        actor=world.manager, complaint_id=complaint.pk, expected_version=version(complaint), reason="x"
    )
    assert not Complaint.objects.open().filter(pk=complaint.pk).exists()
