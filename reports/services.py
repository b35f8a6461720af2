"""Every write of the reports app: raising, changing and moving corrective actions (整改). Each leaves a history row."""

from dataclasses import dataclass
from datetime import date

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from complaints.models import Category, Complaint, RootCauseGroup
from complaints.workflow import Step
from crm_site.org.access import access_of
from crm_site.org.policy import can
from crm_site.org.roles import Role

from .models import CorrectiveAction, CorrectiveActionEvent
from .workflow import FINAL_STATUSES, ActionMoveRefused, ActionStatus, check_move

Kind = CorrectiveActionEvent.Kind


class ActionError(Exception):
    """Input a service refuses; the message is shown to the user and nothing is written."""


@dataclass(frozen=True)
class ActionData:
    """What a form gives a corrective action; ``branch_id`` None means company-wide."""

    title: str
    root_cause_group: str
    owner_id: int
    due_on: date
    description: str = ""
    root_cause: str = ""
    category_id: int | None = None
    branch_id: int | None = None
    window_days: int = 90


def owner_candidates(*, branch_id: int | None):
    """Who may own an action: active staff with a role, of the action's branch (any branch when company-wide)."""
    qs = get_user_model().objects.filter(is_active=True, groups__name__in=list(Role))
    if branch_id is not None:
        qs = qs.filter(staff_profile__branch_id=branch_id)
    return qs.distinct().order_by("first_name", "username")


def _check(actor, data: ActionData) -> None:
    """The checks every create and change makes, with messages the form shows."""
    access = access_of(actor)
    if not access.company_wide and data.branch_id != access.branch_id:
        raise ActionError(_("A manager raises corrective actions for their own branch only."))
    if data.root_cause_group not in RootCauseGroup.values:
        raise ActionError(_("Choose the root-cause group the action addresses."))
    if not data.title.strip():
        raise ActionError(_("Say in a few words what the action is."))
    if data.category_id is not None and not Category.objects.filter(pk=data.category_id).exists():
        raise ActionError(_("Choose a category from the list."))
    if not owner_candidates(branch_id=data.branch_id).filter(pk=data.owner_id).exists():
        raise ActionError(_("The owner must be an active member of staff of the action's branch."))
    if not 7 <= data.window_days <= 730:
        raise ActionError(_("Compare over 7 to 730 days."))


def _log(action: CorrectiveAction, kind: str, actor, note: str = "", *, src: str = "", dst: str = "", data=None):
    return CorrectiveActionEvent.objects.create(
        action=action, kind=kind, actor=actor, note=note, from_status=src, to_status=dst, data=data or {}
    )


@transaction.atomic
def corrective_action_create(*, actor, data: ActionData, source_complaint_id: int | None = None) -> CorrectiveAction:
    """Raise a corrective action, from a closed complaint (its cause, branch and prevention measure prefill the form)
    or from a cause of the Pareto. A complaint given must be closed and one the actor may see."""
    if not can(actor, "corrective_action.create"):
        raise PermissionDenied("corrective_action.create")
    _check(actor, data)
    if source_complaint_id is not None:
        complaint = Complaint.objects.filter(pk=source_complaint_id).first()
        if complaint is None or not can(actor, "complaint.view", complaint):
            raise ActionError(_("That complaint is not one you can see."))
        if complaint.step != Step.CLOSED:
            raise ActionError(_("Corrective actions are raised from closed complaints."))
    action = CorrectiveAction.objects.create(
        title=data.title.strip(),
        description=data.description.strip(),
        root_cause_group=data.root_cause_group,
        root_cause=data.root_cause.strip(),
        category_id=data.category_id,
        source_complaint_id=source_complaint_id,
        branch_id=data.branch_id,
        owner_id=data.owner_id,
        due_on=data.due_on,
        window_days=data.window_days,
        created_by=actor,
    )
    _log(action, Kind.CREATED, actor, dst=ActionStatus.OPEN)
    _tell_owner(action)
    return action


def _tell_owner(action: CorrectiveAction) -> None:
    """The owner is told once per action and owner (a second change to the same owner adds nothing)."""
    from crm_site.notifications.services import notify

    from .notifications import ACTION_ASSIGNED

    notify(
        recipients=[action.owner],
        kind=ACTION_ASSIGNED,
        subject_id=action.pk,
        params={"title": action.title, "due": action.due_on.isoformat()},
        moment=f"owner:{action.owner_id}",
    )


def _lock(action_id: int) -> CorrectiveAction:
    return CorrectiveAction.objects.select_for_update().get(pk=action_id)


FIELDS = ("title", "description", "root_cause_group", "root_cause", "category_id", "owner_id", "due_on", "window_days")


@transaction.atomic
def corrective_action_change(*, actor, action_id: int, data: ActionData) -> CorrectiveAction:
    """Change what an open action addresses, its owner, due date or description; the branch stays. The history
    row lists each changed field as [before, after]."""
    action = _lock(action_id)
    if not can(actor, "corrective_action.change", action):
        raise PermissionDenied("corrective_action.change")
    if action.status in FINAL_STATUSES:
        raise ActionError(_("A done or cancelled action is kept as it was."))
    data = ActionData(**{**data.__dict__, "branch_id": action.branch_id})
    _check(actor, data)
    new = {
        "title": data.title.strip(),
        "description": data.description.strip(),
        "root_cause_group": data.root_cause_group,
        "root_cause": data.root_cause.strip(),
        "category_id": data.category_id,
        "owner_id": data.owner_id,
        "due_on": data.due_on,
        "window_days": data.window_days,
    }
    changed = {
        name: [str(getattr(action, name)), str(value)] for name, value in new.items() if getattr(action, name) != value
    }
    if not changed:
        return action
    for name, value in new.items():
        setattr(action, name, value)
    action.save(update_fields=[*new.keys(), "updated_at"])
    _log(action, Kind.CHANGED, actor, data=changed)
    if "owner_id" in changed:
        _tell_owner(action)
    return action


@transaction.atomic
def corrective_action_move(*, actor, action_id: int, to: str, note: str = "") -> CorrectiveAction:
    """Start, finish or cancel an action (reports/workflow.py). Finishing needs the result, cancelling the reason;
    either is stored as the action's result and closes it."""
    action = _lock(action_id)
    if not can(actor, "corrective_action.progress", action):
        raise PermissionDenied("corrective_action.progress")
    if to not in ActionStatus.values:
        raise ActionMoveRefused(_("Unknown status."))
    check_move(action.status, to)
    note = note.strip()
    fields = ["status", "updated_at"]
    if to in FINAL_STATUSES:
        if not note:
            raise ActionError(
                _("Record the result of the action.") if to == ActionStatus.DONE else _("Say why it is cancelled.")
            )
        action.result = note
        action.closed_at = timezone.now()
        fields += ["result", "closed_at"]
    src = action.status
    action.status = to
    action.save(update_fields=fields)
    _log(action, Kind.STATUS, actor, note, src=src, dst=to)
    return action


def corrective_action_close(*, actor, action_id: int, result: str) -> CorrectiveAction:
    """Finish an action in progress with its result (``corrective_action_move`` to done)."""
    return corrective_action_move(actor=actor, action_id=action_id, to=ActionStatus.DONE, note=result)
