"""A manager on a phone, in Chinese: exports the complaint list as CSV (filters kept, formulas neutralised, one
audit row), then makes an API token, reads the branch's complaints with it from a script,
revokes it, and the same key is refused."""

import csv
import io
from pathlib import Path

import pytest
from playwright.sync_api import expect

from crm_site.exports.models import ExportAudit
from crm_site.org.roles import Role
from tests.complaints.test_views import make_complaint
from tests.e2e.conftest import PHONE, SHOTS
from tests.factories import CustomerFactory, staff

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_a_manager_exports_the_list_and_uses_the_api_with_a_token(
    as_user, playwright, live_server, branch, other_branch
):
    manager = staff(Role.MANAGER, branch, username="manager")
    frontline = staff(Role.FRONTLINE, branch, username="frontline")
    other = staff(Role.FRONTLINE, other_branch, username="frontline2")
    mine = make_complaint(frontline, CustomerFactory(branch=branch, name="=HYPERLINK(1)", phone="13812345678"))
    make_complaint(frontline, CustomerFactory(branch=branch, name="Quiet"), severity="major")
    theirs = make_complaint(other, CustomerFactory(branch=other_branch, name="Elsewhere"))

    page = as_user("manager", "zh-hans")
    assert manager.pk  # signed in as the branch's manager
    page.goto(f"{live_server.url}/complaints/?severity=general")
    with page.expect_download() as download:
        page.get_by_test_id("export-csv").first.click()
    text = Path(download.value.path()).read_text(encoding="utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    numbers = [row[0] for row in rows[1:]]
    assert numbers == [mine.number]  # the filter held; the major one and the other branch's are not there
    assert "'=HYPERLINK(1)" in rows[1]  # a formula comes out as text
    audit = ExportAudit.objects.get()
    assert (audit.user_id, audit.row_count, audit.filters.get("severity")) == (manager.pk, 1, "general")

    page.goto(f"{live_server.url}/api/tokens/")
    page.locator("#id_name").fill("报表脚本")
    page.locator("[data-testid=token-form] [type=submit]").click()
    key = page.get_by_test_id("new-key").locator("code").inner_text().strip()
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / "api-token-zh-hans.png"), full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

    api = playwright.request.new_context()  # a script: no session cookie, only the key
    headers = {"Authorization": f"Token {key}"}
    listing = api.get(f"{live_server.url}/api/v1/complaints/", headers=headers)
    assert listing.status == 200
    found = {row["number"] for row in listing.json()["results"]}
    assert mine.number in found and theirs.number not in found
    hidden = api.get(f"{live_server.url}/api/v1/complaints/{theirs.pk}/", headers=headers)
    assert hidden.status == 404 and hidden.json()["error"]["code"] == "not_found"

    page.get_by_role("link", name="撤销").click()
    page.locator("[data-testid=revoke-form] [type=submit]").click()
    expect(page.locator("tbody")).to_contain_text("撤销")
    expect(page.get_by_role("link", name="撤销")).to_have_count(0)
    refused = api.get(f"{live_server.url}/api/v1/complaints/", headers=headers)
    assert refused.status == 401 and refused.json()["error"]["code"] == "not_authenticated"
    api.dispose()
