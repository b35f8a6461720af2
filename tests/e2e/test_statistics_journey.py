"""The complaint statistics on a phone (375 px), in both languages: every chart is drawn, the table views hold the
numbers, nothing scrolls sideways, no script error or CSP refusal; an export downloads."""

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import PHONE, SHOTS
from tests.reports.conftest import data  # noqa: F401  (the hand-computed fixture of tests/reports)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

QUERY = "?period=custom&date_from=2026-01-01&date_to=2026-06-30"
CHARTS = ["pareto", "by_category", "by_month", "quarter_causes", "sla_by_branch", "step_durations", "compensation"]


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_statistics_on_a_phone(as_user, live_server, data, gm, manager, language):  # noqa: F811  (data)
    page = as_user("gm", language)
    problems: list[str] = []
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.on("console", lambda m: problems.append(m.text) if "Content Security Policy" in m.text else None)
    assert page.goto(f"{live_server.url}/reports/{QUERY}").status == 200
    for chart in CHARTS:
        container = page.get_by_test_id(f"chart-{chart}")
        expect(container.locator("canvas, svg").first).to_be_attached()
        box = container.bounding_box()
        assert box and box["width"] > 200 and box["height"] > 150, (chart, box)
    expect(page.get_by_test_id("figure-received")).to_have_text("5")
    table = page.get_by_test_id("table-by_category")
    table.locator("summary").click()
    expect(table.locator("tbody tr")).to_have_count(2)
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / f"reports-{language}.png"), full_page=True)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"the page is {width} px wide"
    assert problems == []
    with page.expect_download() as download:
        page.get_by_test_id("export-pareto-csv").click()
    assert download.value.suggested_filename.startswith("pareto-")
