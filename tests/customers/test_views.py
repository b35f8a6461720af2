"""Every customer page tried by every role, scoping, htmx logging, the matrix, visits, transfers, query counts."""

from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from crm_site.org.roles import Role
from customers.models import Customer, CustomerEvent, Interaction, VisitPlan
from customers.services import customers_classify
from tests.factories import CustomerFactory, staff

from .factories import AssessmentFactory, ContactFactory, InteractionFactory, PurchaseFactory, VisitPlanFactory, buy

pytestmark = pytest.mark.django_db

ALL = {Role.FRONTLINE, Role.MANAGER, Role.GENERAL_MANAGER, Role.ADMIN}
WORKERS = {Role.FRONTLINE, Role.MANAGER, Role.GENERAL_MANAGER}
EDITORS = WORKERS  # the front-line user below is the customer's account manager
SUPERVISORS = {Role.MANAGER, Role.GENERAL_MANAGER}
ANALYSTS = {Role.MANAGER, Role.GENERAL_MANAGER, Role.ADMIN}


@pytest.fixture
def world(customer, frontline):
    customer.account_manager = frontline
    customer.save()
    contact = ContactFactory(customer=customer)
    plan = VisitPlanFactory(customer=customer, owner=frontline, next_due=timezone.localdate() - timedelta(days=3))
    return {"customer": customer, "contact": contact, "plan": plan}


# name, method, url args from the world, POST data, roles that succeed, success status
VIEWS = [
    ("customers:list", "get", lambda w: [], None, ALL, 200),
    ("customers:create", "get", lambda w: [], None, WORKERS, 200),
    ("customers:duplicate_check", "get", lambda w: [], None, WORKERS, 200),
    ("customers:detail", "get", lambda w: [w["customer"].pk], None, ALL, 302),
    ("customer_360", "get", lambda w: [w["customer"].pk], None, ALL, 200),
    ("customers:edit", "get", lambda w: [w["customer"].pk], None, EDITORS, 200),
    ("customers:assessment", "get", lambda w: [w["customer"].pk], None, EDITORS, 200),
    ("customers:visit_plan", "get", lambda w: [w["customer"].pk], None, EDITORS, 200),
    ("customers:visits", "get", lambda w: [], None, WORKERS, 200),
    ("customers:visit_record", "get", lambda w: [w["plan"].pk], None, WORKERS, 200),
    ("customers:transfer", "get", lambda w: [], None, SUPERVISORS, 200),
    ("customers:import", "get", lambda w: [], None, ANALYSTS, 200),
    ("customers:matrix", "get", lambda w: [], None, ANALYSTS, 200),
    ("customers:retention", "get", lambda w: [], None, ANALYSTS, 200),
    ("customers:contact_add", "post", lambda w: [w["customer"].pk], {"name": "新联系人"}, EDITORS, 302),
    (
        "customers:contact_deactivate",
        "post",
        lambda w: [w["customer"].pk, w["contact"].pk],
        {},
        EDITORS,
        302,
    ),
    (
        "customers:interaction_log",
        "post",
        lambda w: [w["customer"].pk],
        {"channel": "phone", "summary": "回访"},
        WORKERS,
        302,
    ),
    ("customers:status", "post", lambda w: [w["customer"].pk], {"status": "at_risk"}, EDITORS, 302),
    ("customers:visit_plan_stop", "post", lambda w: [w["customer"].pk], {}, EDITORS, 302),
    ("customers:classify_now", "post", lambda w: [], {}, {Role.GENERAL_MANAGER, Role.ADMIN}, 302),
]


@pytest.mark.parametrize("role", sorted(ALL))
@pytest.mark.parametrize(("name", "method", "args", "data", "allowed", "ok"), VIEWS, ids=[v[0] for v in VIEWS])
def test_every_view_by_every_role(client, users_by_role, world, role, name, method, args, data, allowed, ok):
    client.force_login(users_by_role[role])
    url = reverse(name, args=args(world))
    response = client.get(url) if method == "get" else client.post(url, data)
    # Every role here may see the customer: what it may not do answers 403 (an unseen customer answers 404).
    assert response.status_code == (ok if role in allowed else 403)


