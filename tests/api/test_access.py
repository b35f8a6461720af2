"""Every API endpoint asks the policy as the pages do: another branch's objects are 404 everywhere, the rule
refuses with 403, nobody signed in gets 401, all in the one JSON error shape."""

import pytest
from django.urls import reverse

from complaints.models import PlanStatus, TimelineEvent
from tests.customers.factories import VisitPlanFactory

from .conftest import api_client

pytestmark = pytest.mark.django_db

COMPLAINT_ACTIONS = [
    "complaint_step",
    "complaint_advance",
    "complaint_confirm",
    "complaint_plan_submit",
    "complaint_revisit",
    "complaint_assign",
    "complaint_note",
    "complaint_extend",
    "complaint_force_close",
    "complaint_reopen",
    "complaint_archive",
]


def assert_error(response, status: int, code: str):
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert body["error"]["code"] == code
    assert body["error"]["message"]


def test_nobody_signed_in_gets_401_in_the_json_shape(complaint):
    client = api_client()
    assert_error(client.get(reverse("api:complaints")), 401, "not_authenticated")
    assert_error(client.get(reverse("api:complaint", args=[complaint.pk])), 401, "not_authenticated")
    assert_error(
        client.post(reverse("api:complaint_note", args=[complaint.pk]), {"text": "x"}), 401, "not_authenticated"
    )
    assert client.get(reverse("api:complaints"))["WWW-Authenticate"] == "Token"


def test_another_branchs_complaint_is_404_through_every_endpoint(action_complaint, manager_other):
    complaint, plan = action_complaint
    remedy = plan.remedies.get()
    client = api_client(manager_other)
    before = TimelineEvent.objects.filter(complaint=complaint).count()
    assert_error(client.get(reverse("api:complaint", args=[complaint.pk])), 404, "not_found")
    for name in COMPLAINT_ACTIONS:
        assert_error(client.post(reverse(f"api:{name}", args=[complaint.pk]), {}, format="json"), 404, "not_found")
    for name in ("plan_decide", "plan_response"):
        response = client.post(reverse(f"api:{name}", args=[plan.pk]), {"decision": "approve"}, format="json")
        assert_error(response, 404, "not_found")
    assert_error(client.post(reverse("api:remedy_done", args=[remedy.pk])), 404, "not_found")
    # Nor is it in their list.
    listed = client.get(reverse("api:complaints")).json()["results"]
    assert complaint.pk not in [row["id"] for row in listed]
    assert TimelineEvent.objects.filter(complaint=complaint).count() == before


def test_a_front_line_user_cannot_approve_a_plan(action_complaint, frontline):
    complaint, plan = action_complaint
    # As the page: the clerk sees the complaint (so not 404) but rule plan.decide refuses (403).
    response = api_client(frontline).post(
        reverse("api:plan_decide", args=[plan.pk]), {"decision": "approve"}, format="json"
    )
    assert_error(response, 403, "permission_denied")
    plan.refresh_from_db()
    assert plan.status == PlanStatus.PENDING_MANAGER


def test_the_branch_manager_approves_through_the_service(action_complaint, manager):
    complaint, plan = action_complaint
    response = api_client(manager).post(
        reverse("api:plan_decide", args=[plan.pk]), {"decision": "approve", "comment": "ok"}, format="json"
    )
    assert response.status_code == 200, response.content
    assert response.json()["message"] == "Plan approved: record the customer's answer next."
    plan.refresh_from_db()
    assert plan.status == PlanStatus.APPROVED
    assert TimelineEvent.objects.filter(complaint=complaint, kind=TimelineEvent.Kind.DECISION).count() == 1


def test_another_branchs_customer_and_visit_are_404(customer, frontline, manager_other):
    plan = VisitPlanFactory(customer=customer, owner=frontline)
    client = api_client(manager_other)
    for name in ("customer", "customer_interactions", "customer_transactions"):
        assert_error(client.get(reverse(f"api:{name}", args=[customer.pk])), 404, "not_found")
    assert_error(
        client.patch(reverse("api:customer", args=[customer.pk]), {"name": "X"}, format="json"), 404, "not_found"
    )
    response = client.post(reverse("api:customer_interactions", args=[customer.pk]), {}, format="json")
    assert_error(response, 404, "not_found")
    assert_error(
        client.post(reverse("api:visit_record", args=[plan.pk]), {"summary": "x"}, format="json"), 404, "not_found"
    )
    assert customer.pk not in [row["id"] for row in client.get(reverse("api:customers")).json()["results"]]
    assert plan.pk not in [row["id"] for row in client.get(reverse("api:visits")).json()["results"]]


def test_a_role_the_rule_refuses_gets_403(gm, frontline):
    # Rule complaint.create: workers with a branch; the general manager receives none.
    response = api_client(gm).post(reverse("api:complaints"), {}, format="json")
    assert_error(response, 403, "permission_denied")
    # Rule survey.design: the admin and the general manager only.
    assert_error(api_client(frontline).get(reverse("api:survey_templates")), 403, "permission_denied")
