"""The demo customers follow the same rules as real ones."""

import pytest
from django.core.management import call_command

from crm_site.org.access import can_access_branch
from customers.models import ChurnEpisode, Customer

# Each seeds the whole demo (6–9 s): they run with the slow tests, keeping `make test` under two minutes.
pytestmark = [pytest.mark.django_db, pytest.mark.slow]


def test_every_demo_customer_has_an_account_manager_who_can_open_it():
    call_command("seed_demo", verbosity=0, force=True)
    Customer.objects.filter(branch__code="GZ01").update(account_manager=None)  # as seeded before the fix
    call_command("seed_demo", verbosity=0, force=True)
    customers = list(Customer.objects.select_related("account_manager"))
    assert customers and all(c.account_manager_id for c in customers)
    assert all(can_access_branch(c.account_manager, c.branch_id) for c in customers)
    churned = Customer.objects.filter(status="churned")
    assert churned.exists()
    assert set(ChurnEpisode.objects.filter(won_back_on=None).values_list("customer_id", "churned_on")) == set(
        churned.values_list("pk", "churned_on")
    )
