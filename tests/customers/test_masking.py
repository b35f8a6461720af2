"""Phone numbers are masked for roles that do not need them (rule customer.see_phone in customers/rules.py)."""

import pytest
from django.urls import reverse

from crm_site.org.policy import can
from crm_site.org.roles import Role
from customers.masking import mask_phone
from customers.phones import phone_e164
from tests.factories import staff

from .factories import ContactFactory

pytestmark = pytest.mark.django_db

PHONE, CONTACT_PHONE = "13812345678", "13987654321"


def test_mask_phone():
    assert mask_phone("13812345678") == "138****5678"
    assert mask_phone("+8613812345678") == "+86*******5678"
    assert mask_phone("12345") == "***45"
    assert mask_phone("12") == "**"
    assert mask_phone("") == ""


@pytest.fixture
def managed(customer, frontline):
    customer.phone = PHONE
    customer.phone_e164 = phone_e164(PHONE)  # as customer_update stores it
    customer.account_manager = frontline
    customer.save()
    ContactFactory(customer=customer, phone=CONTACT_PHONE)
    return customer


@pytest.mark.parametrize(
    ("who", "full"),
    [("account_manager", True), ("colleague", False), ("manager", True), ("gm", True), ("admin", False)],
)
def test_360_page_shows_full_or_masked_phones_by_role(
    client, managed, frontline, manager, gm, admin_user, branch, who, full
):
    users = {
        "account_manager": frontline,
        "colleague": staff(Role.FRONTLINE, branch, username="colleague"),
        "manager": manager,
        "gm": gm,
        "admin": admin_user,
    }
    client.force_login(users[who])
    content = client.get(reverse("customer_360", args=[managed.pk])).content.decode()
    assert (PHONE in content) is full
    assert (CONTACT_PHONE in content) is full
    assert ("138****5678" in content) is not full
    assert ("139****4321" in content) is not full
    assert can(users[who], "customer.see_phone", managed) is full


def test_the_phone_is_masked_in_the_duplicate_hint_too(client, managed, branch):
    client.force_login(staff(Role.FRONTLINE, branch, username="colleague"))
    content = client.get(reverse("customers:duplicate_check"), {"phone": PHONE}).content.decode()
    assert managed.name in content  # the match is shown so nobody creates a duplicate…
    assert PHONE not in content  # …without revealing the number
