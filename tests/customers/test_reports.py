"""Retention and churn arithmetic, periods, and the report per group."""

from datetime import date, datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from customers.models import Customer
from customers.selectors import periods_back, retention_figures, retention_report_for_user
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db


def test_retention_arithmetic():
    assert retention_figures(100, 7) == (Decimal("93.0"), Decimal("7.0"))
    assert retention_figures(7, 3) == (Decimal("57.1"), Decimal("42.9"))  # 3/7 = 42.857… %
    assert retention_figures(3, 0) == (Decimal("100.0"), Decimal("0.0"))
    assert retention_figures(0, 0) == (None, None)


def test_periods_back():
    assert periods_back(today=date(2026, 2, 10), unit="quarter", count=3) == [
        (date(2025, 7, 1), date(2025, 10, 1)),
        (date(2025, 10, 1), date(2026, 1, 1)),
        (date(2026, 1, 1), date(2026, 4, 1)),
    ]
    assert periods_back(today=date(2026, 1, 31), unit="month", count=2) == [
        (date(2025, 12, 1), date(2026, 1, 1)),
        (date(2026, 1, 1), date(2026, 2, 1)),
    ]


def make(branch, created: date, churned: date | None = None, quadrant="high"):
    customer = CustomerFactory(branch=branch)
    Customer.objects.filter(pk=customer.pk).update(
        created_at=timezone.make_aware(datetime.combine(created, datetime.min.time().replace(hour=12))),
        status="churned" if churned else "active",
        churn_reason="lost" if churned else "",
        churned_on=churned,
        quadrant=quadrant,
    )
    return customer


@pytest.fixture
def history(branch, other_branch):
    """May 2026: at the start a, b, d (c is new in May, e left in April); b churns. June: a, c, d; d churns."""
    make(branch, date(2026, 1, 1))  # a
    make(branch, date(2026, 1, 1), churned=date(2026, 5, 10))  # b
    make(branch, date(2026, 5, 15), quadrant="low")  # c
    make(branch, date(2026, 1, 1), churned=date(2026, 6, 2), quadrant="low")  # d
    make(branch, date(2026, 1, 1), churned=date(2026, 4, 1))  # e
    make(other_branch, date(2026, 1, 1), churned=date(2026, 5, 3))  # another branch


def test_report_per_period_for_a_branch_manager(manager, history):
    rows = retention_report_for_user(user=manager, unit="month", count=2, today=date(2026, 6, 15))
    assert [(r.label, r.at_start, r.churned, r.retention, r.churn) for r in rows] == [
        ("2026-05", 3, 1, Decimal("66.7"), Decimal("33.3")),
        ("2026-06", 3, 1, Decimal("66.7"), Decimal("33.3")),
    ]


def test_report_per_branch_and_per_quadrant_company_wide(gm, history, branch, other_branch):
    rows = retention_report_for_user(user=gm, unit="month", count=2, dimension="branch", today=date(2026, 6, 15))
    by_group = {(r.group, r.label): (r.at_start, r.churned) for r in rows}
    assert by_group[(other_branch.name, "2026-05")] == (1, 1)
    assert by_group[(other_branch.name, "2026-06")] == (0, 0)
    assert by_group[(branch.name, "2026-05")] == (3, 1)
    rows = retention_report_for_user(user=gm, unit="month", count=2, dimension="quadrant", today=date(2026, 6, 15))
    by_group = {(r.group, r.label): (r.at_start, r.churned) for r in rows}
    assert by_group[("High value", "2026-05")] == (3, 2)  # a, b and the other branch's customer
    assert by_group[("Low value", "2026-06")] == (2, 1)  # c and d; d churned
    quarter = retention_report_for_user(user=gm, unit="quarter", count=1, today=date(2026, 6, 15))
    # Q2 starts on 1 April: e, who left that day, was there at its start and churned in it.
    assert [(r.label, r.at_start, r.churned) for r in quarter] == [("2026 Q2", 5, 4)]


def test_report_page(client, manager, history):
    client.force_login(manager)
    response = client.get(reverse("customers:retention"), {"unit": "month", "count": 3, "dimension": "quadrant"})
    assert response.status_code == 200
    rows = response.context["rows"]
    assert len(rows) == 6  # two quadrants × the last three months
    assert {r.group for r in rows} == {"High value", "Low value"}
    assert f"{rows[0].retention}%".encode() in response.content


