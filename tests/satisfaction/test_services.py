"""The satisfaction services: questionnaire versions, campaign audiences and sending, personal links, phone answers
and the complaint revisit hook. Expected values come from DOMAIN.md §3 and the brief, worked out by hand."""

from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from complaints.models import Complaint
from complaints.workflow import Step
from crm_site.org.roles import Role
from customers.models import Customer
from satisfaction import services
from satisfaction.models import Answer, Campaign, Dimension, Invitation, Response, SurveyItem, SurveyTemplate
from satisfaction.services import (
    REVISIT_TEMPLATE_CODE,
    AnswerData,
    ItemData,
    LinkProblem,
    SurveyError,
    TemplateData,
)
from tests.complaints.factories import ComplaintFactory, record_revisit, walk_to
from tests.factories import CustomerFactory, staff

pytestmark = pytest.mark.django_db


# --- Helpers (also used by test_views.py) ------------------------------------------------------------------------


def dimension(code: str = "service_attitude") -> Dimension:
    """A dimension (the data migration's ones are gone after a transactional test's flush: get or make it)."""
    return Dimension.objects.get_or_create(code=code, defaults={"name_en": code, "name_zh": code})[0]


def questionnaire_data(*texts: str, weights=None, name: str = "Annual survey", **switches) -> TemplateData:
    weights = weights or ["1"] * len(texts)
    return TemplateData(
        name_en=name,
        name_zh="年度满意度调查",
        items=[
            ItemData(dimension_id=dimension().pk, text_en=text, text_zh=f"{text} 中文", weight=Decimal(weight))
            for text, weight in zip(texts, weights, strict=True)
        ],
        **switches,
    )


def make_questionnaire(actor, code: str = "annual", texts=("Friendly staff", "Fast delivery"), **kwargs):
    return services.template_create(actor=actor, code=code, data=questionnaire_data(*texts, **kwargs))


def revisit_questionnaire() -> SurveyTemplate:
    """The one-question questionnaire of complaint revisits (a data migration's row: made again after a flush)."""
    template = SurveyTemplate.objects.filter(code=REVISIT_TEMPLATE_CODE, is_current=True).first()
    if template is None:
        template = SurveyTemplate.objects.create(
            code=REVISIT_TEMPLATE_CODE, kind=SurveyTemplate.Kind.REVISIT, name_en="Complaint revisit", name_zh="回访"
        )
        SurveyItem.objects.create(
            template=template, dimension=dimension("complaint_handling"), text_en="Satisfied?", text_zh="满意吗？"
        )
    return template


def items_of(template: SurveyTemplate) -> list[SurveyItem]:
    return list(template.items.order_by("sort_order", "pk"))


def answer_on_phone(actor, customer, template, scores=None, campaign=None, **fields) -> Response:
    items = items_of(template)
    scores = scores if scores is not None else {0: 4}
    return services.response_record_phone(
        actor=actor,
        customer_id=customer.pk,
        template_id=template.pk,
        campaign_id=campaign.pk if campaign else None,
        data=AnswerData(scores={items[i].pk: s for i, s in scores.items()}, **fields),
    )


def make_campaign(actor, template, *, picked=None, **segment) -> Campaign:
    segment.setdefault("skip_recent_days", 0)
    campaign = Campaign(name="Spring survey", template=template, **segment)
    return services.campaign_create(actor=actor, campaign=campaign, picked=[c.pk for c in picked] if picked else None)


def audience(campaign: Campaign) -> set[str]:
    return set(services.campaign_audience(campaign).values_list("name", flat=True))


def token_of(invitation: Invitation, actor) -> str:
    return services.invitation_link_token(actor=actor, invitation=invitation)


@pytest.fixture
def manager_other(other_branch):
    return staff(Role.MANAGER, other_branch, username="manager2")


@pytest.fixture
def questionnaire(gm):
    return make_questionnaire(gm)


# --- Questionnaires and their versions ----------------------------------------------------------------------------


