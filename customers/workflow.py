"""The customer status lifecycle on one screen: active → at risk → churned, and back.

Nothing but ``services.py`` changes ``Customer.status``, and only through ``check_status_move``.
"""

from django.utils.translation import gettext_lazy as _

from .models import Customer

Status = Customer.Status

# (from, to): allowed. At-risk detection moves active ↔ at risk; staff may also flag, churn
# (with a reason) and win a churned customer back.
ALLOWED_STATUS_MOVES: frozenset[tuple[str, str]] = frozenset(
    {
        (Status.ACTIVE, Status.AT_RISK),
        (Status.AT_RISK, Status.ACTIVE),
        (Status.ACTIVE, Status.CHURNED),
        (Status.AT_RISK, Status.CHURNED),
        (Status.CHURNED, Status.ACTIVE),
    }
)


class CustomerError(Exception):
    """A refused action on a customer; ``str(error)`` is the message the user sees."""


class StatusMoveNotAllowed(CustomerError):
    pass


def check_status_move(current: str, target: str) -> None:
    if (current, target) not in ALLOWED_STATUS_MOVES:
        raise StatusMoveNotAllowed(
            _("A customer cannot go from “%(current)s” to “%(target)s”.")
            % {"current": Status(current).label, "target": Status(target).label}
        )
