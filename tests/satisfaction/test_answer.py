"""The customer's survey page (/s/<token>/), answered without logging in.

Expected figures come from the CSI rule (DOMAIN §3): an item's points are weight × (score − 1) / 4 × 100, and a
response keeps Σ points and Σ weight over the items answered; unanswered items are left out.
"""

import re
import secrets
from datetime import timedelta
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from redis.exceptions import ConnectionError as RedisConnectionError

from satisfaction.models import Answer, Campaign, Dimension, Invitation, Response, SurveyItem, SurveyTemplate
from satisfaction.services import _token_for, campaign_close, campaign_send, token_hash

pytestmark = pytest.mark.django_db

ALREADY_ANSWERED = "This survey has already been answered."
NOT_WORKING = "This survey link does not work."
EXPIRED = "This survey link has expired"
CLOSED = "This survey has closed"
TOO_MANY = "Too many requests came from your connection."
GETS_PER_MINUTE = 30
POSTS_PER_MINUTE = 10


@pytest.fixture(autouse=True)
def clock(monkeypatch):
    """django-ratelimit's clock, stopped, and its counts from zero: each test starts with a fresh minute."""
    now = SimpleNamespace(value=1_900_000_000.0)
    monkeypatch.setattr("django_ratelimit.core.time", SimpleNamespace(time=lambda: now.value))
    cache.clear()
    yield now
    cache.clear()


@pytest.fixture
def questionnaire(db):
    """Three items weighted 2, 1 and 0.5, asking importance and every loyalty question."""
    attitude = Dimension.objects.create(code="t-attitude", name_en="Attitude", name_zh="态度")
    speed = Dimension.objects.create(code="t-speed", name_en="Speed", name_zh="速度")
    template = SurveyTemplate.objects.create(
        code="t-service",
        name_en="Service survey",
        name_zh="服务满意度调查",
        intro_en="Tell us how we did.",
        intro_zh="请告诉我们做得如何。",
        ask_importance=True,
    )
    items = [
        SurveyItem.objects.create(
            template=template,
            dimension=attitude,
            text_en="Staff were friendly",
            text_zh="员工态度友好",
            weight=Decimal("2"),
            sort_order=1,
        ),
        SurveyItem.objects.create(
            template=template,
            dimension=speed,
            text_en="Repairs were quick",
            text_zh="维修及时",
            weight=Decimal("1"),
            sort_order=2,
        ),
        SurveyItem.objects.create(
            template=template,
            dimension=speed,
            text_en="Calls were answered promptly",
            text_zh="电话接听及时",
            weight=Decimal("0.5"),
            sort_order=3,
        ),
    ]
    return SimpleNamespace(template=template, items=items)


@pytest.fixture
def campaign(questionnaire, gm):
    return Campaign.objects.create(
        name="Spring survey (internal name)",
        template=questionnaire.template,
        status=Campaign.Status.SENT,
        created_by=gm,
    )


def invite(campaign, customer, *, expires_in=timedelta(days=14)) -> str:
    """An invitation as campaign_send makes it; returns the link's token."""
    invitation = Invitation.objects.create(
        campaign=campaign,
        customer=customer,
        salt=secrets.token_hex(16),
        token_hash=secrets.token_hex(32),
        expires_at=timezone.now() + expires_in,
    )
    token = _token_for(invitation)
    invitation.token_hash = token_hash(token)
    invitation.save(update_fields=["token_hash"])
    return token


@pytest.fixture
def token(campaign, customer):
    return invite(campaign, customer)


def url(token: str) -> str:
    return reverse("survey:answer", kwargs={"token": token})


def text(response) -> str:
    return response.content.decode()


def answers_for(questionnaire, **extra) -> dict:
    """Scores 5 and 2 for the items weighted 2 and 1; the third item left unanswered."""
    first, second, _third = questionnaire.items
    return {f"score_{first.pk}": "5", f"score_{second.pk}": "2", **extra}


# --- The page -------------------------------------------------------------------------------------------------