@pytest.mark.parametrize(
    ("name", "method"),
    [
        ("customer_360", "get"),
        ("customers:detail", "get"),
        ("customers:edit", "get"),
        ("customers:status", "post"),
        ("customers:interaction_log", "post"),
    ],
)
def test_customers_of_another_branch_are_not_found(client, frontline_other, world, name, method):
    client.force_login(frontline_other)
    url = reverse(name, args=[world["customer"].pk])
    response = client.get(url) if method == "get" else client.post(url, {"status": "at_risk", "channel": "sms"})
    assert response.status_code == 404
    assert client.get(reverse("customer_360", args=[999999])).status_code == 404


def test_a_front_line_colleague_may_read_and_log_but_not_edit(client, world, branch):
    colleague = staff(Role.FRONTLINE, branch, username="colleague")
    client.force_login(colleague)
    customer = world["customer"]
    assert client.get(reverse("customer_360", args=[customer.pk])).status_code == 200
    assert client.get(reverse("customers:edit", args=[customer.pk])).status_code == 403
    assert client.post(reverse("customers:status", args=[customer.pk]), {"status": "at_risk"}).status_code == 403
    response = client.post(
        reverse("customers:interaction_log", args=[customer.pk]), {"channel": "im", "summary": "微信"}
    )
    assert response.status_code == 302
    assert Interaction.objects.filter(staff=colleague, channel="im").exists()
    assert client.get(reverse("customers:visit_record", args=[world["plan"].pk])).status_code == 403


def test_list_scoping_search_and_filters(client, frontline, gm, branch, other_branch):
    here = CustomerFactory(branch=branch, name="王芳", phone="13800001111", quadrant="high", tier="A")
    CustomerFactory(branch=branch, name="Zed", quadrant="low", tier="C", account_manager=frontline)
    there = CustomerFactory(branch=other_branch, name="Emma", quadrant="high", tier="A")
    client.force_login(frontline)
    page = client.get(reverse("customers:list")).context["page"]
    assert {c.name for c in page.object_list} == {"王芳", "Zed"}
    # 王芳 is not frontline's customer: her phone shows masked, so a fragment must not find it, the whole number may.
    assert list(client.get(reverse("customers:list"), {"q": "0000111"}).context["page"]) == []
    assert [c.name for c in client.get(reverse("customers:list"), {"q": "138-0000-1111"}).context["page"]] == ["王芳"]
    assert [c.name for c in client.get(reverse("customers:list"), {"mine": "true"}).context["page"]] == ["Zed"]
    client.force_login(gm)
    page = client.get(reverse("customers:list"), {"quadrant": "high", "tier": "A"}).context["page"]
    assert set(page.object_list) == {here, there}
    page = client.get(reverse("customers:list"), {"quadrant": "high", "branch": other_branch.pk}).context["page"]
    assert list(page.object_list) == [there]
    empty = client.get(reverse("customers:list"), {"q": "nobody-here"})
    assert b"No customer matches your search." in empty.content


def test_customer_list_runs_a_constant_number_of_queries(
    client, frontline, branch, django_assert_num_queries, django_assert_max_num_queries
):
    from customers.models import Tag

    tag = Tag.objects.create(name="VIP")
    client.force_login(frontline)
    for c in CustomerFactory.create_batch(3, branch=branch, account_manager=frontline):
        c.tags.add(tag)
    client.get(reverse("customers:list"))  # warm the per-user caches like a real second request
    with django_assert_max_num_queries(12) as small:
        client.get(reverse("customers:list"))
    for c in CustomerFactory.create_batch(20, branch=branch, account_manager=frontline):
        c.tags.add(tag)
    with django_assert_num_queries(len(small.captured_queries)):
        response = client.get(reverse("customers:list"))
    assert len(response.context["page"].object_list) == 23


def _fill(customer, staff_user, n):
    for i in range(n):
        ContactFactory(customer=customer)
        InteractionFactory(customer=customer, staff=staff_user)
        PurchaseFactory(customer=customer, reference=f"R{i}-{customer.pk}")
        CustomerEvent.objects.create(customer=customer, kind="updated", actor=staff_user, note="name")
    AssessmentFactory(customer=customer, assessed_by=staff_user)


def _complaint(customer, actor):
    from complaints.models import Category
    from complaints.services import Intake, complaint_create

    return complaint_create(
        actor=actor,
        intake=Intake(
            customer=customer,
            channel="phone",
            occurred_at=timezone.now(),
            customer_words="冰箱不制冷",
            category=Category.objects.first(),
        ),
    )