def test_a_questionnaire_is_designed_by_the_general_manager_or_the_admin(gm, admin_user, manager, frontline):
    assert make_questionnaire(gm, code="by-gm").version == 1
    assert make_questionnaire(admin_user, code="by-admin").is_current
    for actor in (manager, frontline):
        with pytest.raises(SurveyError):
            make_questionnaire(actor, code=f"by-{actor.username}")
    assert not SurveyTemplate.objects.filter(code__in=["by-manager", "by-frontline"]).exists()


def test_a_questionnaire_needs_items_of_positive_weight(gm):
    with pytest.raises(SurveyError):
        services.template_create(actor=gm, code="empty", data=questionnaire_data())
    with pytest.raises(SurveyError):
        make_questionnaire(gm, code="zero", texts=("A",), weights=["0"])


def test_editing_a_questionnaire_without_answers_changes_it_in_place(gm, questionnaire):
    friendly, fast = items_of(questionnaire)
    data = questionnaire_data("Friendly and helpful staff", "Clear invoices", name="Annual survey 2026")
    data.items[0].item_id = friendly.pk  # edited; "Fast delivery" removed; "Clear invoices" new
    saved = services.template_change(actor=gm, template_id=questionnaire.pk, data=data)

    assert saved.pk == questionnaire.pk
    assert saved.version == 1
    saved.refresh_from_db()
    assert saved.name_en == "Annual survey 2026"
    items = items_of(saved)
    assert [item.text_en for item in items] == ["Friendly and helpful staff", "Clear invoices"]
    assert items[0].pk == friendly.pk
    assert not SurveyItem.objects.filter(pk=fast.pk).exists()
    assert SurveyTemplate.objects.filter(code="annual").count() == 1


def test_editing_a_questionnaire_with_answers_makes_version_2(gm, frontline, customer, questionnaire):
    friendly, fast = items_of(questionnaire)
    response = answer_on_phone(frontline, customer, questionnaire, scores={0: 5, 1: 2})

    data = questionnaire_data("Friendly staff", "Delivery on the promised day")
    data.items[0].item_id = friendly.pk
    new = services.template_change(actor=gm, template_id=questionnaire.pk, data=data)

    assert new.pk != questionnaire.pk
    assert (new.code, new.version) == ("annual", 2)
    old = SurveyTemplate.objects.get(pk=questionnaire.pk)
    # Version 1 keeps its items and its answers, untouched.
    assert [item.text_en for item in items_of(old)] == ["Friendly staff", "Fast delivery"]
    assert [item.pk for item in items_of(old)] == [friendly.pk, fast.pk]
    response.refresh_from_db()
    assert response.template_id == old.pk
    assert sorted(Answer.objects.filter(response=response).values_list("item_id", "score")) == sorted(
        [(friendly.pk, 5), (fast.pk, 2)]
    )
    # Version 2 has the new items; it alone is current.
    assert [item.text_en for item in items_of(new)] == ["Friendly staff", "Delivery on the promised day"]
    assert not {item.pk for item in items_of(new)} & {friendly.pk, fast.pk}
    assert list(SurveyTemplate.objects.filter(code="annual", is_current=True)) == [new]
    assert old.is_current is False


def test_an_old_version_and_the_revisit_questionnaire_cannot_be_edited(gm, frontline, customer, questionnaire):
    answer_on_phone(frontline, customer, questionnaire)
    services.template_change(actor=gm, template_id=questionnaire.pk, data=questionnaire_data("New item"))
    with pytest.raises(SurveyError):
        services.template_change(actor=gm, template_id=questionnaire.pk, data=questionnaire_data("Again"))
    with pytest.raises(SurveyError):
        services.template_change(actor=gm, template_id=revisit_questionnaire().pk, data=questionnaire_data("Changed"))


def test_archiving_keeps_the_questionnaire_out_of_new_campaigns(gm, questionnaire):
    services.template_set_active(actor=gm, template_id=questionnaire.pk, active=False)
    with pytest.raises(SurveyError):
        make_campaign(gm, questionnaire)
    services.template_set_active(actor=gm, template_id=questionnaire.pk, active=True)
    assert make_campaign(gm, questionnaire).pk


# --- Audiences ------------------------------------------------------------------------------------------------------


