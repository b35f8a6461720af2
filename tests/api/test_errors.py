"""One JSON error shape for every error under /api/, in the request's language."""

import pytest
from django.urls import reverse

from .conftest import api_client
from .test_access import assert_error

pytestmark = pytest.mark.django_db


def test_an_unknown_address_under_api_is_a_json_404(frontline):
    assert_error(api_client(frontline).get("/api/v1/no-such-thing/"), 404, "not_found")
    assert_error(api_client().get("/api/whatever"), 404, "not_found")


def test_a_wrong_method_is_a_json_405(complaint, frontline):
    assert_error(
        api_client(frontline).get(reverse("api:complaint_advance", args=[complaint.pk])), 405, "method_not_allowed"
    )


def test_an_unknown_object_is_a_json_404(frontline):
    assert_error(api_client(frontline).get(reverse("api:complaint", args=[2**40])), 404, "not_found")


def test_field_errors_name_their_fields(frontline, customer):
    response = api_client(frontline).post(
        reverse("api:complaints"), {"customer": customer.pk, "channel": "phone"}, format="json"
    )
    assert_error(response, 400, "validation_error")
    fields = response.json()["error"]["fields"]
    assert set(fields) >= {"customer_words", "occurred_at", "category"}


def test_a_rule_of_the_form_is_a_field_error(frontline, customer):
    """The page's form checks the body: a new customer needs a phone (IntakeForm.clean)."""
    response = api_client(frontline).post(
        reverse("api:complaints"),
        {
            "new_customer_name": "Li Lei",
            "channel": "phone",
            "occurred_at": "2020-01-01T10:00:00Z",
            "customer_words": "Too slow",
            "category": 2**40,
            "severity": "general",
            "priority": "normal",
        },
        format="json",
    )
    assert_error(response, 400, "validation_error")
    fields = response.json()["error"]["fields"]
    assert fields["new_customer_phone"] == ["A new customer needs a phone number."]
    assert "category" in fields


def test_a_body_that_is_not_json_is_refused(frontline, complaint):
    response = api_client(frontline).post(
        reverse("api:complaint_note", args=[complaint.pk]), "text=hi", content_type="application/x-www-form-urlencoded"
    )
    assert_error(response, 415, "unsupported_media_type")


def test_messages_follow_the_request_language(frontline):
    response = api_client(frontline).get(reverse("api:complaint", args=[2**40]), HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert_error(response, 404, "not_found")
    assert response.json()["error"]["message"] == "未找到。"
