"""Every page answers in a bounded number of SQL queries, whatever the amount of data behind it.

The security walk's world (tests/security/conftest.py) is built once; every GET page and API GET endpoint that a
role may open is requested as that role and its queries counted. Then the world grows (many complaints with
plans, remedies, decisions, revisits, attachments and notes, customers with purchases, contacts and interactions,
survey answers, notifications) and every page is counted again: the count must stay the same (no query per row),
and stay within ``MAX_QUERIES`` (session, user, role and profile, the notification bell and the page's own).
"""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from complaints import services as complaint_services
from complaints.models import Complaint, CustomerResponse, PlanDecision, PlanStatus, Revisit
from complaints.workflow import Step
from crm_site.api.models import ApiToken
from crm_site.api.services import api_token_create
from crm_site.notifications.models import Notification
from satisfaction.models import Response, SurveyItem
from satisfaction.services import AnswerData, _response_write
from tests.complaints.factories import (
    ComplaintFactory,
    RemedyFactory,
    ResolutionPlanFactory,
    png_upload,
    version,
    walk_to,
)
from tests.customers.factories import ContactFactory, InteractionFactory, PurchaseFactory, VisitPlanFactory
from tests.factories import CustomerFactory
from tests.security.conftest import build_world
from tests.security.walk import ROUTES, expected_outcome, method_limits, url_for

MAX_QUERIES = 12
ROLES = ["frontline_a", "manager_a", "gm", "admin"]
GROWN = 25  # complaints in branch A after growing (the world has two there)
STEPS = (Step.LISTEN, Step.SHARE, Step.PROBLEM, Step.CHECK, Step.ACTION, Step.SATISFY, Step.CLOSED)

# Pages left out, with the reason. (The statistics pages, /reports/ and /api/v1/statistics/, were left out while
# they were being reduced for issue 14; all kept within the limit, at most 9 queries, and joined.)
PAGES_LEFT_OUT: dict[str, str] = {}
# Pages the four roles may not open at all (only anonymous visitors, or other users).
NO_ROLE_OPENS: set[str] = set()
# Known to be over the limit, to be fixed where the page lives (strict: the test says when they pass).
OVER_LIMIT: dict[str, str] = {}

# slow: builds two worlds and walks every page as every role (20 s on one core); make test-slow and CI run it.
pytestmark = [pytest.mark.django_db, pytest.mark.slow]  # django_db: the test database the module fixture fills


def _is_api(route) -> bool:
    return route.route.startswith("api/v1/")


def _get_routes():
    return [r for r in ROUTES if r.name not in PAGES_LEFT_OUT]


def _grow(world) -> None:
    """Many more rows of everything a page lists, in branch A (whose staff are walked) and branch B."""
    u, o = world.users, world.objects
    clerk, manager = u["frontline_a"], u["manager_a"]
    customers = [o["customer_a"]] + [CustomerFactory(branch=o["branch_a"], account_manager=clerk) for _ in range(8)]
    for i in range(GROWN - 2):
        customer = customers[i % len(customers)]
        complaint = ComplaintFactory(actor=clerk, customer=customer, files=[png_upload()] if i % 2 else [])
        target = STEPS[i % len(STEPS)]
        walk_to(complaint, target, actor=clerk, manager=manager)
    ComplaintFactory(actor=u["frontline_b"], customer=o["customer_b"])
    # Branch A's complaint on the detail page: more notes, attachments, and earlier plans that were turned down.
    complaint = o["complaint_a"]
    for i in range(6):
        complaint_services.complaint_add_note(actor=clerk, complaint_id=complaint.pk, text=f"note {i}")
        complaint_services.attachment_add(actor=clerk, complaint_id=complaint.pk, uploaded=png_upload(f"p{i}.png"))
    for _ in range(3):
        plan = ResolutionPlanFactory(complaint=complaint, status=PlanStatus.REJECTED, submitted_by=clerk)
        RemedyFactory(plan=plan)
        RemedyFactory(plan=plan, kind="repair", amount=Decimal("0"))
        PlanDecision.objects.create(
            plan=plan, level="manager", approved=False, comment="too costly", decided_by=manager
        )
        CustomerResponse.objects.create(plan=plan, outcome="refused", notes="too little", recorded_by=clerk)
    Revisit.objects.create(complaint=complaint, outcome=Revisit.Outcome.NOT_RESOLVED, score=2, recorded_by=clerk)
    for days in (2, 4):
        complaint_services.complaint_extend_deadline(
            actor=manager,
            complaint_id=complaint.pk,
            expected_version=version(complaint),
            new_due_at=Complaint.objects.get(pk=complaint.pk).resolution_due_at + timedelta(days=days),
            reason="supplier delay",
        )
    # Customers: purchases, contacts, interactions, visit plans.
    for customer in customers + [o["customer_a2"], o["customer_b"]]:
        for day in range(6):
            PurchaseFactory(customer=customer, date=timezone.localdate() - timedelta(days=30 * day))
        ContactFactory(customer=customer)
        InteractionFactory(customer=customer, staff=clerk)
    for customer in customers[1:]:  # one visit plan a customer; the world's customers have theirs
        VisitPlanFactory(customer=customer, owner=clerk, next_due=timezone.localdate() - timedelta(days=1))
    # Survey answers and notifications.
    item = SurveyItem.objects.filter(template=o["survey_template"]).get()
    for n, customer in enumerate(customers * 2):
        _response_write(
            template=o["survey_template"],
            customer=customer,
            source=Response.Source.PHONE,
            data=AnswerData(scores={item.pk: 1 + n % 5}, overall=1 + n % 5),
            branch_id=o["branch_a"].pk,
            recorded_by=clerk,
        )
    _notify(world, 8)


