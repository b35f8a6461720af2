"""Customers who wrote in themselves (public form, e-mail) are marked unverified: staff see the mark on the list and
the 360 page, filter on it, and clear it once they checked the details (a service, a history row, the edit rule)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from crm_site.org.roles import Role
from customers.models import Customer, CustomerEvent
from customers.services import customer_match_or_create_unverified, customer_verify
from customers.workflow import CustomerError
from tests.factories import CustomerFactory, staff

pytestmark = pytest.mark.django_db

TOOLTIP = "Created from the public complaint form or an e-mail; contact details not checked yet."


@pytest.fixture
def written_in(branch):
    customer, created = customer_match_or_create_unverified(
        name="李娜", phone="138 0013 8000", branch_id=branch.pk, source="web form"
    )
    assert created and customer.unverified
    return customer


def test_the_list_marks_unverified_rows_and_filters_on_them(client, manager, branch, written_in):
    checked = CustomerFactory(branch=branch, name="王强")
    client.force_login(manager)
    response = client.get(reverse("customers:list"))
    rows = {c.pk for c in response.context["page"].object_list}
    assert rows == {written_in.pk, checked.pk}
    # One badge: the unverified row's (the checked one has none).
    assert response.content.decode().count('data-testid="unverified"') == 1
    assert TOOLTIP in response.content.decode()
    only = client.get(reverse("customers:list"), {"unverified": "true"}).context["page"].object_list
    assert [c.pk for c in only] == [written_in.pk]
    unticked = client.get(reverse("customers:list"), {"unverified": ""}).context["page"].object_list
    assert {c.pk for c in unticked} == {written_in.pk, checked.pk}


def test_the_unverified_filter_adds_no_query(client, manager, branch, written_in, django_assert_num_queries):
    CustomerFactory.create_batch(3, branch=branch)
    client.force_login(manager)
    url = reverse("customers:list")
    client.get(url)  # warm the per-user caches
    with CaptureQueriesContext(connection) as plain:
        client.get(url)
    with django_assert_num_queries(len(plain.captured_queries)):
        client.get(url, {"unverified": "true"})


def test_the_360_page_explains_the_mark_and_offers_the_action_to_editors(client, manager, frontline, written_in):
    client.force_login(manager)
    page = client.get(reverse("customer_360", args=[written_in.pk])).content.decode()
    assert 'data-testid="unverified"' in page and TOOLTIP in page
    assert "the contact details have not been checked yet" in page
    assert reverse("customers:verify", args=[written_in.pk]) in page
    # The front-line colleague who is not the account manager (there is none) reads the mark, without the button.
    client.force_login(frontline)
    page = client.get(reverse("customer_360", args=[written_in.pk])).content.decode()
    assert 'data-testid="unverified"' in page
    assert reverse("customers:verify", args=[written_in.pk]) not in page


def test_a_verified_customer_shows_no_mark(client, manager, customer):
    client.force_login(manager)
    page = client.get(reverse("customer_360", args=[customer.pk])).content.decode()
    assert 'data-testid="unverified"' not in page
    assert reverse("customers:verify", args=[customer.pk]) not in page


def test_marking_as_verified_clears_the_mark_and_leaves_a_history_row(client, manager, written_in):
    client.force_login(manager)
    response = client.post(reverse("customers:verify", args=[written_in.pk]))
    assert response.status_code == 302
    assert Customer.objects.get(pk=written_in.pk).unverified is False
    event = CustomerEvent.objects.filter(customer=written_in).order_by("-pk").first()
    assert (event.kind, event.actor, event.from_value, event.to_value) == (
        "updated",
        manager,
        "Unverified",
        "Verified",
    )
    # Again: refused with a message, nothing written.
    before = CustomerEvent.objects.count()
    client.post(reverse("customers:verify", args=[written_in.pk]))
    assert CustomerEvent.objects.count() == before


def test_only_whoever_may_edit_the_customer_may_verify_it(client, branch, other_branch, frontline, written_in):
    # No account manager: the branch's front-line staff may not edit it, so not verify it either (403).
    client.force_login(frontline)
    assert client.post(reverse("customers:verify", args=[written_in.pk])).status_code == 403
    assert Customer.objects.get(pk=written_in.pk).unverified
    # Another branch's manager does not see the customer at all (404).
    client.force_login(staff(Role.MANAGER, other_branch))
    assert client.post(reverse("customers:verify", args=[written_in.pk])).status_code == 404
    # The account manager may.
    written_in.account_manager = frontline
    written_in.save(update_fields=["account_manager"])
    client.force_login(frontline)
    assert client.post(reverse("customers:verify", args=[written_in.pk])).status_code == 302
    assert not Customer.objects.get(pk=written_in.pk).unverified


def test_the_page_answers_post_only(client, manager, written_in):
    client.force_login(manager)
    assert client.get(reverse("customers:verify", args=[written_in.pk])).status_code == 405


def test_the_service_refuses_who_may_not_edit_and_changes_nothing(frontline, written_in):
    events = CustomerEvent.objects.filter(customer=written_in).count()
    with pytest.raises(CustomerError):
        customer_verify(actor=frontline, customer_id=written_in.pk)
    assert Customer.objects.get(pk=written_in.pk).unverified
    assert CustomerEvent.objects.filter(customer=written_in).count() == events


def test_the_service_refuses_an_already_verified_customer(manager, customer):
    with pytest.raises(CustomerError, match="already verified"):
        customer_verify(actor=manager, customer_id=customer.pk)
    assert not CustomerEvent.objects.filter(customer=customer, to_value="Verified").exists()
