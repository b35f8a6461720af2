"""The complaint lifecycle on one screen: the six steps, the allowed moves, and what each step needs;
then the resolution plan's statuses and their allowed moves.

Nothing but ``services.py`` changes ``Complaint.step`` or ``ResolutionPlan.status``, and only through
``check_move`` and ``check_plan_move``.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Step(models.TextChoices):
    LISTEN = "listen", _("1 Listen")
    SHARE = "share", _("2 Share")
    PROBLEM = "problem", _("3 Problem")
    CHECK = "check", _("4 Check")
    ACTION = "action", _("5 Action")
    SATISFY = "satisfy", _("6 Satisfy")
    CLOSED = "closed", _("Closed")


SIX_STEPS = [Step.LISTEN, Step.SHARE, Step.PROBLEM, Step.CHECK, Step.ACTION, Step.SATISFY]
OPEN_STEPS = frozenset(SIX_STEPS)


class Move(models.TextChoices):
    ADVANCE = "advance", _("Advance to the next step")
    REOPEN = "reopen", _("Reopen")
    CLOSE = "close", _("Close after satisfaction")
    FORCE_CLOSE = "force_close", _("Close without satisfaction")


# (from, to) -> the moves that make it. Anything not listed is refused.
ALLOWED: dict[tuple[Step, Step], frozenset[Move]] = {
    (Step.LISTEN, Step.SHARE): frozenset({Move.ADVANCE}),
    (Step.SHARE, Step.PROBLEM): frozenset({Move.ADVANCE}),
    (Step.PROBLEM, Step.CHECK): frozenset({Move.ADVANCE}),
    (Step.CHECK, Step.ACTION): frozenset({Move.ADVANCE}),
    (Step.ACTION, Step.SATISFY): frozenset({Move.ADVANCE}),
    # A dissatisfied revisit, or a manager reopening a closed case, goes back to Action or Problem.
    (Step.SATISFY, Step.ACTION): frozenset({Move.REOPEN}),
    (Step.SATISFY, Step.PROBLEM): frozenset({Move.REOPEN}),
    (Step.CLOSED, Step.ACTION): frozenset({Move.REOPEN}),
    (Step.CLOSED, Step.PROBLEM): frozenset({Move.REOPEN}),
    # A manager may close an open case without satisfaction, with a written reason.
    **{(step, Step.CLOSED): frozenset({Move.FORCE_CLOSE}) for step in SIX_STEPS if step != Step.SATISFY},
    # From Satisfy: closed after a satisfied revisit, or by a manager without it.
    (Step.SATISFY, Step.CLOSED): frozenset({Move.CLOSE, Move.FORCE_CLOSE}),
}


class PlanStatus(models.TextChoices):
    PENDING_MANAGER = "pending_manager", _("Waiting for the manager")
    PENDING_GM = "pending_gm", _("Waiting for the general manager")
    APPROVED = "approved", _("Approved, waiting for the customer")
    REJECTED = "rejected", _("Rejected")
    AGREED = "agreed", _("Agreed with the customer")
    REFUSED = "refused", _("Refused by the customer")
    SUPERSEDED = "superseded", _("Replaced by a newer plan")


class PlanMove(models.TextChoices):
    APPROVE = "approve", _("Approve the plan")
    REJECT = "reject", _("Reject the plan")
    ACCEPT = "accept", _("The customer accepts the plan")
    REFUSE = "refuse", _("The customer refuses the plan")
    REPLACE = "replace", _("Replace the plan with a new one")
    REOPEN = "reopen", _("Set the plan aside: the case was reopened")


# A plan is created waiting for the manager; (from, to) -> the moves that make it. Anything else is refused.
# A counter-offer from the customer changes no status: the approved plan waits until it is replaced.
PLAN_ALLOWED: dict[tuple[PlanStatus, PlanStatus], frozenset[PlanMove]] = {
    # The manager approves: done, or on to the general manager (major complaint, large compensation).
    (PlanStatus.PENDING_MANAGER, PlanStatus.PENDING_GM): frozenset({PlanMove.APPROVE}),
    (PlanStatus.PENDING_MANAGER, PlanStatus.APPROVED): frozenset({PlanMove.APPROVE}),
    (PlanStatus.PENDING_GM, PlanStatus.APPROVED): frozenset({PlanMove.APPROVE}),
    (PlanStatus.PENDING_MANAGER, PlanStatus.REJECTED): frozenset({PlanMove.REJECT}),
    (PlanStatus.PENDING_GM, PlanStatus.REJECTED): frozenset({PlanMove.REJECT}),
    # The customer's answer to the approved plan.
    (PlanStatus.APPROVED, PlanStatus.AGREED): frozenset({PlanMove.ACCEPT}),
    (PlanStatus.APPROVED, PlanStatus.REFUSED): frozenset({PlanMove.REFUSE}),
    # A new plan replaces a rejected or refused one, or an approved one the customer countered;
    # reopening the case sets aside whatever plan it had, kept on record.
    (PlanStatus.REJECTED, PlanStatus.SUPERSEDED): frozenset({PlanMove.REPLACE, PlanMove.REOPEN}),
    (PlanStatus.REFUSED, PlanStatus.SUPERSEDED): frozenset({PlanMove.REPLACE, PlanMove.REOPEN}),
    (PlanStatus.APPROVED, PlanStatus.SUPERSEDED): frozenset({PlanMove.REPLACE, PlanMove.REOPEN}),
    (PlanStatus.PENDING_MANAGER, PlanStatus.SUPERSEDED): frozenset({PlanMove.REOPEN}),
    (PlanStatus.PENDING_GM, PlanStatus.SUPERSEDED): frozenset({PlanMove.REOPEN}),
    (PlanStatus.AGREED, PlanStatus.SUPERSEDED): frozenset({PlanMove.REOPEN}),
}


class WorkflowError(Exception):
    """A refused action; ``str(error)`` is the message the user sees."""


class TransitionNotAllowed(WorkflowError):
    pass


class PlanTransitionNotAllowed(WorkflowError):
    pass


class StepIncomplete(WorkflowError):
    def __init__(self, missing: list[str]):
        self.missing = missing
        super().__init__(_("This step is not complete: %(missing)s.") % {"missing": "; ".join(str(m) for m in missing)})


class StaleForm(WorkflowError):
    def __init__(self):
        super().__init__(_("This complaint was changed by someone else meanwhile. Reload the page and try again."))


def next_step(step: Step) -> Step | None:
    for (src, dst), moves in ALLOWED.items():
        if src == step and moves & {Move.ADVANCE, Move.CLOSE}:
            return dst
    return None


def check_move(src: str, dst: str, move: Move) -> None:
    """Raise TransitionNotAllowed unless ``move`` takes a complaint from ``src`` to ``dst``."""
    if move not in ALLOWED.get((Step(src), Step(dst)), frozenset()):
        raise TransitionNotAllowed(
            _("A complaint cannot go from “%(src)s” to “%(dst)s” this way.")
            % {"src": Step(src).label, "dst": Step(dst).label}
        )


def check_plan_move(src: str, dst: str, move: PlanMove) -> None:
    """Raise PlanTransitionNotAllowed unless ``move`` takes a plan from ``src`` to ``dst``."""
    if move not in PLAN_ALLOWED.get((PlanStatus(src), PlanStatus(dst)), frozenset()):
        raise PlanTransitionNotAllowed(
            _("A resolution plan cannot go from “%(src)s” to “%(dst)s” this way.")
            % {"src": PlanStatus(src).label, "dst": PlanStatus(dst).label}
        )


def plan_is_countered(plan) -> bool:
    """The customer's last answer to this approved plan was a counter-offer (the plan stays approved)."""
    from .models import CustomerResponse  # models.py imports this module

    if plan.status != PlanStatus.APPROVED:
        return False
    responses = list(plan.responses.all())  # prefetched on the detail page
    return bool(responses) and responses[-1].outcome == CustomerResponse.Outcome.COUNTER_OFFER


