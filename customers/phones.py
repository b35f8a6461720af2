"""Phone numbers: one normal form for storing and matching, and how a list search may match them."""

from django.db.models import Q

from crm_site.org.access import access_of
from crm_site.org.roles import Role

from .permissions import SUPERVISORS


def normalise_phone(phone: str) -> str:
    """Digits (and a leading +) only, so that 138-0013-8000 and 13800138000 are the same number."""
    phone = (phone or "").strip()
    digits = "".join(ch for ch in phone if ch.isdigit())
    return ("+" + digits) if phone.startswith("+") else digits


def phone_search(user, text: str) -> Q:
    """Customers whose phone the search text finds.

    A fragment finds only numbers the user sees in full (see permissions.sees_full_phone); otherwise someone who
    sees 138****1234 could find the hidden digits one search at a time. The whole number (in any format) finds
    any customer.
    """
    number = normalise_phone(text)
    if not number.lstrip("+"):
        return Q(pk__in=[])
    exact = Q(phone=number)
    role = access_of(user).role
    if role in SUPERVISORS:
        return Q(phone__contains=number)
    if role == Role.FRONTLINE:
        return exact | Q(phone__contains=number, account_manager=user)
    return exact
