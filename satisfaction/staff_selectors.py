"""Reads behind the staff's survey pages: the access gates (object or 404), the lists, a campaign's funnel.

The dashboards' aggregates live in selectors.py; these are the pages that list and open single objects.
"""

from dataclasses import dataclass
from datetime import date

from django.db.models import Count, IntegerField, OuterRef, Prefetch, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils.text import slugify

from crm_site.org.access import access_of
from crm_site.org.policy import can, visible_or_404
from customers.models import Customer

from .models import Answer, Campaign, Dimension, Invitation, Response, SurveyItem, SurveyTemplate
from .selectors import responses_for_user
from .services import campaign_audience

# --- Questionnaires -------------------------------------------------------------------------------------------------


def _count_of(queryset: QuerySet, field: str) -> Coalesce:
    """A correlated COUNT(*) of ``queryset`` rows whose ``field`` is the outer row, 0 when none."""
    counted = queryset.filter(**{field: OuterRef("pk")}).order_by().values(field).annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def templates_annotated() -> QuerySet[SurveyTemplate]:
    """Questionnaire versions with how many items and answers each has."""
    return SurveyTemplate.objects.annotate(
        item_count=_count_of(SurveyItem.objects.all(), "template"),
        answer_count=_count_of(Response.objects.all(), "template"),
    )


def template_list(*, all_versions: bool = False, status: str = "") -> QuerySet[SurveyTemplate]:
    """The questionnaires page: current versions (or every version), the revisit questionnaire last."""
    qs = templates_annotated()
    if not all_versions:
        qs = qs.filter(is_current=True)
    if status == "active":
        qs = qs.filter(is_active=True)
    elif status == "archived":
        qs = qs.filter(is_active=False)
    return qs.order_by("-kind", "name_en", "code", "-version")


def template_free_code(name: str) -> str:
    """A code for a new questionnaire made from its English name, not used by another one yet."""
    base = slugify(name)[:32].strip("-") or "survey"
    code, n = base, 1
    while SurveyTemplate.objects.filter(code=code).exists():
        n += 1
        code = f"{base}-{n}"
    return code


def template_get_for_user(*, user, pk: int) -> SurveyTemplate:
    """The gate for one questionnaire version: questionnaires are designed company-wide (rule survey.design)."""
    return visible_or_404(user, "survey.design", SurveyTemplate.objects.filter(pk=pk).first())


def template_versions(template: SurveyTemplate) -> QuerySet[SurveyTemplate]:
    return templates_annotated().filter(code=template.code).order_by("-version")


def template_answer_count(template: SurveyTemplate) -> int:
    return Response.objects.filter(template=template).count()


def template_current_version(template: SurveyTemplate) -> SurveyTemplate | None:
    return SurveyTemplate.objects.filter(code=template.code, is_current=True).first()


def template_items(template: SurveyTemplate):
    return template.items.select_related("dimension").order_by("sort_order", "pk")


def dimensions_for_items(template: SurveyTemplate | None = None) -> QuerySet[Dimension]:
    """Dimensions offered for items: the active ones, and any an existing item of ``template`` still uses."""
    condition = Q(is_active=True)
    if template is not None:
        condition |= Q(items__template=template)
    return Dimension.objects.filter(condition).distinct().order_by("sort_order", "code")


def templates_for_campaigns() -> QuerySet[SurveyTemplate]:
    """What a new campaign may send, and what staff may record on the phone: current, active surveys."""
    return SurveyTemplate.objects.filter(is_current=True, is_active=True, kind=SurveyTemplate.Kind.SURVEY).order_by(
        "name_en", "code"
    )


# --- Campaigns ------------------------------------------------------------------------------------------------------


def campaign_visible_filter(user) -> Q:
    """Rule campaign.view written as a query: company-wide roles see every campaign, a branch manager their
    branch's (never a company-wide one), others none. It must say what the rule says, campaign by campaign."""
    access = access_of(user)
    if not can(user, "campaign.create"):  # the roles that work with campaigns at all
        return Q(pk__in=[])
    if access.company_wide:
        return Q()
    if access.branch_id is None:
        return Q(pk__in=[])
    return Q(branch_id=access.branch_id)


def campaign_list_for_user(*, user, search: str = "", status: str = "") -> QuerySet[Campaign]:
    invitations = Invitation.objects.all()
    qs = (
        Campaign.objects.filter(campaign_visible_filter(user))
        .select_related("template", "branch", "created_by")
        .annotate(
            invited=_count_of(invitations, "campaign"),
            answered=_count_of(invitations.filter(state=Invitation.State.ANSWERED), "campaign"),
            picked_count=_count_of(Campaign.picked_customers.through.objects.all(), "campaign"),
        )
    )
    search = search.strip()
    if search:
        qs = qs.filter(Q(name__icontains=search) | Q(template__name_en__icontains=search)
                       | Q(template__name_zh__icontains=search))  # fmt: skip
    if status in Campaign.Status.values:
        qs = qs.filter(status=status)
    return qs.order_by("-created_at", "-pk")


