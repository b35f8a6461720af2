"""Issue 8 as people meet it: each role sees only what the access policy lets it, on a phone too.

At 375 px (a phone) and in both languages, the pages a complaint goes through fit the screen (no sideways
scrolling), each role's navigation offers what it may open, another branch's complaint is a friendly
"not found" page, and an action the policy refuses is a friendly "not allowed" page."""

import pytest
from playwright.sync_api import expect

from complaints.models import Remedy
from complaints.workflow import Step
from tests.complaints.factories import ComplaintFactory, walk_to
from tests.e2e.conftest import PHONE, SHOTS

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

# Screenshots to look at after a run (CRM_E2E_SHOTS to choose the folder).


def fits_the_screen(page, name: str) -> None:
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{name}: the page is {width} px wide on a {PHONE['width']} px screen"


@pytest.fixture
def case_in_action(frontline, manager, gm):
    """A major complaint at Action whose plan has several remedies and waits for the general manager."""
    complaint = walk_to(ComplaintFactory(actor=frontline, severity="major"), Step.ACTION, actor=frontline)
    from tests.complaints.factories import submit_plan

    plan = submit_plan(
        complaint,
        frontline,
        amounts=("1200.50", "300", "88"),
        kind=Remedy.Kind.COMPENSATION,
        summary="更换电梯控制板并补偿三个月物业费 Replace the lift's control board and waive three months' fees",
    )
    return complaint, plan


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_complaint_pages_fit_a_phone_for_each_role(as_user, live_server, case_in_action, admin_user, language):
    complaint, _plan = case_in_action
    pages = {
        "frontline": ["/", "/complaints/", f"/complaints/{complaint.pk}/", "/complaints/new/", "/customers/"],
        "manager": ["/", f"/complaints/{complaint.pk}/", "/complaints/approvals/", "/customers/visits/"],
        "gm": ["/", f"/complaints/{complaint.pk}/", "/complaints/approvals/", "/customers/matrix/"],
        "admin": ["/", "/complaints/"],
    }
    for username, urls in pages.items():
        page = as_user(username, language)
        for url in urls:
            response = page.goto(f"{live_server.url}{url}")
            assert response.status == 200, (username, url, response.status)
            fits_the_screen(page, f"{language}-{username}{url.replace('/', '_')}")


def test_each_role_is_offered_only_what_it_may_do(as_user, live_server, case_in_action, frontline_other, manager):
    complaint, plan = case_in_action
    detail = f"{live_server.url}/complaints/{complaint.pk}/"

    # The branch manager decides the plan first; the general manager may step in.
    for decider in ("manager", "gm"):
        page = as_user(decider)
        page.goto(detail)
        expect(page.get_by_test_id("decision-form")).to_be_visible()

    # Front-line staff of the branch work the case but are offered no decision.
    fl = as_user("frontline")
    fl.goto(detail)
    expect(fl.get_by_test_id("decision-form")).to_have_count(0)
    expect(fl.get_by_role("link", name="Approvals")).to_have_count(0)

    # Another branch: the case does not exist for them, on a friendly page with a way home.
    other = as_user("frontline2")
    response = other.goto(detail)
    assert response.status == 404
    expect(other.get_by_role("link", name="Home").first).to_be_visible()
    assert "URLconf" not in other.content()  # never Django's technical page
    fits_the_screen(other, "404-other-branch")

    # A refused action is a friendly "not allowed" page, and changes nothing.
    response = other.goto(f"{live_server.url}/customers/transfer/")
    assert response.status == 403
    fits_the_screen(other, "403-transfer")
