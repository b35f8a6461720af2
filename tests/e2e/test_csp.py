"""The pages work under the Content-Security-Policy: Chromium reports no violation on the main pages, the
admin included, while htmx swaps fragments in, Bootstrap opens menus and ECharts draws."""

import inspect
import time

import pytest
from django.test import RequestFactory
from django_ratelimit.core import get_usage
from playwright.sync_api import expect

from complaints.views import customer_search
from crm_site.org.roles import Role
from tests.complaints.factories import ComplaintFactory
from tests.factories import TEST_PASSWORD, CustomerFactory, staff

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.fixture
def violations(page):
    """Every console message in which Chromium refuses something under the policy."""
    found: list[str] = []
    page.on(
        "console",
        lambda message: (
            found.append(f"{page.url}: {message.text}") if "Content Security Policy" in message.text else None
        ),
    )
    return found


def _visit(page, url: str):
    page.goto(url)
    page.wait_for_load_state("networkidle")


def test_no_csp_violation_on_the_main_pages(page, live_server, login, violations, frontline, manager, branch):
    customer = CustomerFactory(branch=branch, name="张伟", phone="13812345678")
    complaint = ComplaintFactory(actor=frontline, customer=customer)
    base = live_server.url

    _visit(page, f"{base}/accounts/login/")
    login("manager", TEST_PASSWORD)
    for path in (
        "/",
        "/complaints/",
        "/complaints/approvals/",
        f"/complaints/{complaint.pk}/",
        "/customers/",
        f"/customers/{customer.pk}/360/",
        f"/customers/{customer.pk}/edit/",
        "/customers/visits/",
        "/customers/transfer/",
        "/customers/transactions/import/",
        "/customers/report/retention/",
        "/accounts/password/",
        "/no-such-page/",
    ):
        _visit(page, base + path)

    _visit(page, f"{base}/customers/matrix/")
    expect(page.locator("#value-matrix canvas")).to_have_count(1)  # ECharts drew

    page.get_by_test_id("user-menu").click()  # Bootstrap's dropdown
    expect(page.get_by_role("link", name="Change password")).to_be_visible()

    _visit(page, f"{base}/complaints/new/")
    search = page.get_by_label("Find by name, phone or code")
    search.fill("张")
    expect(page.get_by_test_id("search-too-short")).to_be_visible()
    search.fill("张伟")
    expect(page.locator("#customer-results").get_by_text("张伟")).to_be_visible()

    _visit(page, f"{base}/customers/new/")
    page.locator("#id_phone").fill("13812345678")
    expect(page.get_by_test_id("duplicates").get_by_text("张伟")).to_be_visible()

    assert violations == []


def test_no_csp_violation_in_the_admin(page, live_server, login, violations, db):
    staff(Role.ADMIN, None, username="root", is_staff=True, is_superuser=True)
    login("root", TEST_PASSWORD)
    base = live_server.url
    for path in (
        "/config/",
        "/config/auth/user/",
        "/config/auth/user/add/",
        "/config/complaints/category/",
        "/config/customers/customer/",
        "/config/complaints/holiday/add/",
    ):
        _visit(page, base + path)
    page.locator("#calendarlink0").click()  # the admin's date picker
    expect(page.locator("#calendarbox0")).to_be_visible()
    _visit(page, f"{base}/config/django_celery_beat/periodictask/add/")
    # django-celery-beat's crontab hint, moved out of its inline script, still works.
    expect(page.locator(".field-crontab_translation")).to_be_hidden()
    assert violations == []


def test_a_throttled_search_shows_its_note(page, live_server, login, frontline):
    """htmx leaves a 4xx answer out by default: the 429's short note must be swapped in."""
    login("frontline", TEST_PASSWORD)
    request = RequestFactory().get("/complaints/new/customers/")
    request.user = frontline
    limit = {"fn": inspect.unwrap(customer_search), "key": "user_or_ip", "rate": "60/m"}
    if get_usage(request, **limit)["time_left"] < 15:  # not across the end of the minute
        time.sleep(16)
    for _ in range(60):
        get_usage(request, increment=True, **limit)

    page.goto(f"{live_server.url}/complaints/new/")
    page.get_by_label("Find by name, phone or code").fill("张伟")
    expect(page.get_by_test_id("too-many-lookups")).to_have_text("Too many searches; wait a minute.")
