import pytest
from playwright.sync_api import expect

from crm_site.org.roles import Role
from tests.factories import TEST_PASSWORD, CustomerFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.mark.parametrize(
    ("role", "sees_config"),
    [(Role.FRONTLINE, False), (Role.MANAGER, False), (Role.GENERAL_MANAGER, False), (Role.ADMIN, True)],
)
def test_each_role_logs_in_and_sees_its_navigation(page, live_server, login, users_by_role, role, sees_config):
    user = users_by_role[role]
    login(user.username, TEST_PASSWORD)
    nav = page.get_by_test_id("nav")
    expect(nav.get_by_role("link", name="Customers", exact=True)).to_be_visible()
    expect(nav.get_by_role("link", name="Configuration")).to_have_count(1 if sees_config else 0)
    page.get_by_test_id("user-menu").click()
    page.get_by_test_id("logout").click()
    page.wait_for_url(f"{live_server.url}/accounts/login/")


def test_language_switch_in_the_browser(page, live_server, login, frontline, customer):
    login("frontline", TEST_PASSWORD)
    page.get_by_test_id("language-switch").get_by_role("button", name="简体中文").click()
    page.wait_for_load_state()
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    expect(page.get_by_test_id("nav").get_by_role("link", name="客户", exact=True)).to_be_visible()
    page.screenshot(path="var/e2e-home-zh.png", full_page=True)
    page.get_by_test_id("language-switch").get_by_role("button", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")


def test_customer_search_in_the_browser(page, live_server, login, frontline, branch):
    CustomerFactory(branch=branch, name="李娜", code="C-LI")
    CustomerFactory(branch=branch, name="Grace Walker", code="C-GW")
    login("frontline", TEST_PASSWORD)
    page.goto(f"{live_server.url}/customers/")
    page.get_by_label("Search").fill("李娜")
    page.keyboard.press("Enter")
    page.wait_for_url("**/customers/?q=*")
    table = page.get_by_test_id("customer-table")
    expect(table.get_by_text("李娜")).to_be_visible()
    expect(table.get_by_text("Grace Walker")).to_have_count(0)
