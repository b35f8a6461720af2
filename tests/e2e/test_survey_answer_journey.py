"""A customer answers a survey through their personal link, on a phone, in either language, without logging in.

They open the link, answer some questions, reload (the answers come back from the browser's storage), lose the
connection while sending (nothing is lost), send again, and are thanked; the same link then says it was already
answered. Every page fits a 375 px screen and the Content-Security-Policy refuses nothing.
"""

import os
import tempfile
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.cache import cache
from django.utils import timezone
from playwright.sync_api import expect

from satisfaction.models import Campaign, Dimension, Invitation, Response, SurveyItem, SurveyTemplate
from satisfaction.services import _token_for, token_hash

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

PHONE = {"width": 375, "height": 812}
SHOTS = Path(os.environ.get("CRM_E2E_SHOTS", Path(tempfile.gettempdir()) / "crm-e2e-shots"))


def fits_the_screen(page, name: str) -> None:
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{name}: the page is {width} px wide on a {PHONE['width']} px screen"


@pytest.fixture
def survey_link(gm, customer):
    """A link to a four-item questionnaire with importance and every loyalty question; returns (path, items)."""
    cache.clear()  # the throttle's counts (the live server shares this process's cache)
    dimension = Dimension.objects.create(code="e2e-service", name_en="Service", name_zh="服务")
    template = SurveyTemplate.objects.create(
        code="e2e-service",
        name_en="How did our property service do?",
        name_zh="物业服务满意度调查",
        intro_en="Five minutes of your time help us fix what matters to you.",
        intro_zh="占用您五分钟，帮助我们改进您最关心的事情。",
        ask_importance=True,
    )
    texts = [
        ("Staff were friendly and listened to me", "员工态度友好，认真倾听"),
        ("Repairs were done quickly and properly the first time", "维修及时，一次修好"),
        ("The lifts and common areas are kept clean", "电梯和公共区域保持清洁"),
        ("Fees are clear and fair", "收费清楚合理"),
    ]
    items = [
        SurveyItem.objects.create(
            template=template, dimension=dimension, text_en=en, text_zh=zh, weight=Decimal(weight), sort_order=n
        )
        for n, ((en, zh), weight) in enumerate(zip(texts, ("2", "1", "1", "1"), strict=True))
    ]
    campaign = Campaign.objects.create(
        name="E2E campaign", template=template, status=Campaign.Status.SENT, created_by=gm
    )
    invitation = Invitation.objects.create(
        campaign=campaign,
        customer=customer,
        salt="e2e-salt",
        token_hash="0" * 64,
        expires_at=timezone.now() + timedelta(days=14),
    )
    token = _token_for(invitation)
    invitation.token_hash = token_hash(token)
    invitation.save(update_fields=["token_hash"])
    return f"/s/{token}/", items


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_a_customer_answers_on_a_phone_and_keeps_their_answers(browser, live_server, survey_link, language):
    path, items = survey_link
    first, second, _third, _fourth = items
    context = browser.new_context(viewport=PHONE, locale="zh-CN" if language == "zh-hans" else "en-US")
    page = context.new_page()
    violations: list[str] = []
    page.on("console", lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None)
    link = live_server.url + path
    title = "物业服务满意度调查" if language == "zh-hans" else "How did our property service do?"

    response = page.goto(link)
    assert response.status == 200
    expect(page.get_by_role("heading", level=1)).to_have_text(title)  # the browser's language, no login
    expect(page.locator("html")).to_have_attribute("lang", language)
    fits_the_screen(page, f"survey-{language}-1-opened")

    # Sending nothing: the page says what is missing, in place, and carries on working.
    page.locator("[data-survey-submit]").click()
    expect(page.get_by_test_id("form-errors")).to_be_visible()
    expect(page.get_by_test_id("form-errors")).to_be_focused()
    fits_the_screen(page, f"survey-{language}-1b-nothing-sent")

    # Some answers: the first item by tapping, the overall question by keyboard, an importance and a comment.
    page.locator(f"label[for=id_score_{first.pk}_4]").click()  # 5
    page.locator(f"label[for=id_score_{second.pk}_1]").click()  # 2
    page.locator(f"#id_importance_{first.pk}").select_option("9")
    page.locator("#id_overall_0").focus()
    page.keyboard.press("Space")
    page.keyboard.press("ArrowRight")  # arrow keys move the choice within a radio group: now 2
    page.keyboard.press("ArrowRight")  # 3
    expect(page.locator("#id_overall_2")).to_be_checked()
    page.locator("#id_comment").fill("电梯周末常坏 The lift often breaks at weekends")
    expect(page.locator("[data-survey-progress-bar]")).to_have_js_property("value", 3)
    if language == "en":
        expect(page.get_by_test_id("progress")).to_have_text("3 of 7 answered")
    # A second thought: the second item is cleared again.
    page.locator(f"[data-survey-clear=score_{second.pk}]").click()
    expect(page.locator(f"#id_score_{second.pk}_1")).not_to_be_checked()
    expect(page.locator("[data-survey-progress-bar]")).to_have_js_property("value", 2)
    page.locator(f"label[for=id_score_{second.pk}_1]").click()
    fits_the_screen(page, f"survey-{language}-2-answered")
    page.get_by_test_id("overall").scroll_into_view_if_needed()
    page.screenshot(path=str(SHOTS / f"survey-{language}-2b-scrolled.png"))  # what the phone shows mid-way

    # The phone drops the page (a reload): everything comes back from the browser's storage.
    page.reload()
    expect(page.locator(f"#id_score_{first.pk}_4")).to_be_checked()
    expect(page.locator(f"#id_score_{second.pk}_1")).to_be_checked()
    expect(page.locator(f"#id_importance_{first.pk}")).to_have_value("9")
    expect(page.locator("#id_overall_2")).to_be_checked()
    expect(page.locator("#id_comment")).to_have_value("电梯周末常坏 The lift often breaks at weekends")
    expect(page.locator("[data-survey-restored]")).to_be_visible()
    expect(page.locator("[data-survey-progress-bar]")).to_have_js_property("value", 3)

    if language == "en":
        # Switching language with the site's switch (no login needed) keeps the answers too.
        page.get_by_test_id("language-switch").get_by_role("button", name="中文").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("物业服务满意度调查")
        expect(page.locator(f"#id_score_{first.pk}_4")).to_be_checked()
        page.goto(f"{link}?lang=en")  # a link may carry the language as well
        expect(page).to_have_url(link)
        expect(page.get_by_role("heading", level=1)).to_have_text(title)

    # The connection drops while sending: a plain message, and every answer still on the page.
    context.set_offline(True)
    page.locator("[data-survey-submit]").click()
    expect(page.get_by_test_id("offline")).to_be_visible()
    expect(page.locator(f"#id_score_{first.pk}_4")).to_be_checked()
    expect(page.locator("#id_comment")).to_have_value("电梯周末常坏 The lift often breaks at weekends")
    expect(page.locator("[data-survey-submit]")).to_be_enabled()
    fits_the_screen(page, f"survey-{language}-3-offline")
    assert not Response.objects.exists()

    context.set_offline(False)
    page.locator("[data-survey-submit]").click()
    page.wait_for_url(f"{link}thanks/")
    expect(page.get_by_test_id("thanks")).to_be_visible()
    fits_the_screen(page, f"survey-{language}-4-thanks")
    saved = page.evaluate("Object.keys(localStorage).filter((key) => key.startsWith('survey-answer:')).length")
    assert saved == 0, "the thanks page forgets the saved answers"

    stored = Response.objects.get()
    assert {(a.item_id, a.score, a.importance) for a in stored.answers.all()} == {
        (first.pk, 5, 9),
        (second.pk, 2, None),
    }
    assert stored.weighted_points == Decimal("225")  # 2 × 100 + 1 × 25
    assert (stored.overall, stored.comment, stored.language) == (
        3,
        "电梯周末常坏 The lift often breaks at weekends",
        language,
    )

    # The same link again: already answered, on a friendly page.
    response = page.goto(link)
    assert response.status == 410
    expect(page.get_by_test_id("link-problem")).to_have_attribute("data-reason", "used")
    if language == "en":
        expect(page.get_by_test_id("link-problem")).to_contain_text("This survey has already been answered.")
    fits_the_screen(page, f"survey-{language}-5-used")

    response = page.goto(f"{live_server.url}/s/not-a-real-link/")
    assert response.status == 404
    fits_the_screen(page, f"survey-{language}-6-unknown")
    assert violations == []
    context.close()
