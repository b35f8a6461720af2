"""A visitor files a complaint from a phone, in Chinese, without logging in: they get the number and the private
link; staff take the complaint on and move it; the visitor sees the stage change and adds a message; staff read
it on the complaint's timeline. Every customer page fits a 375 px screen.
"""

import os
import tempfile
from pathlib import Path

import pytest
from django.core.cache import cache
from playwright.sync_api import expect

from complaints import services as complaint_services
from complaints.models import Complaint, TimelineEvent
from complaints.workflow import Step
from tests.complaints.factories import CategoryFactory, walk_to

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

PHONE = {"width": 375, "height": 812}
SHOTS = Path(os.environ.get("CRM_E2E_SHOTS", Path(tempfile.gettempdir()) / "crm-e2e-shots"))


def fits_the_screen(page, name: str) -> None:
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{name}: the page is {width} px wide on a {PHONE['width']} px screen"


def test_a_visitor_files_follows_and_answers_a_complaint_on_a_phone(
    browser, live_server, branch, frontline, manager, as_user
):
    cache.clear()  # the throttles' counts (the live server shares this process's cache)
    CategoryFactory(code="other", name_en="Other", name_zh="其他")
    context = browser.new_context(viewport=PHONE, locale="zh-CN")
    page = context.new_page()
    refused = []
    page.on("console", lambda m: refused.append(m.text) if "Content Security Policy" in m.text else None)

    page.goto(f"{live_server.url}/c/b/{branch.code}/?lang=zh-hans")
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    expect(page.get_by_test_id("form-branch")).to_have_text(branch.name)
    # A first try without any way to answer is refused, and what was typed stays.
    page.locator("#id_name").fill("李娜")
    page.locator("#id_what_happened").fill("送货晚了两天，箱子也压坏了。")
    page.locator("#id_location").fill("朝阳门店")
    page.get_by_test_id("submit").click()
    expect(page.get_by_test_id("form-errors")).to_be_visible()
    expect(page.locator("#id_what_happened")).to_have_value("送货晚了两天，箱子也压坏了。")
    fits_the_screen(page, "intake-form-refused-zh")
    page.locator("#id_phone").fill("138 0013 8000")
    page.locator("#id_request").fill("换一台新的")
    page.get_by_test_id("submit").click()

    number = page.get_by_test_id("complaint-number")
    expect(number).to_be_visible()
    complaint = Complaint.objects.get()
    expect(number).to_have_text(complaint.number)
    link = page.get_by_test_id("status-link").input_value()
    assert link.startswith(f"{live_server.url}/c/status/")
    fits_the_screen(page, "intake-filed-zh")

    page.goto(link)
    expect(page.get_by_test_id("stage")).to_have_attribute("data-stage", "received")
    fits_the_screen(page, "intake-status-received-zh")

    # Staff take it on: the manager assigns it, the clerk works it up to the investigation.
    complaint_services.complaint_assign(
        actor=manager, complaint_id=complaint.pk, expected_version=complaint.version, handler=frontline, department=None
    )
    walk_to(Complaint.objects.get(pk=complaint.pk), Step.PROBLEM, actor=frontline)
    complaint_services.complaint_add_note(
        actor=frontline, complaint_id=complaint.pk, text="非常抱歉，我们正在调查。", customer_facing=True
    )
    complaint_services.complaint_add_note(actor=frontline, complaint_id=complaint.pk, text="内部：查物流单")

    page.reload()
    expect(page.get_by_test_id("stage")).to_have_attribute("data-stage", "investigating")
    expect(page.get_by_test_id("conversation")).to_contain_text("非常抱歉，我们正在调查。")
    expect(page.get_by_test_id("conversation")).not_to_contain_text("内部")
    page.locator("#id_text").fill("快递员今天又来了一次。")
    page.get_by_test_id("send-message").click()
    expect(page.get_by_test_id("conversation")).to_contain_text("快递员今天又来了一次。")
    fits_the_screen(page, "intake-status-investigating-zh")
    assert refused == []
    context.close()

    assert complaint.timeline.filter(kind=TimelineEvent.Kind.CUSTOMER_MESSAGE).count() == 1
    staff_page = as_user(frontline.username)
    staff_page.goto(f"{live_server.url}/complaints/{complaint.pk}/")
    expect(staff_page.get_by_test_id("timeline")).to_contain_text("快递员今天又来了一次。")
    expect(staff_page.get_by_test_id("timeline")).to_contain_text("Message from the customer")
    fits_the_screen(staff_page, "intake-staff-timeline")
