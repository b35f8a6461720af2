"""What each kind of notification says and where it leads, registered by the app that sends it.

An app registers its kinds in its AppConfig.ready (through its own module), e.g.::

    register(NotificationKind(
        kind="complaint.resolution_due_soon",
        subject_type="complaint",
        title=_("Complaint %(number)s is due for resolution at %(due)s"),   # params of the notification
        url_name="complaints:detail",                                       # reversed with the subject id
        gate=complaint_get_for_user,                                        # (user=, pk=) -> object or Http404
    ))
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.http import Http404
from django.urls import reverse


@dataclass(frozen=True)
class NotificationKind:
    kind: str
    subject_type: str
    title: object  # a lazy translation with %(name)s placeholders filled from the notification's params
    url_name: str
    gate: Callable  # the subject's access gate: (user=, pk=) -> object, or raises Http404
    label: object = None  # the kind's name in filters ("Resolution due soon")


KINDS: dict[str, NotificationKind] = {}


def register(kind: NotificationKind) -> NotificationKind:
    KINDS[kind.kind] = kind
    return kind


def render_title(notification) -> str:
    """What the notification says, in the active language; a kind no longer registered says so plainly."""
    entry = KINDS.get(notification.kind)
    if entry is None:
        return notification.kind
    try:
        return str(entry.title) % notification.params
    except (KeyError, TypeError, ValueError):
        return str(entry.title)


def subject_url_for(user, notification) -> str | None:
    """The link to the notification's subject, or None when the reader may not open it (asked of its gate)."""
    entry = KINDS.get(notification.kind)
    if entry is None:
        return None
    try:
        entry.gate(user=user, pk=notification.subject_id)
    except Http404:
        return None
    return reverse(entry.url_name, args=[notification.subject_id])
