"""Issue 9 as the people who run the site meet it, on a phone and in both languages.

The admin finds a failed background job in /config/ and sends it again; a plain-HTTP trial says so on the login
page before anyone types a password; /healthz answers a browser on the local network with its details. (The
production shape itself, HTTPS through Caddy and a worker killed mid-task, is tried by .ci/prod_smoke.py.)
"""

import os
import tempfile
from pathlib import Path

import pytest
from playwright.sync_api import expect

from crm_site.jobs.models import Job
from crm_site.jobs.services import HANDLERS
from tests.factories import TEST_PASSWORD

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

PHONE = {"width": 375, "height": 812}
SHOTS = Path(os.environ.get("CRM_E2E_SHOTS", Path(tempfile.gettempdir()) / "crm-e2e-shots"))


def phone_page(browser, live_server, language: str):
    context = browser.new_context(viewport=PHONE, locale="zh-CN" if language == "zh-hans" else "en-US")
    page = context.new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    if language == "zh-hans":
        page.get_by_role("button", name="中文").click()
    return context, page


def shot(page, name: str) -> None:
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


@pytest.mark.parametrize(
    ("language", "queued_again"),
    [("en", "1 job queued again."), ("zh-hans", "已重新排队 1 个任务。")],
)
def test_admin_retries_a_failed_job_from_config(browser, live_server, admin_user, language, queued_again):
    assert "customers.recompute" in HANDLERS
    failed = Job.objects.create(
        kind="customers.recompute", state="failed", attempts=5, last_error="OperationalError: database is locked"
    )
    context, page = phone_page(browser, live_server, language)
    page.locator("#id_username").fill(admin_user.username)
    page.locator("#id_password").fill(TEST_PASSWORD)
    page.locator("form [type=submit]").last.click()
    page.wait_for_url(f"{live_server.url}/")
    page.goto(f"{live_server.url}/config/jobs/job/?state__exact=failed")
    expect(page.get_by_text("OperationalError: database is locked")).to_be_visible()
    shot(page, f"ops-jobs-failed-{language}")
    page.locator(f"input[name=_selected_action][value='{failed.pk}']").check()
    page.locator("select[name=action]").select_option("retry_selected")
    page.locator("button[name=index]").click()
    expect(page.get_by_text(queued_again)).to_be_visible()
    expect(page.locator("ul.messagelist li.warning")).to_have_count(0)  # nothing else was selected
    shot(page, f"ops-jobs-retried-{language}")
    failed.refresh_from_db()
    assert (failed.state, failed.attempts) == ("pending", 0)
    context.close()


@pytest.mark.parametrize(
    ("language", "warning"),
    [
        ("en", "Trial over plain HTTP: passwords and customer data cross the network unencrypted."),
        ("zh-hans", "试用模式（明文 HTTP）：密码和客户数据在网络中未加密传输。"),
    ],
)
def test_a_plain_http_trial_warns_before_anyone_logs_in(browser, live_server, settings, language, warning):
    settings.HTTP_TRIAL = True
    context, page = phone_page(browser, live_server, language)
    alert = page.get_by_role("alert").filter(has_text=warning)
    expect(alert).to_be_visible()
    box = alert.bounding_box()
    assert box is not None and box["y"] < 80, "the warning is the first thing on the page"
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    shot(page, f"ops-http-trial-{language}")
    context.close()
    settings.HTTP_TRIAL = False
    context, page = phone_page(browser, live_server, language)
    expect(page.get_by_role("alert").filter(has_text=warning)).to_have_count(0)
    context.close()


def test_healthz_shows_its_details_to_the_local_network(browser, live_server):
    context = browser.new_context()
    page = context.new_page()
    response = page.goto(f"{live_server.url}/healthz")
    body = response.json()
    # No worker runs beside the live server: honest 503, and the reason is in the details.
    assert response.status == 503
    assert body["status"] == "error"
    assert body["database"]["ok"] is True
    assert body["worker"]["ok"] is False
    context.close()
