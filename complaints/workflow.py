"""The complaint lifecycle on one screen: the six steps, the allowed moves, and what each step needs.

Nothing but ``services.py`` changes ``Complaint.step``, and it only does so through ``check_move``.
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


class WorkflowError(Exception):
    """A refused action; ``str(error)`` is the message the user sees."""


class TransitionNotAllowed(WorkflowError):
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
        else:
            from .models import PlanStatus

            if plan.status in (PlanStatus.PENDING_MANAGER, PlanStatus.PENDING_GM):
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
