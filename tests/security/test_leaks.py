"""Nothing of another branch shows through lists, counts, searches and home pages; full phones only to those the
policy lets see them; extra form fields change nothing; and no state changes without a CSRF token."""

from urllib.parse import unquote

import pytest
from django.apps import apps
from django.contrib.sessions.models import Session
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from complaints.models import Complaint, PlanDecision, Remedy, ResolutionPlan, TimelineEvent
from complaints.workflow import Step
from customers.models import Contact, Customer, CustomerEvent, ImportBatch, VisitPlan
from tests.complaints.factories import CategoryFactory

from .conftest import PHONES, client_for, post
from .walk import ROUTES, expected_outcome, url_for

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_throttle():
    """Look-up throttles count per user id in the cache: start every test with none counted."""
    cache.clear()


def tail(phone: str) -> str:
    """What a masked phone (138****1234) hides plus what it shows: present only if the full number is."""
    return phone[3:]


def branch_b_secrets(w) -> list[str]:
    """What branch A's staff must never read: branch B's complaint numbers, customers, contact, full phones."""
    return [
        w.complaint_b.number,
        w.complaint_x.number,  # branch B's complaint, though about branch A's customer
        w.customer_b.name,
        w.customer_b2.name,
        w.contact_b.name,
        tail(PHONES["customer_b"]),
        tail(PHONES["customer_b2"]),
        tail(PHONES["contact_b"]),
    ]


# Full phones of branch A that frontline_a may not see: not the account manager of customer_a2.
NOT_FOR_FRONTLINE_A = [tail(PHONES["customer_a2"]), tail(PHONES["contact_a2"])]


# Pages that list, count or search, as URL templates filled from the world (see ``_fill``).
PAGES = {
    "complaint list": "/complaints/",
    "complaint list, every step": "/complaints/?step=",
    # A fragment of B's number, so that the search box's echo is not the number itself.
    "complaint list, B's number": "/complaints/?step=&q={number_b_fragment}",
    "complaint list, B's customer": "/complaints/?step=&q=Brightwater",
    "complaint list, B's code": "/complaints/?step=&q=CB0001",
    "complaint list, B's phone": "/complaints/?step=&q={phone_b}",
    "complaint list, Action step": "/complaints/?step=action",
    "customer list": "/customers/",
    "customer list, B's name": "/customers/?q=Brightwater",
    "customer list, B's code": "/customers/?q=CB0001",
    "customer list, B's phone fragment": "/customers/?q={phone_b_fragment}",
    "customer list, B's whole phone": "/customers/?q={phone_b}",
    "customer list, B's branch": "/customers/?branch={branch_b}",
    "approvals": "/complaints/approvals/",
    "visits": "/customers/visits/",
    "home": "/",
    "matrix": "/customers/matrix/",
    "matrix, B's branch": "/customers/matrix/?branch={branch_b}",
    "retention": "/customers/report/retention/",
    "retention by branch": "/customers/report/retention/?dimension=branch",
    "transfer, B's account manager": "/customers/transfer/?from_manager={frontline_b}",
    "transfer, A's account manager": "/customers/transfer/?from_manager={frontline_a}",
}


def _fill(w, template: str) -> str:
    return template.format(
        number_b_fragment=w.complaint_b.number[-6:],
        phone_b=PHONES["customer_b"],
        phone_b_fragment=PHONES["customer_b"][3:10],
        branch_b=w.branch_b.pk,
        frontline_a=w.users["frontline_a"].pk,
        frontline_b=w.users["frontline_b"].pk,
    )


@pytest.mark.parametrize("user_name", ["frontline_a", "manager_a"])
@pytest.mark.parametrize("page_name", list(PAGES))
def test_branch_a_sees_nothing_of_branch_b(rollback, user_name, page_name):
    w = rollback
    url = _fill(w, PAGES[page_name])
    response = client_for(w.users[user_name]).get(url)
    assert response.status_code in (200, 403), url  # front-line staff have no matrix, retention or transfer page
    content = response.content.decode()
    secrets = branch_b_secrets(w) + (NOT_FOR_FRONTLINE_A if user_name == "frontline_a" else [])
    typed = unquote(url)  # what the user typed comes back in the search box: not a leak
    shown = [secret for secret in secrets if secret not in typed and secret in content]
    assert shown == [], f"{url} as {user_name}"


