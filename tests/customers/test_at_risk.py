"""At-risk detection: no purchase for a configured period, or falling spend; recovery; churn is manual."""

from datetime import date, timedelta

import pytest

from customers.models import Customer, CustomerEvent, ValueMatrixSettings
from customers.services import customer_set_status, customers_detect_at_risk
from tests.factories import CustomerFactory

from .factories import buy

pytestmark = pytest.mark.django_db

AS_OF = date(2026, 6, 30)


@pytest.fixture(autouse=True)
def rules(db):
    # At risk after 90 days without purchase; falling spend: last 3 months ≤ 50 % of the 3 before.
    ValueMatrixSettings.objects.filter(pk=1).update(at_risk_after_days=90, spend_window_months=3, spend_drop_percent=50)


def status_of(customer):
    customer.refresh_from_db()
    return customer.status, customer.at_risk_reason


def test_no_purchase_for_the_period_flags_at_risk_and_writes_history():
    stopped = CustomerFactory()
    buy(stopped, 100, AS_OF - timedelta(days=91))
    recent = CustomerFactory()
    buy(recent, 100, AS_OF - timedelta(days=90))  # exactly 90 days: not yet
    never = CustomerFactory()  # never bought: has not stopped buying

    result = customers_detect_at_risk(as_of=AS_OF)

    assert (result.flagged, result.recovered) == (1, 0)
    assert status_of(stopped) == ("at_risk", "no_purchase")
    assert status_of(recent) == ("active", "")
    assert status_of(never) == ("active", "")
    event = CustomerEvent.objects.get(customer=stopped)
    assert (event.kind, event.from_value, event.to_value, event.note) == ("status", "active", "at_risk", "no_purchase")
    assert event.actor is None


def test_falling_spend_flags_at_risk():
    """Previous 3 months (2026-01-01 … 03-31): 1000; last 3 months: 500 → a 50 % drop: at risk. 501 is not."""
    falling = CustomerFactory()
    buy(falling, 1000, date(2026, 2, 10))
    buy(falling, 500, date(2026, 6, 20))
    steady = CustomerFactory()
    buy(steady, 1000, date(2026, 2, 10))
    buy(steady, 501, date(2026, 6, 20))
    customers_detect_at_risk(as_of=AS_OF)
    assert status_of(falling) == ("at_risk", "falling_spend")
    assert status_of(steady) == ("active", "")


def test_recovered_customers_return_to_active_but_manual_flags_stay():
    customer = CustomerFactory()
    buy(customer, 100, AS_OF - timedelta(days=200))
    customers_detect_at_risk(as_of=AS_OF)
    assert status_of(customer) == ("at_risk", "no_purchase")
    buy(customer, 300, AS_OF - timedelta(days=2))
    result = customers_detect_at_risk(as_of=AS_OF)
    assert result.recovered == 1
    assert status_of(customer) == ("active", "")
    assert CustomerEvent.objects.filter(customer=customer, to_value="active", note="recovered").exists()


def test_manual_at_risk_and_churned_customers_are_left_alone(manager, branch):
    flagged = CustomerFactory(branch=branch)
    buy(flagged, 300, AS_OF - timedelta(days=2))
    customer_set_status(actor=manager, customer_id=flagged.pk, status="at_risk")
    churned = CustomerFactory(branch=branch)
    buy(churned, 100, AS_OF - timedelta(days=400))
    customer_set_status(actor=manager, customer_id=churned.pk, status="churned", reason="Moved away")
    result = customers_detect_at_risk(as_of=AS_OF)
    assert (result.flagged, result.recovered) == (0, 0)
    assert status_of(flagged) == ("at_risk", "manual")
    assert Customer.objects.get(pk=churned.pk).status == "churned"