def campaign_get_for_user(*, user, pk: int) -> Campaign:
    """The gate for one campaign (rule campaign.view): unknown and forbidden both raise 404."""
    campaign = Campaign.objects.select_related("template", "branch", "created_by").filter(pk=pk).first()
    return visible_or_404(user, "campaign.view", campaign)


@dataclass(frozen=True)
class Funnel:
    invited: int
    emailed: int
    opened: int  # opened the link, or answered (a phone answer never opens it)
    answered: int

    @property
    def response_rate(self) -> float | None:
        return round(100 * self.answered / self.invited, 1) if self.invited else None


def campaign_funnel(campaign: Campaign) -> Funnel:
    answered = Q(state=Invitation.State.ANSWERED)
    counts = campaign.invitations.aggregate(
        invited=Count("pk"),
        emailed=Count("pk", filter=Q(emailed_at__isnull=False)),
        opened=Count("pk", filter=Q(opened_at__isnull=False) | answered),
        answered=Count("pk", filter=answered),
    )
    return Funnel(**counts)


def campaign_invitations(campaign: Campaign) -> QuerySet[Invitation]:
    return campaign.invitations.select_related("customer").order_by("customer__name", "pk")


def campaign_picked_customers(campaign: Campaign) -> QuerySet[Customer]:
    return campaign.picked_customers.order_by("code")


def campaign_to_invite(campaign: Campaign) -> QuerySet[Customer]:
    """Who sending now would invite: the audience, less those this campaign invited already."""
    return campaign_audience(campaign).exclude(pk__in=campaign.invitations.values("customer_id"))


def audience_preview_count(*, user, campaign: Campaign, picked: list[int] | None) -> int:
    """How many customers a campaign being filled in would reach now (a manager's is their branch's, as the
    service will pin it); ``picked`` are the hand-picked customers, not yet saved with it."""
    access = access_of(user)
    if not access.company_wide:
        campaign.branch_id = access.branch_id
    qs = campaign_audience(campaign)
    if picked is not None:
        qs = qs.filter(pk__in=picked)
    return qs.count()


def pending_campaigns_for_customer(customer: Customer) -> QuerySet[Campaign]:
    """Open campaigns in which the customer has not answered yet (their answers given on the phone count there)."""
    return (
        Campaign.objects.filter(invitations__customer=customer, invitations__state=Invitation.State.PENDING)
        .exclude(status=Campaign.Status.CLOSED)
        .select_related("template")
        .distinct()
        .order_by("-sent_at", "-pk")
    )


# --- Answers --------------------------------------------------------------------------------------------------------

RESPONSE_SORTS = {"-date": ("-answered_at", "-pk"), "date": ("answered_at", "pk")}


def response_list_for_user(
    *,
    user,
    date_from: date | None = None,
    date_to: date | None = None,
    branch_id: int | None = None,
    template_id: int | None = None,
    source: str = "",
    campaign_id: int | None = None,
    search: str = "",
    sort: str = "-date",
) -> QuerySet[Response]:
    qs = responses_for_user(user=user).select_related("customer", "branch", "template", "campaign", "recorded_by")
    if date_from:
        qs = qs.filter(answered_at__date__gte=date_from)
    if date_to:
        qs = qs.filter(answered_at__date__lte=date_to)
    if branch_id:
        qs = qs.filter(branch_id=branch_id)
    if template_id:
        qs = qs.filter(template_id=template_id)
    if source:
        qs = qs.filter(source=source)
    if campaign_id:
        qs = qs.filter(campaign_id=campaign_id)
    search = search.strip()
    if search:
        qs = qs.filter(Q(customer__name__icontains=search) | Q(customer__code__iexact=search))
    return qs.order_by(*RESPONSE_SORTS.get(sort, RESPONSE_SORTS["-date"]))


def response_get_for_user(*, user, pk: int) -> Response:
    """The gate for one response: response.view (a manager: their branch's answers only); else 404."""
    answers = Answer.objects.select_related("item__dimension").order_by("item__sort_order", "item__pk")
    response = (
        responses_for_user(user=user)
        .select_related("customer", "branch", "template", "campaign", "complaint", "recorded_by")
        .prefetch_related(Prefetch("answers", queryset=answers))
        .filter(pk=pk)
        .first()
    )
    return visible_or_404(user, "response.view", response)


def response_filter_templates() -> QuerySet[SurveyTemplate]:
    return SurveyTemplate.objects.order_by("-kind", "name_en", "code", "-version")
