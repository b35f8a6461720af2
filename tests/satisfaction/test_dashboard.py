"""The CSI dashboard page and its exports: who sees what, the numbers in the tables, the exports' safety, the
empty state, both languages, and a fixed number of queries whatever the data size."""

import csv
import io
import json
from datetime import date, timedelta

import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from complaints.models import Complaint
from reports.services import complaint_summary_rebuild
from satisfaction.models import SurveyItem
from tests.complaints.factories import CategoryFactory, ComplaintFactory
from tests.factories import BranchFactory, CustomerFactory, staff

from .test_selectors import at, make_template, respond

pytestmark = pytest.mark.django_db

URL = reverse("satisfaction:dashboard")
Q1 = {"period": "custom", "date_from": "2026-01-01", "date_to": "2026-03-31"}


def export_url(table: str, fmt: str) -> str:
    return reverse("satisfaction:dashboard_export", kwargs={"table": table, "fmt": fmt})


def get(client, user, url=URL, params=Q1, **headers):
    client.force_login(user)
    return client.get(url, params, **headers)


def island(response) -> dict:
    return response.context["charts"]


@pytest.fixture
def survey(branch, other_branch):
    """Two branches' answers in the first quarter of 2026 (and one in the quarter before, for the comparison)."""
    template = make_template(importance=True)
    bj = CustomerFactory(branch=branch, tier="A", quadrant="high")
    sh = CustomerFactory(branch=other_branch, tier="B", quadrant="low")
    # Beijing: weights 2, 1, 1 and scores 5, 3, — → 250 / 3 = 83.33; recommend 10, overall 5.
    respond(template, bj, (5, 3, None), importances=(9, 4, None), recommend=10, overall=5, repurchase="yes",
            when=at(2026, 1, 10))  # fmt: skip
    # Shanghai: scores 1, 1, 1 → 0; recommend 2, overall 1.
    respond(template, sh, (1, 1, 1), importances=(7, 6, 2), recommend=2, overall=1, repurchase="no",
            when=at(2026, 3, 10))  # fmt: skip
    # The previous quarter (Q4 2025), Beijing: scores 3, 3, 3 → 50.
    respond(template, bj, (3, 3, 3), when=at(2025, 12, 1))
    return template


# --- Access ----------------------------------------------------------------------------------------------------------


def test_general_manager_sees_every_branch(client, gm, survey):
    response = get(client, gm)
    assert response.status_code == 200
    headline = response.context["headline"]
    # (250 + 0) / (3 + 4) = 35.71 → 35.7; previous quarter 50.0; change 35.7 − 50.0 = −14.3.
    assert (headline["responses"], headline["csi"], headline["previous_csi"]) == (2, 35.7, 50.0)
    assert headline["change"] == pytest.approx(-14.3)
    # NPS: one promoter (10), one detractor (2) of 2 → 0.
    assert headline["nps"] == 0.0
    segments = response.context["tables"]["csi_by_segment"].rows
    assert segments == [["Beijing 北京", 1, 83.3, 100.0], ["Shanghai 上海", 1, 0.0, -100.0]]
    assert 'name="branch"' in response.content.decode()


def test_manager_sees_only_their_branch(client, manager, survey):
    response = get(client, manager)
    assert response.status_code == 200
    page = response.content.decode()
    assert response.context["headline"]["csi"] == 83.3
    assert "Shanghai" not in page
    assert 'name="branch"' not in page  # no branch to choose
    # Compared by tier (a manager's figures are one branch's).
    assert response.context["tables"]["csi_by_segment"].rows == [["A", 1, 83.3, 100.0]]
    # Naming the other branch in the URL changes nothing.
    response = get(client, manager, params={**Q1, "branch": str(survey.pk + 999)})
    assert response.context["headline"]["responses"] == 1


