"""Surveys over the API: questionnaires and campaigns for those the pages show them to, and the customer's
answer through the personal link's token (public, once)."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from satisfaction.models import Campaign, Dimension, Invitation, Response, SurveyItem, SurveyTemplate
from satisfaction.services import _token_for, token_hash

from .conftest import api_client
from .test_access import assert_error

pytestmark = pytest.mark.django_db


@pytest.fixture
def survey(branch, manager, customer):
    template = SurveyTemplate.objects.create(code="api", name_en="API survey", name_zh="接口问卷")
    dimension = Dimension.objects.get(code="service_attitude")
    item = SurveyItem.objects.create(template=template, dimension=dimension, text_en="Kind staff", text_zh="员工友善")
    campaign = Campaign.objects.create(name="Spring", template=template, branch=branch, created_by=manager)
    invitation = Invitation.objects.create(
        campaign=campaign,
        customer=customer,
        salt="api",
        token_hash="0" * 64,
        expires_at=timezone.now() + timedelta(days=7),
    )
    token = _token_for(invitation)
    invitation.token_hash = token_hash(token)
    invitation.save(update_fields=["token_hash"])
    return {"template": template, "item": item, "campaign": campaign, "token": token}


def test_the_questionnaire_is_read_through_the_token_without_signing_in(survey):
    response = api_client().get(reverse("api:survey_answer", args=[survey["token"]]))
    assert response.status_code == 200, response.content
    assert [i["id"] for i in response.json()["template"]["items"]] == [survey["item"].pk]


def test_answers_are_sent_once(survey):
    url = reverse("api:survey_answer", args=[survey["token"]])
    client = api_client()
    response = client.post(url, {}, format="json")
    assert_error(response, 400, "validation_error")
    assert "at least one question" in response.json()["error"]["message"]
    response = client.post(url, {"scores": {str(survey["item"].pk): 4}, "overall": 5}, format="json")
    assert response.status_code == 201, response.content
    assert Response.objects.get(customer__pk=survey["campaign"].invitations.get().customer_id).overall == 5
    assert_error(client.post(url, {"overall": 5}, format="json"), 410, "link_used")


def test_an_unknown_link_is_404_in_the_json_shape(db):
    assert_error(api_client().get(reverse("api:survey_answer", args=["nope"])), 404, "link_unknown")


def test_campaigns_are_shown_as_on_the_pages(survey, manager, manager_other, gm):
    url = reverse("api:survey_campaign", args=[survey["campaign"].pk])
    assert api_client(manager).get(url).status_code == 200
    assert_error(api_client(manager_other).get(url), 404, "not_found")  # another branch's campaign
    listed = api_client(gm).get(reverse("api:survey_campaigns")).json()["results"]
    assert [(c["id"], c["invited"], c["answered"]) for c in listed] == [(survey["campaign"].pk, 1, 0)]
    templates = api_client(gm).get(reverse("api:survey_templates")).json()["results"]
    assert survey["template"].pk in [t["id"] for t in templates]


def test_the_public_answer_endpoint_is_throttled_per_address(survey, settings):
    from django.core.cache import cache

    cache.clear()
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "survey_answer": "2/min"},
    }
    url = reverse("api:survey_answer", args=["unknown-token"])
    client = api_client()
    assert [client.get(url).status_code for _ in range(2)] == [404, 404]
    response = client.get(url)
    assert_error(response, 429, "throttled")
    assert int(response["Retry-After"]) > 0
    cache.clear()


def test_a_campaign_is_closed_through_the_service_and_then_refuses_to_send(survey, manager, manager_other, frontline):
    campaign = survey["campaign"]
    close = reverse("api:survey_campaign_close", args=[campaign.pk])
    assert_error(api_client(manager_other).post(close), 404, "not_found")
    assert_error(api_client(frontline).post(close), 404, "not_found")  # campaign.view: not theirs to see
    response = api_client(manager).post(close)
    assert response.status_code == 200, response.content
    assert response.json()["campaign"]["status"] == Campaign.Status.CLOSED
    response = api_client(manager).post(reverse("api:survey_campaign_send", args=[campaign.pk]))
    assert_error(response, 409, "workflow_refused")
    assert response.json()["error"]["message"] == "This campaign is closed."