@pytest.fixture
def segment_world(branch, other_branch):
    """Five customers: A-tier high-value and C-tier low-value in branch A, an A-tier one in branch B, a churned
    A-tier high-value one in branch A, and a B-tier potential-value one in branch A."""

    def make(name, branch_, tier, quadrant, status=Customer.Status.ACTIVE):
        churned = status == Customer.Status.CHURNED
        return CustomerFactory(
            name=name,
            branch=branch_,
            tier=tier,
            quadrant=quadrant,
            status=status,
            churn_reason="Moved away" if churned else "",
            churned_on=timezone.localdate() if churned else None,
        )

    return {
        "anna": make("Anna", branch, "A", "high"),
        "carl": make("Carl", branch, "C", "low"),
        "bea": make("Bea", other_branch, "A", "secondary"),
        "gone": make("Gone", branch, "A", "high", status=Customer.Status.CHURNED),
        "pia": make("Pia", branch, "B", "potential"),
    }


def test_the_audience_by_tier_quadrant_and_branch(gm, questionnaire, branch, other_branch, segment_world):
    assert audience(make_campaign(gm, questionnaire, tier="A")) == {"Anna", "Bea"}
    assert audience(make_campaign(gm, questionnaire, quadrant="potential")) == {"Pia"}
    assert audience(make_campaign(gm, questionnaire, branch=branch)) == {"Anna", "Carl", "Pia"}
    assert audience(make_campaign(gm, questionnaire, branch=other_branch)) == {"Bea"}
    assert audience(make_campaign(gm, questionnaire, branch=branch, tier="A", quadrant="high")) == {"Anna"}
    # Churned customers are never invited, whatever the segment.
    assert audience(make_campaign(gm, questionnaire)) == {"Anna", "Carl", "Bea", "Pia"}


def _closed_on(customer, frontline, day: date) -> Complaint:
    complaint = ComplaintFactory(actor=frontline, customer=customer)
    noon = timezone.make_aware(datetime.combine(day, datetime.min.time()) + timedelta(hours=12))
    Complaint.objects.filter(pk=complaint.pk).update(step=Step.CLOSED, closed_at=noon)
    return complaint


def test_the_audience_of_customers_whose_complaint_closed_in_a_period(gm, frontline, questionnaire, branch):
    march = CustomerFactory(name="March", branch=branch)
    april = CustomerFactory(name="April", branch=branch)
    still_open = CustomerFactory(name="Open", branch=branch)
    CustomerFactory(name="Never complained", branch=branch)
    _closed_on(march, frontline, date(2026, 3, 15))
    _closed_on(april, frontline, date(2026, 4, 2))
    ComplaintFactory(actor=frontline, customer=still_open)

    period = {"complaint_closed_from": date(2026, 3, 1), "complaint_closed_to": date(2026, 3, 31)}
    assert audience(make_campaign(gm, questionnaire, **period)) == {"March"}
    assert audience(make_campaign(gm, questionnaire, complaint_closed_from=date(2026, 3, 16))) == {"April"}
    assert audience(make_campaign(gm, questionnaire, complaint_closed_to=date(2026, 4, 2))) == {"March", "April"}


def test_the_audience_of_hand_picked_customers(gm, manager, questionnaire, segment_world):
    s = segment_world
    assert audience(make_campaign(gm, questionnaire, picked=[s["anna"], s["bea"]])) == {"Anna", "Bea"}
    # Picked but churned: still not invited.
    assert audience(make_campaign(gm, questionnaire, picked=[s["carl"], s["gone"]])) == {"Carl"}
    # A manager's campaign is their branch's: picking a customer of another branch is refused, not dropped.
    with pytest.raises(services.SurveyError, match="not customers of the campaign's branch"):
        make_campaign(manager, questionnaire, picked=[s["anna"], s["bea"]])
    assert audience(make_campaign(manager, questionnaire, picked=[s["anna"]])) == {"Anna"}


