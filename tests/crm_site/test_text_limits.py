"""Every free-text box has a maximum: a longer text is a form error that says so, and nothing is stored.

The limits are the rule, written here as numbers: a note, comment or reason takes 2000 characters, a
resolution plan or the summary of a contact 4000, the complaint in the customer's own words 5000.
"""

from datetime import timedelta

import pytest
from django.utils import timezone

from complaints.models import Complaint, ResolutionPlan, Revisit, TimelineEvent
from complaints.workflow import Step
from customers.models import Contact, Interaction, PotentialAssessment
from tests.complaints.factories import CategoryFactory, ComplaintFactory, jump_to, version

pytestmark = pytest.mark.django_db

NOTE = 2000
SUMMARY = 4000
STATEMENT = 5000


def too_long(limit: int) -> str:
    return "投" * (limit + 1)  # Chinese characters count one each, as the textarea's maxlength counts them


def error_for(limit: int) -> str:
    return f"Ensure this value has at most {limit} characters (it has {limit + 1})."


@pytest.fixture
def complaint(frontline, customer):
    return ComplaintFactory(actor=frontline, customer=customer)


def _notes(complaint) -> int:
    return TimelineEvent.objects.filter(complaint=complaint, kind=TimelineEvent.Kind.NOTE).count()


def test_a_note_over_the_limit_is_refused_and_one_at_the_limit_is_kept(client, frontline, complaint):
    client.force_login(frontline)
    url = f"/complaints/{complaint.pk}/note/"
    before = _notes(complaint)
    response = client.post(url, {"text": too_long(NOTE)})
    assert response.status_code == 400
    assert response.context["note_form"].errors["text"] == [error_for(NOTE)]
    assert _notes(complaint) == before
    assert client.post(url, {"text": "n" * NOTE}).status_code == 302
    assert _notes(complaint) == before + 1


def test_the_note_box_says_its_limit_in_html(client, frontline, complaint):
    client.force_login(frontline)
    page = client.get(f"/complaints/{complaint.pk}/").content.decode()
    assert f'name="text" cols="40" rows="2" data-phrase-target="1" maxlength="{NOTE}"' in page


def test_revisit_notes_over_the_limit_are_refused(client, frontline, complaint):
    complaint = jump_to(complaint, Step.SATISFY)
    client.force_login(frontline)
    data = {
        "version": version(complaint),
        "outcome": Revisit.Outcome.RESOLVED,
        "score": 5,
        "signed_off": "on",
        "prevention_measure": "Keep spare parts",
        "reopen_to": Step.ACTION,
    }
    response = client.post(f"/complaints/{complaint.pk}/revisit/", {**data, "notes": too_long(NOTE)})
    assert response.status_code == 400
    assert response.context["revisit_form"].errors["notes"] == [error_for(NOTE)]
    response = client.post(
        f"/complaints/{complaint.pk}/revisit/", {**data, "notes": "ok", "prevention_measure": too_long(NOTE)}
    )
    assert error_for(NOTE) in response.context["revisit_form"].errors["prevention_measure"]
    assert not Revisit.objects.filter(complaint=complaint).exists()


def _plan_data(complaint, summary: str) -> dict:
    return {
        "version": version(complaint),
        "summary": summary,
        "deadline": (timezone.localdate() + timedelta(days=3)).isoformat(),
        "remedy-TOTAL_FORMS": "1",
        "remedy-INITIAL_FORMS": "0",
        "remedy-0-kind": "apology_letter",
        "remedy-0-amount": "0",
    }


def test_a_plan_over_the_limit_is_refused_and_one_at_the_limit_is_kept(client, frontline, complaint):
    complaint = jump_to(complaint, Step.ACTION)
    client.force_login(frontline)
    url = f"/complaints/{complaint.pk}/plan/"
    response = client.post(url, _plan_data(complaint, too_long(SUMMARY)))
    assert response.status_code == 400
    assert response.context["plan_form"].errors["summary"] == [error_for(SUMMARY)]
    assert not ResolutionPlan.objects.filter(complaint=complaint).exists()
    assert client.post(url, _plan_data(complaint, "p" * SUMMARY)).status_code == 302
    assert ResolutionPlan.objects.get(complaint=complaint).summary == "p" * SUMMARY


