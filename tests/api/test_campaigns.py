"""Campaigns created over the API: the page's form (satisfaction.forms.CampaignForm) and service
(satisfaction.services.campaign_create) under rule campaign.create; hand-picked customers only among those the
user may see, a branch's manager only for their branch; refusals in the JSON shape."""

import pytest
from django.urls import reverse

from satisfaction.models import Campaign, SurveyTemplate
from tests.factories import CustomerFactory

from .conftest import api_client
from .test_access import assert_error

pytestmark = pytest.mark.django_db

URL = "api:survey_campaigns"
COMPARED = [
    "name",
    "template_id",
    "branch_id",
    "tier",
    "quadrant",
    "complaint_closed_from",
    "complaint_closed_to",
    "skip_recent_days",
    "link_valid_days",
    "status",
    "created_by_id",
]


@pytest.fixture
def template(db):
    return SurveyTemplate.objects.create(code="api-campaign", name_en="After-sales", name_zh="售后")


def _as_created(campaign: Campaign) -> dict:
    row = {name: getattr(campaign, name) for name in COMPARED}
    row["picked"] = sorted(campaign.picked_customers.values_list("code", flat=True))
    return row


def test_the_api_creates_the_campaign_the_page_creates(client, gm, template, branch, other_branch):
    CustomerFactory(branch=branch, code="CA0100")
    CustomerFactory(branch=branch, code="CA0101")
    CustomerFactory(branch=other_branch, code="CB0100")
    values = {
        "template": template.pk,
        "branch": branch.pk,
        "tier": "A",
        "quadrant": "high",
        "complaint_closed_from": "2026-01-01",
        "complaint_closed_to": "2026-03-31",
        "skip_recent_days": 30,
        "link_valid_days": 7,
        "picked_codes": "CA0100, CA0101",
    }
    client.force_login(gm)
    response = client.post(reverse("satisfaction:campaign_create"), {"name": "Page", **values})
    assert response.status_code == 302
    by_page = Campaign.objects.get(name="Page")
    response = api_client(gm).post(reverse(URL), {"name": "API", **values}, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    by_api = Campaign.objects.get(pk=body["campaign"]["id"])
    assert body["message"] == "Campaign “API” saved as a draft: check it, then send it."
    assert _as_created(by_api) == {**_as_created(by_page), "name": "API"}
    assert _as_created(by_api)["picked"] == ["CA0100", "CA0101"]
    assert (body["campaign"]["status"], body["campaign"]["branch"]["id"]) == ("draft", branch.pk)


def test_left_out_days_take_the_pages_defaults(manager, template, branch):
    response = api_client(manager).post(reverse(URL), {"name": "Spring", "template": template.pk}, format="json")
    assert response.status_code == 201, response.content
    campaign = Campaign.objects.get(name="Spring")
    # The model's defaults, which the page's form shows pre-filled: 90 days skipped, links valid 14 days.
    assert (campaign.skip_recent_days, campaign.link_valid_days) == (90, 14)
    # A branch's manager: their own branch, pinned by the service.
    assert (campaign.branch_id, campaign.created_by) == (branch.pk, manager)


def test_a_manager_cannot_target_another_branch(manager, template, other_branch):
    client = api_client(manager)
    response = client.post(
        reverse(URL), {"name": "Elsewhere", "template": template.pk, "branch": other_branch.pk}, format="json"
    )
    assert_error(response, 400, "validation_error")
    assert response.json()["error"]["fields"] == {
        "branch": ["Your campaigns are for your own branch: leave the branch out."]
    }
    CustomerFactory(branch=other_branch, code="CB0100")
    response = client.post(
        reverse(URL), {"name": "Elsewhere", "template": template.pk, "picked_codes": "CB0100"}, format="json"
    )
    assert_error(response, 400, "validation_error")
    assert response.json()["error"]["fields"] == {"picked_codes": ["No customer of yours has the code CB0100."]}
    assert not Campaign.objects.filter(name="Elsewhere").exists()


def test_validation_errors_come_in_the_json_shape(gm, template, branch, other_branch):
    CustomerFactory(branch=other_branch, code="CB0100")
    client = api_client(gm)
    response = client.post(reverse(URL), {"tier": "Z"}, format="json")
    assert_error(response, 400, "validation_error")
    assert set(response.json()["error"]["fields"]) == {"name", "template", "tier"}
    body = {
        "name": "Backwards",
        "template": template.pk,
        "branch": branch.pk,
        "complaint_closed_from": "2026-03-01",
        "complaint_closed_to": "2026-02-01",
        "picked_codes": "CB0100",
    }
    response = client.post(reverse(URL), body, format="json")
    assert_error(response, 400, "validation_error")
    assert response.json()["error"]["fields"] == {
        "complaint_closed_to": ["The end of the period comes before its start."],
        "picked_codes": ["Not customers of Beijing 北京: CB0100. Choose all branches or remove them."],
    }
    retired = SurveyTemplate.objects.create(code="old", name_en="Old", name_zh="旧", is_active=False)
    response = client.post(reverse(URL), {"name": "Old", "template": retired.pk}, format="json")
    assert_error(response, 400, "validation_error")
    assert list(response.json()["error"]["fields"]) == ["template"]
    assert not Campaign.objects.exists()


def test_front_line_staff_may_not_create_campaigns(frontline, template):
    response = api_client(frontline).post(reverse(URL), {"name": "X", "template": template.pk}, format="json")
    assert_error(response, 403, "permission_denied")
    assert not Campaign.objects.exists()
