"""A complaint walked from intake to closed in the browser by the people who would do it:
live customer search, the steps, a rejected plan, a general-manager approval, a dissatisfied
revisit that reopens, an extension, then a satisfied revisit and close."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from complaints.models import Complaint, PlanStatus
from complaints.workflow import Step
from tests.factories import TEST_PASSWORD, CustomerFactory, DepartmentFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.fixture
def as_user(browser, live_server):
    contexts = []

    def _as(username: str):
        context = browser.new_context()
        contexts.append(context)
        page = context.new_page()
        page.goto(f"{live_server.url}/accounts/login/")
        page.get_by_label("Username").fill(username)
        page.get_by_label("Password").fill(TEST_PASSWORD)
        page.get_by_role("button", name="Log in").click()
        page.wait_for_url(f"{live_server.url}/")
        return page

    yield _as
    for context in contexts:
        context.close()


def ok(page, text: str):
    expect(page.locator(".alert-success").filter(has_text=text)).to_be_visible()


def test_complaint_from_intake_to_closed(as_user, live_server, frontline, manager, gm, branch):
    DepartmentFactory(name="工程部 Engineering")
    CustomerFactory(branch=branch, name="张伟", phone="13812345678")
    fl = as_user("frontline")

    # Intake: find the customer live, describe, register as major.
    fl.goto(f"{live_server.url}/complaints/new/")
    fl.get_by_label("Find by name, phone or code").fill("13812345678")
    fl.locator("[data-customer-id]").filter(has_text="张伟").click()
    expect(fl.get_by_test_id("chosen-customer")).to_contain_text("张伟")
    fl.get_by_label("In the customer's own words").fill("电梯一周坏了三次 The lift broke three times this week")
    fl.get_by_label("Category").select_option(label="Service manner")
    fl.get_by_label("Major", exact=False).check()
    fl.get_by_test_id("register").click()
    ok(fl, "registered")
    complaint = Complaint.objects.get()
    assert complaint.first_responder == frontline and complaint.severity == "major"
    detail = fl.url

    # Listen, Share, Problem through their forms; a missing item is named, not skipped.
    fl.get_by_test_id("save-advance").click()
    expect(fl.locator(".alert-warning")).to_contain_text("the key points")
    fl.get_by_label("Key points").fill("Lift; weekend; elderly residents")
    fl.get_by_test_id("save-advance").click()
    ok(fl, "next step")
    fl.get_by_label("Emotional state").select_option("angry")
    fl.get_by_test_id("step-form").get_by_role("button", name="非常抱歉 Sincere apology").click()  # A canned phrase.
    expect(fl.get_by_label("Apology / empathy given")).to_have_value(
        "非常抱歉,我会确保这个问题不再发生,以免给您带来更多的不便。"
    )
    fl.get_by_test_id("save-advance").click()
    fl.get_by_label("Root-cause group").select_option("support")
    fl.get_by_label("Root cause").fill("Spare parts out of stock")
    fl.get_by_label("Responsible department").select_option(label="工程部 Engineering")
    fl.get_by_test_id("save-advance").click()
    # Check: both confirmations.
    fl.get_by_role("button", name="The customer confirms").click()
    fl.get_by_role("button", name="The company confirms").click()
    fl.get_by_test_id("advance").click()
    expect(fl.get_by_test_id("step-progress").locator("[aria-current=step]")).to_have_text("5 Action")

    def propose(page, summary, amount):
        page.locator("#id_summary").fill(summary)
        page.get_by_label("Carried out by").fill((timezone.localdate() + timedelta(days=3)).isoformat())
        page.locator("#id_remedy-0-kind").select_option("compensation")
        page.locator("#id_remedy-0-amount").fill(amount)
        page.get_by_test_id("submit-plan").click()
        ok(page, "submitted")

    propose(fl, "Compensate one month of fees", "9000")

    # The manager rejects with a comment; the handler sees it and proposes again.
    mgr = as_user("manager")
    mgr.goto(detail)
    mgr.get_by_role("button", name="Reject").click()
    expect(mgr.locator(".invalid-feedback, .text-danger").first).to_be_visible()
    mgr.get_by_label("Comment (required to reject)").fill("Too much: repair first")
    mgr.get_by_role("button", name="Reject").click()
    ok(mgr, "rejected")
    fl.goto(detail)
    expect(fl.get_by_test_id("decision")).to_contain_text("Too much: repair first")
    propose(fl, "Repair and a small compensation", "300")
    mgr.goto(detail)
    mgr.get_by_role("button", name="Approve").click()
    ok(mgr, "approved")
    # Major complaint: the general manager approves too.
    plan = Complaint.objects.get().current_plan
    assert plan.status == PlanStatus.PENDING_GM
    gmp = as_user("gm")
    gmp.goto(f"{live_server.url}/complaints/approvals/")
    gmp.get_by_role("link", name=complaint.number).click()
    gmp.get_by_role("button", name="Approve").click()
    ok(gmp, "approved")

    # The customer agrees; the remedy is carried out; on to Satisfy.
    fl.goto(detail)
    fl.locator("#id_outcome").select_option("accepted")
    fl.get_by_role("button", name="Record the answer").click()
    fl.get_by_role("button", name="Mark done").click()
    fl.get_by_test_id("advance").click()
    expect(fl.get_by_test_id("revisit-form")).to_be_visible()

    # A dissatisfied revisit reopens the case at Action.
    fl.get_by_label("Outcome").select_option("not_resolved")
    fl.get_by_label("Satisfaction").select_option("2")
    fl.get_by_label("Notes").fill("Still breaks down")
    fl.get_by_role("button", name="Record the revisit").click()
    assert Complaint.objects.get().step == Step.ACTION
    expect(fl.get_by_test_id("timeline")).to_contain_text("Still breaks down")

    # The manager grants an extension for the supplier delay.
    mgr.goto(detail)
    new_due = timezone.localtime(Complaint.objects.get().resolution_due_at + timedelta(days=5))
    mgr.get_by_label("New resolution deadline").fill(new_due.strftime("%Y-%m-%dT%H:%M"))
    mgr.get_by_label("Reason (e.g. rain, snow, supplier delay)").fill("Supplier delay 供应商延迟")
    mgr.get_by_role("button", name="Extend").click()
    ok(mgr, "extended")

    # The handler's open page is now stale: its plan is refused until the page is reloaded.
    fl.locator("#id_summary").fill("Replace the control board")
    fl.locator("#id_remedy-0-kind").select_option("repair")
    fl.get_by_label("Carried out by").fill((timezone.localdate() + timedelta(days=3)).isoformat())
    fl.get_by_test_id("submit-plan").click()
    expect(fl.locator(".alert-danger")).to_contain_text("changed by someone else")
    # A new plan, approved by both, carried out, and a satisfied revisit closes it.
    fl.goto(detail)
    propose(fl, "Replace the control board", "0")
    mgr.goto(detail)
    mgr.get_by_role("button", name="Approve").click()
    gmp.goto(detail)
    gmp.get_by_role("button", name="Approve").click()
    fl.goto(detail)
    fl.locator("#id_outcome").select_option("accepted")
    fl.get_by_role("button", name="Record the answer").click()
    fl.get_by_role("button", name="Mark done").click()
    fl.get_by_test_id("advance").click()
    fl.get_by_label("Outcome").select_option("resolved")
    fl.get_by_label("Satisfaction").select_option("5")
    fl.get_by_label("The customer signed off (签字认可)").check()
    fl.get_by_label("Prevention measure").fill("Keep spare boards in stock")
    fl.get_by_role("button", name="Record the revisit").click()
    fl.get_by_test_id("advance").click()
    ok(fl, "Complaint closed.")
    complaint = Complaint.objects.get()
    assert complaint.step == Step.CLOSED and not complaint.closed_without_satisfaction
    assert complaint.first_responder == frontline
    kinds = list(complaint.timeline.values_list("kind", flat=True))
    for kind in (
        "created",
        "step",
        "plan",
        "decision",
        "response",
        "remedy",
        "revisit",
        "reopened",
        "extension",
        "closed",
    ):
        assert kind in kinds
    fl.screenshot(path="var/e2e-complaint-closed.png", full_page=True)