def test_customers_surveyed_recently_are_skipped(gm, frontline, questionnaire, branch):
    invited = CustomerFactory(name="Invited", branch=branch)
    answered = CustomerFactory(name="Answered", branch=branch)
    CustomerFactory(name="Fresh", branch=branch)
    ten_days_ago = timezone.now() - timedelta(days=10)
    earlier = make_campaign(gm, questionnaire, picked=[invited])
    services.campaign_send(actor=gm, campaign_id=earlier.pk, now=ten_days_ago)
    response = answer_on_phone(frontline, answered, questionnaire)
    Response.objects.filter(pk=response.pk).update(answered_at=ten_days_ago)

    assert audience(make_campaign(gm, questionnaire, branch=branch, skip_recent_days=30)) == {"Fresh"}
    assert audience(make_campaign(gm, questionnaire, branch=branch, skip_recent_days=5)) == {
        "Invited",
        "Answered",
        "Fresh",
    }
    assert audience(make_campaign(gm, questionnaire, branch=branch, skip_recent_days=0)) == {
        "Invited",
        "Answered",
        "Fresh",
    }


# --- Sending and closing --------------------------------------------------------------------------------------------


def test_sending_twice_invites_each_customer_once(gm, questionnaire, branch, segment_world):
    campaign = make_campaign(gm, questionnaire, branch=branch)  # Anna, Carl, Pia
    first = timezone.now() - timedelta(hours=1)
    assert services.campaign_send(actor=gm, campaign_id=campaign.pk, now=first) == 3
    assert services.campaign_send(actor=gm, campaign_id=campaign.pk) == 0
    campaign.refresh_from_db()
    assert campaign.status == Campaign.Status.SENT
    assert campaign.sent_at == first
    assert set(campaign.invitations.values_list("customer__name", flat=True)) == {"Anna", "Carl", "Pia"}
    invitation = campaign.invitations.get(customer__name="Anna")
    assert invitation.state == Invitation.State.PENDING
    assert invitation.expires_at == first + timedelta(days=campaign.link_valid_days)
    # A newcomer to the segment is invited by the next send, alone.
    CustomerFactory(name="Newcomer", branch=branch)
    assert services.campaign_send(actor=gm, campaign_id=campaign.pk) == 1
    assert campaign.invitations.count() == 4


def test_a_manager_sends_only_their_branchs_campaigns(gm, manager, manager_other, questionnaire, branch, other_branch):
    CustomerFactory(name="Anna", branch=branch)
    CustomerFactory(name="Bea", branch=other_branch)
    theirs = make_campaign(gm, questionnaire, branch=other_branch)
    company_wide = make_campaign(gm, questionnaire)
    for campaign in (theirs, company_wide):
        with pytest.raises(SurveyError):
            services.campaign_send(actor=manager, campaign_id=campaign.pk)
        with pytest.raises(SurveyError):
            services.campaign_close(actor=manager, campaign_id=campaign.pk)
    assert not Invitation.objects.exists()
    assert services.campaign_send(actor=manager_other, campaign_id=theirs.pk) == 1


def test_a_managers_campaign_is_pinned_to_their_branch(manager, questionnaire, branch, other_branch):
    campaign = make_campaign(manager, questionnaire, branch=other_branch)
    assert Campaign.objects.get(pk=campaign.pk).branch_id == branch.pk
    assert make_campaign(manager, questionnaire).branch_id == branch.pk


def test_front_line_staff_create_no_campaigns(frontline, questionnaire):
    with pytest.raises(SurveyError):
        make_campaign(frontline, questionnaire)


def test_a_closed_campaign_cannot_be_sent(gm, questionnaire, customer):
    campaign = make_campaign(gm, questionnaire)
    services.campaign_close(actor=gm, campaign_id=campaign.pk)
    with pytest.raises(SurveyError):
        services.campaign_send(actor=gm, campaign_id=campaign.pk)
    assert Campaign.objects.get(pk=campaign.pk).status == Campaign.Status.CLOSED


# --- Personal links -------------------------------------------------------------------------------------------------


@pytest.fixture
def sent(gm, questionnaire, customer, other_customer):
    """A campaign sent to 王伟 (branch A) and Emma Smith (branch B)."""
    campaign = make_campaign(gm, questionnaire, picked=[customer, other_customer])
    services.campaign_send(actor=gm, campaign_id=campaign.pk)
    return campaign


