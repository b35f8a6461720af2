"""Who may do what to a complaint: one table, used by services (to refuse) and pages (to offer)."""

from django.utils.translation import gettext_lazy as _

from crm_site.org.access import access_of, can_access_branch
from crm_site.org.roles import Role

from .models import Complaint, PlanStatus
from .workflow import Step, WorkflowError


class Action:
    WORK = "work"  # step content, advance, plan, customer response, remedies, revisit, close
    NOTE = "note"
    ASSIGN = "assign"
    DECIDE_MANAGER = "decide_manager"
    DECIDE_GM = "decide_gm"
    EXTEND = "extend"
    FORCE_CLOSE = "force_close"
    REOPEN = "reopen"
    ARCHIVE = "archive"


WORKERS = {Role.FRONTLINE, Role.MANAGER}
SUPERVISORS = {Role.MANAGER, Role.GENERAL_MANAGER}


def allowed_actions(user, complaint: Complaint) -> set[str]:
    access = access_of(user)
    if access.role is None or not can_access_branch(user, complaint.branch_id):
        return set()
    role = access.role
    actions: set[str] = set()
    if complaint.is_open:
        if role in WORKERS:
            actions |= {Action.WORK, Action.NOTE}
        if role == Role.GENERAL_MANAGER:
            actions.add(Action.NOTE)
        if role in SUPERVISORS:
            actions |= {Action.ASSIGN, Action.EXTEND, Action.FORCE_CLOSE}
        plan = complaint.current_plan
        # Nobody decides on their own plan; the general manager may step in for the branch manager.
        if plan is not None and complaint.step == Step.ACTION and plan.submitted_by_id != user.pk:
            if plan.status == PlanStatus.PENDING_MANAGER and role in SUPERVISORS:
                actions.add(Action.DECIDE_MANAGER)
            if plan.status == PlanStatus.PENDING_GM and role == Role.GENERAL_MANAGER:
                actions.add(Action.DECIDE_GM)
    else:
        if role in SUPERVISORS:
            actions.add(Action.REOPEN)
            if not complaint.is_archived:
                actions.add(Action.ARCHIVE)
        if role in WORKERS | {Role.GENERAL_MANAGER}:
            actions.add(Action.NOTE)
    return actions


def require(user, action: str, complaint: Complaint) -> None:
    if action not in allowed_actions(user, complaint):
        raise WorkflowError(_("You are not allowed to do this on complaint %(number)s.") % {"number": complaint.number})