@pytest.mark.parametrize(
    "table",
    [
        "csi_by_segment",
        "importance_performance",
        "csi_by_month",
        "csi_by_dimension",
        "loyalty_zones",
        "loyalty_contribution",
    ],
)
def test_a_managers_exports_hold_only_their_branch(client, manager, other_branch, survey, table):
    response = get(client, manager, export_url(table, "csv"), params={**Q1, "compare_by": "branch"})
    assert response.status_code == 200
    text = response.content.decode("utf-8-sig")
    assert "Shanghai" not in text
    if table == "csi_by_month":
        rows = list(csv.reader(io.StringIO(text)))
        assert [row[:3] for row in rows] == [["Month", "Responses", "CSI"], ["2026-01", "1", "83.3"],
                                             ["2026-02", "0", "no data"], ["2026-03", "0", "no data"]]  # fmt: skip


def test_front_line_staff_may_not_open_it(client, frontline, survey):
    assert get(client, frontline).status_code == 403
    assert get(client, frontline, export_url("csi_by_month", "csv")).status_code == 403


def test_anonymous_visitors_are_sent_to_log_in(client, survey):
    response = client.get(URL)
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


# --- The page ------------------------------------------------------------------------------------------------------


def test_every_chart_has_its_table_with_the_same_numbers(client, gm, survey):
    response = get(client, gm)
    page = response.content.decode()
    charts = island(response)
    for chart in ("radar", "segments", "months", "ipa", "zones"):
        assert f'data-chart="{chart}"' in page
    for table in ("csi_by_dimension", "csi_by_segment", "csi_by_month", "importance_performance", "loyalty_zones",
                  "loyalty_contribution"):  # fmt: skip
        assert f'data-testid="table-{table}"' in page
        assert export_url(table, "csv") in page and export_url(table, "xlsx") in page
    # The radar: Quality (items 1, 3) and Attitude (item 2), this quarter against the last.
    # Quality now: (2×100 + 2×0 + 1×0) / (2 + 2 + 1) = 40; before: (2×50 + 1×50) / 3 = 50.
    # Attitude now: (50 + 0) / 2 = 25; before: 50.
    assert charts["radar"] == {"indicators": ["Quality", "Attitude"], "current": [40.0, 25.0], "previous": [50.0, 50.0]}
    # The line: January 83.3, February no data (null, never 0), March 0; NPS 100, null, −100.
    assert charts["months"] == {"names": ["2026-01", "2026-02", "2026-03"], "csi": [83.3, None, 0.0],
                                "nps": [100.0, None, -100.0]}  # fmt: skip
    assert "no data" in page
    # Zones: January one apostle (5), March one terrorist (1).
    zones = {s["name"]: s["shares"] for s in charts["zones"]["series"]}
    assert zones["Apostle"] == [100.0, None, 0.0] and zones["Terrorist"] == [0.0, None, 100.0]
    # IPA: item 1 (importance 9, 7 → 8; scores 5, 1 → 3), item 2 (4, 6 → 5; 3, 1 → 2), item 3 (2; 1).
    # Split lines: importance (8 + 5 + 2) / 3 = 5; performance (3 + 2 + 1) / 3 = 2.
    assert charts["ipa"]["meanImportance"] == 5.0 and charts["ipa"]["meanPerformance"] == 2.0
    assert [p[3] for p in charts["ipa"]["points"]] == ["keep_up", "keep_up", "low_priority"]
    # Loyalty × contribution: Beijing (yes 1 + 10/10 + active 1) / 3 = 1, high value → keep;
    # Shanghai (no 0 + 2/10 + active 1) / 3 = 0.4, low value → let go.
    grid = {row[2]: row[3] for row in response.context["tables"]["loyalty_contribution"].rows}
    assert grid == {"Keep": 1, "Develop": 0, "Win back": 0, "Let go": 1}
    # The island is data only (no markup), read by the static script; no inline script runs.
    assert '<script id="csi-data" type="application/json">' in page
    assert "js/csi-dashboard.js" in page


def test_empty_filters_show_an_empty_state(client, gm, survey):
    response = get(client, gm, params={**Q1, "tier": "C"})
    page = response.content.decode()
    assert response.context["has_responses"] is False
    assert 'data-testid="dash-empty"' in page
    assert 'data-chart="radar"' not in page


