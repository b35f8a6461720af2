"""A visitor files a complaint from a phone, in English or in Chinese, without logging in: they get the number and
the private link; staff take the complaint on and move it; the visitor sees the stage change and adds a message;
staff, in the same language, read it on the complaint's timeline. Every customer page fits a 375 px screen.
"""

import os
import re
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


# The words each language's visitor and staff read, written by hand (the Chinese from
# locale/zh_Hans/LC_MESSAGES/django.po), and what the visitor and the clerk type.
WORDS = {
    "en": {
        "photos_help": "Up to 5 photos (JPEG, PNG, GIF or WebP), 10 MB each.",
        "sent_on": "Sent at",
        "browser": "en-US",
        "heading": "Tell us what went wrong",
        "check_fields": "Please check the fields marked below.",
        "no_way_to_answer": "Give a phone number or an e-mail address so that we can answer you.",
        "thanks": "Thank you: we have received your complaint",
        "received": "Received",
        "received_explained": "We have received your complaint and someone will look at it soon.",
        "investigating": "Being investigated",
        "investigating_explained": "We are looking into what went wrong.",
        "progress": ["Received", "Being investigated", "Solution proposed", "Resolved"],
        "from_us": "From us",
        "you": "You",
        "message_added": "Thank you: your message was added to your complaint.",
        "timeline_kind": "Message from the customer",
        "name": "Lisa Brown",
        "what_happened": "The delivery came two days late and the box was crushed.",
        "location": "Main Street shop",
        "request": "A new one, please",
        "answer": "We are very sorry; we are looking into it.",
        "internal": "Internal: check the courier's slip",
        "message": "The courier came back again today.",
    },
    "zh-hans": {
        "photos_help": "最多 5 张照片（JPEG、PNG、GIF 或 WebP），每张不超过 10 MB。",
        "sent_on": "发送时间",
        "browser": "zh-CN",
        "heading": "告诉我们哪里出了问题",
        "check_fields": "请检查下面标出的栏目。",
        "no_way_to_answer": "请留下电话或电子邮件地址，以便我们答复您。",
        "thanks": "谢谢，我们已受理您的投诉",
        "received": "受理",
        "received_explained": "我们已受理您的投诉，很快会有专人处理。",
        "investigating": "调查中",
        "investigating_explained": "我们正在调查问题的原因。",
        "progress": ["受理", "调查中", "已提出解决方案", "已解决"],
        "from_us": "我们",
        "you": "您",
        "message_added": "谢谢，您的留言已加入您的投诉。",
        "timeline_kind": "客户留言",
        "name": "李娜",
        "what_happened": "送货晚了两天，箱子也压坏了。",
        "location": "朝阳门店",
        "request": "换一台新的",
        "answer": "非常抱歉，我们正在调查。",
        "internal": "内部：查物流单",
        "message": "快递员今天又来了一次。",
    },
}


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_a_visitor_files_follows_and_answers_a_complaint_on_a_phone(
    browser, live_server, branch, frontline, manager, as_user, language
):
    words, tag = WORDS[language], "zh" if language == "zh-hans" else "en"
    cache.clear()  # the throttles' counts (the live server shares this process's cache)
    CategoryFactory(code="other", name_en="Other", name_zh="其他")
    context = browser.new_context(viewport=PHONE, locale=words["browser"])
    page = context.new_page()
    refused = []
    page.on("console", lambda m: refused.append(m.text) if "Content Security Policy" in m.text else None)

    page.goto(f"{live_server.url}/c/b/{branch.code}/?lang={language}")
    expect(page.locator("html")).to_have_attribute("lang", language)
    expect(page.locator("h1")).to_have_text(words["heading"])
    expect(page.get_by_test_id("form-branch")).to_have_text(branch.name)
    # A first try without any way to answer is refused, saying why, and what was typed stays.
    page.locator("#id_name").fill(words["name"])
    page.locator("#id_what_happened").fill(words["what_happened"])
    page.locator("#id_location").fill(words["location"])
    page.get_by_test_id("submit").click()
    expect(page.get_by_test_id("form-errors")).to_contain_text(words["check_fields"])
    expect(page.locator("#id_phone")).to_have_class(re.compile(r"\bis-invalid\b"))
    expect(page.get_by_text(words["no_way_to_answer"])).to_be_visible()
    expect(page.locator("#id_what_happened")).to_have_value(words["what_happened"])
    expect(page.get_by_text(words["photos_help"])).to_be_visible()  # services.MAX_FILES = 5
    fits_the_screen(page, f"intake-form-refused-{tag}")
    page.locator("#id_phone").fill("138 0013 8000")
    page.locator("#id_request").fill(words["request"])
    page.get_by_test_id("submit").click()

    number = page.get_by_test_id("complaint-number")
    expect(number).to_be_visible()
    expect(page.locator("h1")).to_have_text(words["thanks"])
    complaint = Complaint.objects.get()
    expect(number).to_have_text(complaint.number)
    link = page.get_by_test_id("status-link").input_value()
    assert link.startswith(f"{live_server.url}/c/status/")
    fits_the_screen(page, f"intake-filed-{tag}")

    page.goto(link)
    stage = page.get_by_test_id("stage")
    expect(stage).to_have_attribute("data-stage", "received")
    expect(page.get_by_text(words["sent_on"])).to_be_visible()
    # What they wrote, to remember it when they come back.
    expect(page.get_by_test_id("your-complaint")).to_contain_text(words["what_happened"])
    expect(page.get_by_test_id("your-complaint")).to_contain_text(words["request"])
    expect(stage).to_have_text(words["received"])
    expect(page.get_by_text(words["received_explained"])).to_be_visible()
    expect(page.locator(".intake-progress li")).to_have_text(words["progress"])
    expect(page.locator(".intake-progress li[aria-current=step]")).to_have_text(words["received"])
    fits_the_screen(page, f"intake-status-received-{tag}")

    # Staff take it on: the manager assigns it, the clerk works it up to the investigation.
    complaint_services.complaint_assign(
        actor=manager, complaint_id=complaint.pk, expected_version=complaint.version, handler=frontline, department=None
    )
    walk_to(Complaint.objects.get(pk=complaint.pk), Step.PROBLEM, actor=frontline)
    complaint_services.complaint_add_note(
        actor=frontline, complaint_id=complaint.pk, text=words["answer"], customer_facing=True
    )
    complaint_services.complaint_add_note(actor=frontline, complaint_id=complaint.pk, text=words["internal"])

    page.reload()
    expect(stage).to_have_attribute("data-stage", "investigating")
    expect(stage).to_have_text(words["investigating"])
    expect(page.get_by_text(words["investigating_explained"])).to_be_visible()
    expect(page.locator(".intake-progress li[aria-current=step]")).to_have_text(words["investigating"])
    conversation = page.get_by_test_id("conversation")
    expect(conversation).to_contain_text(words["answer"])
    expect(conversation.locator("[data-from=us]")).to_contain_text(words["from_us"])
    expect(conversation).not_to_contain_text(words["internal"])
    page.locator("#id_text").fill(words["message"])
    page.get_by_test_id("send-message").click()
    expect(page.get_by_text(words["message_added"])).to_be_visible()
    expect(conversation).to_contain_text(words["message"])
    expect(conversation.locator("[data-from=customer]")).to_contain_text(words["you"])
    fits_the_screen(page, f"intake-status-investigating-{tag}")
    assert refused == []
    context.close()

    assert complaint.timeline.filter(kind=TimelineEvent.Kind.CUSTOMER_MESSAGE).count() == 1
    staff_page = as_user(frontline.username, language)
    staff_page.goto(f"{live_server.url}/complaints/{complaint.pk}/")
    timeline = staff_page.get_by_test_id("timeline")
    expect(timeline).to_contain_text(words["message"])
    expect(timeline).to_contain_text(words["timeline_kind"])
    fits_the_screen(staff_page, f"intake-staff-timeline-{tag}")

    # The customer the form created is marked unverified; the branch manager checks and clears the mark.
    customer = complaint.customer
    assert customer.unverified
    manager_page = as_user(manager.username, language)
    manager_page.goto(f"{live_server.url}/customers/{customer.pk}/")
    expect(manager_page.get_by_test_id("unverified")).to_be_visible()
    expect(manager_page.get_by_test_id("unverified-note")).to_be_visible()
    fits_the_screen(manager_page, f"intake-customer-unverified-{tag}")
    manager_page.on("dialog", lambda dialog: dialog.accept())
    manager_page.get_by_test_id("verify").click()
    expect(manager_page.get_by_test_id("customer-name")).to_be_visible()
    expect(manager_page.get_by_test_id("unverified")).to_have_count(0)
    customer.refresh_from_db()
    assert not customer.unverified
