"""The statistics as JSON: the page's figures, rule (reports.view) and scope."""

import pytest
from django.urls import reverse

from tests.complaints.factories import ComplaintFactory

from .conftest import api_client
from .test_access import assert_error

pytestmark = pytest.mark.django_db


@pytest.fixture
def three_complaints(frontline, frontline_other, customer, other_customer):
    # Branch A: two complaints of the same customer (the second a repeat within the window); branch B: one.
    ComplaintFactory(actor=frontline, customer=customer)
    ComplaintFactory(actor=frontline, customer=customer)
    ComplaintFactory(actor=frontline_other, customer=other_customer)


def test_a_manager_reads_their_branchs_figures(three_complaints, manager):
    response = api_client(manager).get(reverse("api:statistics_summary"))
    assert response.status_code == 200, response.content
    data = response.json()["data"]
    # received 2 (branch A only), closed 0, open 2 - 0 = 2, repeats 1, repeat rate 100 × 1 / 2 = 50
    assert (data["received"], data["closed"], data["open"], data["repeats"]) == (2, 0, 2, 1)
    assert data["repeat_rate"] == 50.0


def test_the_general_manager_reads_every_branch_and_can_narrow_it(three_complaints, gm, other_branch):
    client = api_client(gm)
    assert client.get(reverse("api:statistics_summary")).json()["data"]["received"] == 3
    narrowed = client.get(reverse("api:statistics_summary"), {"branch": other_branch.pk}).json()
    assert narrowed["data"]["received"] == 1 and narrowed["filters"]["branch_id"] == other_branch.pk
    rows = client.get(reverse("api:statistics_counts"), {"by": "branch"}).json()["data"]
    assert sorted(row["count"] for row in rows) == [1, 2]


def test_another_branch_is_404_and_front_line_staff_have_no_statistics(
    three_complaints, manager, frontline, other_branch
):
    assert_error(
        api_client(manager).get(reverse("api:statistics_summary"), {"branch": other_branch.pk}), 404, "not_found"
    )
    assert_error(api_client(frontline).get(reverse("api:statistics_summary")), 403, "permission_denied")


def test_a_figure_needs_a_known_dimension(manager):
    response = api_client(manager).get(reverse("api:statistics_counts"), {"by": "colour"})
    assert_error(response, 400, "validation_error")
    assert "by" in response.json()["error"]["fields"]


@pytest.mark.parametrize("from_sums", [True, False], ids=["whole months", "custom days"])
def test_the_api_reads_whole_months_from_the_monthly_sums_as_the_page_does(three_complaints, gm, from_sums):
    """Whole months (the default last 12) come from the monthly sums, any other period from the complaints: the
    same numbers either way, the page's."""
    from datetime import timedelta

    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    today = timezone.localdate()
    start = today - timedelta(days=40 if (today - timedelta(days=40)).day != 1 else 41)  # not a month's first day
    period = {} if from_sums else {"period": "custom", "date_from": start.isoformat(), "date_to": today.isoformat()}
    client = api_client(gm)
    with CaptureQueriesContext(connection) as queries:
        summary = client.get(reverse("api:statistics_summary"), period).json()["data"]
    assert any("reports_complaintmonth" in q["sql"] for q in queries) == from_sums
    # three received, none closed; one repeat (the same customer's second complaint)
    assert (summary["received"], summary["closed"], summary["repeats"]) == (3, 0, 1)
    for name in ("statistics_pareto", "statistics_repeats", "statistics_step_durations", "statistics_revisits"):
        assert client.get(reverse(f"api:{name}"), period).status_code == 200
    sla = client.get(reverse("api:statistics_sla"), {**period, "by": "branch"}).json()["data"]
    assert sorted(row["received"] for row in sla) == [1, 2]
