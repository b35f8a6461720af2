"""Notifications as a clerk meets them on a phone, in both languages: the bell says two are unread, the list shows
them, following one opens its complaint and the bell drops to one, and "mark all read" clears the rest."""

import pytest
from playwright.sync_api import expect

from complaints.models import Complaint
from crm_site.notifications.models import Notification
from tests.complaints.factories import ComplaintFactory
from tests.notifications import kinds_registered, tell

from .conftest import PHONE, SHOTS

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def shot(page, name: str) -> None:
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def fits_the_phone(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


@pytest.fixture(autouse=True)
def kinds():
    with kinds_registered():
        yield


@pytest.mark.parametrize(
    ("language", "marked"), [("en", "1 notification marked read."), ("zh-hans", "已将 1 条通知标为已读。")]
)
def test_a_clerk_follows_a_notification_and_marks_the_rest_read(
    as_user, live_server, frontline, customer, language, marked
):
    first = ComplaintFactory(actor=frontline, customer=customer)
    second = ComplaintFactory(actor=frontline, customer=customer, customer_words="Second 第二件")
    older = tell(frontline, first, "older")
    newer = tell(frontline, second, "newer")

    page = as_user("frontline", language)
    bell = page.get_by_test_id("notification-bell")
    expect(bell).to_be_visible()  # on the bar itself, not behind the collapsed menu
    expect(page.get_by_test_id("notification-count")).to_have_text("2")
    fits_the_phone(page)
    shot(page, f"notifications-bell-{language}")

    bell.click()
    page.wait_for_url(f"{live_server.url}/notifications/")
    items = page.get_by_test_id("notification")
    expect(items).to_have_count(2)
    expect(items.first).to_contain_text(second.number)  # newest first
    expect(page.locator("html")).to_have_attribute("lang", language)
    fits_the_phone(page)
    shot(page, f"notifications-list-{language}")

    items.first.get_by_test_id("notification-link").click()
    page.wait_for_url(f"{live_server.url}/complaints/{second.pk}/")
    expect(page.get_by_test_id("notification-count")).to_have_text("1")
    shot(page, f"notifications-followed-{language}")
    assert Notification.objects.get(pk=newer.pk).read_at is not None

    page.get_by_test_id("notification-bell").click()
    page.wait_for_url(f"{live_server.url}/notifications/")
    expect(page.locator("[data-testid=notification][data-unread=true]")).to_have_count(1)
    page.get_by_test_id("read-all").click()
    expect(page.locator(".alert-success").filter(has_text=marked)).to_be_visible()
    expect(page.get_by_test_id("notification-count")).to_have_count(0)
    expect(page.locator("[data-testid=notification][data-unread=true]")).to_have_count(0)
    fits_the_phone(page)
    shot(page, f"notifications-all-read-{language}")
    assert Notification.objects.get(pk=older.pk).read_at is not None


@pytest.mark.parametrize(
    ("language", "no_longer"), [("en", "You can no longer open this."), ("zh-hans", "您已无法打开此项。")]
)
def test_a_notification_about_a_complaint_gone_elsewhere_has_no_link(
    as_user, live_server, frontline, customer, other_branch, language, no_longer
):
    complaint = ComplaintFactory(actor=frontline, customer=customer)
    tell(frontline, complaint)
    Complaint.objects.filter(pk=complaint.pk).update(branch=other_branch)  # moved to another branch
    page = as_user("frontline", language)
    page.get_by_test_id("notification-bell").click()
    item = page.get_by_test_id("notification")
    expect(item).to_contain_text(complaint.number)
    expect(item.get_by_test_id("no-longer-open")).to_have_text(no_longer)
    expect(item.get_by_test_id("notification-link")).to_have_count(0)
    fits_the_phone(page)
    shot(page, f"notifications-no-longer-{language}")


@pytest.mark.parametrize(
    ("language", "saved"), [("en", "Your notification preferences are saved."), ("zh-hans", "通知设置已保存。")]
)
def test_a_clerk_asks_for_a_daily_digest_in_chinese(as_user, live_server, frontline, language, saved):
    page = as_user("frontline", language)
    page.get_by_test_id("notification-bell").click()
    page.get_by_test_id("empty").wait_for()
    page.locator(
        f"a[href='{live_server.url}/notifications/preferences/'], a[href='/notifications/preferences/']"
    ).click()
    page.locator("input[name=delivery][value=digest]").check()
    page.locator("select[name=language]").select_option("zh-hans")
    page.locator("[data-testid=preferences-form] [type=submit]").click()
    expect(page.locator(".alert-success").filter(has_text=saved)).to_be_visible()
    expect(page.locator("input[name=delivery][value=digest]")).to_be_checked()
    fits_the_phone(page)
    shot(page, f"notifications-preferences-{language}")
    preference = frontline.notification_preference
    assert (preference.delivery, preference.language) == ("digest", "zh-hans")