def plan_can_be_replaced(plan) -> bool:
    """A new plan may be proposed when there is none, or the current one was rejected, refused or countered."""
    return plan is None or plan.status in (PlanStatus.REJECTED, PlanStatus.REFUSED) or plan_is_countered(plan)


def missing_for_step(complaint) -> list[str]:
    """What must be recorded in the complaint's current step before it can move on (empty: ready)."""
    step = complaint.step
    missing: list = []
    if step == Step.LISTEN:
        if not complaint.customer_words.strip():
            missing.append(_("the complaint in the customer's own words"))
        if not complaint.key_points.strip():
            missing.append(_("the key points"))
    elif step == Step.SHARE:
        if not complaint.emotional_state:
            missing.append(_("the customer's emotional state"))
        if not complaint.empathy_given.strip():
            missing.append(_("the apology or empathy given"))
    elif step == Step.PROBLEM:
        if not complaint.root_cause_group:
            missing.append(_("the root-cause group"))
        if not complaint.root_cause.strip():
            missing.append(_("the root cause"))
        if not complaint.department_id:
            missing.append(_("the responsible department"))
    elif step == Step.CHECK:
        if not complaint.customer_confirmed_at:
            missing.append(_("the customer's confirmation"))
        if not complaint.company_confirmed_at:
            missing.append(_("the company's confirmation"))
    elif step == Step.ACTION:
        plan = complaint.current_plan
        if plan is None:
            missing.append(_("a resolution plan"))
        elif plan.status in (PlanStatus.PENDING_MANAGER, PlanStatus.PENDING_GM):
            missing.append(_("the plan's approval"))
        elif plan.status == PlanStatus.REJECTED:
            missing.append(_("a new plan (the last one was rejected)"))
        elif plan.status == PlanStatus.REFUSED:
            missing.append(_("a new plan (the customer refused the last one)"))
        elif plan.status == PlanStatus.APPROVED:
            missing.append(_("the customer's agreement to the plan"))
        elif plan.status == PlanStatus.AGREED and plan.remedies.filter(done_at__isnull=True).exists():
            missing.append(_("completion of every remedy"))
    elif step == Step.SATISFY:
        revisit = complaint.last_revisit
        if revisit is not None and complaint.step_entered_at and revisit.recorded_at < complaint.step_entered_at:
            revisit = None  # A revisit from before the case was reopened does not count again.
        if revisit is None:
            missing.append(_("a revisit with the customer"))
        elif not revisit.is_satisfied:
            missing.append(_("a satisfied revisit"))
        else:
            if not revisit.signed_off:
                missing.append(_("the customer's sign-off"))
            if not revisit.prevention_measure.strip():
                missing.append(_("a prevention measure"))
    return missing
