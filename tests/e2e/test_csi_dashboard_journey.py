"""The CSI dashboard as a general manager and a branch manager meet it, on a phone, in both languages: every chart
is drawn, each table view shows the numbers, the exports download, and nothing scrolls sideways."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.complaints.factories import CategoryFactory, ComplaintFactory
from tests.e2e.conftest import PHONE, SHOTS
from tests.factories import CustomerFactory
from tests.satisfaction.test_selectors import make_template, respond

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

CHARTS = ["radar", "segments", "months", "ipa", "zones", "complaintCategories", "complaintCauses"]


@pytest.fixture
def answers(branch, other_branch, frontline, frontline_other):
    """Three months of answers in two branches (with importance), and complaints in both."""
    template = make_template("e2e-survey", weights=(2, 1, 1, 1), importance=True, dimensions=4)
    now = timezone.now()
    for n, (home, scores, importances, recommend, overall) in enumerate(
        [
            (branch, (5, 4, 3, 4), (9, 6, 3, 5), 10, 5),
            (branch, (4, 2, None, 5), (8, 7, None, 4), 8, 4),
            (branch, (3, 3, 2, 5), (10, 5, 2, 3), 6, 3),
            (other_branch, (2, 1, 2, 3), (9, 8, 4, 2), 3, 1),
            (other_branch, (4, 4, 4, 4), (7, 5, 3, 6), 9, 4),
        ]
    ):
        customer = CustomerFactory(branch=home, tier="AB"[n % 2], quadrant=["high", "low", "secondary"][n % 3])
        for months_ago in (0, 1, 3, 7):  # 7: the previous period, for the comparison
            respond(
                template,
                customer,
                scores,
                importances=importances,
                recommend=recommend,
                overall=overall,
                repurchase="yes" if recommend >= 8 else "unsure",
                when=now - timedelta(days=30 * months_ago + n),
            )
    billing = CategoryFactory(code="billing", name_en="Billing", name_zh="账单")
    for actor in (frontline, frontline, frontline_other):
        ComplaintFactory(actor=actor)
    ComplaintFactory(actor=frontline, category=billing)


def no_sideways_scroll(page, name: str) -> None:
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{name}: the page is {width} px wide on a {PHONE['width']} px screen"


@pytest.mark.parametrize("language", ["en", "zh-hans"])
@pytest.mark.parametrize("username", ["gm", "manager"])
def test_the_dashboard_on_a_phone(as_user, live_server, answers, gm, manager, username, language):
    page = as_user(username, language)
    problems: list[str] = []  # script errors, and anything the Content-Security-Policy refused
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.on("console", lambda m: problems.append(m.text) if "Content Security Policy" in m.text else None)
    response = page.goto(f"{live_server.url}/satisfaction/dashboard/")
    assert response.status == 200
    for chart in CHARTS:
        container = page.get_by_test_id(f"chart-{chart}")
        expect(container.locator("canvas, svg").first).to_be_attached()
        box = container.bounding_box()
        assert box and box["width"] > 200 and box["height"] > 150, (chart, box)
    expect(page.get_by_test_id("headline-csi")).to_have_text(re.compile(r"^\d+(\.\d)?$"))

    # The table view: closed at first, then the same numbers as the chart.
    months = page.get_by_test_id("table-csi_by_month")
    months.locator("summary").click()
    expect(months.locator("tbody tr")).to_have_count(6)
    expect(months.locator("tbody tr").last.locator("td").nth(1)).to_have_text(re.compile(r"^\d+\.\d$"))
    page.get_by_test_id("table-importance_performance").locator("summary").click()
    page.get_by_test_id("table-loyalty_zones").locator("summary").click()
    expect(page.get_by_test_id("loyalty-grid")).to_be_visible()
    if username == "manager":
        expect(page.get_by_text("Shanghai")).to_have_count(0)
    no_sideways_scroll(page, f"csi-{language}-{username}")
    assert problems == []

    # An export downloads the table.
    with page.expect_download() as download:
        page.get_by_test_id("export-csi_by_month-csv").click()
    assert download.value.suggested_filename.startswith("csi_by_month-")


def test_filters_that_match_nothing_show_an_empty_state(as_user, live_server, answers, gm):
    page = as_user("gm")
    page.goto(f"{live_server.url}/satisfaction/dashboard/")
    page.get_by_test_id("filter-tier").select_option("C")
    page.get_by_test_id("dash-apply").click()
    expect(page.get_by_test_id("dash-empty")).to_be_visible()
    expect(page.locator("[data-chart=radar]")).to_have_count(0)
    no_sideways_scroll(page, "csi-empty")
