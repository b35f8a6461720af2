"""Phone numbers: one normal form for storing and matching, and how a list search may match them."""

import phonenumbers
from django.conf import settings
from django.db.models import Q

from .rules import see_phone_filter


def normalise_phone(phone: str) -> str:
    """Digits (and a leading +) only, so that 138-0013-8000 and 13800138000 are the same number."""
    phone = (phone or "").strip()
    digits = "".join(ch for ch in phone if ch.isdigit())
    return ("+" + digits) if phone.startswith("+") else digits


def phone_e164(phone: str) -> str:
    """The number in E.164 (+8613800138000), which is what lookups compare: 138 0013 8000, 8613800138000 and
    +86 138-0013-8000 are one number; one without a country code is read as PHONE_DEFAULT_REGION's. What is not a
    valid number keeps its digits (normalise_phone), so nothing typed is lost and it still matches itself."""
    digits = normalise_phone(phone)
    if not digits.lstrip("+"):
        return ""
    try:
        number = phonenumbers.parse(digits, settings.PHONE_DEFAULT_REGION)
    except phonenumbers.NumberParseException:
        return digits
    if not phonenumbers.is_valid_number(number):
        return digits
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def same_phone(field: str, text: str) -> Q:
    """Rows whose E.164 column ``field`` holds the whole number ``text`` spells, in any format; none if no digits."""
    number = phone_e164(text)
    return Q(**{field: number}) if number else Q(pk__in=[])


def phone_search(user, text: str) -> Q:
    """Customers whose phone the search text finds.

    A fragment finds only numbers the user sees in full (the rule customer.see_phone); otherwise someone who
    sees 138****1234 could find the hidden digits one search at a time. The whole number (in any format) finds
    any customer.
    """
    number = normalise_phone(text)
    if not number.lstrip("+"):
        return Q(pk__in=[])
    exact = same_phone("phone_e164", number)
    return exact | (Q(phone__contains=number) & see_phone_filter(user))
