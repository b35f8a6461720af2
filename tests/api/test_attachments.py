"""Evidence files over the API: attached through complaints.services.attachment_add under the page's rule
(complaint.work), the type read from the content, refusals in the JSON shape; downloaded under complaint.view."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from complaints.models import Attachment, TimelineEvent
from crm_site.api.services import api_token_create
from tests.complaints.factories import PNG_BYTES, png_upload

from .conftest import api_client
from .test_access import assert_error

pytestmark = pytest.mark.django_db


def attach(client, complaint, upload):
    return client.post(reverse("api:complaint_attachments", args=[complaint.pk]), {"file": upload}, format="multipart")


def test_a_png_is_attached_with_a_timeline_row_and_shown_in_the_detail(frontline, complaint):
    response = attach(api_client(frontline), complaint, png_upload("lift.png"))
    assert response.status_code == 201, response.content
    body = response.json()
    attachment = Attachment.objects.get(complaint=complaint)
    assert body["message"] == "File attached."
    assert body["attachment"]["id"] == attachment.pk
    shown = body["complaint"]["attachments"]
    assert [(a["id"], a["original_name"], a["content_type"], a["size"]) for a in shown] == [
        (attachment.pk, "lift.png", "image/png", len(PNG_BYTES))
    ]
    assert shown[0]["download_url"] == f"/api/v1/attachments/{attachment.pk}/file/"
    event = TimelineEvent.objects.get(complaint=complaint, kind=TimelineEvent.Kind.ATTACHMENT)
    assert event.actor == frontline and event.note == "lift.png"


def test_a_text_file_named_png_is_refused_in_the_json_shape(frontline, complaint):
    renamed = SimpleUploadedFile("photo.png", b"just some text, not an image\n", content_type="image/png")
    response = attach(api_client(frontline), complaint, renamed)
    assert_error(response, 400, "validation_error")
    assert response.json()["error"]["fields"] == {
        "file": ["“photo.png” is not an accepted file type (photos, PDF, Word, Excel, audio or video)."]
    }
    assert not Attachment.objects.filter(complaint=complaint).exists()
    assert not TimelineEvent.objects.filter(complaint=complaint, kind=TimelineEvent.Kind.ATTACHMENT).exists()


def test_no_file_and_a_json_body_are_refused_in_the_json_shape(frontline, complaint):
    client = api_client(frontline)
    response = client.post(reverse("api:complaint_attachments", args=[complaint.pk]), {}, format="multipart")
    assert_error(response, 400, "validation_error")
    assert set(response.json()["error"]["fields"]) == {"file"}
    response = client.post(reverse("api:complaint_attachments", args=[complaint.pk]), {"file": "x"}, format="json")
    assert_error(response, 415, "unsupported_media_type")


def test_another_branchs_complaint_is_404_for_upload_and_download(frontline, complaint, manager_other):
    attach(api_client(frontline), complaint, png_upload())
    attachment = Attachment.objects.get(complaint=complaint)
    client = api_client(manager_other)
    assert_error(attach(client, complaint, png_upload()), 404, "not_found")
    assert_error(client.get(reverse("api:attachment_file", args=[attachment.pk])), 404, "not_found")
    assert Attachment.objects.filter(complaint=complaint).count() == 1


def test_the_file_is_downloaded_by_those_who_see_the_complaint(frontline, manager, complaint, gm):
    attach(api_client(frontline), complaint, png_upload("lift.png"))
    attachment = Attachment.objects.get(complaint=complaint)
    url = reverse("api:attachment_file", args=[attachment.pk])
    for user in (frontline, manager, gm):
        response = api_client(user).get(url, HTTP_ACCEPT="image/png")
        assert response.status_code == 200, (user, response)
        assert b"".join(response.streaming_content) == PNG_BYTES
        assert response["Content-Type"] == "image/png"
        assert response["Content-Disposition"] == 'attachment; filename="lift.png"'
        assert response["X-Content-Type-Options"] == "nosniff"
    # An error is JSON even when the client asked for an image.
    response = api_client(frontline).get(reverse("api:attachment_file", args=[2**40]), HTTP_ACCEPT="image/png")
    assert_error(response, 404, "not_found")
    assert_error(api_client().get(url), 401, "not_authenticated")


def test_a_token_attaches_without_csrf(frontline, complaint):
    _token, key = api_token_create(actor=frontline, name="scanner")
    client = api_client()
    response = client.post(
        reverse("api:complaint_attachments", args=[complaint.pk]),
        {"file": png_upload()},
        format="multipart",
        HTTP_AUTHORIZATION=f"Token {key}",
    )
    assert response.status_code == 201, response.content


def test_the_detail_takes_the_same_queries_for_1_or_3_files(frontline, complaint):
    client = api_client(frontline)
    url = reverse("api:complaint", args=[complaint.pk])
    attach(client, complaint, png_upload("one.png"))
    client.get(url)  # warm the session and the access cache
    with CaptureQueriesContext(connection) as one:
        client.get(url)
    for name in ("two.png", "three.png"):
        attach(client, complaint, png_upload(name))
    with CaptureQueriesContext(connection) as three:
        files = client.get(url).json()["attachments"]
    assert [f["original_name"] for f in files] == ["one.png", "two.png", "three.png"]
    assert len(three) == len(one)
