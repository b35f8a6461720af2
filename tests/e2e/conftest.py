import os
import tempfile
from pathlib import Path

import pytest

from tests.factories import TEST_PASSWORD

# Sync Playwright runs an event loop in the test thread; the ORM calls beside it are still sync.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
PHONE = {"width": 375, "height": 812}
# Screenshots to look at after a run (CRM_E2E_SHOTS to choose the folder).
SHOTS = Path(os.environ.get("CRM_E2E_SHOTS", Path(tempfile.gettempdir()) / "crm-e2e-shots"))


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    # Debian's browser: Playwright's own download cannot work on a closed network.
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
        ],
    }


@pytest.fixture
def login(page, live_server):
    def _login(username: str, password: str):
        page.goto(f"{live_server.url}/accounts/login/")
        page.get_by_label("Username").fill(username)
        page.get_by_label("Password").fill(password)
        page.get_by_role("button", name="Log in").click()
        page.wait_for_url(f"{live_server.url}/")

    return _login


@pytest.fixture
def as_user(browser, live_server):
    """Log in as a test user on a phone-sized screen, in English or Chinese; returns the page."""
    contexts = []

    def _as(username: str, language: str = "en"):
        context = browser.new_context(viewport=PHONE, locale="zh-CN" if language == "zh-hans" else "en-US")
        contexts.append(context)
        page = context.new_page()
        page.goto(f"{live_server.url}/accounts/login/")
        if language == "zh-hans":
            page.get_by_role("button", name="中文").click()
        page.locator("#id_username").fill(username)
        page.locator("#id_password").fill(TEST_PASSWORD)
        page.locator("form [type=submit]").last.click()
        page.wait_for_url(f"{live_server.url}/")
        return page

    yield _as
    for context in contexts:
        context.close()


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    # A desktop wide enough for the full navigation bar (it collapses below 1400 px); phone tests set their own.
    return {**browser_context_args, "viewport": {"width": 1440, "height": 900}}
