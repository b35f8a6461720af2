"""Rate limits beyond the login form, which django-axes guards (axes watches only ``authenticate()``).

Counts are django-ratelimit's fixed windows, kept in the default cache: Redis in production, so that every
web process shares them (``settings/base.py``, enforced by ``prod.py``). Limits are set so that a person at
the keyboard never meets them and a script soon does.
"""

import logging
import math
from functools import wraps

from django.contrib.auth import forms as auth_forms
from django.contrib.auth import views as auth_views
from django.core.exceptions import ValidationError
from django.shortcuts import render
from django.utils.translation import ngettext
from django_ratelimit.core import get_usage
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

# Live look-ups fire on typing pauses: a busy clerk makes a few dozen a minute, a scraper thousands.
LOOKUP_RATE = "60/m"
# Wrong old passwords on the change-password form, per user: a person mistypes once or twice.
PASSWORD_FAILURE_RATE = "5/15m"  # noqa: S105 - a rate, not a password
PASSWORD_FAILURE_GROUP = "crm_site.password_change.failures"  # noqa: S105
# One character names half the customer base; a full code or phone is always longer.
LOOKUP_MIN_LENGTH = 2
# Per signed-in user; by address for anonymous requests.
KEY = "user_or_ip"


def _usage(request, *, increment: bool, **limit) -> dict | None:
    """django-ratelimit's count for this request, or None when the cache is down (then nothing is throttled:
    losing Redis must not stop complaint intake; /healthz reports the outage)."""
    try:
        return get_usage(request, key=KEY, increment=increment, **limit)
    except RedisError:
        logger.warning("Throttle cache unavailable; %s not throttled", request.path, exc_info=True)
        return None


def throttle_lookups(view):
    """An htmx look-up answers 429 with a short note once one user makes more than LOOKUP_RATE requests."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        usage = _usage(request, fn=view, rate=LOOKUP_RATE, increment=True)
        if usage is not None and usage["should_limit"]:
            response = render(request, "crm_site/_too_many_lookups.html", status=429)
            response["Retry-After"] = str(max(1, usage["time_left"]))
            return response
        return view(request, *args, **kwargs)

    return wrapped


class ThrottledPasswordChangeForm(auth_forms.PasswordChangeForm):
    """Counts wrong old passwords; at the limit it stops checking any, the right one included, until the
    window ends (a guesser learns nothing from the answer)."""

    def __init__(self, user, *args, request, **kwargs):
        super().__init__(user, *args, **kwargs)
        self.request = request

    def clean_old_password(self):
        limit = {"group": PASSWORD_FAILURE_GROUP, "rate": PASSWORD_FAILURE_RATE}
        usage = _usage(self.request, increment=False, **limit)
        if usage is not None and usage["count"] >= usage["limit"]:
            minutes = max(1, math.ceil(usage["time_left"] / 60))
            raise ValidationError(
                ngettext(
                    "Too many wrong passwords. Try again in %(minutes)d minute.",
                    "Too many wrong passwords. Try again in %(minutes)d minutes.",
                    minutes,
                ),
                code="throttled",
                params={"minutes": minutes},
            )
        try:
            return super().clean_old_password()
        except ValidationError:
            _usage(self.request, increment=True, **limit)
            raise


class PasswordChangeView(auth_views.PasswordChangeView):
    form_class = ThrottledPasswordChangeForm

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "request": self.request}
