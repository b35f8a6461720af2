"""The corrective action's lifecycle on one screen (投诉总结与整改): its statuses and the allowed moves.

Nothing but ``reports/services.py`` changes ``CorrectiveAction.status``, and only through ``check_move``.
Done and cancelled are final: an action that did not work is followed by a new one, so the record of what was
tried stays as it was.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class ActionStatus(models.TextChoices):
    OPEN = "open", _("Open (not started)")
    IN_PROGRESS = "in_progress", _("In progress")
    DONE = "done", _("Done")
    CANCELLED = "cancelled", _("Cancelled")


OPEN_STATUSES = frozenset({ActionStatus.OPEN, ActionStatus.IN_PROGRESS})
FINAL_STATUSES = frozenset({ActionStatus.DONE, ActionStatus.CANCELLED})

# (from, to): anything not listed is refused. An open action may be started or dropped; one in progress is
# finished (with its result) or dropped (with the reason).
ALLOWED: frozenset[tuple[ActionStatus, ActionStatus]] = frozenset(
    {
        (ActionStatus.OPEN, ActionStatus.IN_PROGRESS),
        (ActionStatus.OPEN, ActionStatus.CANCELLED),
        (ActionStatus.IN_PROGRESS, ActionStatus.DONE),
        (ActionStatus.IN_PROGRESS, ActionStatus.CANCELLED),
    }
)


class ActionMoveRefused(Exception):
    """A status change the transition table does not allow; its message is shown to the user."""


def allowed_targets(status: str) -> list[ActionStatus]:
    """The statuses an action in ``status`` may move to, in the order of ActionStatus."""
    return [target for target in ActionStatus if (ActionStatus(status), target) in ALLOWED]


def check_move(src: str, dst: str) -> None:
    if (ActionStatus(src), ActionStatus(dst)) not in ALLOWED:
        raise ActionMoveRefused(
            _("A corrective action cannot go from “%(src)s” to “%(dst)s”.")
            % {"src": ActionStatus(src).label, "dst": ActionStatus(dst).label}
        )