def test_a_valid_link_shows_the_questionnaire_in_the_browsers_language(client, token, questionnaire):
    english = client.get(url(token), HTTP_ACCEPT_LANGUAGE="en")
    assert english.status_code == 200
    page = text(english)
    for expected in ("Service survey", "Tell us how we did.", "Staff were friendly", "Repairs were quick"):
        assert expected in page
    # The sources' 5-point wording, the overall question and the loyalty questions.
    for label in ("Very dissatisfied", "Dissatisfied", "Slightly dissatisfied", "Satisfied", "Very satisfied"):
        assert f">{label}</label>" in page
    assert "0 of 6 answered" in page  # 3 items, overall, buy again, recommend
    assert 'name="overall"' in page and 'name="repurchase"' in page and 'name="recommend"' in page
    assert 'name="comment"' in page
    assert f'name="importance_{questionnaire.items[0].pk}"' in page
    assert "no-cache" in english["Cache-Control"]

    chinese = client.get(url(token), HTTP_ACCEPT_LANGUAGE="zh-CN,zh;q=0.9")
    assert chinese.status_code == 200
    page = text(chinese)
    assert '<html lang="zh-hans">' in page
    for expected in ("服务满意度调查", "请告诉我们做得如何。", "员工态度友好", "维修及时", "电话接听及时"):
        assert expected in page
    assert "Staff were friendly" not in page


def test_the_language_links_work_without_login(client, token):
    switched = client.get(url(token), {"lang": "zh-hans"}, HTTP_ACCEPT_LANGUAGE="en")
    assert switched.status_code == 302
    assert switched["Location"] == url(token)  # back without the parameter: the site's own switch agrees
    page = text(client.get(url(token), HTTP_ACCEPT_LANGUAGE="en"))
    assert "服务满意度调查" in page

    client.get(url(token), {"lang": "en"})
    assert "Service survey" in text(client.get(url(token), HTTP_ACCEPT_LANGUAGE="zh-CN"))

    # The site's language switch (a public view) works here too.
    client.post(reverse("set_language"), {"language": "zh-hans", "next": url(token)})
    assert "服务满意度调查" in text(client.get(url(token)))


def test_opening_the_link_is_noted_once(client, token, customer):
    invitation = Invitation.objects.get(customer=customer)
    assert invitation.opened_at is None
    client.get(url(token))
    invitation.refresh_from_db()
    first = invitation.opened_at
    assert first is not None
    client.get(url(token))
    invitation.refresh_from_db()
    assert invitation.opened_at == first


def test_the_page_has_no_inline_script_or_style(client, token):
    page = text(client.get(url(token)))
    assert " style=" not in page
    assert "<style" not in page
    scripts = re.findall(r"<script\b[^>]*>", page)
    assert scripts and all("src=" in tag for tag in scripts)
    assert "/static/js/survey-answer.js" in page


# --- Answering ------------------------------------------------------------------------------------------------


def test_a_submit_stores_the_answers_and_the_weighted_points(client, token, questionnaire, customer):
    first, second, third = questionnaire.items
    data = answers_for(
        questionnaire,
        **{f"importance_{first.pk}": "9"},
        overall="4",
        repurchase="yes",
        recommend="8",
        comment="  The plumber was great.  ",
    )
    response = client.post(url(token), data, HTTP_ACCEPT_LANGUAGE="zh-CN")
    assert response.status_code == 302
    assert response["Location"] == reverse("survey:thanks", kwargs={"token": token})

    stored = Response.objects.get()
    assert stored.source == Response.Source.LINK
    assert stored.customer == customer
    assert stored.branch_id == customer.branch_id
    assert stored.invitation.customer == customer
    # Item weighted 2 scored 5: 2 × 100; item weighted 1 scored 2: 1 × 25; the third is left out.
    assert stored.weighted_points == Decimal("225")
    assert stored.weight_answered == Decimal("3")
    assert {(a.item_id, a.score, a.importance) for a in Answer.objects.filter(response=stored)} == {
        (first.pk, 5, 9),
        (second.pk, 2, None),
    }
    assert not Answer.objects.filter(item=third).exists()
    assert (stored.overall, stored.repurchase, stored.recommend) == (4, "yes", 8)
    assert stored.comment == "The plumber was great."
    assert stored.language == "zh-hans"
    assert Invitation.objects.get(customer=customer).state == Invitation.State.ANSWERED

    thanks = client.get(response["Location"])
    assert thanks.status_code == 200
    assert "Thank you!" in text(thanks)
    assert "data-survey-clear-storage" in text(thanks)  # the page's script forgets the saved draft