def _answers(template) -> AnswerData:
    first, second = items_of(template)
    return AnswerData(scores={first.pk: 4, second.pk: 5}, overall=4, recommend=9, repurchase="yes")


def test_a_link_is_answered_once(gm, sent, questionnaire, customer):
    invitation = sent.invitations.get(customer=customer)
    token = token_of(invitation, gm)
    response = services.response_submit(token=token, data=_answers(questionnaire))
    assert (response.source, response.customer_id, response.campaign_id) == ("link", customer.pk, sent.pk)
    assert response.recorded_by is None
    invitation.refresh_from_db()
    assert invitation.state == Invitation.State.ANSWERED
    with pytest.raises(LinkProblem) as used:
        services.response_submit(token=token, data=_answers(questionnaire))
    assert used.value.reason == "used"
    assert Response.objects.filter(invitation=invitation).count() == 1


def test_a_tampered_or_unknown_token_opens_nothing(gm, sent, questionnaire, customer):
    token = token_of(sent.invitations.get(customer=customer), gm)
    tampered = token[:-1] + ("A" if token[-1] != "A" else "B")
    for bad in (tampered, "", "x" * 65, "not-a-token"):
        with pytest.raises(LinkProblem) as problem:
            services.response_submit(token=bad, data=_answers(questionnaire))
        assert problem.value.reason == "unknown"
    assert not Response.objects.exists()


def test_an_expired_link_is_refused(gm, sent, questionnaire, customer):
    invitation = sent.invitations.get(customer=customer)
    token = token_of(invitation, gm)
    after = invitation.expires_at + timedelta(seconds=1)
    with pytest.raises(LinkProblem) as problem:
        services.response_submit(token=token, data=_answers(questionnaire), now=after)
    assert problem.value.reason == "expired"
    before = invitation.expires_at - timedelta(seconds=1)
    assert services.response_submit(token=token, data=_answers(questionnaire), now=before).pk


def test_a_closed_campaigns_link_is_refused(gm, sent, questionnaire, customer):
    token = token_of(sent.invitations.get(customer=customer), gm)
    services.campaign_close(actor=gm, campaign_id=sent.pk)
    with pytest.raises(LinkProblem) as problem:
        services.response_submit(token=token, data=_answers(questionnaire))
    assert problem.value.reason == "closed"


def test_a_token_answers_for_its_own_invitations_customer(gm, sent, questionnaire, customer, other_customer):
    """Someone holding another customer's link answers as that customer: the token, not who sends it, decides."""
    emmas = sent.invitations.get(customer=other_customer)
    response = services.response_submit(token=token_of(emmas, gm), data=_answers(questionnaire))
    assert response.customer_id == other_customer.pk
    assert response.invitation_id == emmas.pk
    assert response.branch_id == other_customer.branch_id
    assert sent.invitations.get(customer=customer).state == Invitation.State.PENDING


def test_only_those_who_may_send_get_a_links_token(sent, manager, frontline, customer):
    invitation = sent.invitations.get(customer=customer)  # a company-wide campaign
    for actor in (manager, frontline):
        with pytest.raises(SurveyError):
            token_of(invitation, actor)


# --- Answers given on the phone, and revisits -----------------------------------------------------------------------


def test_phone_answers_are_marked_and_their_csi_is_the_weighted_mean(gm, frontline, customer):
    template = make_questionnaire(gm, code="weighted", texts=("Staff", "Price"), weights=["1", "3"])
    response = answer_on_phone(frontline, customer, template, scores={0: 5, 1: 2}, overall=3, comment="OK")
    assert (response.source, response.recorded_by_id) == ("phone", frontline.pk)
    assert response.branch_id == customer.branch_id
    # CSI = Σ w·(s−1)/4·100 / Σ w = (1·100 + 3·25) / 4 = 43.75
    assert response.weighted_points == Decimal("175")
    assert response.weight_answered == Decimal("4")
    assert response.weighted_points / response.weight_answered == Decimal("43.75")


