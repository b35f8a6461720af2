from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from complaints import services
from complaints.models import Category, Complaint, PlanDecision, PlanStatus, Remedy, TimelineEvent
from complaints.workflow import Step
from crm_site.org.roles import Role
from customers.models import Customer
from tests.factories import CustomerFactory, DepartmentFactory

pytestmark = pytest.mark.django_db

PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
    b"\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82"
)


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def make_complaint(actor, customer, **overrides) -> Complaint:
    category = Category.objects.get_or_create(
        code="service_manner", defaults={"name_en": "Service", "name_zh": "服务"}
    )[0]
    intake = services.Intake(
        customer=customer,
        channel="phone",
        occurred_at=timezone.now() - timedelta(hours=1),
        customer_words="The lift is broken 电梯坏了",
        category=category,
        **overrides,
    )
    return services.complaint_create(actor=actor, intake=intake)


def version(complaint) -> int:
    return Complaint.objects.get(pk=complaint.pk).version


def walk_to_action(complaint, actor):
    dept = DepartmentFactory()
    for data in (
        {"key_points": "lift"},
        {"emotional_state": "angry", "empathy_given": "非常抱歉"},
        {"root_cause_group": "support", "root_cause": "no spare parts", "department": dept},
    ):
        services.complaint_record_step(
            actor=actor, complaint_id=complaint.pk, expected_version=version(complaint), data=data
        )
        services.complaint_advance(actor=actor, complaint_id=complaint.pk, expected_version=version(complaint))
    for by_customer in (True, False):
        services.complaint_confirm(
            actor=actor,
            complaint_id=complaint.pk,
            expected_version=version(complaint),
            by_customer=by_customer,
            notes="ok",
        )
    services.complaint_advance(actor=actor, complaint_id=complaint.pk, expected_version=version(complaint))
    return Complaint.objects.get(pk=complaint.pk)


def submit_plan(complaint, actor, amount="100"):
    return services.plan_submit(
        actor=actor,
        complaint_id=complaint.pk,
        expected_version=version(complaint),
        summary="Repair",
        deadline=timezone.localdate() + timedelta(days=3),
        remedies=[services.RemedyInput(kind=Remedy.Kind.COMPENSATION, amount=Decimal(amount))],
    )


@pytest.mark.parametrize(
    ("role", "codes"),
    [
        (Role.FRONTLINE, {"list": 200, "create": 200, "approvals": 403, "detail": 200}),
        (Role.MANAGER, {"list": 200, "create": 200, "approvals": 200, "detail": 200}),
        (Role.GENERAL_MANAGER, {"list": 200, "create": 403, "approvals": 200, "detail": 200}),
        (Role.ADMIN, {"list": 200, "create": 403, "approvals": 403, "detail": 200}),
    ],
)
def test_every_page_by_every_role(client, users_by_role, frontline, customer, role, codes):
    complaint = make_complaint(frontline, customer)
    client.force_login(users_by_role[role])
    urls = {
        "list": reverse("complaints:list"),
        "create": reverse("complaints:create"),
        "approvals": reverse("complaints:approvals"),
        "detail": reverse("complaints:detail", args=[complaint.pk]),
    }
    assert {name: client.get(url).status_code for name, url in urls.items()} == codes


def test_anonymous_is_sent_to_login(client, frontline, customer):
    complaint = make_complaint(frontline, customer)
    for url in (reverse("complaints:list"), reverse("complaints:detail", args=[complaint.pk])):
        assert client.get(url)["Location"].startswith(reverse("login"))


def test_other_branch_gets_404_everywhere(client, frontline, frontline_other, customer):
    complaint = make_complaint(frontline, customer)
    client.force_login(frontline_other)
    assert client.get(reverse("complaints:detail", args=[complaint.pk])).status_code == 404
    for name in (
        "step_save",
        "advance",
        "confirm",
        "plan_submit",
        "revisit",
        "assign",
        "note",
        "attachment_add",
        "extend",
        "force_close",
        "reopen",
        "archive",
    ):
        assert client.post(reverse(f"complaints:{name}", args=[complaint.pk]), {"text": "x"}).status_code == 404
    assert TimelineEvent.objects.filter(complaint=complaint).count() == 1
    assert complaint not in client.get(reverse("complaints:list")).context["page"].object_list