def test_360_page_runs_a_constant_number_of_queries(
    client, frontline, branch, django_assert_num_queries, django_assert_max_num_queries
):
    small, large = (CustomerFactory(branch=branch, account_manager=frontline) for _ in range(2))
    _fill(small, frontline, 1)
    _fill(large, frontline, 25)
    for _ in range(1):
        _complaint(small, frontline)
    for _ in range(12):
        _complaint(large, frontline)
    customers_classify()
    VisitPlanFactory(customer=large, owner=frontline)
    client.force_login(frontline)
    client.get(reverse("customer_360", args=[small.pk]))
    with django_assert_max_num_queries(20) as few:
        client.get(reverse("customer_360", args=[small.pk]))
    with django_assert_num_queries(len(few.captured_queries)):
        response = client.get(reverse("customer_360", args=[large.pk]))
    assert len(response.context["complaints"]) == 10  # the latest ten
    assert len(response.context["interactions"]) == 15


def test_360_page_shows_every_part(client, frontline, world):
    customer = world["customer"]
    buy(customer, 1234, timezone.localdate() - timedelta(days=3))
    complaint = _complaint(customer, frontline)
    customers_classify()
    client.force_login(frontline)
    response = client.get(reverse("customer_360", args=[customer.pk]))
    content = response.content.decode()
    for testid in ("basic-data", "contacts", "value", "visit-plan", "interactions", "transactions", "complaints"):
        assert f'data-testid="{testid}"' in content
    assert complaint.number in content and reverse("complaints:detail", args=[complaint.pk]) in content
    assert world["contact"].name in content
    assert "1,234.00" in content
    assert "overdue" in content
    customer.refresh_from_db()
    assert 'data-testid="classification-history"' in content
    assert str(customer.get_quadrant_display()) in content and "Current value 1234.00" in content


