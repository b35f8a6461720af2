"""The public complaint form (/c/), the page with the number and link, and the status page (/c/status/<token>/).

Expected values from the issue: a web complaint is channel "web", in Listen, unassigned (no handler, no first
responder) in the chosen branch; the customer is matched by phone (any format) or e-mail, else created unverified;
limits: 20 posts an hour per address, 3 accepted complaints an hour per phone or e-mail; the status page shows the
stage in plain words and customer-facing notes only.
"""

import base64
import json

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from complaints import services as complaint_services
from complaints.models import Complaint, TimelineEvent
from complaints.workflow import Step
from customers.models import Customer
from intake.tokens import status_token
from tests.complaints.factories import PNG_BYTES, ComplaintFactory, walk_to
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db

FORM = {
    "name": "李娜",
    "phone": "138 0013 8000",
    "email": "",
    "what_happened": "The delivery came two days late and the box was crushed.",
    "occurred_at": "",
    "location": "Chaoyang store",
    "request": "A replacement",
}
NOT_VALID = "This link is not valid"


@pytest.fixture
def visitor():
    return Client()


def form_url(branch=None):
    return reverse("intake:branch_form", args=[branch.code]) if branch else reverse("intake:form")


def test_the_form_files_an_unassigned_web_complaint_in_listen(visitor, branch, other_category):
    response = visitor.post(form_url(branch), {**FORM, "photos": [SimpleUploadedFile("a.png", PNG_BYTES)]})

    complaint = Complaint.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("intake:filed", args=[status_token(complaint)])
    assert (complaint.channel, complaint.step, complaint.branch_id) == ("web", Step.LISTEN, branch.pk)
    assert complaint.handler is None and complaint.first_responder is None
    assert complaint.customer_words == FORM["what_happened"] and complaint.location == "Chaoyang store"
    assert complaint.customer_request == "A replacement"
    assert complaint.category.code == "other"
    assert complaint.attachments.get().uploaded_by is None
    customer = complaint.customer
    assert (customer.name, customer.phone_e164, customer.unverified) == ("李娜", "+8613800138000", True)
    assert customer.account_manager is None
    # The customer's words and the photo are on the timeline, by nobody on the staff.
    kinds = list(complaint.timeline.values_list("kind", "actor"))
    assert kinds == [(TimelineEvent.Kind.CREATED, None), (TimelineEvent.Kind.ATTACHMENT, None)]


def test_an_existing_customer_is_matched_by_phone_in_another_format(visitor, branch, other_branch, other_category):
    known = CustomerFactory(branch=other_branch, name="Li Na", phone="+86 138-0013-8000")

    visitor.post(form_url(branch), {**FORM, "phone": "8613800138000"})

    complaint = Complaint.objects.get()
    assert complaint.customer == known
    assert Customer.objects.count() == 1
    assert Customer.objects.get().unverified is False


def test_an_existing_customer_is_matched_by_email_ignoring_case(visitor, branch, other_category):
    known = CustomerFactory(branch=branch, email="li.na@example.com")

    visitor.post(form_url(branch), {**FORM, "phone": "", "email": "Li.Na@Example.COM"})

    assert Complaint.objects.get().customer == known


def test_the_company_wide_form_asks_for_the_branch(visitor, branch, other_branch, other_category):
    response = visitor.post(form_url(), FORM)
    assert response.status_code == 200
    assert "This field is required." in response.content.decode()

    visitor.post(form_url(), {**FORM, "branch": other_branch.pk})
    assert Complaint.objects.get().branch == other_branch


def test_a_refusal_says_why_and_keeps_what_was_typed(visitor, branch, other_category):
    response = visitor.post(form_url(branch), {**FORM, "phone": "", "email": ""})

    page = response.content.decode()
    assert response.status_code == 200
    assert "Give a phone number or an e-mail address so that we can answer you." in page
    assert FORM["what_happened"] in page and "Chaoyang store" in page
    assert not Complaint.objects.exists()


def test_the_honeypot_refuses_and_files_nothing(visitor, branch, other_category):
    response = visitor.post(form_url(branch), {**FORM, "website": "http://spam.example"})

    assert "Your complaint could not be sent." in response.content.decode()
    assert not Complaint.objects.exists() and not Customer.objects.exists()