def test_a_plan_takes_at_most_ten_remedies(client, frontline, complaint):
    complaint = jump_to(complaint, Step.ACTION)
    client.force_login(frontline)
    data = _plan_data(complaint, "Many small gestures")
    data["remedy-TOTAL_FORMS"] = "11"
    for i in range(11):
        data.update({f"remedy-{i}-kind": "apology_letter", f"remedy-{i}-amount": "0"})
    response = client.post(f"/complaints/{complaint.pk}/plan/", data)
    assert response.status_code == 400
    assert response.context["remedy_formset"].non_form_errors() == ["Please submit at most 10 forms."]
    assert not ResolutionPlan.objects.filter(complaint=complaint).exists()


def test_the_customers_words_take_5000_characters_at_intake(client, frontline, customer):
    client.force_login(frontline)
    data = {
        "customer": customer.pk,
        "channel": "phone",
        "occurred_at": (timezone.localtime() - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
        "category": CategoryFactory().pk,
        "severity": "general",
        "priority": "normal",
    }
    response = client.post("/complaints/new/", {**data, "customer_words": too_long(STATEMENT)})
    assert response.status_code == 200
    assert response.context["form"].errors["customer_words"] == [error_for(STATEMENT)]
    response = client.post("/complaints/new/", {**data, "customer_words": "w", "customer_request": too_long(NOTE)})
    assert response.context["form"].errors["customer_request"] == [error_for(NOTE)]
    assert f'maxlength="{STATEMENT}"' in response.content.decode()
    assert not Complaint.objects.filter(customer=customer).exists()


def test_a_step_text_from_the_model_gets_the_limit_too(client, frontline, complaint):
    """Key points is a model TextField, which has no max_length: the step form gives it one."""
    client.force_login(frontline)
    response = client.post(
        f"/complaints/{complaint.pk}/step/",
        {"version": version(complaint), "customer_words": "broken lift", "key_points": too_long(NOTE)},
    )
    assert response.status_code == 400
    assert response.context["step_form"].errors["key_points"] == [error_for(NOTE)]
    assert Complaint.objects.get(pk=complaint.pk).key_points == ""
    page = client.get(f"/complaints/{complaint.pk}/").content.decode()
    assert f'name="key_points" cols="40" rows="3" maxlength="{NOTE}"' in page
    assert f'name="customer_words" cols="40" rows="3" maxlength="{STATEMENT}"' in page


def test_an_interaction_over_the_limit_is_refused(client, frontline, customer):
    client.force_login(frontline)
    response = client.post(
        f"/customers/{customer.pk}/interactions/",
        {"channel": "phone", "summary": too_long(SUMMARY)},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    assert response.context["interaction_form"].errors["summary"] == [error_for(SUMMARY)]
    assert not Interaction.objects.filter(customer=customer).exists()


def test_assessment_notes_over_the_limit_are_refused(client, manager, customer):
    client.force_login(manager)
    scores = {"share_of_wallet": 5, "growth": 5, "recommendation": 5, "loyalty_intent": 5, "rating": 4}
    response = client.post(f"/customers/{customer.pk}/assessment/", {**scores, "notes": too_long(NOTE)})
    assert response.status_code == 200
    assert response.context["form"].errors["notes"] == [error_for(NOTE)]
    assert f'maxlength="{NOTE}"' in response.content.decode()
    assert not PotentialAssessment.objects.filter(customer=customer).exists()


def test_a_contact_email_longer_than_its_column_is_refused(client, manager, customer):
    """The column holds 254 characters (an EmailField's default); PostgreSQL refuses more with an error."""
    client.force_login(manager)
    email = "a" * 243 + "@example.com"  # 255 characters, a valid address otherwise
    client.post(f"/customers/{customer.pk}/contacts/", {"name": "Li Na", "email": email})
    assert not Contact.objects.filter(customer=customer).exists()
    client.post(f"/customers/{customer.pk}/contacts/", {"name": "Li Na", "email": email[1:]})
    assert Contact.objects.get(customer=customer).email == email[1:]
