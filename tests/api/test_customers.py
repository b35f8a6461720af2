"""Customers, interactions, transactions and visits over the API: the pages' scope, masks and services."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from customers.models import Customer, CustomerEvent, Interaction
from tests.customers.factories import VisitPlanFactory
from tests.factories import CustomerFactory

from .conftest import api_client
from .test_access import assert_error

pytestmark = pytest.mark.django_db


def test_phones_are_masked_as_on_the_pages(branch, frontline, manager):
    # Rule customer.see_phone: the account manager and the branch's supervisors; others 138****1234.
    theirs = CustomerFactory(branch=branch, phone="13812345678", account_manager=manager)
    clerk = api_client(frontline).get(reverse("api:customer", args=[theirs.pk])).json()
    assert clerk["phone"] == "138****5678"  # 3 digits, 11 - 7 = 4 stars, the last 4
    boss = api_client(manager).get(reverse("api:customer", args=[theirs.pk])).json()
    assert boss["phone"] == "13812345678"
    listed = api_client(frontline).get(reverse("api:customers")).json()["results"]
    assert [row["phone"] for row in listed if row["id"] == theirs.pk] == ["138****5678"]


def test_the_list_is_scoped_and_filtered_in_fixed_queries(branch, other_branch, frontline):
    mine = CustomerFactory(branch=branch, account_manager=frontline)
    CustomerFactory(branch=other_branch)
    client = api_client(frontline)
    assert [r["id"] for r in client.get(reverse("api:customers"), {"mine": "true"}).json()["results"]] == [mine.pk]
    client.get(reverse("api:customers"))
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("api:customers"))
    for _ in range(4):
        CustomerFactory(branch=branch)
    with CaptureQueriesContext(connection) as many:
        assert len(client.get(reverse("api:customers")).json()["results"]) == 5
    assert len(many) == len(few)


def test_a_customer_is_created_and_edited_through_the_service(branch, manager):
    client = api_client(manager)
    body = {"kind": "individual", "name": "Zhao Lei", "phone": "13900001111", "branch": branch.pk}
    response = client.post(reverse("api:customers"), body, format="json")
    assert response.status_code == 201, response.content
    customer = Customer.objects.get(pk=response.json()["id"])
    assert customer.branch == branch and customer.phone == "13900001111"
    response = client.patch(reverse("api:customer", args=[customer.pk]), {"name": "Zhao Lei 赵磊"}, format="json")
    assert response.status_code == 200, response.content
    customer.refresh_from_db()
    assert customer.name == "Zhao Lei 赵磊" and customer.phone == "13900001111"  # the rest kept
    assert CustomerEvent.objects.filter(customer=customer).count() >= 2  # created, then changed: history rows


def test_a_clerk_cannot_edit_a_customer_they_do_not_manage(customer, frontline):
    response = api_client(frontline).patch(reverse("api:customer", args=[customer.pk]), {"name": "X"}, format="json")
    assert_error(response, 403, "permission_denied")


def test_an_interaction_is_logged_and_listed(customer, frontline):
    client = api_client(frontline)
    url = reverse("api:customer_interactions", args=[customer.pk])
    assert_error(client.post(url, {"channel": "phone"}, format="json"), 400, "validation_error")
    response = client.post(url, {"channel": "phone", "summary": "Asked about the invoice"}, format="json")
    assert response.status_code == 201, response.content
    assert Interaction.objects.get(customer=customer).staff == frontline
    assert [r["summary"] for r in client.get(url).json()["results"]] == ["Asked about the invoice"]
    assert client.get(reverse("api:customer_transactions", args=[customer.pk])).json()["results"] == []


def test_a_visit_is_recorded_by_its_owner(customer, frontline):
    plan = VisitPlanFactory(customer=customer, owner=frontline, next_due=timezone.localdate() - timedelta(days=1))
    client = api_client(frontline)
    assert [r["id"] for r in client.get(reverse("api:visits")).json()["results"]] == [plan.pk]
    response = client.post(reverse("api:visit_record", args=[plan.pk]), {"summary": "Checked the lift"}, format="json")
    assert response.status_code == 201, response.content
    plan.refresh_from_db()
    assert plan.last_visited_on == timezone.localdate()


def test_the_visits_list_takes_the_same_queries_for_1_or_5_plans(branch, frontline):
    client = api_client(frontline)
    VisitPlanFactory(customer=CustomerFactory(branch=branch), owner=frontline)
    client.get(reverse("api:visits"))
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("api:visits"))
    for _ in range(4):
        VisitPlanFactory(customer=CustomerFactory(branch=branch), owner=frontline)
    with CaptureQueriesContext(connection) as many:
        assert len(client.get(reverse("api:visits")).json()["results"]) == 5
    assert len(many) == len(few)