def test_the_pages_do_show_branch_a(rollback):
    """The leak checks above look at pages that really list things: branch A's own data is there."""
    w = rollback
    client = client_for(w.users["manager_a"])
    assert w.complaint_a.number in client.get("/complaints/").content.decode()
    assert w.customer_a.name in client.get("/customers/").content.decode()
    assert w.customer_a.name in client.get("/customers/?q=CA0001").content.decode()
    assert w.customer_a.name in client.get(f"/customers/?q={PHONES['customer_a'][3:10]}").content.decode()
    assert w.customer_a.name in client.get("/customers/visits/").content.decode()
    assert w.complaint_a.number in client.get("/complaints/approvals/").content.decode()
    assert w.customer_a.name in client.get("/customers/matrix/").content.decode()
    assert w.customer_a2.name in client_for(w.users["frontline_a"]).get("/customers/").content.decode()


# --- Full phones on the customer page: the account manager, the branch's supervisors, the general manager --------


@pytest.mark.parametrize(
    ("user_name", "customer", "full"),
    [
        ("frontline_a", "customer_a", True),  # its account manager
        ("manager_a", "customer_a", True),
        ("gm", "customer_a", True),
        ("frontline_a2", "customer_a", False),  # a colleague, not the account manager
        ("admin", "customer_a", False),
        # Branch B reads customer_a while it handles complaint_x: read-only, phones masked.
        ("manager_b", "customer_a", False),
        ("frontline_b", "customer_a", False),
        ("frontline_a", "customer_a2", False),
    ],
)
def test_the_customer_page_shows_full_phones_only_to_those_allowed(rollback, user_name, customer, full):
    w = rollback
    shown = getattr(w, customer)
    contact = w.contact_a if customer == "customer_a" else w.contact_a2
    response = client_for(w.users[user_name]).get(reverse("customer_360", args=[shown.pk]))
    assert response.status_code == 200
    content = response.content.decode()
    assert shown.name in content
    assert contact.name in content
    for phone in (shown.phone, contact.phone):
        assert (tail(phone) in content) is full, phone
        if not full:
            assert f"{phone[:3]}****{phone[-4:]}" in content


@pytest.mark.parametrize("user_name", ["manager_b", "frontline_b"])
def test_working_a_complaint_of_another_branchs_customer_shows_no_full_phone(rollback, user_name):
    """Branch B handles complaint_x of branch A's customer: its pages name the customer, never the full phones."""
    w = rollback
    client = client_for(w.users[user_name])
    for url in (
        reverse("complaints:detail", args=[w.complaint_x.pk]),
        f"/complaints/?step=&q={w.complaint_x.number}",
        reverse("customer_360", args=[w.customer_a.pk]),
    ):
        content = client.get(url).content.decode()
        assert w.customer_a.name in content, url
        assert tail(PHONES["customer_a"]) not in content, url
        assert tail(PHONES["contact_a"]) not in content, url


# --- The intake search is company-wide: other branches' customers by name or code, phones masked -----------------


@pytest.mark.parametrize(
    ("user_name", "query", "customer", "masked"),
    [
        ("frontline_a", "CB0001", "customer_b", "139****0147"),
        ("manager_a", "CB0001", "customer_b", "139****0147"),
        ("manager_a", "Brightwater", "customer_b", "139****0147"),
        ("frontline_a", "Blackmoor", "customer_b2", "139****0369"),
        # Finding 1: branch B handles a complaint of customer_a, which lets its manager read the record, never
        # see the full phone.
        ("manager_b", "CA0001", "customer_a", "138****0258"),
        ("manager_b", "Ashdown", "customer_a", "138****0258"),
        ("frontline_b", "CA0001", "customer_a", "138****0258"),
        ("frontline_a2", "CA0001", "customer_a", "138****0258"),
    ],
)
def test_the_intake_search_masks_phones_the_user_may_not_see(rollback, user_name, query, customer, masked):
    w = rollback
    found = getattr(w, customer)
    response = client_for(w.users[user_name]).get(reverse("complaints:customer_search"), {"q": query})
    assert response.status_code == 200
    content = response.content.decode()
    assert found.name in content  # found: intake is company-wide
    assert masked in content
    assert tail(found.phone) not in content