def test_phone_answers_use_up_the_customers_invitation(gm, frontline, sent, questionnaire, customer):
    response = answer_on_phone(frontline, customer, questionnaire, campaign=sent)
    invitation = sent.invitations.get(customer=customer)
    assert response.invitation_id == invitation.pk
    assert invitation.state == Invitation.State.ANSWERED
    with pytest.raises(LinkProblem):
        services.response_submit(token=token_of(invitation, gm), data=_answers(questionnaire))


def test_phone_answers_are_recorded_by_the_customers_branch_staff(
    gm, admin_user, frontline_other, customer, questionnaire
):
    for actor in (admin_user, frontline_other):
        with pytest.raises(SurveyError):
            answer_on_phone(actor, customer, questionnaire)
    assert answer_on_phone(gm, customer, questionnaire).recorded_by_id == gm.pk


def test_a_complaint_revisit_is_a_satisfaction_answer(frontline, manager, gm, customer):
    template = revisit_questionnaire()
    complaint = walk_to(ComplaintFactory(actor=frontline, customer=customer), Step.SATISFY, actor=frontline,
                        manager=manager, gm=gm)  # fmt: skip
    revisit = record_revisit(complaint, frontline, score=4)

    response = Response.objects.get(revisit=revisit)
    assert response.source == Response.Source.REVISIT
    assert response.overall == 4
    assert response.complaint_id == complaint.pk
    assert response.branch_id == complaint.branch_id
    assert response.customer_id == customer.pk
    assert response.template_id == template.pk
    assert list(response.answers.values_list("score", flat=True)) == [4]
    # One item of weight 1 scored 4: (4 − 1) / 4 × 100 = 75.
    assert response.weighted_points / response.weight_answered == Decimal("75")


def test_an_importance_without_a_score_is_refused_not_dropped(frontline, questionnaire, branch):
    customer = CustomerFactory(branch=branch, account_manager=frontline)
    first, second = items_of(questionnaire)
    data = services.AnswerData(scores={first.pk: 4}, importances={first.pk: 9, second.pk: 7})
    with pytest.raises(services.SurveyError, match="Give a score to each item you rate for importance"):
        services.response_record_phone(
            actor=frontline, customer_id=customer.pk, template_id=questionnaire.pk, data=data
        )
    assert not Response.objects.exists()


def test_a_closed_campaign_cannot_be_closed_again(gm, questionnaire):
    campaign = make_campaign(gm, questionnaire)
    closed_at = services.campaign_close(actor=gm, campaign_id=campaign.pk).closed_at
    with pytest.raises(services.SurveyError, match="This campaign is closed"):
        services.campaign_close(actor=gm, campaign_id=campaign.pk)
    campaign.refresh_from_db()
    assert campaign.closed_at == closed_at  # the first closing time is kept


def test_each_invitation_is_mailed_once_with_its_own_message_id(gm, questionnaire, branch, settings, mailoutbox):
    from crm_site.jobs.models import Job
    from crm_site.jobs.services import job_run

    settings.SITE_URL = "https://crm.example.com"
    with_mail = [CustomerFactory(branch=branch, email=f"c{i}@example.com") for i in range(2)]
    CustomerFactory(branch=branch, email="")  # no address: no job
    campaign = make_campaign(gm, questionnaire, branch=branch)
    assert services.campaign_send(actor=gm, campaign_id=campaign.pk) == 3
    job_ids = list(Job.objects.filter(kind="satisfaction.email_invitation").values_list("pk", flat=True))
    assert len(job_ids) == 2
    for job_id in job_ids * 2:  # each job run twice, as a redelivered message would
        job_run(job_id=job_id)
    assert sorted(m.to[0] for m in mailoutbox) == sorted(c.email for c in with_mail)
    invitations = Invitation.objects.filter(campaign=campaign, emailed_at__isnull=False)
    assert sorted(m.extra_headers["Message-ID"] for m in mailoutbox) == sorted(
        f"<survey_invitation-{pk}@crm.example.com>" for pk in invitations.values_list("pk", flat=True)
    )
    assert all("https://crm.example.com/s/" in m.body for m in mailoutbox)