def test_intake_with_a_new_customer(client, frontline, branch):
    client.force_login(frontline)
    category = Category.objects.get(code="billing")
    response = client.post(
        reverse("complaints:create"),
        {
            "new_customer_name": "赵敏",
            "new_customer_phone": "13912345678",
            "channel": "walk_in",
            "occurred_at": (timezone.localtime() - timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"),
            "customer_words": "账单错了",
            "category": category.pk,
            "severity": "important",
            "priority": "high",
            "evidence": [SimpleUploadedFile("photo.png", PNG, content_type="image/png")],
        },
    )
    complaint = Complaint.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("complaints:detail", args=[complaint.pk])
    assert complaint.customer.name == "赵敏" and complaint.customer.branch == branch
    assert complaint.first_responder == frontline and complaint.step == Step.LISTEN
    assert complaint.number.startswith(f"TS-{timezone.localdate().year}-")
    assert complaint.attachments.get().content_type == "image/png"
    assert complaint.resolution_due_at > complaint.response_due_at > complaint.created_at


def test_intake_errors_keep_the_input_and_save_nothing(client, frontline, other_customer):
    client.force_login(frontline)
    customers_before = Customer.objects.count()
    response = client.post(
        reverse("complaints:create"),
        {
            "customer": 999999,  # No such customer.
            "channel": "phone",
            "occurred_at": (timezone.localtime() + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M"),
            "customer_words": "",
            "category": "",
            "severity": "general",
            "priority": "normal",
        },
    )
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert {"customer", "occurred_at", "customer_words", "category"} <= set(errors)
    assert not Complaint.objects.exists() and Customer.objects.count() == customers_before


def test_intake_refuses_a_file_that_lies_about_its_type(client, frontline, customer):
    client.force_login(frontline)
    response = client.post(
        reverse("complaints:create"),
        {
            "customer": customer.pk,
            "channel": "phone",
            "occurred_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
            "customer_words": "x",
            "category": Category.objects.first().pk,
            "severity": "general",
            "priority": "normal",
            "evidence": [SimpleUploadedFile("evil.png", b"#!/bin/sh\nrm -rf /\n", content_type="image/png")],
        },
    )
    assert response.status_code == 200
    assert "not an accepted file type" in str(response.context["form"].non_field_errors())
    assert not Complaint.objects.exists()


def test_live_customer_search_finds_any_branch_customer_with_masked_phones(client, frontline, customer, other_customer):
    """The customer record is company-wide: a walk-in from another branch is found, not created twice."""
    client.force_login(frontline)
    search = reverse("complaints:customer_search")
    response = client.get(search, {"q": customer.phone}, HTTP_HX_REQUEST="true")
    assert list(response.context["results"]) == [customer]
    response = client.get(search, {"q": other_customer.code})
    assert list(response.context["results"]) == [other_customer]
    assert other_customer.phone not in response.content.decode()  # not this user's customer: masked
    # A phone fragment finds nothing: masked numbers cannot be recovered digit by digit.
    assert list(client.get(search, {"q": customer.phone[-6:]}).context["results"]) == []
    assert b"No customer found" in client.get(search, {"q": "no such name"}).content


def test_live_customer_search_is_for_staff_who_register_complaints(client, gm, admin_user, customer):
    for user in (gm, admin_user):
        client.force_login(user)
        assert client.get(reverse("complaints:customer_search"), {"q": customer.name}).status_code == 403


def test_a_complaint_for_another_branchs_customer_belongs_to_the_receiving_branch(
    client, frontline, branch, other_customer
):
    client.force_login(frontline)
    response = client.post(
        reverse("complaints:create"),
        {
            "customer": other_customer.pk,
            "channel": "walk_in",
            "occurred_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
            "customer_words": "Came to the nearest shop",
            "category": Category.objects.first().pk,
            "severity": "general",
            "priority": "normal",
        },
    )
    complaint = Complaint.objects.get()
    assert response.status_code == 302
    assert (complaint.customer, complaint.branch, complaint.first_responder) == (other_customer, branch, frontline)


def test_step_form_saves_and_advances_or_says_what_is_missing(client, frontline, customer):
    complaint = make_complaint(frontline, customer)
    client.force_login(frontline)
    url = reverse("complaints:step_save", args=[complaint.pk])
    response = client.post(
        url, {"version": complaint.version, "customer_words": "x", "key_points": "", "advance": "1"}, follow=True
    )
    assert Complaint.objects.get(pk=complaint.pk).step == Step.LISTEN
    assert any("key points" in str(m) for m in get_messages(response.wsgi_request))
    client.post(url, {"version": version(complaint), "customer_words": "x", "key_points": "lift", "advance": "1"})
    complaint.refresh_from_db()
    assert complaint.step == Step.SHARE and complaint.first_responded_at is not None


def test_a_stale_form_is_refused_with_a_message(client, frontline, customer):
    complaint = make_complaint(frontline, customer)
    client.force_login(frontline)
    stale = complaint.version
    services.complaint_add_note(actor=frontline, complaint_id=complaint.pk, text="meanwhile")
    response = client.post(
        reverse("complaints:step_save", args=[complaint.pk]),
        {"version": stale, "customer_words": "changed", "key_points": "k"},
        follow=True,
    )
    complaint.refresh_from_db()
    assert complaint.customer_words != "changed"
    assert any("changed by someone else" in str(m) for m in get_messages(response.wsgi_request))


def test_plan_rejection_needs_a_comment_then_approval_via_the_page(client, frontline, manager, customer):
    complaint = walk_to_action(make_complaint(frontline, customer), frontline)
    plan = submit_plan(complaint, frontline)
    client.force_login(manager)
    response = client.post(reverse("complaints:plan_decide", args=[plan.pk]), {"decision": "reject", "comment": ""})
    assert response.status_code == 400 and "comment" in response.context["decision_form"].errors
    assert not PlanDecision.objects.exists()
    client.post(reverse("complaints:plan_decide", args=[plan.pk]), {"decision": "approve"})
    plan.refresh_from_db()
    assert plan.status == PlanStatus.APPROVED and plan.approved_amount == Decimal("100")
    # A second click on a decided plan is refused, not applied twice.
    response = client.post(
        reverse("complaints:plan_decide", args=[plan.pk]), {"decision": "reject", "comment": "x"}, follow=True
    )
    assert PlanDecision.objects.count() == 1
    assert any("already decided" in str(m) for m in get_messages(response.wsgi_request))


def test_frontline_cannot_approve_and_sees_no_decision_form(client, frontline, customer):
    complaint = walk_to_action(make_complaint(frontline, customer), frontline)
    plan = submit_plan(complaint, frontline)
    client.force_login(frontline)
    page = client.get(reverse("complaints:detail", args=[complaint.pk]))
    assert "decision_form" not in page.context
    client.post(reverse("complaints:plan_decide", args=[plan.pk]), {"decision": "approve"})
    plan.refresh_from_db()
    assert plan.status == PlanStatus.PENDING_MANAGER


def test_approval_queue_shows_the_right_plans(client, frontline, manager, gm, customer):
    big = walk_to_action(make_complaint(frontline, customer), frontline)
    big_plan = submit_plan(big, frontline, amount="99999")
    client.force_login(manager)
    assert [p.pk for p in client.get(reverse("complaints:approvals")).context["page"].object_list] == [big_plan.pk]
    services.plan_decide(actor=manager, plan_id=big_plan.pk, approve=True)
    assert list(client.get(reverse("complaints:approvals")).context["page"].object_list) == []
    client.force_login(gm)
    assert [p.pk for p in client.get(reverse("complaints:approvals")).context["page"].object_list] == [big_plan.pk]


def test_attachments_are_served_only_through_the_gate(client, frontline, frontline_other, customer):
    complaint = make_complaint(frontline, customer)
    attachment = services.attachment_add(
        actor=frontline, complaint_id=complaint.pk, uploaded=SimpleUploadedFile("p.png", PNG, content_type="image/png")
    )
    url = reverse("complaints:attachment", args=[attachment.pk])
    client.force_login(frontline)
    response = client.get(url)
    assert response.status_code == 200 and b"".join(response.streaming_content) == PNG
    assert response["Content-Disposition"].startswith("attachment")
    client.force_login(frontline_other)
    assert client.get(url).status_code == 404


def test_manager_extends_and_force_closes_with_reasons(client, frontline, manager, customer):
    complaint = make_complaint(frontline, customer)
    client.force_login(manager)
    new_due = timezone.localtime(complaint.resolution_due_at + timedelta(days=2))
    client.post(
        reverse("complaints:extend", args=[complaint.pk]),
        {
            "ext-new_due_at": new_due.strftime("%Y-%m-%dT%H:%M"),
            "ext-reason": "暴雨 heavy rain",
            "ext-version": version(complaint),
        },
    )
    complaint.refresh_from_db()
    assert complaint.extensions.count() == 1 and complaint.resolution_due_at.date() == new_due.date()
    page = client.get(reverse("complaints:detail", args=[complaint.pk])).content.decode()
    form = page[page.index('data-testid="extension-form"') :]
    history = form[: form.index("</form>")]  # the extensions granted so far, under the form
    assert f"{timezone.localdate():%Y-%m-%d} · " in history and ": 暴雨 heavy rain</div>" in history
    close = reverse("complaints:force_close", args=[complaint.pk])
    response = client.post(close, {"close-reason": "", "close-version": version(complaint)})
    assert response.status_code == 400
    # A form loaded before the extension is stale: refused, not applied.
    client.post(close, {"close-reason": "Customer unreachable", "close-version": version(complaint) - 1})
    assert reload_step(complaint) != Step.CLOSED
    client.post(close, {"close-reason": "Customer unreachable", "close-version": version(complaint)})
    complaint.refresh_from_db()
    assert complaint.step == Step.CLOSED and complaint.closed_without_satisfaction


def reload_step(complaint) -> str:
    return Complaint.objects.values_list("step", flat=True).get(pk=complaint.pk)


def test_csrf_is_enforced_on_actions(frontline, customer):
    complaint = make_complaint(frontline, customer)
    client = Client(enforce_csrf_checks=True)
    client.force_login(frontline)
    response = client.post(reverse("complaints:note", args=[complaint.pk]), {"text": "hello"})
    assert response.status_code == 403
    assert not complaint.timeline.filter(kind=TimelineEvent.Kind.NOTE).exists()


def test_list_filters_search_and_sort(client, frontline, manager, branch):
    client.force_login(frontline)
    a = make_complaint(frontline, CustomerFactory(branch=branch, name="Alice Overdue"), severity="major")
    b = make_complaint(frontline, CustomerFactory(branch=branch, name="Bob Fine"))
    Complaint.objects.filter(pk=a.pk).update(resolution_due_at=timezone.now() - timedelta(hours=1))
    url = reverse("complaints:list")
    assert [c.pk for c in client.get(url, {"due": "overdue"}).context["page"].object_list] == [a.pk]
    assert [c.pk for c in client.get(url, {"q": "Bob"}).context["page"].object_list] == [b.pk]
    assert [c.pk for c in client.get(url, {"severity": "major"}).context["page"].object_list] == [a.pk]
    services.complaint_assign(
        actor=manager, complaint_id=b.pk, expected_version=version(b), handler=manager, department=None
    )
    assert [c.pk for c in client.get(url, {"handler": manager.pk}).context["page"].object_list] == [b.pk]
    # a was taken by the front-line user who recorded it; b went to the manager: none waits unassigned yet.
    assert list(client.get(url, {"handler": "null"}).context["page"].object_list) == []
    Complaint.objects.filter(pk=a.pk).update(handler=None, channel="web")
    assert [c.pk for c in client.get(url, {"handler": "null"}).context["page"].object_list] == [a.pk]
    assert [c.pk for c in client.get(url, {"channel": "web"}).context["page"].object_list] == [a.pk]
    assert [c.pk for c in client.get(url, {"sort": "-severity_rank"}).context["page"].object_list][0] == a.pk
    assert list(client.get(url, {"step": "closed"}).context["page"].object_list) == []
    assert b"No complaint matches these filters." in client.get(url, {"step": "closed"}).content


def test_list_and_detail_run_a_constant_number_of_queries(client, frontline, manager, branch):
    client.force_login(frontline)

    def count(url):
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        return len(ctx.captured_queries)

    first = make_complaint(frontline, CustomerFactory(branch=branch))
    small_list = count(reverse("complaints:list"))
    one_plan = walk_to_action(first, frontline)
    services.plan_decide(actor=manager, plan_id=submit_plan(one_plan, frontline).pk, approve=False, comment="no")
    submit_plan(one_plan, frontline)
    small_detail = count(reverse("complaints:detail", args=[one_plan.pk]))
    for _ in range(15):
        make_complaint(frontline, CustomerFactory(branch=branch))
    big = walk_to_action(make_complaint(frontline, CustomerFactory(branch=branch)), frontline)
    for i in range(3):
        plan = submit_plan(big, frontline, amount=str(10 + i))
        services.plan_decide(actor=manager, plan_id=plan.pk, approve=False, comment=f"no {i}")
    submit_plan(big, frontline, amount="5")
    for i in range(10):
        services.complaint_add_note(actor=frontline, complaint_id=big.pk, text=f"note {i}")
    services.attachment_add(
        actor=frontline, complaint_id=big.pk, uploaded=SimpleUploadedFile("p.png", PNG, content_type="image/png")
    )
    assert count(reverse("complaints:list")) == small_list
    assert count(reverse("complaints:detail", args=[big.pk])) == small_detail


# Fixed query counts per page and role, whatever the data size: a new query per row fails here.
# The user comes with their role, branch and unread count in one query (the session from the cache).
PAGE_QUERIES = {
    # The list reads its page's keys, then those rows with their joins (crm_site.pagination).
    ("list", "frontline"): 7,
    ("list", "manager"): 7,
    ("list", "gm"): 8,
    ("detail", "frontline"): 10,
    ("detail", "manager"): 12,
    ("detail", "gm"): 12,
    ("approvals", "manager"): 4,
    ("approvals", "gm"): 4,
}


def _busy_complaint(frontline, manager, customer, *, plans: int, notes: int):
    """A complaint with rejected plans, notes and a file, then closed after a revisit, reopened, extended."""
    complaint = walk_to_action(make_complaint(frontline, customer), frontline)
    for i in range(plans):
        plan = submit_plan(complaint, frontline, amount=str(10 + i))
        services.plan_decide(actor=manager, plan_id=plan.pk, approve=False, comment=f"no {i}")
    plan = submit_plan(complaint, frontline, amount="5")
    services.plan_decide(actor=manager, plan_id=plan.pk, approve=True)
    services.plan_record_response(actor=frontline, plan_id=plan.pk, outcome="accepted")
    for remedy in plan.remedies.all():
        services.remedy_complete(actor=frontline, remedy_id=remedy.pk)
    services.complaint_advance(actor=frontline, complaint_id=complaint.pk, expected_version=version(complaint))
    services.revisit_record(
        actor=frontline,
        complaint_id=complaint.pk,
        expected_version=version(complaint),
        outcome="not_resolved",
        score=2,
        signed_off=False,
        notes="still broken",
    )
    for i in range(notes):
        services.complaint_add_note(actor=frontline, complaint_id=complaint.pk, text=f"note {i}")
    services.attachment_add(
        actor=frontline, complaint_id=complaint.pk, uploaded=SimpleUploadedFile("p.png", PNG, content_type="image/png")
    )
    services.complaint_extend_deadline(
        actor=manager,
        complaint_id=complaint.pk,
        expected_version=version(complaint),
        new_due_at=Complaint.objects.get(pk=complaint.pk).resolution_due_at + timedelta(days=2),
        reason="Snow",
    )
    return complaint


def _waiting_plan(frontline, customer):
    complaint = walk_to_action(make_complaint(frontline, customer), frontline)
    return submit_plan(complaint, frontline, amount="9000")


@pytest.mark.parametrize("size", [1, 6])
def test_every_page_runs_a_fixed_number_of_queries_per_role(client, frontline, manager, gm, branch, size):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    busy = None
    for _ in range(size):
        busy = _busy_complaint(frontline, manager, CustomerFactory(branch=branch), plans=size, notes=size * 2)
        make_complaint(frontline, CustomerFactory(branch=branch))
        plan = _waiting_plan(frontline, CustomerFactory(branch=branch))
        services.plan_decide(actor=manager, plan_id=plan.pk, approve=True)  # 9000 > threshold: waits for the GM
        _waiting_plan(frontline, CustomerFactory(branch=branch))  # waits for the manager
    urls = {
        "list": reverse("complaints:list"),
        "detail": reverse("complaints:detail", args=[busy.pk]),
        "approvals": reverse("complaints:approvals"),
    }
    users = {"frontline": frontline, "manager": manager, "gm": gm}
    measured = {}
    for page, role in PAGE_QUERIES:
        client.force_login(users[role])
        client.get(urls[page])  # warm: session and caches as on any later request
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(urls[page]).status_code == 200
        measured[(page, role)] = len(ctx.captured_queries)
    assert measured == PAGE_QUERIES