def test_the_intake_search_shows_the_phone_to_those_who_may_see_it(rollback):
    w = rollback
    content = client_for(w.users["frontline_a"]).get("/complaints/new/customers/", {"q": "CA0001"}).content.decode()
    assert PHONES["customer_a"] in content  # frontline_a is customer_a's account manager


@pytest.mark.parametrize("user_name", ["manager_b", "frontline_b", "manager_a", "frontline_a2"])
def test_a_phone_fragment_finds_nobody_at_intake(rollback, user_name):
    """Else a masked 138****0258 could be recovered digit by digit."""
    w = rollback
    fragment = PHONES["customer_a"][2:9]
    content = client_for(w.users[user_name]).get("/complaints/new/customers/", {"q": fragment}).content.decode()
    assert w.customer_a.name not in content


# --- Extra POST fields are ignored --------------------------------------------------------------------------------

FORGED = {"status": "closed", "step": Step.CLOSED, "version": "999"}


def forged(w) -> dict:
    """Fields no form of these pages has, naming another branch and other people."""
    return {
        **FORGED,
        "branch": w.branch_b.pk,
        "branch_id": w.branch_b.pk,
        "approver": w.users["gm"].pk,
        "handler": w.users["manager_b"].pk,
        "first_responder": w.users["manager_b"].pk,
        "account_manager": w.users["frontline_b"].pk,
        "decided_by": w.users["gm"].pk,
    }


def _row(complaint) -> dict:
    return Complaint.objects.filter(pk=complaint.pk).values(
        "branch_id", "step", "handler_id", "first_responder_id", "version"
    )[0]


def test_a_note_with_extra_fields_changes_only_the_timeline(rollback):
    w = rollback
    before = _row(w.complaint_a)
    events = TimelineEvent.objects.count()
    response = post(
        client_for(w.users["frontline_a"]),
        reverse("complaints:note", args=[w.complaint_a.pk]),
        {"text": "Called the customer back", **forged(w)},
    )
    assert response.status_code == 302
    assert TimelineEvent.objects.count() == events + 1  # the note was taken
    after = _row(w.complaint_a)
    assert {k: after[k] for k in ("branch_id", "step", "handler_id", "first_responder_id")} == {
        k: before[k] for k in ("branch_id", "step", "handler_id", "first_responder_id")
    }
    assert after["version"] in (before["version"], before["version"] + 1)


def test_a_step_save_with_extra_fields_saves_only_the_step(rollback):
    w = rollback
    complaint = w.complaint_a2  # at Listen, received by manager_a
    before = _row(complaint)
    fields = {**forged(w), "version": before["version"]}  # the step form's own version field is real
    response = post(
        client_for(w.users["manager_a"]),
        reverse("complaints:step_save", args=[complaint.pk]),
        {"customer_words": "Still broken", "key_points": "lift; 9th floor", **fields},
    )
    assert response.status_code == 302
    saved = Complaint.objects.get(pk=complaint.pk)
    assert saved.key_points == "lift; 9th floor"
    assert (saved.branch_id, saved.step, saved.handler_id, saved.first_responder_id) == (
        before["branch_id"],
        Step.LISTEN,
        before["handler_id"],
        before["first_responder_id"],
    )


