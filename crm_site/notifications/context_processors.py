"""The bell in the navigation bar: how many of the user's notifications are unread.

One COUNT query, and only on pages that draw the bell: the number is worked out the first time a template asks.
"""

from django.urls import reverse
from django.utils.functional import SimpleLazyObject

from crm_site.org.policy import can

from .selectors import notification_unread_count


def notification_bell(request) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"notification_bell": None}

    def bell() -> dict | None:
        if not can(user, "notification.list"):
            return None
        return {"unread": notification_unread_count(user=user), "url": reverse("notifications:list")}

    return {"notification_bell": SimpleLazyObject(bell)}
