"""What a user can do to a complaint right now: the access policy (who, complaints/rules.py) meets the workflow
(when: the step, the plan's status). Services refuse with ``require``; pages offer ``allowed_actions``."""

from django.utils.translation import gettext_lazy as _

from crm_site.org.policy import can

from .models import Complaint, PlanStatus
from .workflow import Step, WorkflowError


class Action:
    WORK = "work"  # step content, advance, plan, customer response, remedies, evidence, revisit, close
    NOTE = "note"
    ASSIGN = "assign"
    DECIDE_MANAGER = "decide_manager"
    DECIDE_GM = "decide_gm"
    EXTEND = "extend"
    FORCE_CLOSE = "force_close"
    REOPEN = "reopen"
    ARCHIVE = "archive"


# The access rule behind each action on the complaint itself.
RULES = {
    Action.WORK: "complaint.work",
    Action.NOTE: "complaint.note",
    Action.ASSIGN: "complaint.assign",
    Action.EXTEND: "complaint.extend",
    Action.FORCE_CLOSE: "complaint.force_close",
    Action.REOPEN: "complaint.reopen",
    Action.ARCHIVE: "complaint.archive",
}
WHILE_OPEN = {Action.WORK, Action.ASSIGN, Action.EXTEND, Action.FORCE_CLOSE}
WHILE_CLOSED = {Action.REOPEN}


class NotAllowed(WorkflowError):
    pass


def allowed_actions(user, complaint: Complaint) -> set[str]:
    actions = set()
    for action, rule in RULES.items():
        if action in WHILE_OPEN and not complaint.is_open:
            continue
        if action in WHILE_CLOSED and complaint.is_open:
            continue
        if action == Action.ARCHIVE and (complaint.is_open or complaint.is_archived):
            continue
        if can(user, rule, complaint):
            actions.add(action)
    plan = complaint.current_plan if complaint.is_open and complaint.step == Step.ACTION else None
    if plan is not None:
        plan.complaint = complaint
        if plan.status == PlanStatus.PENDING_MANAGER and can(user, "plan.decide", plan):
            actions.add(Action.DECIDE_MANAGER)
        if plan.status == PlanStatus.PENDING_GM and can(user, "plan.decide_gm", plan):
            actions.add(Action.DECIDE_GM)
    return actions


def require(user, action: str, complaint: Complaint) -> None:
    if action not in allowed_actions(user, complaint):
        raise NotAllowed(_("You are not allowed to do this on complaint %(number)s.") % {"number": complaint.number})