def test_only_the_overall_question_is_enough(client, token):
    assert client.post(url(token), {"overall": "2"}).status_code == 302
    stored = Response.objects.get()
    assert (stored.overall, stored.weighted_points, stored.weight_answered) == (2, Decimal("0"), Decimal("0"))
    assert not stored.answers.exists()


def test_a_failed_validation_keeps_what_was_typed_and_chosen(client, token):
    response = client.post(url(token), {"comment": "Nobody came on Tuesday", "repurchase": "unsure"})
    assert response.status_code == 200
    page = text(response)
    assert "Please answer at least one question" in page
    assert "Nobody came on Tuesday</textarea>" in page
    assert re.search(r'<input[^>]*value="unsure"[^>]*checked', page)
    assert "1 of 6 answered" in page
    assert not Response.objects.exists()


def test_sending_nothing_asks_for_an_answer(client, token):
    response = client.post(url(token), {})
    assert response.status_code == 200
    assert "Please answer at least one question" in text(response)
    assert not Response.objects.exists()


def test_importance_without_a_score_is_pointed_out(client, token, questionnaire):
    _first, _second, third = questionnaire.items
    response = client.post(url(token), answers_for(questionnaire, **{f"importance_{third.pk}": "7"}))
    assert response.status_code == 200
    assert "Give this item a score as well" in text(response)
    assert not Response.objects.exists()


def test_out_of_range_values_are_form_errors_not_crashes(client, token, questionnaire):
    first = questionnaire.items[0]
    for bad in ({f"score_{first.pk}": "6"}, {"overall": "0"}, {"recommend": "11", "overall": "3"}):
        response = client.post(url(token), bad)
        assert response.status_code == 200, bad
        assert response.context["form"].errors, bad
    assert not Response.objects.exists()


def test_the_form_works_with_csrf_checks_on(token, questionnaire):
    browser = Client(enforce_csrf_checks=True)
    page = browser.get(url(token))
    assert "csrftoken" in page.cookies
    csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', text(page)).group(1)

    assert browser.post(url(token), answers_for(questionnaire)).status_code == 403  # without the token
    response = browser.post(url(token), {**answers_for(questionnaire), "csrfmiddlewaretoken": csrf})
    assert response.status_code == 302
    assert Response.objects.count() == 1


# --- Links that cannot be answered ----------------------------------------------------------------------------


def test_a_used_link_says_already_answered_and_takes_no_second_answer(client, token, questionnaire):
    assert client.post(url(token), answers_for(questionnaire)).status_code == 302

    again = client.get(url(token))
    assert again.status_code == 410
    assert ALREADY_ANSWERED in text(again)
    second = client.post(url(token), answers_for(questionnaire, overall="1"))
    assert second.status_code == 410
    assert ALREADY_ANSWERED in text(second)
    assert Response.objects.count() == 1
    # The thanks page still thanks (a reload after answering must not say "gone").
    assert client.get(reverse("survey:thanks", kwargs={"token": token})).status_code == 200


def test_an_expired_link(client, campaign, customer, questionnaire):
    token = invite(campaign, customer, expires_in=timedelta(seconds=-1))
    for response in (client.get(url(token)), client.post(url(token), answers_for(questionnaire))):
        assert response.status_code == 410
        assert EXPIRED in text(response)
    assert not Response.objects.exists()


def test_a_tampered_link_is_unknown(client, token):
    changed = token[:-1] + ("A" if token[-1] != "A" else "B")
    response = client.get(url(changed))
    assert response.status_code == 404
    page = text(response)
    assert NOT_WORKING in page
    assert "Page not found" not in page  # not the site's 404 page


def test_a_closed_campaigns_link(client, token, questionnaire, gm, customer, other_customer):
    other = Campaign.objects.create(
        name="Autumn", template=questionnaire.template, status=Campaign.Status.SENT, created_by=gm
    )
    other_token = invite(other, other_customer)
    campaign_close(actor=gm, campaign_id=other.pk)

    closed = client.get(url(other_token))
    assert closed.status_code == 410
    assert CLOSED in text(closed)
    assert client.post(url(other_token), answers_for(questionnaire)).status_code == 410
    assert client.get(url(token)).status_code == 200  # the open campaign's link still works
    assert not Response.objects.exists()


