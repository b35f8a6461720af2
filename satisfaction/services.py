"""Every write of the satisfaction app: questionnaires and their versions, campaigns, invitations, responses."""

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import (
    BooleanField,
    Case,
    Count,
    DateField,
    DecimalField,
    Exists,
    ExpressionWrapper,
    F,
    IntegerField,
    OuterRef,
    Q,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Cast, Coalesce, TruncMonth
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from complaints.models import Complaint
from crm_site.jobs.services import jobs_cancel, jobs_schedule
from crm_site.org.access import access_of
from crm_site.org.policy import can
from customers.models import Customer

from .models import (
    Answer,
    AnswerMonth,
    Campaign,
    Invitation,
    LoyaltyZone,
    Repurchase,
    Response,
    ResponseMonth,
    SurveyItem,
    SurveyTemplate,
)

REVISIT_TEMPLATE_CODE = "complaint-revisit"


def reminder_key(*, campaign_id: int, invitation_id: int = 0) -> str:
    """The key of an invitation's one reminder (satisfaction.schedule); without an invitation, the campaign's prefix."""
    return f"survey-reminder:{campaign_id}:" + (f"{invitation_id}" if invitation_id else "")


class SurveyError(Exception):
    """A refused satisfaction action, with a message for the user."""


# --- Questionnaires --------------------------------------------------------------------------------------------


@dataclass
class ItemData:
    dimension_id: int
    text_en: str
    text_zh: str
    weight: Decimal
    item_id: int | None = None  # the item this one edits, if any (kept when nothing about it changed)


@dataclass
class TemplateData:
    name_en: str
    name_zh: str
    intro_en: str = ""
    intro_zh: str = ""
    ask_importance: bool = False
    ask_repurchase: bool = True
    ask_recommend: bool = True
    ask_comment: bool = True
    items: list[ItemData] = field(default_factory=list)


TEMPLATE_FIELDS = ("name_en", "name_zh", "intro_en", "intro_zh", "ask_importance", "ask_repurchase", "ask_recommend",
                   "ask_comment")  # fmt: skip


def _check_template_data(data: TemplateData) -> None:
    if not data.items:
        raise SurveyError(_("A questionnaire needs at least one item."))
    if any(item.weight <= 0 for item in data.items):
        raise SurveyError(_("Every item's weight must be more than 0."))


@transaction.atomic
def template_create(*, actor, code: str, data: TemplateData) -> SurveyTemplate:
    if not can(actor, "survey.design"):
        raise SurveyError(_("You are not allowed to design questionnaires."))
    _check_template_data(data)
    if SurveyTemplate.objects.filter(code=code).exists():
        raise SurveyError(_("A questionnaire with the code %(code)s exists already.") % {"code": code})
    template = SurveyTemplate.objects.create(
        code=code, version=1, created_by=actor, **{name: getattr(data, name) for name in TEMPLATE_FIELDS}
    )
    _items_create(template, data.items)
    return template


def _items_create(template: SurveyTemplate, items: list[ItemData]) -> None:
    SurveyItem.objects.bulk_create(
        SurveyItem(
            template=template,
            dimension_id=item.dimension_id,
            text_en=item.text_en,
            text_zh=item.text_zh,
            weight=item.weight,
            sort_order=index,
        )
        for index, item in enumerate(items)
    )


@transaction.atomic
def template_change(*, actor, template_id: int, data: TemplateData) -> SurveyTemplate:
    """Change a questionnaire. Without answers it is changed in place; with answers, the change is a new version
    (the old one keeps its items and answers, and stops being offered for new campaigns)."""
    if not can(actor, "survey.design"):
        raise SurveyError(_("You are not allowed to design questionnaires."))
    _check_template_data(data)
    template = SurveyTemplate.objects.select_for_update().get(pk=template_id)
    if template.kind != SurveyTemplate.Kind.SURVEY:
        raise SurveyError(_("The complaint revisit questionnaire is fixed."))
    if not template.is_current:
        raise SurveyError(_("This is an old version; change the current one."))
    has_answers = Response.objects.filter(template=template).exists()
    if not has_answers:
        for name in TEMPLATE_FIELDS:
            setattr(template, name, getattr(data, name))
        template.save(update_fields=list(TEMPLATE_FIELDS))
        kept = {item.item_id for item in data.items if item.item_id}
        # Items without answers can go (nobody answered this version yet); the rest are rewritten in order.
        template.items.exclude(pk__in=kept).delete()
        for index, item in enumerate(data.items):
            if item.item_id:
                SurveyItem.objects.filter(pk=item.item_id, template=template).update(
                    dimension_id=item.dimension_id,
                    text_en=item.text_en,
                    text_zh=item.text_zh,
                    weight=item.weight,
                    sort_order=index,
                )
            else:
                SurveyItem.objects.create(
                    template=template,
                    dimension_id=item.dimension_id,
                    text_en=item.text_en,
                    text_zh=item.text_zh,
                    weight=item.weight,
                    sort_order=index,
                )
        return template
    SurveyTemplate.objects.filter(pk=template.pk).update(is_current=False)
    new = SurveyTemplate.objects.create(
        code=template.code,
        version=template.version + 1,
        kind=template.kind,
        created_by=actor,
        **{name: getattr(data, name) for name in TEMPLATE_FIELDS},
    )
    _items_create(new, data.items)
    return new


@transaction.atomic
def template_set_active(*, actor, template_id: int, active: bool) -> SurveyTemplate:
    """Archive a questionnaire (no new campaigns) or bring it back; nothing is deleted."""
    if not can(actor, "survey.design"):
        raise SurveyError(_("You are not allowed to design questionnaires."))
    template = SurveyTemplate.objects.select_for_update().get(pk=template_id)
    if template.kind != SurveyTemplate.Kind.SURVEY:
        raise SurveyError(_("The complaint revisit questionnaire is fixed."))
    template.is_active = active
    template.save(update_fields=["is_active"])
    return template


# --- Campaigns and invitations ---------------------------------------------------------------------------------


def campaign_audience(campaign: Campaign):
    """The customers a campaign reaches: its segment, minus the inactive and those surveyed within N days."""
    customers = Customer.objects.exclude(status=Customer.Status.CHURNED)
    picked = list(campaign.picked_customers.values_list("pk", flat=True)) if campaign.pk else []
    if picked:
        customers = customers.filter(pk__in=picked)
    if campaign.branch_id:
        customers = customers.filter(branch_id=campaign.branch_id)
    if campaign.tier:
        customers = customers.filter(tier=campaign.tier)
    if campaign.quadrant:
        customers = customers.filter(quadrant=campaign.quadrant)
    if campaign.complaint_closed_from or campaign.complaint_closed_to:
        closed = Complaint.objects.filter(customer=OuterRef("pk"), closed_at__isnull=False)
        if campaign.complaint_closed_from:
            closed = closed.filter(closed_at__date__gte=campaign.complaint_closed_from)
        if campaign.complaint_closed_to:
            closed = closed.filter(closed_at__date__lte=campaign.complaint_closed_to)
        customers = customers.filter(Exists(closed))
    if campaign.skip_recent_days:
        since = timezone.now() - timedelta(days=campaign.skip_recent_days)
        recent = Invitation.objects.filter(customer=OuterRef("pk"), created_at__gte=since).exclude(
            campaign_id=campaign.pk
        )
        answered = Response.objects.filter(customer=OuterRef("pk"), answered_at__gte=since).exclude(
            source=Response.Source.REVISIT
        )
        customers = customers.exclude(Exists(recent)).exclude(Exists(answered))
    return customers


def _campaign_scope_check(actor, campaign: Campaign) -> None:
    access = access_of(actor)
    if not access.company_wide and campaign.branch_id != access.branch_id:
        raise SurveyError(_("A branch manager's campaign is for their own branch's customers."))


@transaction.atomic
def campaign_create(*, actor, campaign: Campaign, picked: list[int] | None = None) -> Campaign:
    """Save a draft campaign (the form filled ``campaign``); managers' campaigns are pinned to their branch."""
    if not can(actor, "campaign.create"):
        raise SurveyError(_("You are not allowed to create survey campaigns."))
    access = access_of(actor)
    if not access.company_wide:
        campaign.branch_id = access.branch_id
    template = SurveyTemplate.objects.get(pk=campaign.template_id)
    if not (template.is_current and template.is_active and template.kind == SurveyTemplate.Kind.SURVEY):
        raise SurveyError(_("Choose a current, active questionnaire."))
    _campaign_scope_check(actor, campaign)
    campaign.created_by = actor
    campaign.status = Campaign.Status.DRAFT
    campaign.save()
    if picked:
        allowed = Customer.objects.filter(pk__in=picked)
        if campaign.branch_id:
            allowed = allowed.filter(branch_id=campaign.branch_id)
        if allowed.count() != len(set(picked)):
            # Never quietly drop some: with none left, the campaign would reach the whole branch or company.
            raise SurveyError(_("Some of the hand-picked customers are not customers of the campaign's branch."))
        campaign.picked_customers.set(allowed)
    return campaign


def _token_for(invitation: Invitation) -> str:
    """The link's token: an HMAC under SECRET_KEY of the invitation's random salt (known before the row is saved,
    so invitations are inserted in bulk with their hash)."""
    message = f"survey-invitation:{invitation.salt}".encode()
    digest = hmac.new(settings.SECRET_KEY.encode(), message, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest[:24]).decode().rstrip("=")


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def invitation_link(invitation: Invitation) -> str:
    """The absolute link of an invitation, for the mails the app sends itself."""
    return settings.SITE_URL.rstrip("/") + reverse("survey:answer", args=[_token_for(invitation)])


def invitation_link_token(*, actor, invitation: Invitation) -> str:
    """The token of an invitation's link, for staff who send it themselves (SMS, WeChat) — policy-checked."""
    if not can(actor, "campaign.send", invitation.campaign):
        raise SurveyError(_("You are not allowed to send this campaign's links."))
    return _token_for(invitation)


@transaction.atomic
def campaign_send(*, actor, campaign_id: int, now=None) -> int:
    """Create one invitation per customer of the audience (once each, however often this runs); return how many
    were created. Links are then e-mailed by a background job to those with an address."""
    campaign = Campaign.objects.select_for_update().get(pk=campaign_id)
    if not can(actor, "campaign.send", campaign):
        raise SurveyError(_("You are not allowed to send this campaign."))
    if campaign.status == Campaign.Status.CLOSED:
        raise SurveyError(_("This campaign is closed."))
    now = now or timezone.now()
    expires = now + timedelta(days=campaign.link_valid_days)
    existing = set(campaign.invitations.values_list("customer_id", flat=True))
    new = []
    for customer_id in campaign_audience(campaign).values_list("pk", flat=True).iterator():
        if customer_id in existing:
            continue
        invitation = Invitation(
            campaign=campaign, customer_id=customer_id, salt=secrets.token_hex(16), created_at=now, expires_at=expires
        )
        invitation.token_hash = token_hash(_token_for(invitation))
        new.append(invitation)
    Invitation.objects.bulk_create(new, batch_size=1000)
    created = len(new)
    if campaign.status == Campaign.Status.DRAFT:
        campaign.status = Campaign.Status.SENT
        campaign.sent_at = now
        campaign.save(update_fields=["status", "sent_at"])
    if created:
        # One mail job per invitation with an address, each sent once (satisfaction.jobs).
        jobs_schedule(
            kind="satisfaction.email_invitation",
            rows=[
                (f"satisfaction.email_invitation:{pk}", {"invitation": pk}, now)
                for pk in campaign.invitations.filter(emailed_at__isnull=True)
                .exclude(customer__email="")
                .values_list("pk", flat=True)
            ],
        )
    return created


@transaction.atomic
def campaign_close(*, actor, campaign_id: int) -> Campaign:
    campaign = Campaign.objects.select_for_update().get(pk=campaign_id)
    if not can(actor, "campaign.send", campaign):
        raise SurveyError(_("You are not allowed to close this campaign."))
    if campaign.status == Campaign.Status.CLOSED:
        raise SurveyError(_("This campaign is closed."))
    campaign.status = Campaign.Status.CLOSED
    campaign.closed_at = timezone.now()
    campaign.save(update_fields=["status", "closed_at"])
    jobs_cancel(key_prefix=reminder_key(campaign_id=campaign.pk))  # its links no longer open
    return campaign


# --- Answers -----------------------------------------------------------------------------------------------------


class LinkProblem(SurveyError):
    """Why a personal link cannot be answered: "unknown", "used", "expired" or "closed"."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def invitation_for_token(token: str, *, now=None) -> Invitation:
    """The invitation a link's token opens, or LinkProblem saying plainly why not."""
    if not token or len(token) > 64:
        raise LinkProblem("unknown")
    invitation = (
        Invitation.objects.select_related("campaign__template", "customer").filter(token_hash=token_hash(token)).first()
    )
    if invitation is None or not hmac.compare_digest(_token_for(invitation), token):
        raise LinkProblem("unknown")
    if invitation.state == Invitation.State.ANSWERED:
        raise LinkProblem("used")
    if invitation.state == Invitation.State.CANCELLED or invitation.campaign.status == Campaign.Status.CLOSED:
        raise LinkProblem("closed")
    if invitation.expires_at <= (now or timezone.now()):
        raise LinkProblem("expired")
    return invitation


@dataclass
class AnswerData:
    scores: dict[int, int]  # item id → 1..5 (unanswered items left out)
    importances: dict[int, int] = field(default_factory=dict)  # item id → 1..10
    overall: int | None = None
    repurchase: str = ""
    recommend: int | None = None
    comment: str = ""


def _month_key(response: Response) -> dict:
    """The response's row key in the monthly sums (AnswerMonth without the item, ResponseMonth): its local month of
    TIME_ZONE, branch, questionnaire version, segment, source and whether the customer is a complainant as of the
    answer (a revisit, or a complaint created at or before it: one query)."""
    complainant = (
        response.source == Response.Source.REVISIT
        or Complaint.objects.filter(customer_id=response.customer_id, created_at__lte=response.answered_at).exists()
    )
    local = timezone.localtime(response.answered_at, timezone.get_default_timezone())
    return {
        "month": local.date().replace(day=1),
        "branch_id": response.branch_id,
        "template_id": response.template_id,
        "tier": response.tier,
        "quadrant": response.quadrant,
        "source": response.source,
        "is_complainant": complainant,
    }


def _response_month_add(*, response: Response, key: dict) -> None:
    """Add the response to its ResponseMonth row in the caller's transaction: one INSERT of the row if missing (ON
    CONFLICT DO NOTHING), one UPDATE adding to its counters with F() (the row lock queues concurrent responses)."""
    ResponseMonth.objects.bulk_create([ResponseMonth(**key)], ignore_conflicts=True)
    counters = {"response_count": 1}
    if response.recommend is not None:
        counters["recommend_count"] = 1
        if response.recommend >= 9:
            counters["promoter_count"] = 1
        elif response.recommend <= 6:
            counters["detractor_count"] = 1
    if response.overall is not None:
        counters[f"overall_{response.overall}"] = 1
    ResponseMonth.objects.filter(**key).update(
        points_sum=F("points_sum") + response.weighted_points,
        weight_sum=F("weight_sum") + response.weight_answered,
        **{name: F(name) + n for name, n in counters.items()},
    )


def _answer_months_add(*, key: dict, items: dict[int, SurveyItem], data: AnswerData) -> None:
    """Add the response's answers to its AnswerMonth rows (the dashboard's monthly sums) in the caller's transaction,
    in two queries whatever the number of items: one INSERT of the missing rows (ON CONFLICT DO NOTHING), one UPDATE
    adding to each row's counters with F() (the row locks queue concurrent answers of the same month; nothing is read
    and written back)."""
    if not data.scores:
        return
    AnswerMonth.objects.bulk_create([AnswerMonth(**key, item_id=pk) for pk in data.scores], ignore_conflicts=True)

    def per_item(values: dict, output_field) -> Case | Value:  # the amount each item's row adds
        whens = [When(item_id=pk, then=Value(value, output_field=output_field)) for pk, value in values.items()]
        return Case(*whens, default=Value(0, output_field=output_field), output_field=output_field)

    importances = {pk: data.importances[pk] for pk in data.scores if data.importances.get(pk) is not None}
    decimal = DecimalField(max_digits=16, decimal_places=4)
    AnswerMonth.objects.filter(**key, item_id__in=list(data.scores)).update(
        answer_count=F("answer_count") + 1,
        score_sum=F("score_sum") + per_item(data.scores, IntegerField()),
        points_sum=F("points_sum")
        + per_item({pk: items[pk].weight * (score - 1) * 25 for pk, score in data.scores.items()}, decimal),
        weight_sum=F("weight_sum") + per_item({pk: items[pk].weight for pk in data.scores}, decimal),
        importance_count=F("importance_count") + per_item(dict.fromkeys(importances, 1), IntegerField()),
        importance_sum=F("importance_sum") + per_item(importances, IntegerField()),
    )


def _response_write(
    *, template: SurveyTemplate, customer: Customer, source: str, data: AnswerData, branch_id: int, **extra
) -> Response:
    items = {item.pk: item for item in template.items.all()}
    unknown = set(data.scores) - set(items) or set(data.importances) - set(items)
    if unknown:
        raise SurveyError(_("The answers name items that are not in this questionnaire."))
    if any(score not in range(1, 6) for score in data.scores.values()):
        raise SurveyError(_("Scores go from 1 (very dissatisfied) to 5 (very satisfied)."))
    if any(value not in range(1, 11) for value in data.importances.values()):
        raise SurveyError(_("Importance goes from 1 to 10."))
    if set(data.importances) - set(data.scores):
        raise SurveyError(_("Give a score to each item you rate for importance."))
    if data.overall is not None and data.overall not in range(1, 6):
        raise SurveyError(_("Scores go from 1 (very dissatisfied) to 5 (very satisfied)."))
    if data.recommend is not None and data.recommend not in range(0, 11):
        raise SurveyError(_("Recommendation goes from 0 to 10."))
    if data.repurchase and data.repurchase not in Repurchase.values:
        raise SurveyError(_("Answer yes, no or not sure."))
    if not data.scores and data.overall is None:
        raise SurveyError(_("Answer at least one question."))
    points = sum((items[pk].weight * (score - 1) * 25 for pk, score in data.scores.items()), Decimal("0"))
    weight = sum((items[pk].weight for pk in data.scores), Decimal("0"))
    response = Response.objects.create(
        template=template,
        customer=customer,
        branch_id=branch_id,
        tier=customer.tier,
        quadrant=customer.quadrant,
        source=source,
        overall=data.overall,
        repurchase=data.repurchase,
        recommend=data.recommend,
        comment=data.comment[:4000],
        language=(get_language() or "")[:10],
        weighted_points=points,
        weight_answered=weight,
        **extra,
    )
    Answer.objects.bulk_create(
        Answer(response=response, item_id=pk, score=score, importance=data.importances.get(pk))
        for pk, score in data.scores.items()
    )
    key = _month_key(response)
    _response_month_add(response=response, key=key)
    _answer_months_add(key=key, items=items, data=data)
    customer_last_answer_refresh(customer_ids=[customer.pk])
    return response


def customer_last_answer_refresh(*, customer_ids=None) -> int:
    """Copy each customer's latest answer (by answered_at, then pk) onto the customer: ``last_answered_at``,
    ``last_repurchase``, ``last_recommend``, read by loyalty × contribution. For ``customer_ids`` (None: every customer
    who answered), one UPDATE whatever the order the answers were written in (a re-dated demo answer, a bulk load).
    Returns the number of customers updated."""
    latest = Response.objects.filter(customer_id=OuterRef("pk")).order_by("-answered_at", "-pk")
    customers = Customer.objects.filter(
        pk__in=Response.objects.values("customer_id") if customer_ids is None else customer_ids
    )
    return customers.update(
        last_answered_at=Subquery(latest.values("answered_at")[:1]),
        last_repurchase=Coalesce(Subquery(latest.values("repurchase")[:1]), Value("")),
        last_recommend=Subquery(latest.values("recommend")[:1]),
    )


@transaction.atomic
def response_submit(*, token: str, data: AnswerData, now=None) -> Response:
    """A customer answers through their personal link: once, before it expires."""
    invitation = invitation_for_token(token, now=now)
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.state != Invitation.State.PENDING:  # answered a moment ago in another tab
        raise LinkProblem("used")
    campaign = invitation.campaign
    try:
        response = _response_write(
            template=campaign.template,
            customer=invitation.customer,
            source=Response.Source.LINK,
            data=data,
            branch_id=invitation.customer.branch_id,
            campaign=campaign,
            invitation=invitation,
        )
    except IntegrityError as exc:
        raise LinkProblem("used") from exc
    invitation.state = Invitation.State.ANSWERED
    invitation.answered_at = response.answered_at
    invitation.save(update_fields=["state", "answered_at"])
    jobs_cancel(keys=[reminder_key(campaign_id=campaign.pk, invitation_id=invitation.pk)])
    return response


@transaction.atomic
def response_record_phone(
    *, actor, customer_id: int, template_id: int, data: AnswerData, campaign_id: int | None = None
) -> Response:
    """Staff record answers a customer gave on the phone (marked as such); an open invitation is used up."""
    customer = Customer.objects.get(pk=customer_id)
    if not can(actor, "response.record", customer):
        raise SurveyError(_("You are not allowed to record answers for this customer."))
    template = SurveyTemplate.objects.filter(
        pk=template_id, kind=SurveyTemplate.Kind.SURVEY, is_current=True, is_active=True
    ).first()
    if template is None:
        raise SurveyError(_("Choose a current, active questionnaire."))
    invitation = None
    campaign = None
    if campaign_id:
        campaign = Campaign.objects.filter(pk=campaign_id, template=template).first()
        if campaign is None:
            raise SurveyError(_("This customer has no open invitation in that campaign; record it without one."))
        invitation = (
            Invitation.objects.select_for_update()
            .filter(campaign=campaign, customer=customer, state=Invitation.State.PENDING)
            .first()
        )
        if campaign.status == Campaign.Status.CLOSED or invitation is None:
            raise SurveyError(_("This customer has no open invitation in that campaign; record it without one."))
    response = _response_write(
        template=template,
        customer=customer,
        source=Response.Source.PHONE,
        data=data,
        branch_id=customer.branch_id,
        campaign=campaign,
        invitation=invitation,
        recorded_by=actor,
    )
    if invitation is not None:
        invitation.state = Invitation.State.ANSWERED
        invitation.answered_at = response.answered_at
        invitation.save(update_fields=["state", "answered_at"])
        jobs_cancel(keys=[reminder_key(campaign_id=campaign.pk, invitation_id=invitation.pk)])
    return response


def response_from_revisit(revisit) -> Response | None:
    """Every complaint revisit is a satisfaction data point: its 1–5 score is the revisit questionnaire's one item
    and the overall score, for the complaint's branch. Called by complaints' revisit_record in its transaction."""
    template = (
        SurveyTemplate.objects.filter(code=REVISIT_TEMPLATE_CODE, is_current=True).prefetch_related("items").first()
    )
    if template is None or revisit.score is None:
        return None
    item = next(iter(template.items.all()), None)
    if item is None:
        return None
    complaint = revisit.complaint
    return _response_write(
        template=template,
        customer=complaint.customer,
        source=Response.Source.REVISIT,
        data=AnswerData(scores={item.pk: revisit.score}, overall=revisit.score),
        branch_id=complaint.branch_id,
        complaint=complaint,
        revisit=revisit,
        recorded_by=revisit.recorded_by,
    )


def invitation_opened(invitation: Invitation) -> None:
    """Note when a link was first opened (for the campaign's response funnel)."""
    if invitation.opened_at is None:
        Invitation.objects.filter(pk=invitation.pk, opened_at__isnull=True).update(opened_at=timezone.now())


# --- The monthly answer sums the dashboard reads (AnswerMonth) -----------------------------------------------

KEY_COLUMNS = {  # AnswerMonth / ResponseMonth column → the SELECT's alias (ResponseMonth has no item)
    "month": "k_month",
    "branch_id": "k_branch",
    "template_id": "k_template",
    "tier": "k_tier",
    "quadrant": "k_quadrant",
    "source": "k_source",
    "is_complainant": "k_complainant",
    "item_id": "k_item",
}


def _month_start(month: date) -> datetime:
    return timezone.make_aware(datetime.combine(month, time.min), timezone.get_default_timezone())


def _next_month(month: date) -> date:
    return date(month.year + month.month // 12, month.month % 12 + 1, 1)


def _key_of_response(prefix: str) -> dict:
    """The SELECT's key columns of the response at ``prefix`` ("response__" from an answer, "" from a response), as
    ``_month_key`` computes them for one response."""
    complaint_before = Complaint.objects.filter(
        customer_id=OuterRef(f"{prefix}customer_id"), created_at__lte=OuterRef(f"{prefix}answered_at")
    )
    return {
        "k_month": Cast(TruncMonth(f"{prefix}answered_at", tzinfo=timezone.get_default_timezone()), DateField()),
        "k_branch": F(f"{prefix}branch_id"),
        "k_template": F(f"{prefix}template_id"),
        "k_tier": F(f"{prefix}tier"),
        "k_quadrant": F(f"{prefix}quadrant"),
        "k_source": F(f"{prefix}source"),
        "k_complainant": Case(
            When(Q(**{f"{prefix}source": Response.Source.REVISIT}) | Q(Exists(complaint_before)), then=Value(True)),
            default=Value(False),
            output_field=BooleanField(),
        ),
    }


def _insert_grouped(model, select) -> int:
    """INSERT INTO model's table the rows of ``select`` (a grouped ``values().annotate()`` whose key aliases are
    KEY_COLUMNS' and whose sums are named as the model's columns): one statement; returns the rows inserted."""
    sums = [name for name in select.query.annotation_select if name not in KEY_COLUMNS.values()]
    keys = {column: alias for column, alias in KEY_COLUMNS.items() if alias in select.query.annotation_select}
    sql, params = select.query.sql_with_params()
    qn = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {qn(model._meta.db_table)} ({', '.join(qn(c) for c in [*keys, *sums])}) "  # noqa: S608
            f"SELECT {', '.join(qn(a) for a in [*keys.values(), *sums])} FROM ({sql}) AS grouped",  # names from code
            params,
        )
        return cursor.rowcount


@transaction.atomic
def csi_summary_rebuild(*, months: list[date] | None = None) -> int:
    """Delete the AnswerMonth and ResponseMonth rows of ``months`` (first days; None: all) and insert them again from
    the answers and the responses, set-based: per table one DELETE and one INSERT … SELECT … GROUP BY (the SELECT
    built by the ORM). Months are local months of TIME_ZONE, as ``_response_write`` writes them; complainant as of the
    answer: a revisit, or a customer with a complaint created at or before the answer. Returns the number of rows
    inserted (both tables)."""
    answers, responses = Answer.objects.order_by(), Response.objects.order_by()
    answer_months, response_months = AnswerMonth.objects.all(), ResponseMonth.objects.all()
    if months is not None:
        within = Q()
        for month in months:
            start, end = _month_start(month), _month_start(_next_month(month))
            within |= Q(answered_at__gte=start, answered_at__lt=end)
        responses = responses.filter(within) if months else responses.none()
        answers = answers.filter(response__in=responses.values("pk")) if months else answers.none()
        answer_months, response_months = (
            answer_months.filter(month__in=months),
            response_months.filter(month__in=months),
        )
    decimal = DecimalField(max_digits=16, decimal_places=4)
    answer_sums = (
        answers.annotate(**_key_of_response("response__"), k_item=F("item_id"))
        .values(*KEY_COLUMNS.values())
        .annotate(
            answer_count=Count("pk"),
            score_sum=Sum("score"),
            points_sum=Sum(ExpressionWrapper(F("item__weight") * (F("score") - 1) * 25, output_field=decimal)),
            weight_sum=Sum("item__weight"),
            importance_count=Count("importance"),
            importance_sum=Sum("importance", default=0),
        )
        .order_by()
    )
    response_sums = (
        responses.annotate(**_key_of_response(""))
        .values(*(alias for alias in KEY_COLUMNS.values() if alias != "k_item"))
        .annotate(
            response_count=Count("pk"),
            points_sum=Sum("weighted_points"),
            weight_sum=Sum("weight_answered"),
            recommend_count=Count("recommend"),
            promoter_count=Count("pk", filter=Q(recommend__gte=9)),
            detractor_count=Count("pk", filter=Q(recommend__lte=6)),
            **{f"overall_{zone}": Count("pk", filter=Q(overall=zone)) for zone in LoyaltyZone.values},
        )
        .order_by()
    )
    answer_months.delete()
    response_months.delete()
    # The customers' latest answers too (loyalty × contribution reads them): of everyone who answered, or of those who
    # answered in the months rebuilt.
    customer_last_answer_refresh(customer_ids=None if months is None else responses.values("customer_id"))
    return _insert_grouped(AnswerMonth, answer_sums) + _insert_grouped(ResponseMonth, response_sums)
