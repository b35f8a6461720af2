"""The corrective action's moves against a hand-written list (open → in progress → done / cancelled)."""

import pytest

from reports.workflow import ActionMoveRefused, ActionStatus, allowed_targets, check_move

# Written from the issue: an action is started, then finished or dropped; an open one may be dropped before it starts.
# Nothing leaves done or cancelled, and nothing goes back.
EXPECTED = {
    ("open", "in_progress"),
    ("open", "cancelled"),
    ("in_progress", "done"),
    ("in_progress", "cancelled"),
}


@pytest.mark.parametrize("src", ActionStatus.values)
@pytest.mark.parametrize("dst", ActionStatus.values)
def test_every_move_is_as_written(src, dst):
    if (src, dst) in EXPECTED:
        check_move(src, dst)
    else:
        with pytest.raises(ActionMoveRefused):
            check_move(src, dst)


def test_targets_offered():
    assert allowed_targets("open") == ["in_progress", "cancelled"]
    assert allowed_targets("in_progress") == ["done", "cancelled"]
    assert allowed_targets("done") == [] and allowed_targets("cancelled") == []