@pytest.mark.parametrize(
    "bad",
    ["x" * 500, "令牌", "..", "..%5C..", "%2e%2e", "<img src=x onerror=alert(1)>", "A" * 32, " "],
    ids=["long", "non-ascii", "dots", "backslashes", "encoded-dots", "markup", "right-length", "space"],
)
def test_unknown_links_of_any_shape_behave_alike(client, bad):
    response = client.get(url(bad))
    assert response.status_code == 404
    page = text(response)
    assert NOT_WORKING in page
    assert "<img src=x" not in page
    assert "Traceback" not in page and "Page not found" not in page


def test_the_thanks_page_of_an_unanswered_link_leads_back_to_the_questions(client, token):
    response = client.get(reverse("survey:thanks", kwargs={"token": token}))
    assert response.status_code == 302
    assert response["Location"] == url(token)
    unknown = client.get(reverse("survey:thanks", kwargs={"token": "nope"}))
    assert unknown.status_code == 404
    assert NOT_WORKING in text(unknown)


def test_no_page_names_any_customer(client, questionnaire, gm, customer, other_customer):
    """Two customers invited by campaign_send: neither page, nor any problem page, shows a name or a code."""
    campaign = Campaign.objects.create(name="Everyone", template=questionnaire.template, created_by=gm)
    campaign.picked_customers.set([customer, other_customer])
    assert campaign_send(actor=gm, campaign_id=campaign.pk) == 2
    tokens = [_token_for(invitation) for invitation in Invitation.objects.order_by("pk")]
    secrets_of_customers = [customer.name, other_customer.name, customer.code, other_customer.code]

    pages = [client.get(url(tokens[0])), client.get(url(tokens[0][:-2] + "zz"))]
    pages.append(client.post(url(tokens[0]), {"comment": "no score"}))
    client.post(url(tokens[0]), answers_for(questionnaire))
    pages += [client.get(url(tokens[0])), client.get(reverse("survey:thanks", kwargs={"token": tokens[0]}))]
    campaign_close(actor=gm, campaign_id=campaign.pk)
    pages.append(client.get(url(tokens[1])))
    assert [page.status_code for page in pages] == [200, 404, 200, 410, 200, 410]
    for page in pages:
        for secret in secrets_of_customers:
            assert secret not in text(page)
        assert "Everyone" not in text(page)  # the campaign's internal name


# --- Throttling -----------------------------------------------------------------------------------------------


def test_guessing_links_meets_a_friendly_429(client, clock, token):
    for _ in range(GETS_PER_MINUTE):
        assert client.get(url(secrets.token_urlsafe(24))).status_code == 404
    response = client.get(url(token), HTTP_ACCEPT_LANGUAGE="zh-CN")
    assert response.status_code == 429  # even a right link, until the minute ends
    page = text(response)
    assert "来自您网络的请求过多。" in page  # in the visitor's language
    assert '<html lang="zh-hans">' in page
    assert 1 <= int(response["Retry-After"]) <= 60

    other_address = client.get(url(token), REMOTE_ADDR="198.51.100.7")
    assert other_address.status_code == 200  # counted per client address

    clock.value += 61
    assert client.get(url(token)).status_code == 200


def test_sending_is_throttled_too(client, token):
    for _ in range(POSTS_PER_MINUTE):
        assert client.post(url(token), {"comment": "empty"}).status_code == 200
    response = client.post(url(token), {"overall": "5"})
    assert response.status_code == 429
    assert TOO_MANY in text(response)
    assert not Response.objects.exists()


def test_the_page_still_answers_when_the_throttle_cache_is_down(client, token, monkeypatch):
    def down(*args, **kwargs):
        raise RedisConnectionError("Connection refused")

    monkeypatch.setattr(cache, "add", down)
    assert client.get(url(token)).status_code == 200
    assert client.post(url(token), {"overall": "5"}).status_code == 302


def test_the_brute_force_limit_does_not_touch_staff_pages(client, frontline, token):
    for _ in range(GETS_PER_MINUTE + 1):
        client.get(url("guess"))
    client.force_login(frontline)
    assert client.get(reverse("home")).status_code == 200