def test_a_file_that_is_not_a_photo_is_refused_by_its_content(visitor, branch, other_category):
    fake = SimpleUploadedFile("photo.jpg", b"MZ\x90\x00 this is a program, not a photo")

    response = visitor.post(form_url(branch), {**FORM, "photos": [fake]})

    assert "“photo.jpg” is not an accepted file type" in response.content.decode()
    assert not Complaint.objects.exists()


def test_text_over_the_cap_is_refused(visitor, branch, other_category):
    response = visitor.post(form_url(branch), {**FORM, "what_happened": "x" * 5001})

    assert "Ensure this value has at most 5000 characters (it has 5001)." in response.content.decode()
    assert not Complaint.objects.exists()


def test_a_body_over_the_size_cap_is_refused_unread(visitor, branch, other_category):
    # 5 photos × 10 MB + 1 MB for the text = 51 MB; one byte more is refused before parsing.
    response = visitor.post(form_url(branch), FORM, CONTENT_LENGTH=str(51 * 1024 * 1024 + 1))

    assert response.status_code == 413
    assert not Complaint.objects.exists()


def test_three_complaints_an_hour_per_phone_then_a_clear_refusal(visitor, branch, other_category):
    for _ in range(3):
        assert visitor.post(form_url(branch), FORM).status_code == 302
    # The same number written another way is the same contact.
    response = visitor.post(form_url(branch), {**FORM, "phone": "+86 138 0013 8000"})

    assert response.status_code == 200
    page = response.content.decode()
    assert "We already received several complaints from this phone number or e-mail address" in page
    assert FORM["what_happened"] in page
    assert Complaint.objects.count() == 3
    # Another person on the same connection is not held up by that limit.
    assert visitor.post(form_url(branch), {**FORM, "phone": "139 0000 0000"}).status_code == 302


def test_twenty_posts_an_hour_per_address(branch, other_category):
    visitor = Client(REMOTE_ADDR="203.0.113.7")
    for _ in range(20):
        assert visitor.post(form_url(branch), {**FORM, "phone": ""}).status_code == 200
    response = visitor.post(form_url(branch), FORM)

    assert response.status_code == 429
    assert "Too many requests came from your connection." in response.content.decode()
    assert not Complaint.objects.exists()
    # Another address is counted apart.
    assert Client(REMOTE_ADDR="203.0.113.8").post(form_url(branch), FORM).status_code == 302


def test_an_unknown_branch_is_a_plain_page(visitor, db):
    response = visitor.get(reverse("intake:branch_form", args=["NOPE"]))

    assert response.status_code == 404
    assert "This form is not available" in response.content.decode()


# --- The status page -------------------------------------------------------------------------------------------


@pytest.fixture
def filed(visitor, branch, other_category):
    visitor.post(form_url(branch), FORM)
    return Complaint.objects.get()


def status_url(complaint_or_token):
    token = complaint_or_token if isinstance(complaint_or_token, str) else status_token(complaint_or_token)
    return reverse("intake:status", args=[token])


def test_the_filed_page_gives_the_number_and_the_private_link(visitor, filed):
    response = visitor.get(reverse("intake:filed", args=[status_token(filed)]))

    page = response.content.decode()
    assert filed.number in page
    assert "http://testserver" + status_url(filed) in page


def test_the_status_page_shows_the_stage_in_plain_words_as_staff_move_it(
    visitor, filed, frontline, manager, django_assert_max_num_queries
):
    with django_assert_max_num_queries(4):  # session-free: the complaint, the conversation (+ savepoints)
        page = visitor.get(status_url(filed)).content.decode()
    assert 'data-stage="received"' in page and "Received" in page

    complaint_services.complaint_assign(
        actor=manager, complaint_id=filed.pk, expected_version=filed.version, handler=frontline, department=None
    )
    walk_to(Complaint.objects.get(pk=filed.pk), Step.PROBLEM, actor=frontline)
    page = visitor.get(status_url(filed)).content.decode()
    assert 'data-stage="investigating"' in page and "Being investigated" in page