def _notify(world, count: int) -> None:
    now = timezone.now()
    for name in ROLES:
        for _ in range(count):
            Notification.objects.create(
                recipient=world.users[name],
                kind="walk.complaint",
                subject_type="complaint",
                subject_id=world.complaint_a.pk,
                key=f"perf:{name}:{Notification.objects.count()}",
                created_at=now,
            )


def _count(world, route, user_name, token, *, warm_up: bool = False) -> tuple[int, int, list[str]]:
    client = Client(raise_request_exception=False)
    extra = {}
    if _is_api(route):
        extra["HTTP_AUTHORIZATION"] = f"Token {token}"
    else:
        client.force_login(world.user(user_name))
    url = url_for(world, route)
    ApiToken.objects.update(last_used_at=timezone.now())  # the once-a-minute stamp is not the page's own query
    if warm_up:  # a first visit may stamp something once (a survey link opened): counted is every later visit
        client.get(url, **extra)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, **extra)
        if getattr(response, "streaming", False):
            b"".join(response.streaming_content)
    return len(queries), response.status_code, [q["sql"] for q in queries.captured_queries]


def _measure(world, tokens) -> dict:
    counts = {}
    for route in _get_routes():
        names = [name for name in ROLES if expected_outcome(world, route, name, "GET") == "runs"]
        for name in names:
            counts[(route.name, name)] = _count(world, route, name, tokens[name], warm_up=name == names[0])
    return counts


def _measure_steps(world) -> dict:
    """The complaint page at every step (each step draws its own forms), as each role that may work on it."""
    counts = {}
    for step in STEPS:
        complaint = Complaint.objects.filter(branch=world.branch_a, step=step).order_by("pk").first()
        for name in ROLES:
            client = Client(raise_request_exception=False)
            client.force_login(world.users[name])
            url = reverse("complaints:detail", kwargs={"pk": complaint.pk})
            with CaptureQueriesContext(connection) as queries:
                response = client.get(url)
            counts[(step, name)] = len(queries), response.status_code, [q["sql"] for q in queries.captured_queries]
    return counts


@pytest.fixture(scope="module")
def measured(django_db_setup, django_db_blocker):
    """Counts with the small world, then with the grown one, in a transaction rolled back at the end."""
    with django_db_blocker.unblock(), transaction.atomic():
        world = build_world()
        _notify(world, 1)  # a page with no rows at all may skip its pager's count: start from one each
        tokens = {name: api_token_create(actor=world.users[name], name="perf")[1] for name in ROLES}
        small = _measure(world, tokens)
        _grow(world)
        large = _measure(world, tokens)
        by_step = _measure_steps(world)
        transaction.set_rollback(True)
    return small, large, by_step


def _gets():
    """The routes that answer GET (the others answer 405 before any query worth counting)."""
    return [r for r in _get_routes() if (method_limits(r.pattern.callback)[0] or {"GET"}) >= {"GET"}]


def _problems(small: dict, large: dict) -> dict[str, list[str]]:
    """Per page, what is wrong with it as each role: an error, too many queries, or more queries with more data."""
    problems: dict[str, list[str]] = {}
    for (name, user), (few, status, _sql) in small.items():
        many, status_large, sql = large[(name, user)]
        if status >= 500 or status_large >= 500:
            problems.setdefault(name, []).append(f"{user}: answered {status} / {status_large}")
        elif many > MAX_QUERIES or many != few:
            problems.setdefault(name, []).append(f"{user}: {few} queries, {many} with more data\n" + "\n".join(sql))
    return problems


def test_every_page_keeps_to_the_limit_whatever_the_data(measured):
    """One test for every page, so that the world is built once (also when the suite runs on several workers)."""
    small, large, by_step = measured
    assert set(small) == set(large)
    assert {name for name, _user in small} >= {"home", "customer_360", "complaints:detail", "complaints:list"}
    assert len(small) > 150  # most pages as several roles: the walk did not come up empty
    assert {name for name, _user in small} >= {r.name for r in _gets() if r.name not in NO_ROLE_OPENS}
    problems = _problems(small, large)
    for (step, user), (count, status, sql) in by_step.items():
        if status != 200 or count > MAX_QUERIES:
            problems.setdefault(f"complaints:detail at {step}", []).append(f"{user}: {count}\n" + "\n".join(sql))
    unexpected = {name: found for name, found in problems.items() if name not in OVER_LIMIT}
    assert not unexpected, "\n\n".join(f"{name}\n" + "\n".join(found) for name, found in unexpected.items())
    assert set(problems) == set(OVER_LIMIT), "fixed: take them off OVER_LIMIT"
