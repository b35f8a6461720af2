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