def test_a_customer_edit_with_extra_fields_keeps_branch_status_and_owner(rollback):
    w = rollback
    customer = w.customer_a
    response = post(
        client_for(w.users["manager_a"]),
        reverse("customers:edit", args=[customer.pk]),
        {
            "kind": customer.kind,
            "name": "Alice Ashdown-Renamed",
            "phone": customer.phone,
            "source": "",
            **forged(w),
            "status": Customer.Status.CHURNED,
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    saved = Customer.objects.get(pk=customer.pk)
    assert saved.name == "Alice Ashdown-Renamed"
    assert (saved.branch_id, saved.status, saved.account_manager_id) == (
        w.branch_a.pk,
        Customer.Status.ACTIVE,
        w.users["frontline_a"].pk,
    )


def test_an_intake_with_extra_fields_belongs_to_the_receiver(rollback):
    w = rollback
    clerk = w.users["frontline_a"]
    response = post(
        client_for(clerk),
        reverse("complaints:create"),
        {
            "customer": w.customer_a2.pk,
            "channel": "phone",
            "occurred_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
            "customer_words": "Forged intake",
            "category": CategoryFactory().pk,
            "severity": "general",
            "priority": "normal",
            **forged(w),
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    made = Complaint.objects.get(customer_words="Forged intake")
    assert (made.branch_id, made.step, made.handler_id, made.first_responder_id) == (
        w.branch_a.pk,
        Step.LISTEN,
        clerk.pk,
        clerk.pk,
    )
    assert made.version != 999


def test_a_decision_with_extra_fields_is_the_deciders(rollback):
    w = rollback
    manager = w.users["manager_a"]
    response = post(
        client_for(manager),
        reverse("complaints:plan_decide", args=[w.plan_a.pk]),
        {"decision": "approve", "comment": "", **forged(w), "level": "general_manager"},
    )
    assert response.status_code == 302
    decision = PlanDecision.objects.get(plan=w.plan_a)
    assert (decision.decided_by_id, decision.level) == (manager.pk, PlanDecision.Level.MANAGER)


# --- No state changes without the CSRF token ----------------------------------------------------------------------


def snapshot() -> dict:
    """Row counts of every model the site writes, and the state of the rows a POST could change."""
    labels = {"complaints", "customers", "org", "auth", "sessions", "admin", "satisfaction"}
    counts = {m._meta.label: m.objects.count() for m in apps.get_models() if m._meta.app_label in labels}
    return {
        "counts": counts,
        "timeline": TimelineEvent.objects.count(),
        "customer_events": CustomerEvent.objects.count(),
        "complaints": list(Complaint.objects.order_by("pk").values()),
        "plans": list(ResolutionPlan.objects.order_by("pk").values_list("pk", "status")),
        "remedies": list(Remedy.objects.order_by("pk").values_list("pk", "done_at")),
        "customers": list(Customer.objects.order_by("pk").values()),
        "contacts": list(Contact.objects.order_by("pk").values_list("pk", "is_active")),
        "visit_plans": list(VisitPlan.objects.order_by("pk").values()),
        "batches": list(ImportBatch.objects.order_by("pk").values_list("pk", "status")),
        "users": list(apps.get_model("auth", "User").objects.order_by("pk").values_list("pk", "password", "is_active")),
        "sessions": list(Session.objects.order_by("pk").values_list("pk", "expire_date")),
    }


def _poster(w, route) -> str:
    """Someone the POST is allowed for (with the token it runs: see test_url_policy), else manager_a."""
    for name in ("manager_a", "frontline_a", "gm", "admin", "anonymous"):
        if expected_outcome(w, route, name, "POST") == "runs":
            return name
    return "manager_a"


@pytest.mark.parametrize("route", ROUTES, ids=[r.name for r in ROUTES])
def test_a_post_without_the_csrf_token_is_refused_and_changes_nothing(rollback, route):
    w = rollback
    user_name = _poster(w, route)
    client = client_for(w.user(user_name))  # holds the CSRF cookie, but the request does not send the token
    url = url_for(w, route)
    before = snapshot()
    response = client.post(url, {"text": "x", "version": "1", "decision": "approve"})
    assert response.status_code == 403, f"POST {url} as {user_name}"
    assert snapshot() == before


def test_a_configuration_post_without_the_csrf_token_is_refused(rollback):
    w = rollback
    client = client_for(w.users["admin"])
    before = snapshot()
    response = client.post("/config/complaints/category/add/", {"code": "csrf", "name_en": "Forged", "name_zh": "伪造"})
    assert response.status_code == 403
    assert snapshot() == before
