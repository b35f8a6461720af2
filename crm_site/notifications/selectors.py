"""Reads of notifications: a reader's own list, the unread count behind the bell, and the gate for one of them."""

from django.db.models import QuerySet
from django.http import Http404

from crm_site.org.policy import visible_or_404

from .models import Notification
from .registry import KINDS, render_title, subject_url_for


def notification_get_for_user(*, user, pk: int) -> Notification:
    """The access gate for one notification: its recipient's alone; anyone else's, or none, is a 404."""
    if user is None or not user.is_authenticated:
        raise Http404
    return visible_or_404(user, "notification.view", Notification.objects.filter(pk=pk).first())


def notification_list_for_user(*, user, unread_only: bool = False, kind: str = "") -> QuerySet[Notification]:
    """The reader's own notifications, newest first."""
    notifications = Notification.objects.filter(recipient_id=user.pk)
    if unread_only:
        notifications = notifications.filter(read_at__isnull=True)
    if kind:
        notifications = notifications.filter(kind=kind)
    return notifications.order_by("-created_at", "-pk")


def notification_unread_count(*, user) -> int:
    """One query on the partial unread index, however many there are."""
    return Notification.objects.filter(recipient_id=user.pk, read_at__isnull=True).count()


def notification_kind_choices() -> list[tuple[str, str]]:
    """The registered kinds, by the name each registered for filters (its title when it gave none)."""
    return sorted(
        ((entry.kind, str(entry.label or entry.title)) for entry in KINDS.values()),
        key=lambda choice: choice[1].casefold(),
    )


def notification_entries(*, user, notifications) -> list[dict]:
    """Each notification as its reader sees it now: the text in the active language, and whether its subject
    still opens for them (asked of the subject's gate: one gate call per notification, so pass one page)."""
    return [
        {"notification": n, "title": render_title(n), "can_open": subject_url_for(user, n) is not None}
        for n in notifications
    ]
