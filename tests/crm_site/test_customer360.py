"""The 360 page across branches: intake is company-wide, so a branch handling a complaint of another
branch's customer may read that customer's record, read-only."""

import pytest
from django.urls import reverse

from crm_site.org.roles import Role
from tests.complaints.factories import ComplaintFactory
from tests.factories import staff

pytestmark = pytest.mark.django_db


def test_the_branch_handling_a_complaint_reads_the_customer_of_another_branch(client, frontline, other_customer):
    ComplaintFactory(actor=frontline, customer=other_customer)
    client.force_login(frontline)
    response = client.get(reverse("customer_360", args=[other_customer.pk]))
    assert response.status_code == 200
    page = response.content.decode()
    assert 'data-testid="read-only-note"' in page
    assert response.context["read_only"] and not response.context["can_manage"] and not response.context["can_log"]
    assert reverse("customers:edit", args=[other_customer.pk]) not in page
    assert reverse("customers:interaction_log", args=[other_customer.pk]) not in page
    # The record's own actions stay with its branch.
    assert client.get(reverse("customers:edit", args=[other_customer.pk])).status_code == 403


def test_without_a_complaint_another_branchs_customer_stays_hidden(client, frontline, branch, other_customer):
    colleague = staff(Role.FRONTLINE, branch, username="colleague")
    ComplaintFactory(actor=frontline, customer=other_customer)
    client.force_login(staff(Role.FRONTLINE, other_customer.branch, username="elsewhere"))
    assert client.get(reverse("customer_360", args=[other_customer.pk])).context["read_only"] is False
    client.force_login(colleague)  # same branch as the complaint: may read
    assert client.get(reverse("customer_360", args=[other_customer.pk])).status_code == 200
    client.force_login(staff(Role.FRONTLINE, None, username="nobranch"))
    assert client.get(reverse("customer_360", args=[other_customer.pk])).status_code == 404


def test_own_branch_customers_are_not_read_only(client, frontline, customer):
    client.force_login(frontline)
    response = client.get(reverse("customer_360", args=[customer.pk]))
    assert response.status_code == 200 and response.context["read_only"] is False
