"""Complaints over the API: the list page's scope, filters and cursor pages in a fixed number of queries; intake
and each workflow action through the services (a timeline row each), refusals in the JSON shape."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from complaints.models import Complaint, TimelineEvent
from complaints.workflow import Step
from tests.complaints.factories import CategoryFactory, ComplaintFactory

from .conftest import api_client
from .test_access import assert_error

pytestmark = pytest.mark.django_db


def test_the_list_is_the_users_branch_newest_first(frontline, manager_other, customer, other_customer, frontline_other):
    mine = [ComplaintFactory(actor=frontline, customer=customer) for _ in range(2)]
    theirs = ComplaintFactory(actor=frontline_other, customer=other_customer)
    ids = [row["id"] for row in api_client(frontline).get(reverse("api:complaints")).json()["results"]]
    assert ids == [mine[1].pk, mine[0].pk]
    ids = [row["id"] for row in api_client(manager_other).get(reverse("api:complaints")).json()["results"]]
    assert ids == [theirs.pk]


def test_the_list_pages_filters_apply(frontline, customer):
    general = ComplaintFactory(actor=frontline, customer=customer, severity="general")
    major = ComplaintFactory(actor=frontline, customer=customer, severity="major", product="Boiler X9")
    client = api_client(frontline)

    def ids(**params):
        response = client.get(reverse("api:complaints"), params)
        assert response.status_code == 200, response.content
        return [row["id"] for row in response.json()["results"]]

    assert ids(severity="major") == [major.pk]
    assert ids(q="Boiler") == [major.pk]
    assert ids(step="listen") == [major.pk, general.pk]
    assert ids(step="closed") == []
    assert ids(mine="true") == [major.pk, general.pk]  # the clerk received both
    response = client.get(reverse("api:complaints"), {"severity": "catastrophic"})
    assert_error(response, 400, "validation_error")
    assert "severity" in response.json()["error"]["fields"]


def test_cursor_pages_walk_every_row_once(frontline, customer):
    made = [ComplaintFactory(actor=frontline, customer=customer) for _ in range(5)]
    client = api_client(frontline)
    seen, url = [], reverse("api:complaints") + "?page_size=2"
    pages = 0
    while url:
        body = client.get(url).json()
        seen += [row["id"] for row in body["results"]]
        url, pages = body["next"], pages + 1
    assert pages == 3  # 5 rows by 2: 2 + 2 + 1
    assert seen == [c.pk for c in reversed(made)]
    assert len(client.get(reverse("api:complaints") + "?page_size=1000").json()["results"]) == 5  # capped at 100


def _list_queries(user) -> int:
    client = api_client(user)
    client.get(reverse("api:complaints"))  # warm the session and the access cache of the first request
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(reverse("api:complaints")).status_code == 200
    return len(ctx)


def test_the_list_takes_the_same_queries_for_2_or_6_rows(frontline, customer, django_assert_max_num_queries):
    for _ in range(2):
        ComplaintFactory(actor=frontline, customer=customer)
    few = _list_queries(frontline)
    for _ in range(4):
        ComplaintFactory(actor=frontline, customer=customer)
    assert _list_queries(frontline) == few
    client = api_client(frontline)
    # session, user, role groups, staff profile, SLA warning hours, one page of complaints
    with django_assert_max_num_queries(6):
        client.get(reverse("api:complaints"))


def test_intake_goes_through_the_service(frontline, customer):
    category = CategoryFactory()
    body = {
        "customer": customer.pk,
        "channel": "phone",
        "occurred_at": (timezone.now() - timedelta(hours=1)).isoformat(),
        "customer_words": "The heating is off",
        "category": category.pk,
        "severity": "important",
        "priority": "normal",
    }
    response = api_client(frontline).post(reverse("api:complaints"), body, format="json")
    assert response.status_code == 201, response.content
    complaint = Complaint.objects.get(pk=response.json()["id"])
    assert complaint.branch_id == customer.branch_id and complaint.first_responder == frontline
    assert [e["kind"] for e in response.json()["timeline"]] == ["created"]


def test_a_step_is_saved_and_advanced_with_timeline_rows(frontline, complaint):
    url = reverse("api:complaint_step", args=[complaint.pk])
    body = {"version": complaint.version, "customer_words": complaint.customer_words, "key_points": "lift; 9th floor"}
    response = api_client(frontline).post(url, {**body, "advance": True}, format="json")
    assert response.status_code == 200, response.content
    data = response.json()
    assert data["message"] == "Saved and moved to the next step: 2 Share."
    assert data["complaint"]["step"] == Step.SHARE
    kinds = list(TimelineEvent.objects.filter(complaint=complaint).values_list("kind", flat=True))
    assert kinds == ["created", "recorded", "step"]


def test_a_workflow_refusal_comes_with_its_message(frontline, complaint):
    # At Listen without key points the step cannot move on (workflow.missing_for_step).
    response = api_client(frontline).post(
        reverse("api:complaint_advance", args=[complaint.pk]), {"version": complaint.version}, format="json"
    )
    assert_error(response, 409, "workflow_refused")
    assert response.json()["error"]["message"] == "This step is not complete: the key points."
    complaint.refresh_from_db()
    assert complaint.step == Step.LISTEN


def test_a_stale_version_is_refused(frontline, complaint):
    response = api_client(frontline).post(
        reverse("api:complaint_advance", args=[complaint.pk]), {"version": complaint.version + 7}, format="json"
    )
    assert_error(response, 409, "stale")


def test_a_note_is_added_to_the_timeline(frontline, complaint):
    response = api_client(frontline).post(
        reverse("api:complaint_note", args=[complaint.pk]),
        {"text": "Called back", "customer_facing": True},
        format="json",
    )
    assert response.status_code == 201, response.content
    event = TimelineEvent.objects.filter(complaint=complaint, kind=TimelineEvent.Kind.NOTE).get()
    assert event.note == "Called back" and event.actor == frontline


def test_a_note_is_sent_by_email_as_on_the_page(frontline, complaint):
    url = reverse("api:complaint_note", args=[complaint.pk])
    internal = api_client(frontline).post(url, {"text": "x", "send_by_email": True}, format="json")
    assert_error(internal, 400, "validation_error")  # only a note told to the customer goes out
    complaint.customer.email = ""
    complaint.customer.save(update_fields=["email"])
    no_address = {"text": "We are on it", "customer_facing": True, "send_by_email": True}
    assert_error(api_client(frontline).post(url, no_address, format="json"), 409, "workflow_refused")
    complaint.customer.email = "li@example.com"
    complaint.customer.save(update_fields=["email"])
    assert api_client(frontline).post(url, no_address, format="json").status_code == 201
    event = TimelineEvent.objects.filter(complaint=complaint, kind=TimelineEvent.Kind.NOTE).get()
    assert event.data == {"send_by_email": True}


def test_the_detail_carries_the_timeline_and_what_the_user_may_do(action_complaint, frontline, manager):
    complaint, plan = action_complaint
    data = api_client(manager).get(reverse("api:complaint", args=[complaint.pk])).json()
    assert data["number"] == complaint.number
    assert data["timeline"][0]["kind"] == "created"
    assert "decide_manager" in data["actions"]
    assert [p["id"] for p in data["plans"]] == [plan.pk]
    clerk = api_client(frontline).get(reverse("api:complaint", args=[complaint.pk])).json()
    assert "decide_manager" not in clerk["actions"]


def test_a_plan_with_remedies_is_submitted_and_checked_by_the_form(frontline, action_complaint, manager):
    complaint, plan = action_complaint
    api_client(manager).post(
        reverse("api:plan_decide", args=[plan.pk]), {"decision": "reject", "comment": "too little"}, format="json"
    )
    complaint.refresh_from_db()
    url = reverse("api:complaint_plan_submit", args=[complaint.pk])
    body = {
        "version": complaint.version,
        "summary": "Repair and refund",
        "deadline": str(timezone.localdate() + timedelta(days=2)),
        "remedies": [{"kind": "", "amount": "5.00"}],
    }
    response = api_client(frontline).post(url, body, format="json")
    assert_error(response, 400, "validation_error")
    assert response.json()["error"]["fields"] == {"remedies.0.__all__": ["Choose the kind of remedy."]}
    body["remedies"] = [{"kind": "compensation", "amount": "50.00", "description": "refund"}]
    response = api_client(frontline).post(url, body, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["complaint"]["plans"][0]["total_amount"] == 50.0


def test_a_manager_assigns_extends_closes_reopens_and_archives_with_timeline_rows(complaint, manager, frontline):
    client = api_client(manager)

    def act(name, **body):
        version = Complaint.objects.get(pk=complaint.pk).version
        response = client.post(reverse(f"api:{name}", args=[complaint.pk]), {"version": version, **body}, format="json")
        assert response.status_code == 200, response.content
        return response.json()

    act("complaint_assign", handler=frontline.pk)
    new_due = (Complaint.objects.get(pk=complaint.pk).resolution_due_at + timedelta(days=2)).isoformat()
    act("complaint_extend", new_due_at=new_due, reason="Supplier delay")
    assert act("complaint_force_close", reason="Customer unreachable")["complaint"]["step"] == Step.CLOSED
    assert (
        act("complaint_reopen", to_step=Step.PROBLEM, reason="Customer called back")["complaint"]["step"]
        == Step.PROBLEM
    )
    act("complaint_force_close", reason="Resolved by phone")
    assert act("complaint_archive")["complaint"]["is_archived"] is True
    kinds = list(TimelineEvent.objects.filter(complaint=complaint).values_list("kind", flat=True))
    assert kinds[1:] == ["assigned", "extension", "closed", "reopened", "closed", "archived"]


def test_a_front_line_user_cannot_force_close(complaint, frontline):
    response = api_client(frontline).post(
        reverse("api:complaint_force_close", args=[complaint.pk]),
        {"version": complaint.version, "reason": "x"},
        format="json",
    )
    assert_error(response, 403, "permission_denied")