def _on(monkeypatch, day: date):
    """Run the services as if today were ``day`` (noon, local time)."""
    moment = timezone.make_aware(datetime.combine(day, datetime.min.time().replace(hour=12)))
    monkeypatch.setattr(timezone, "now", lambda: moment)


def test_winning_a_customer_back_does_not_change_past_periods(monkeypatch, manager, branch):
    from customers.models import ChurnEpisode
    from customers.services import customer_set_status

    make(branch, date(2026, 1, 1))  # stays
    lost = make(branch, date(2026, 1, 1))
    _on(monkeypatch, date(2026, 5, 10))
    customer_set_status(actor=manager, customer_id=lost.pk, status="churned", reason="price")
    _on(monkeypatch, date(2026, 7, 20))
    customer_set_status(actor=manager, customer_id=lost.pk, status="active")
    monkeypatch.undo()

    rows = retention_report_for_user(user=manager, unit="month", count=5, today=date(2026, 8, 15))
    assert [(r.label, r.at_start, r.churned) for r in rows] == [
        ("2026-04", 2, 0),
        ("2026-05", 2, 1),  # still lost in May, though won back since
        ("2026-06", 1, 0),  # away for all of June
        ("2026-07", 1, 0),  # back during July, so not there at its start
        ("2026-08", 2, 0),
    ]
    episode = ChurnEpisode.objects.get(customer=lost)
    assert (episode.churned_on, episode.won_back_on, episode.reason) == (date(2026, 5, 10), date(2026, 7, 20), "price")


def test_a_customer_lost_again_after_a_win_back_counts_once_per_loss(monkeypatch, gm, branch):
    from customers.services import customer_set_status

    customer = make(branch, date(2026, 1, 1), quadrant="low")
    for day, status in [
        (date(2026, 3, 5), "churned"),
        (date(2026, 4, 20), "active"),
        (date(2026, 4, 25), "churned"),  # lost again in April, having been away at its start: not counted
        (date(2026, 6, 1), "active"),
        (date(2026, 7, 3), "churned"),  # lost again in July, there at its start: counted
    ]:
        _on(monkeypatch, day)
        customer_set_status(actor=gm, customer_id=customer.pk, status=status, reason="r")
    monkeypatch.undo()
    rows = retention_report_for_user(user=gm, unit="month", count=6, dimension="quadrant", today=date(2026, 7, 15))
    assert [(r.label, r.at_start, r.churned) for r in rows if r.group == "Low value"] == [
        ("2026-02", 1, 0),
        ("2026-03", 1, 1),
        ("2026-04", 0, 0),
        ("2026-05", 0, 0),
        ("2026-06", 1, 0),  # won back on 1 June, the first day: there at its start, like one lost that day
        ("2026-07", 1, 1),
    ]


def test_a_customer_churned_before_episodes_were_recorded_keeps_its_churn_when_won_back(manager, branch):
    from customers.services import customer_set_status

    lost = make(branch, date(2026, 1, 1), churned=date(2026, 5, 10))  # no episode: written before they existed
    customer_set_status(actor=manager, customer_id=lost.pk, status="active")
    rows = retention_report_for_user(user=manager, unit="month", count=1, today=date(2026, 5, 20))
    assert [(r.at_start, r.churned) for r in rows] == [(1, 1)]


def test_the_data_migration_rebuilds_churn_episodes_from_the_history(branch):
    import importlib

    from django.apps import apps

    from customers.models import ChurnEpisode, CustomerEvent

    migration = importlib.import_module("customers.migrations.0006_churn_episodes_from_history")
    back = make(branch, date(2026, 1, 1))
    still_lost = make(branch, date(2026, 1, 1), churned=date(2026, 6, 2))
    at = [timezone.make_aware(datetime(2026, m, 10, 12)) for m in (3, 4)]
    CustomerEvent.objects.create(customer=back, kind="status", from_value="active", to_value="churned", note="price",
                                 created_at=at[0])  # fmt: skip
    CustomerEvent.objects.create(customer=back, kind="status", from_value="churned", to_value="active",
                                 created_at=at[1])  # fmt: skip
    migration.forwards(apps, None)
    assert set(ChurnEpisode.objects.values_list("customer_id", "churned_on", "won_back_on", "reason")) == {
        (back.pk, date(2026, 3, 10), date(2026, 4, 10), "price"),
        (still_lost.pk, date(2026, 6, 2), None, "lost"),
    }
