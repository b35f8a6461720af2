"""Raising, changing and moving corrective actions: who may, what is checked, and the history each leaves."""

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied

from complaints.workflow import Step
from reports.models import CorrectiveAction, CorrectiveActionEvent
from reports.services import (
    ActionData,
    ActionError,
    corrective_action_change,
    corrective_action_close,
    corrective_action_create,
    corrective_action_move,
)
from reports.workflow import ActionMoveRefused

pytestmark = pytest.mark.django_db


def _data(owner, branch, **extra) -> ActionData:
    return ActionData(
        title="Greet customers",
        root_cause_group="people",
        root_cause="Rude staff",
        owner_id=owner.pk,
        due_on=date(2027, 1, 31),
        branch_id=branch.pk if branch else None,
        **extra,
    )


def test_raise_from_a_closed_complaint(data, manager, frontline, branch):
    action = corrective_action_create(
        actor=manager, data=_data(frontline, branch), source_complaint_id=data.complaints["A2"].pk
    )
    assert (action.status, action.source_complaint_id, action.created_by_id) == (
        "open",
        data.complaints["A2"].pk,
        manager.pk,
    )
    event = action.events.get()
    assert (event.kind, event.to_status, event.actor_id) == ("created", "open", manager.pk)


def test_raise_refusals_leave_nothing(data, manager, frontline, frontline_other, branch, other_branch, gm):
    before = CorrectiveAction.objects.count()
    with pytest.raises(ActionError):  # another branch
        corrective_action_create(actor=manager, data=_data(frontline_other, other_branch))
    with pytest.raises(ActionError):  # an owner outside the branch
        corrective_action_create(actor=manager, data=_data(frontline_other, branch))
    with pytest.raises(ActionError):  # an open complaint
        corrective_action_create(
            actor=manager, data=_data(frontline, branch), source_complaint_id=data.complaints["A3"].pk
        )
    with pytest.raises(ActionError):  # another branch's complaint
        corrective_action_create(
            actor=manager, data=_data(frontline, branch), source_complaint_id=data.complaints["B1"].pk
        )
    with pytest.raises(PermissionDenied):  # front-line staff do not raise actions
        corrective_action_create(actor=frontline, data=_data(frontline, branch))
    assert data.complaints["A3"].step == Step.LISTEN
    assert CorrectiveAction.objects.count() == before
    # The general manager raises for the whole company, with anyone as owner.
    assert corrective_action_create(actor=gm, data=_data(frontline_other, None)).branch_id is None


def test_lifecycle_and_history(data, manager, frontline, frontline_other, branch):
    action = corrective_action_create(actor=manager, data=_data(frontline, branch))
    with pytest.raises(ActionMoveRefused):  # not started yet
        corrective_action_close(actor=frontline, action_id=action.pk, result="done")
    with pytest.raises(PermissionDenied):  # not theirs, not their branch
        corrective_action_move(actor=frontline_other, action_id=action.pk, to="in_progress")
    corrective_action_move(actor=frontline, action_id=action.pk, to="in_progress")  # the owner starts it
    with pytest.raises(ActionError):  # done needs its result
        corrective_action_close(actor=frontline, action_id=action.pk, result="  ")
    corrective_action_close(actor=frontline, action_id=action.pk, result="Counter staff trained; 0 repeats")
    action.refresh_from_db()
    assert action.status == "done" and action.closed_at is not None and action.result.startswith("Counter staff")
    with pytest.raises(ActionMoveRefused):  # final
        corrective_action_move(actor=manager, action_id=action.pk, to="cancelled", note="no")
    with pytest.raises(ActionError):  # kept as it was
        corrective_action_change(actor=manager, action_id=action.pk, data=_data(frontline, branch, description="x"))
    history = list(CorrectiveActionEvent.objects.filter(action=action).values_list("kind", "from_status", "to_status"))
    assert history == [("created", "", "open"), ("status", "open", "in_progress"), ("status", "in_progress", "done")]


def test_change_records_each_field(data, manager, frontline, branch):
    action = corrective_action_create(actor=manager, data=_data(frontline, branch))
    corrective_action_change(
        actor=manager,
        action_id=action.pk,
        data=ActionData(**{**_data(frontline, branch).__dict__, "due_on": date(2027, 3, 1)}),
    )
    event = action.events.order_by("-pk").first()
    assert (event.kind, event.data) == ("changed", {"due_on": ["2027-01-31", "2027-03-01"]})
    with pytest.raises(PermissionDenied):  # the owner records progress; the manager changes the action
        corrective_action_change(actor=frontline, action_id=action.pk, data=_data(frontline, branch))


def test_cancel_needs_a_reason(data, manager, frontline, branch):
    action = corrective_action_create(actor=manager, data=_data(frontline, branch))
    with pytest.raises(ActionError):
        corrective_action_move(actor=manager, action_id=action.pk, to="cancelled", note="")
    action.refresh_from_db()
    assert action.status == "open" and action.events.count() == 1
    corrective_action_move(actor=manager, action_id=action.pk, to="cancelled", note="Supplier changed instead")
    action.refresh_from_db()
    assert (action.status, action.result) == ("cancelled", "Supplier changed instead")


def test_the_owner_is_told_once(data, manager, frontline, branch):
    from crm_site.notifications.models import Notification

    action = corrective_action_create(actor=manager, data=_data(frontline, branch))
    corrective_action_change(actor=manager, action_id=action.pk, data=_data(frontline, branch, description="more"))
    notes = Notification.objects.filter(recipient=frontline, kind="corrective_action.assigned")
    assert [(n.subject_id, n.params["title"]) for n in notes] == [(action.pk, "Greet customers")]
