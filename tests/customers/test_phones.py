"""Phones: one E.164 form per number, so a returning customer is found however the number was typed."""

import importlib

import pytest
from django.apps import apps
from django.urls import reverse

from complaints.selectors import intake_customer_search
from customers.models import Contact, Customer
from customers.selectors import customer_duplicates, customer_list_for_user
from customers.services import contact_add, customer_create, customer_update
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db

# Written by hand from how numbers are written in China (default region CN): +86 / 86 / 0086 is the country
# code, mobiles have 11 digits starting with 1, landlines drop their trunk 0 (010 Beijing, 021 Shanghai).
E164 = [
    ("+86 138-0013-8000", "+8613800138000"),
    ("+8613800138000", "+8613800138000"),
    ("8613800138000", "+8613800138000"),
    ("86-138-0013-8000", "+8613800138000"),
    ("0086 138 0013 8000", "+8613800138000"),
    ("13800138000", "+8613800138000"),
    ("138 0013 8000", "+8613800138000"),
    ("010-12345678", "+861012345678"),
    ("(010) 1234 5678", "+861012345678"),
    ("+86 10 1234 5678", "+861012345678"),
    ("021-87654321", "+862187654321"),
    ("+1 650-253-0000", "+16502530000"),
    # Not a valid number: kept as its digits, so nothing typed is lost.
    ("12345", "12345"),
    ("138-0013-800", "1380013800"),
    ("", ""),
    ("n/a", ""),
]


@pytest.mark.parametrize(("typed", "expected"), E164)
def test_e164_form(typed, expected):
    from customers.phones import phone_e164

    assert phone_e164(typed) == expected


@pytest.mark.parametrize(
    ("stored", "searched"),
    [
        ("+86 138-0013-8000", "13800138000"),
        ("+86 138-0013-8000", "138 0013 8000"),
        ("13800138000", "+8613800138000"),
        ("13800138000", "86-138-0013-8000"),
        ("010-12345678", "+86 10 1234 5678"),
    ],
)
def test_intake_search_finds_the_number_in_any_format(frontline, branch, stored, searched):
    customer = customer_create(actor=frontline, name="王芳", phone=stored, branch_id=branch.pk)
    other = customer_create(actor=frontline, name="李雷", phone="13900001111", branch_id=branch.pk)
    assert intake_customer_search(q=searched) == [customer]
    assert other not in intake_customer_search(q=searched)


def test_intake_search_still_ignores_a_fragment(frontline, branch):
    customer_create(actor=frontline, name="王芳", phone="+8613800138000", branch_id=branch.pk)
    assert intake_customer_search(q="0013 8000") == []
    assert intake_customer_search(q="138001380") == []


def test_duplicates_match_the_number_in_any_format(frontline, manager, branch, other_branch):
    original = customer_create(actor=manager, name="王芳", phone="+86 138-0013-8000", branch_id=branch.pk)
    company = customer_create(actor=manager, name="Acme", kind="company", phone="01012345678", branch_id=branch.pk)
    contact_add(actor=manager, customer_id=company.pk, name="张三", phone="+86 137 0000 2222")

    assert list(customer_duplicates(phone="13800138000")) == [original]
    assert list(customer_duplicates(phone="8613800138000")) == [original]
    assert list(customer_duplicates(phone="13700002222")) == [company]  # a contact's phone
    assert list(customer_duplicates(phone="010-12345678")) == [company]
    assert list(customer_duplicates(phone="13900001111")) == []


def test_duplicate_check_view_flags_the_number_typed_another_way(client, frontline, branch):
    original = customer_create(actor=frontline, name="王芳", phone="+8613800138000", branch_id=branch.pk)
    client.force_login(frontline)
    response = client.get(reverse("customers:duplicate_check"), {"phone": "138 0013 8000", "name": "Wang Fang"})
    assert response.status_code == 200
    assert original.code in response.content.decode()