def test_the_default_period_is_the_last_six_months(client, gm, branch):
    template = make_template()
    respond(template, CustomerFactory(branch=branch), (5, 5, 5), when=timezone.now())
    respond(template, CustomerFactory(branch=branch), (1, 1, 1), when=timezone.now() - timedelta(days=400))
    client.force_login(gm)
    response = client.get(URL)
    assert response.context["headline"]["responses"] == 1
    assert len(response.context["charts"]["months"]["names"]) == 6


def test_bad_dates_are_explained_and_the_default_period_is_shown(client, gm, survey):
    response = get(client, gm, params={"period": "custom", "date_from": "2026-03-01", "date_to": "2026-01-01"})
    assert response.status_code == 200
    assert "The end date is before the start date." in response.content.decode()
    today = timezone.localdate()
    assert response.context["selection"].current.date_to == today


def test_the_period_select_decides_over_dates_left_in_the_form(client, gm, survey):
    # Dates from an earlier "from – to" search stay in the form; choosing "last 3 months" must win.
    response = get(client, gm, params={**Q1, "period": "3"})
    today = timezone.localdate()
    current = response.context["selection"].current
    assert current.date_to == today
    # This month and the two before it: from the first day of the month two months back.
    two_back = today.year * 12 + today.month - 1 - 2
    assert current.date_from == date(two_back // 12, two_back % 12 + 1, 1)
    assert len(response.context["selection"].months) == 3


def test_an_invalid_filter_is_left_out_and_the_others_still_apply(client, manager, survey):
    # A manager cannot compare branches (a link from a general manager, say): the period still applies.
    response = get(client, manager, params={**Q1, "compare_by": "branch"})
    assert response.context["selection"].compare_by == "tier"
    assert response.context["selection"].current.date_from == date(2026, 1, 1)
    assert 'data-testid="dash-filter-errors"' in response.content.decode()


def test_filters_by_questionnaire_and_group(client, gm, survey, branch):
    other = make_template("other-survey", weights=(1,))
    respond(other, CustomerFactory(branch=branch), (5,), when=at(2026, 2, 1))
    assert get(client, gm, params={**Q1, "template": "other-survey"}).context["headline"]["responses"] == 1
    assert get(client, gm, params={**Q1, "group": "complainants"}).context["headline"]["responses"] == 0


def test_both_languages(client, gm, survey):
    chinese = get(client, gm, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert chinese.context["charts"]["radar"]["indicators"] == ["质量", "态度"]
    assert [row[0] for row in chinese.context["tables"]["importance_performance"].rows] == [
        "题目 1",
        "题目 2",
        "题目 3",
    ]
    english = get(client, gm, HTTP_ACCEPT_LANGUAGE="en")
    assert english.context["charts"]["radar"]["indicators"] == ["Quality", "Attitude"]
    assert english.context["charts"]["labels"]["thisPeriod"] == "This period"


def test_complaint_figures_beside_the_charts(client, manager, frontline, frontline_other, survey):
    ComplaintFactory(actor=frontline, category=CategoryFactory(code="billing", name_en="Billing", name_zh="账单"))
    ComplaintFactory(actor=frontline_other)  # Shanghai's: not the manager's
    Complaint.objects.update(created_at=at(2026, 2, 1))
    complaint_summary_rebuild()  # rows written directly: the monthly sums whole months read, as a backfill makes them
    response = get(client, manager)
    assert response.context["complaints"]["received"] == 1
    assert response.context["tables"]["complaints_by_category"].rows == [["Billing", 1]]
    assert 'data-chart="complaintCategories"' in response.content.decode()


# --- Exports ---------------------------------------------------------------------------------------------------------


def test_exports_neutralise_formulas_and_keep_numbers(client, gm, survey):
    SurveyItem.objects.filter(template=survey, sort_order=0).update(text_en='=HYPERLINK("http://evil")')
    SurveyItem.objects.filter(template=survey, sort_order=1).update(text_en="-1+2")
    SurveyItem.objects.filter(template=survey, sort_order=2).update(text_en="@SUM(A1)")
    response = get(client, gm, export_url("importance_performance", "csv"))
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment;" in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert [row[0] for row in rows[1:]] == ['\'=HYPERLINK("http://evil")', "'-1+2", "'@SUM(A1)"]
    # Item 1: answered twice (5 in January, 1 in March) → CSI (100 + 0) / 2 = 50.0; numbers stay as written.
    assert rows[1][3:5] == ["2", "50.0"]


def test_xlsx_export(client, gm, survey):
    response = get(client, gm, export_url("csi_by_segment", "xlsx"))
    assert response.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    rows = list(book.active.iter_rows(values_only=True))
    assert rows[0] == ("Branch", "Responses", "CSI", "NPS")
    assert rows[1] == ("Beijing 北京", 1, 83.3, 100)
    assert rows[2] == ("Shanghai 上海", 1, 0, -100)  # negative numbers stay numbers


@pytest.mark.parametrize(("table", "fmt"), [("nope", "csv"), ("csi_by_month", "pdf"), ("csi_by_month", "CSV")])
def test_unknown_exports_are_not_found(client, gm, survey, table, fmt):
    assert get(client, gm, export_url(table, fmt)).status_code == 404


# --- Queries ---------------------------------------------------------------------------------------------------------


def populate(size: int, home) -> None:
    """``size`` customers per branch in ``home`` and two other branches, each answering every month of the
    quarter, with complaints in several categories; the figures cover every chart."""
    template = make_template(f"load-{size}", importance=True)
    categories = [CategoryFactory(code=f"cat{n}", name_en=f"Category {n}", name_zh=f"类别 {n}") for n in range(3)]
    for branch in (home, BranchFactory(), BranchFactory()):
        worker = staff("frontline", branch)
        for n in range(size):
            customer = CustomerFactory(branch=branch, tier="ABC"[n % 3], quadrant=["high", "low"][n % 2])
            for month in (1, 2, 3):
                respond(template, customer, (1 + n % 5, 1 + month % 5, 3), importances=(n % 10 + 1, 5, 2),
                        recommend=(n + month) % 11, overall=1 + (n + month) % 5, repurchase="yes",
                        when=at(2026, month, 1 + n % 27))  # fmt: skip
            ComplaintFactory(actor=worker, customer=customer, category=categories[n % 3])
    Complaint.objects.update(created_at=at(2026, 2, 1))


def count_queries(client, user, params=Q1) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(URL, params)
    assert response.status_code == 200
    return len(queries)


@pytest.mark.parametrize("role", ["gm", "manager"])
def test_the_number_of_queries_does_not_grow_with_the_data(
    client, request, role, branch, django_assert_max_num_queries
):
    user = request.getfixturevalue(role)
    client.force_login(user)
    populate(2, branch)  # the manager's branch has data too
    small = count_queries(client, user)
    populate(12, branch)
    large = count_queries(client, user)
    assert small == large
    with django_assert_max_num_queries(20):  # session, user, role (2), questionnaires, branches, 13 figures
        client.get(URL, Q1)


def test_an_export_runs_only_its_own_queries(client, gm, survey, django_assert_max_num_queries):
    client.force_login(gm)
    with django_assert_max_num_queries(8):
        response = client.get(export_url("csi_by_month", "csv"), Q1)
    assert response.status_code == 200


def test_the_island_is_valid_json(client, gm, survey):
    page = get(client, gm).content.decode()
    start = page.index('<script id="csi-data" type="application/json">') + len(
        '<script id="csi-data" type="application/json">'
    )
    data = json.loads(page[start : page.index("</script>", start)])
    assert data["segments"]["names"] == ["Beijing 北京", "Shanghai 上海"]
    assert date(2026, 1, 1).strftime("%Y-%m") in data["months"]["names"]