def test_interaction_logged_with_htmx_returns_the_panel(client, frontline, world):
    customer = world["customer"]
    client.force_login(frontline)
    url = reverse("customers:interaction_log", args=[customer.pk])
    response = client.post(url, {"channel": "visit", "summary": "上门送货 Delivered"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert [t.name for t in response.templates][0] == "customers/_interactions.html"
    assert "上门送货 Delivered" in response.content.decode()
    assert Interaction.objects.filter(customer=customer, channel="visit", staff=frontline).count() == 1
    bad = client.post(url, {"channel": "visit", "summary": ""}, HTTP_HX_REQUEST="true")
    assert bad.status_code == 200 and "is-invalid" in bad.content.decode()
    assert Interaction.objects.filter(customer=customer).count() == 1


def test_create_view_flags_duplicates(client, frontline, branch):
    original = CustomerFactory(branch=branch, phone="13911112222")
    client.force_login(frontline)
    response = client.post(
        reverse("customers:create"),
        {"kind": "individual", "name": "New person", "phone": "139-1111-2222", "branch": branch.pk},
        follow=True,
    )
    created = Customer.objects.get(name="New person")
    assert response.redirect_chain[-1][0] == reverse("customer_360", args=[created.pk])
    assert created.possible_duplicate_of == original and created.account_manager == frontline
    assert original.code.encode() in response.content


def test_edit_view_saves_through_the_service(client, frontline, world):
    customer = world["customer"]
    client.force_login(frontline)
    response = client.post(
        reverse("customers:edit", args=[customer.pk]),
        {"kind": "company", "name": "新名字", "phone": customer.phone, "company_name": "新公司"},
    )
    assert response.status_code == 302
    customer.refresh_from_db()
    assert (customer.name, customer.kind) == ("新名字", "company")
    assert customer.events.filter(kind="updated").exists()


def test_status_view_needs_a_reason_to_churn(client, manager, world):
    customer = world["customer"]
    client.force_login(manager)
    client.post(reverse("customers:status", args=[customer.pk]), {"status": "churned", "reason": ""})
    assert Customer.objects.get(pk=customer.pk).status == "active"
    client.post(reverse("customers:status", args=[customer.pk]), {"status": "churned", "reason": "Moved"})
    assert Customer.objects.get(pk=customer.pk).status == "churned"


def test_visits_are_listed_for_the_owner_and_their_manager(client, world, frontline, manager, frontline_other, branch):
    overdue = world["plan"]
    later = VisitPlanFactory(
        customer=CustomerFactory(branch=branch), owner=manager, next_due=timezone.localdate() + timedelta(days=3)
    )
    client.force_login(frontline)
    context = client.get(reverse("customers:visits")).context
    assert (context["overdue"], context["upcoming"], context["overdue_count"]) == ([overdue], [], 1)
    client.force_login(manager)
    context = client.get(reverse("customers:visits")).context
    assert (context["overdue"], context["upcoming"]) == ([overdue], [later])
    client.force_login(frontline_other)
    assert client.get(reverse("customers:visits")).context["overdue_count"] == 0


def test_recording_a_visit_from_the_list(client, world, frontline):
    plan = world["plan"]
    client.force_login(frontline)
    response = client.post(reverse("customers:visit_record", args=[plan.pk]), {"summary": "拜访 Visit"})
    assert response.status_code == 302
    plan.refresh_from_db()
    assert plan.next_due == timezone.localdate() + timedelta(days=30)
    future = client.post(
        reverse("customers:visit_record", args=[plan.pk]),
        {"summary": "x", "occurred_at": (timezone.localtime() + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")},
    )
    assert future.status_code == 200 and Interaction.objects.filter(visit_plan=plan).count() == 1


def test_visit_plan_view(client, manager, frontline, world):
    customer = world["customer"]
    client.force_login(manager)
    response = client.post(
        reverse("customers:visit_plan", args=[customer.pk]),
        {"owner": frontline.pk, "every_days": 14, "next_due": "2026-12-01", "channel": "phone", "purpose": "续约"},
    )
    assert response.status_code == 302
    plan = VisitPlan.objects.get(customer=customer, is_active=True)
    assert (plan.every_days, plan.next_due, plan.channel) == (14, date(2026, 12, 1), "phone")


def test_transfer_page(client, manager, frontline, branch):
    successor = staff(Role.FRONTLINE, branch, username="successor")
    customers = CustomerFactory.create_batch(3, branch=branch, account_manager=frontline)
    client.force_login(manager)
    page = client.get(reverse("customers:transfer"), {"from_manager": frontline.pk})
    assert len(page.context["customers"]) == 3
    response = client.post(
        reverse("customers:transfer"),
        {
            "from_manager": frontline.pk,
            "to_manager": successor.pk,
            "reason": "离职",
            "scope": "chosen",
            "customers": [customers[0].pk],
        },
    )
    assert response.status_code == 302
    assert Customer.objects.filter(account_manager=successor).count() == 1
    client.post(
        reverse("customers:transfer"),
        {"from_manager": frontline.pk, "to_manager": successor.pk, "reason": "离职", "scope": "all"},
    )
    assert Customer.objects.filter(account_manager=successor).count() == 3
    assert CustomerEvent.objects.filter(kind="transferred").count() == 3


def test_matrix_page_counts_filters_and_click_through(client, gm, manager, branch, other_branch):
    from customers.models import ValueMatrixSettings

    ValueMatrixSettings.objects.filter(pk=1).update(threshold_mode="absolute", current_threshold=1000)
    for i in range(3):
        buy(CustomerFactory(branch=branch, name=f"Big {i}"), 5000, timezone.localdate(), count=2)
    buy(CustomerFactory(branch=other_branch), 10, timezone.localdate())
    customers_classify()
    client.force_login(gm)
    response = client.get(reverse("customers:matrix"))
    counts = {q["code"]: q["count"] for q in response.context["quadrants"]}
    assert counts == {"secondary": 3, "low": 1, "high": 0, "potential": 0}
    content = response.content.decode()
    assert 'id="matrix-data"' in content and "customers-matrix.js" in content
    assert f"{reverse('customers:list')}?quadrant=secondary" in content
    chart = response.context["chart"]
    assert chart["currentThreshold"] == 1000.0
    assert sum(len(s["points"]) for s in chart["series"]) == 4
    assert "<script>" not in content.split('id="matrix-data"')[0].rsplit("<main", 1)[1]  # no inline script
    by_branch = client.get(reverse("customers:matrix"), {"branch": other_branch.pk}).context["quadrants"]
    assert {q["code"]: q["count"] for q in by_branch}["low"] == 1
    assert sum(q["count"] for q in by_branch) == 1
    by_tier = client.get(reverse("customers:matrix"), {"tier": "A"}).context["quadrants"]
    assert sum(q["count"] for q in by_tier) == 3
    client.force_login(manager)
    assert sum(q["count"] for q in client.get(reverse("customers:matrix")).context["quadrants"]) == 3


def test_recompute_from_the_matrix_page_is_recorded_then_run_once(
    client, admin_user, customer, monkeypatch, django_capture_on_commit_callbacks
):
    from crm_site.jobs import services as job_services
    from crm_site.jobs.models import Job
    from customers.models import ClassificationRun

    sent = []
    monkeypatch.setattr(job_services, "job_dispatch", lambda *, job_id: sent.append(job_id) or True)
    client.force_login(admin_user)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = client.post(reverse("customers:classify_now"), follow=True)
    job = Job.objects.get()
    assert len(callbacks) == 1 and sent == [job.pk]
    assert (job.kind, job.state, job.created_by) == ("customers.recompute", "pending", admin_user)
    assert b"Recomputation started; refresh in a minute." in response.content
    assert not ClassificationRun.objects.exists()  # nothing ran in the request
    # A second click while it waits does not queue a second one.
    client.post(reverse("customers:classify_now"))
    assert Job.objects.count() == 1
    # What the worker does with the message (run here), twice as a redelivered message would:
    assert job_services.job_run(job_id=job.pk, worker="w1") == "done"
    assert job_services.job_run(job_id=job.pk, worker="w2") == "skipped"
    run = ClassificationRun.objects.get()
    job.refresh_from_db()
    assert (job.state, job.attempts, job.result["run"]) == ("done", 1, run.pk)
    assert (run.triggered_by, run.customers_classified) == (admin_user, 1)
    assert Customer.objects.get(pk=customer.pk).quadrant == "low"
    page = client.get(reverse("customers:matrix"))
    assert b'data-testid="run-info"' in page.content  # the last run's time shows


@pytest.mark.django_db(transaction=True)  # autocommit, as in production: the send is tried when the request commits
def test_recompute_with_the_broker_down_says_it_runs_when_the_worker_is_back(client, admin_user, customer):
    from crm_site.celery import app as celery_app
    from crm_site.jobs.models import Job

    client.force_login(admin_user)
    dead = "redis://127.0.0.1:1/0"  # nothing listens on port 1: a real connection that fails, not a mock

    def reset_pools():
        celery_app._pool = None
        celery_app.amqp._producer_pool = None

    saved = {key: celery_app.conf[key] for key in ("broker_url", "broker_write_url", "broker_read_url")}
    try:
        celery_app.conf.update(broker_url=dead, broker_write_url=dead, broker_read_url=dead)
        reset_pools()
        response = client.post(reverse("customers:classify_now"), follow=True)
    finally:
        celery_app.conf.update(saved)
        reset_pools()
    assert response.status_code == 200
    assert "runs as soon as the worker is back" in response.content.decode()
    assert Job.objects.get().state == "pending"  # recorded: the poll sends it once the broker answers


def test_the_recompute_task_records_one_job_per_day(customer):
    from crm_site.jobs.models import Job
    from crm_site.jobs.services import job_run
    from customers.models import ClassificationChange, ClassificationRun
    from customers.tasks import recompute_customers_task

    buy(customer, 500, date(2026, 6, 1))
    first = recompute_customers_task(as_of="2026-06-30")
    assert recompute_customers_task(as_of="2026-06-30") == first  # the same message twice: one job
    assert job_run(job_id=first) == "done"
    changes = ClassificationChange.objects.count()
    assert ClassificationRun.objects.get().as_of == date(2026, 6, 30)
    # A recomputation run again changes nothing but writes its own run row.
    second = recompute_customers_task(as_of="2026-07-01")
    assert job_run(job_id=second) == "done"
    assert ClassificationRun.objects.count() == 2
    assert ClassificationChange.objects.count() == changes
    assert Job.objects.filter(state="done").count() == 2


def test_output_is_escaped(client, frontline, branch):
    CustomerFactory(branch=branch, name="<script>alert(1)</script>")
    client.force_login(frontline)
    content = client.get(reverse("customers:list")).content
    assert b"<script>alert(1)</script>" not in content
    assert b"&lt;script&gt;alert(1)&lt;/script&gt;" in content


def test_admin_configures_the_value_matrix(client, admin_user, manager):
    client.force_login(admin_user)
    for name in ("valuematrixsettings", "quadrantpolicy", "tag"):
        assert client.get(reverse(f"admin:customers_{name}_changelist")).status_code == 200
    assert client.get(reverse("admin:customers_valuematrixsettings_change", args=[1])).status_code == 200
    client.force_login(manager)
    assert client.get(reverse("admin:customers_valuematrixsettings_changelist")).status_code == 302


@pytest.mark.parametrize("role", sorted(ALL))
def test_import_pages_by_every_role(client, users_by_role, admin_user, role):
    from customers.models import ImportBatch

    user = users_by_role[role]
    own = ImportBatch.objects.create(filename="mine.csv", created_by=user)
    theirs = ImportBatch.objects.create(
        filename="theirs.csv", created_by=admin_user if role != Role.ADMIN else users_by_role[Role.MANAGER]
    )
    client.force_login(user)
    preview = client.get(reverse("customers:import_preview", args=[own.pk]))
    other = client.get(reverse("customers:import_preview", args=[theirs.pk]))
    cancel = client.post(reverse("customers:import_cancel", args=[own.pk]))
    confirm = client.post(reverse("customers:import_confirm", args=[theirs.pk]))
    if role in ANALYSTS:
        assert (preview.status_code, other.status_code, cancel.status_code) == (200, 404, 302)
        assert confirm.status_code == 404 and ImportBatch.objects.get(pk=theirs.pk).status == "previewed"
        assert ImportBatch.objects.get(pk=own.pk).status == "cancelled"
    else:
        # Their own batch (left from when they had the role) is refused; another's does not exist for them.
        assert (preview.status_code, cancel.status_code, other.status_code, confirm.status_code) == (403, 403, 404, 404)
        assert ImportBatch.objects.get(pk=own.pk).status == "previewed"


def test_visit_record_link_only_for_those_who_may(client, world, manager, branch):
    colleague = staff(Role.FRONTLINE, branch, username="colleague")
    plan = world["plan"]
    url = reverse("customers:visit_record", args=[plan.pk])
    for user, shown in ((world["plan"].owner, True), (manager, True), (colleague, False)):
        client.force_login(user)
        content = client.get(reverse("customer_360", args=[plan.customer_id])).content.decode()
        assert (url in content) is shown


def test_transfer_page_offers_only_staff_who_can_open_the_customers(client, gm, frontline, frontline_other, branch):
    colleague = staff(Role.FRONTLINE, branch, username="colleague")
    CustomerFactory.create_batch(2, branch=branch, account_manager=frontline)
    client.force_login(gm)
    page = client.get(reverse("customers:transfer"), {"from_manager": frontline.pk})
    offered = set(page.context["form"].fields["to_manager"].queryset)
    assert colleague in offered and frontline_other not in offered
    response = client.post(
        reverse("customers:transfer"),
        {"from_manager": frontline.pk, "to_manager": frontline_other.pk, "reason": "离职", "scope": "all"},
    )
    assert response.status_code == 200 and response.context["form"].errors  # not a valid choice
    assert Customer.objects.filter(account_manager=frontline).count() == 2


def test_visit_plan_page_offers_only_staff_of_the_customers_branch(client, gm, frontline, frontline_other, world):
    client.force_login(gm)
    page = client.get(reverse("customers:visit_plan", args=[world["customer"].pk]))
    offered = set(page.context["form"].fields["owner"].queryset)
    assert frontline in offered and frontline_other not in offered


def test_transfer_page_shows_the_true_count_when_the_list_is_cut(client, manager, frontline, branch, monkeypatch):
    from customers import views

    monkeypatch.setattr(views, "TRANSFER_LIST_LIMIT", 2)
    CustomerFactory.create_batch(3, branch=branch, account_manager=frontline)
    client.force_login(manager)
    page = client.get(reverse("customers:transfer"), {"from_manager": frontline.pk})
    assert len(page.context["customers"]) == 2 and page.context["customer_count"] == 3
    assert "3 customers" in page.content.decode() and b'data-testid="transfer-list-cut"' in page.content
    monkeypatch.setattr(views, "TRANSFER_LIST_LIMIT", 500)
    page = client.get(reverse("customers:transfer"), {"from_manager": frontline.pk})
    assert page.context["customer_count"] == 3 and b"transfer-list-cut" not in page.content


def test_matrix_counts_equal_the_counts_of_the_linked_lists(client, gm, branch, other_branch):
    import html
    import re

    from customers.models import ValueMatrixSettings

    ValueMatrixSettings.objects.filter(pk=1).update(threshold_mode="absolute", current_threshold=1000)
    big = [CustomerFactory(branch=branch, name=f"Big {i}") for i in range(3)]
    for customer in big:
        buy(customer, 5000, timezone.localdate(), count=2)
    buy(CustomerFactory(branch=other_branch), 10, timezone.localdate())
    customers_classify()
    # Lost after classification: keeps its quadrant, but the matrix no longer counts it.
    Customer.objects.filter(pk=big[0].pk).update(status="churned", churn_reason="lost", churned_on=timezone.localdate())
    client.force_login(gm)
    for params in ({}, {"branch": branch.pk}, {"tier": "A"}):
        page = client.get(reverse("customers:matrix"), params)
        links = re.findall(r'href="([^"]*)"[^>]*>See these customers', page.content.decode())
        assert len(links) == 4
        for q, link in zip(page.context["quadrants"], links, strict=True):
            listed = client.get(html.unescape(link)).context["page"].paginator.count
            assert listed == q["count"], (params, q["code"], link)
    assert {q["code"]: q["count"] for q in client.get(reverse("customers:matrix")).context["quadrants"]}[
        "secondary"
    ] == 2


def test_visits_are_paginated_not_cut(client, manager, frontline, branch, monkeypatch):
    from customers import views

    monkeypatch.setattr(views, "VISITS_PAGE_SIZE", 2)
    today = timezone.localdate()
    late = [
        VisitPlanFactory(customer=CustomerFactory(branch=branch), owner=frontline, next_due=today - timedelta(days=d))
        for d in (5, 4, 3)
    ]
    soon = [
        VisitPlanFactory(customer=CustomerFactory(branch=branch), owner=frontline, next_due=today + timedelta(days=d))
        for d in (1, 2, 3)
    ]
    client.force_login(manager)
    first = client.get(reverse("customers:visits"))
    assert (first.context["overdue"], first.context["upcoming"]) == (late[:2], soon[:2])
    assert first.context["overdue_count"] == 3 and first.context["upcoming_page"].paginator.count == 3
    content = first.content.decode()
    assert "?overdue_page=2" in content and "?upcoming_page=2" in content
    second = client.get(reverse("customers:visits"), {"overdue_page": 2, "upcoming_page": 1})
    assert (second.context["overdue"], second.context["upcoming"]) == (late[2:], soon[:2])
    assert "upcoming_page=1&amp;overdue_page=1" in second.content.decode()  # the other list keeps its page


def test_a_phone_fragment_finds_only_numbers_the_user_sees_in_full(client, frontline, manager, admin_user, branch):
    """Otherwise a user who sees 138****1111 could find the hidden digits one search at a time."""
    CustomerFactory(branch=branch, name="Mine", phone="13800002222", account_manager=frontline)
    CustomerFactory(branch=branch, name="Theirs", phone="13800001111", account_manager=manager)

    def found(user, q):
        client.force_login(user)
        return {c.name for c in client.get(reverse("customers:list"), {"q": q}).context["page"]}

    assert found(frontline, "0000") == {"Mine"}
    assert found(frontline, "138 0000 1111") == {"Theirs"}  # the whole number, in any format
    assert found(manager, "0000") == {"Mine", "Theirs"}  # managers see every number in full
    assert found(admin_user, "0000") == set()  # administrators see masked numbers
    assert found(admin_user, "13800001111") == {"Theirs"}
    assert found(admin_user, "Mine") == {"Mine"}  # names are still found by fragment


def test_360_page_totals_use_the_configured_window(client, manager, customer):
    from customers.models import ValueMatrixSettings

    today = timezone.localdate()
    buy(customer, 100, today - timedelta(days=20))
    buy(customer, 10, today - timedelta(days=100))  # outside a 3-month window, inside 12 months
    ValueMatrixSettings.objects.filter(pk=1).update(value_months=3)
    client.force_login(manager)
    response = client.get(reverse("customer_360", args=[customer.pk]))
    totals = response.context["data"].totals
    assert (totals["count_12m"], totals["revenue_12m"], totals["count"]) == (1, 100, 2)
    assert b"Last 3 months: 1 purchases" in response.content