def test_create_flags_the_returning_customer_both_ways(frontline, branch, other_branch, manager):
    first = customer_create(actor=manager, name="王芳", phone="+8613800138000", branch_id=branch.pk)
    walk_in = customer_create(actor=frontline, name="Wang Fang", phone="13800138000", branch_id=branch.pk)
    assert walk_in.possible_duplicate_of == first

    second = customer_create(actor=manager, name="李雷", phone="13900001111", branch_id=branch.pk)
    walk_in = customer_create(actor=frontline, name="Li Lei", phone="+86 139-0000-1111", branch_id=branch.pk)
    assert walk_in.possible_duplicate_of == second


def test_update_and_contact_keep_the_e164_form(frontline, branch):
    customer = customer_create(actor=frontline, name="王芳", phone="13900001111", branch_id=branch.pk)
    customer_update(actor=frontline, customer_id=customer.pk, phone="+86 138-0013-8000")
    customer.refresh_from_db()
    assert (customer.phone, customer.phone_e164) == ("+8613800138000", "+8613800138000")
    assert intake_customer_search(q="13800138000") == [customer]
    assert intake_customer_search(q="13900001111") == []
    contact = contact_add(actor=frontline, customer_id=customer.pk, name="张三", phone="010-12345678")
    assert contact.phone_e164 == "+861012345678"


def test_customer_list_search_matches_the_whole_number_in_any_format(frontline, manager, branch):
    mine = customer_create(actor=frontline, name="王芳", phone="13800138000", branch_id=branch.pk)
    theirs = customer_create(actor=manager, name="李雷", phone="+8613900001111", branch_id=branch.pk)
    assert list(customer_list_for_user(user=manager, search="+86 138 0013 8000")) == [mine]
    assert list(customer_list_for_user(user=frontline, search="+86 138 0013 8000")) == [mine]
    assert list(customer_list_for_user(user=frontline, search="139 0000 1111")) == [theirs]


def test_data_migration_fills_existing_rows(branch):
    filled = importlib.import_module("customers.migrations.0009_fill_phone_e164")
    plus = CustomerFactory(branch=branch, phone="+8613800138000")
    plain = CustomerFactory(branch=branch, phone="13900001111")
    odd = CustomerFactory(branch=branch, phone="12345")
    blank = CustomerFactory(branch=branch, phone="")
    contact = Contact.objects.create(customer=plain, name="张三", phone="01012345678")
    Customer.objects.update(phone_e164="")  # as the schema migration leaves them
    Contact.objects.update(phone_e164="")

    filled.fill_phone_e164(apps, None)

    got = dict(Customer.objects.values_list("pk", "phone_e164"))
    assert got == {plus.pk: "+8613800138000", plain.pk: "+8613900001111", odd.pk: "12345", blank.pk: ""}
    contact.refresh_from_db()
    assert contact.phone_e164 == "+861012345678"


def test_admin_edit_keeps_the_e164_form(frontline, branch):
    from django.contrib import admin

    from customers.admin import CustomerAdmin

    customer = customer_create(actor=frontline, name="王芳", phone="13900001111", branch_id=branch.pk)
    customer.phone = "+86 138-0013-8000"
    CustomerAdmin(Customer, admin.site).save_model(None, customer, None, True)
    assert intake_customer_search(q="13800138000") == [customer]


def test_complaint_list_search_finds_the_customer_by_phone_in_any_format(frontline, branch):
    from complaints.filters import ComplaintFilter
    from tests.complaints.factories import ComplaintFactory

    customer = customer_create(actor=frontline, name="王芳", phone="+8613800138000", branch_id=branch.pk)
    complaint = ComplaintFactory(actor=frontline, customer=customer)
    ComplaintFactory(
        actor=frontline,
        customer=customer_create(actor=frontline, name="李雷", phone="13900001111", branch_id=branch.pk),
    )
    search = ComplaintFilter(user=frontline).search
    assert list(search(complaint.__class__.objects.all(), "q", "138 0013 8000")) == [complaint]
    assert list(search(complaint.__class__.objects.all(), "q", "0013 8000")) == []
