"""The complaint list as a busy branch sees it, on a phone (375 px), in both languages: the search by a name
fragment, a whole number, a year and serial, and a full phone; the list that holds more complaints than its pages
offer says so and pages on to its last offered page; nothing scrolls sideways."""

import pytest
from playwright.sync_api import expect

from crm_site import pagination
from tests.complaints.test_views import make_complaint
from tests.e2e.conftest import PHONE, SHOTS
from tests.factories import CustomerFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

TEXT = {
    "en": {
        "more": "More than 6 complaints",
        "page": "Page 1 of 2+",
        "next": "Next",
        "search": "Filter",
        "step": "1 Listen",
    },
    "zh-hans": {
        "more": "超过 6 条投诉",
        "page": "第 1 页，共 2+ 页",
        "next": "下一页",
        "search": "筛选",
        "step": "1 倾听",
    },
}


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_search_and_a_capped_list_on_a_phone(as_user, live_server, frontline, branch, monkeypatch, language):
    wang = make_complaint(frontline, CustomerFactory(branch=branch, name="王伟明", phone="13912345678"))
    others = [make_complaint(frontline, CustomerFactory(branch=branch, name=f"李{i}")) for i in range(7)]
    monkeypatch.setattr(pagination, "DEFAULT_CAP", 6)  # the live server runs in this process
    monkeypatch.setattr("complaints.views.PAGE_SIZE", 3)
    text = TEXT[language]
    page = as_user("frontline", language)
    page.goto(f"{live_server.url}/complaints/")
    expect(page.get_by_test_id("complaint-count")).to_contain_text(text["more"])
    expect(page.get_by_test_id("page-nav")).to_contain_text(text["page"])
    page.get_by_test_id("page-nav").get_by_role("link", name=text["next"]).click()
    expect(page.get_by_test_id("complaint-table").locator("tbody tr")).to_have_count(3)
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / f"complaint-list-capped-{language}.png"), full_page=True)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"the page is {width} px wide"

    for query, expected in (
        ("伟", wang.number),
        (others[3].number.lower(), others[3].number),
        (others[5].number[3:], others[5].number),  # the year and the serial, without "TS-"
        ("13912345678", wang.number),
    ):
        page.locator("#id_q").fill(query)
        page.get_by_role("button", name=text["search"]).click()
        rows = page.get_by_test_id("complaint-table").locator("tbody tr")
        expect(rows).to_have_count(1)
        expect(rows.first).to_contain_text(expected)
        expect(rows.first).to_contain_text(text["step"])  # the step's badge, in the reader's language
    page.screenshot(path=str(SHOTS / f"complaint-search-{language}.png"), full_page=True)
