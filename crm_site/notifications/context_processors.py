"""The bell in the navigation bar: how many of the user's notifications are unread.

No query of its own when the user was loaded by ``SignedInBackend`` (the count came with the user); otherwise one
COUNT query, and only on pages that draw the bell: the number is worked out the first time a template asks.
"""

from django.urls import reverse
from django.utils.functional import SimpleLazyObject

from crm_site.org.policy import can

from .backends import UNREAD_ATTR
from .selectors import notification_unread_count


def notification_bell(request) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"notification_bell": None}

    def bell() -> dict | None:
        if not can(user, "notification.list"):
            return None
        unread = getattr(user, UNREAD_ATTR, None)  # counted when the user was loaded (SignedInBackend)
        if unread is None:
            unread = notification_unread_count(user=user)
        return {"unread": unread, "url": reverse("notifications:list")}

    return {"notification_bell": SimpleLazyObject(bell)}
