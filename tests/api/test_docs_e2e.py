"""In a browser: the API documentation (vendored Swagger UI) and the token pages work under the CSP, at phone
width too."""

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import PHONE, browser_type_launch_args, login  # noqa: F401  (Debian's Chromium, signing in)
from tests.factories import TEST_PASSWORD

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.fixture
def violations(page):
    found: list[str] = []
    page.on("console", lambda m: found.append(m.text) if "Content Security Policy" in m.text else None)
    return found


def test_the_docs_and_token_pages_work_under_the_csp(page, live_server, login, violations, frontline):  # noqa: F811
    base = live_server.url
    page.set_viewport_size(PHONE)
    login("frontline", TEST_PASSWORD)
    page.goto(f"{base}/api/docs/")
    expect(page.get_by_text("/api/v1/complaints/{id}/advance/").first).to_be_visible(timeout=15000)
    page.goto(f"{base}/api/tokens/")
    expect(page.get_by_test_id("no-tokens")).to_be_visible()
    page.get_by_label("Name").fill("ERP sync")
    page.get_by_role("button", name="Create a token").click()
    expect(page.get_by_test_id("new-key")).to_be_visible()
    page.get_by_role("link", name="Revoke").click()
    page.get_by_role("button", name="Revoke the token").click()
    expect(page.get_by_text("revoked: its key no longer works")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert violations == []