def test_the_first_handler_assigned_becomes_the_first_responder(filed, frontline, manager):
    complaint_services.complaint_assign(
        actor=manager, complaint_id=filed.pk, expected_version=filed.version, handler=frontline, department=None
    )
    assert Complaint.objects.get(pk=filed.pk).first_responder == frontline


def test_the_status_page_shows_customer_facing_notes_only_and_no_staff_names(visitor, filed, manager, frontline):
    manager.first_name, manager.last_name = "Mei", "Zhang"
    manager.save()
    complaint_services.complaint_add_note(
        actor=manager, complaint_id=filed.pk, text="INTERNAL: customer sounds like a reseller"
    )
    complaint_services.complaint_add_note(
        actor=manager, complaint_id=filed.pk, text="We are sorry; a new box is on its way.", customer_facing=True
    )

    page = visitor.get(status_url(filed)).content.decode()

    assert "We are sorry; a new box is on its way." in page
    assert "INTERNAL" not in page
    assert "Zhang" not in page and "Mei" not in page and manager.username not in page


def test_an_altered_token_reaches_no_complaint(visitor, filed, frontline, customer):
    other = ComplaintFactory(actor=frontline, customer=customer)
    token = status_token(filed)
    # Every single character changed in turn: none of them opens this complaint or another one.
    for i in range(len(token)):
        cache.clear()  # the throttle would stop a guesser long before; here every try is answered
        altered = token[:i] + ("A" if token[i] != "A" else "B") + token[i + 1 :]
        response = visitor.get(status_url(altered))
        page = response.content.decode()
        assert response.status_code == 404, i
        assert NOT_VALID in page and filed.number not in page and other.number not in page
    assert NOT_VALID in visitor.get(status_url("garbage")).content.decode()


def test_a_token_for_one_complaint_cannot_be_pointed_at_another(visitor, filed, frontline, customer):
    other = ComplaintFactory(actor=frontline, customer=customer)
    token = status_token(filed)
    _payload, rest = token.split(":", 1)
    forged = base64.urlsafe_b64encode(json.dumps({"c": other.pk, "n": other.number}).encode()).decode().rstrip("=")

    response = visitor.get(status_url(f"{forged}:{rest}"))

    assert response.status_code == 404
    assert NOT_VALID in response.content.decode()
    assert other.number not in response.content.decode()


def test_a_message_and_a_photo_from_the_status_page_land_on_the_timeline(visitor, filed):
    response = visitor.post(
        status_url(filed), {"text": "The courier came back today.", "photos": [SimpleUploadedFile("b.png", PNG_BYTES)]}
    )

    assert response.status_code == 302
    event = filed.timeline.get(kind=TimelineEvent.Kind.CUSTOMER_MESSAGE)
    assert (event.note, event.actor, event.is_internal) == ("The courier came back today.", None, False)
    assert event.data == {"channel": "web", "files": 1}
    assert filed.attachments.count() == 1
    page = visitor.get(status_url(filed)).content.decode()
    assert "The courier came back today." in page and "1 photo" in page


def test_an_empty_message_is_refused(visitor, filed):
    response = visitor.post(status_url(filed), {"text": "  "})

    assert "Write a message or add a photo." in response.content.decode()
    assert not filed.timeline.filter(kind=TimelineEvent.Kind.CUSTOMER_MESSAGE).exists()


def test_both_languages(visitor, filed):
    assert "Received" in visitor.get(status_url(filed)).content.decode()

    visitor.get(status_url(filed) + "?lang=zh-hans")
    page = visitor.get(status_url(filed)).content.decode()

    assert '<html lang="zh-hans">' in page and "受理" in page


def test_an_unassigned_web_complaint_reminds_the_branch_managers(filed, manager, frontline_other):
    # No handler and no first responder yet: whoever is told about it is the branch's managers, who assign it.
    from complaints.schedule import _handler_of

    assert _handler_of(filed) == [manager]


def test_staff_see_who_filed_it_and_the_customers_message_on_the_timeline(visitor, filed, client, manager):
    visitor.post(status_url(filed), {"text": "Any news?"})
    client.force_login(manager)

    page = client.get(reverse("complaints:detail", args=[filed.pk])).content.decode()

    assert "Filed by the customer" in page
    assert "Message from the customer" in page and "Any news?" in page and "on the status page" in page
