"""Surveys over the API: questionnaires (read), campaigns (created with the page's form, read, sent, closed),
and the customer's answer through the personal link's token: public, throttled per address like the answer
page, written by satisfaction.services."""

from django.db import transaction
from django.utils.translation import gettext, gettext_lazy, ngettext
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions, serializers, status
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response

from satisfaction import services, staff_selectors
from satisfaction.answer_forms import COMMENT_MAX_LENGTH, AnswerForm
from satisfaction.answer_views import TOKEN_SHAPE
from satisfaction.forms import CampaignForm
from satisfaction.models import Campaign, Repurchase, SurveyItem, SurveyTemplate, bilingual
from satisfaction.services import LinkProblem, invitation_for_token, invitation_opened, response_submit
from satisfaction.views import _company_branches

from .authentication import SessionAuthentication
from .complaint_serializers import PersonSerializer, RefSerializer
from .complaint_views import validated
from .form_input import form_errors, serializer_for_form
from .pagination import NewestFirst
from .permissions import PUBLIC, PolicyView, allowed_rule
from .schema import ErrorSerializer
from .throttling import SurveyAnswerPostThrottle, SurveyAnswerThrottle


class ItemSerializer(serializers.ModelSerializer):
    text = serializers.SerializerMethodField()

    class Meta:
        model = SurveyItem
        fields = ["id", "text", "text_en", "text_zh", "weight", "sort_order"]

    def get_text(self, item) -> str:
        return bilingual(item, "text")


class TemplateSerializer(serializers.ModelSerializer):
    name = serializers.SerializerMethodField()

    class Meta:
        model = SurveyTemplate
        fields = [
            "id",
            "code",
            "version",
            "is_current",
            "is_active",
            "kind",
            "name",
            "name_en",
            "name_zh",
            "ask_importance",
            "ask_repurchase",
            "ask_recommend",
            "ask_comment",
            "created_at",
        ]

    def get_name(self, template) -> str:
        return bilingual(template, "name")


class TemplateDetailSerializer(TemplateSerializer):
    items = ItemSerializer(many=True, source="items.all")
    intro = serializers.SerializerMethodField()

    class Meta(TemplateSerializer.Meta):
        fields = [*TemplateSerializer.Meta.fields, "intro", "items"]

    def get_intro(self, template) -> str:
        return bilingual(template, "intro")


class CampaignSerializer(serializers.ModelSerializer):
    template = RefSerializer()
    branch = RefSerializer(allow_null=True)
    created_by = PersonSerializer(allow_null=True)

    class Meta:
        model = Campaign
        fields = [
            "id",
            "name",
            "status",
            "template",
            "branch",
            "tier",
            "quadrant",
            "complaint_closed_from",
            "complaint_closed_to",
            "skip_recent_days",
            "link_valid_days",
            "created_by",
            "created_at",
        ]


class CampaignListSerializer(CampaignSerializer):
    invited = serializers.IntegerField()
    answered = serializers.IntegerField()

    class Meta(CampaignSerializer.Meta):
        fields = [*CampaignSerializer.Meta.fields, "invited", "answered"]


@extend_schema(tags=["surveys"])
class TemplateList(PolicyView, GenericAPIView):
    list_endpoint = True
    rules = {"GET": allowed_rule("survey.design")}
    serializer_class = TemplateSerializer
    pagination_class = NewestFirst

    def get_queryset(self):
        return SurveyTemplate.objects.all()

    @extend_schema(summary=gettext_lazy("Every questionnaire version, newest first."))
    def get(self, request):
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(self.get_serializer(page, many=True).data)


@extend_schema(tags=["surveys"])
class TemplateDetail(PolicyView):
    rules = {"GET": allowed_rule("survey.design", gate=staff_selectors.template_get_for_user)}

    @extend_schema(summary=gettext_lazy("One questionnaire with its items."), responses=TemplateDetailSerializer)
    def get(self, request, pk: int):
        return Response(TemplateDetailSerializer(self.subject).data)


class CampaignActionResultSerializer(serializers.Serializer):
    message = serializers.CharField()
    invited = serializers.IntegerField(required=False, help_text=gettext_lazy("Customers invited by this send."))
    campaign = CampaignSerializer()


# The page's form fills these in with the model's defaults; the API takes them as optional, with the same defaults.
CAMPAIGN_DEFAULTED = ("skip_recent_days", "link_valid_days")
CampaignInput = serializer_for_form(CampaignForm, "CampaignCreateInput", optional=CAMPAIGN_DEFAULTED)


@extend_schema(tags=["surveys"])
class CampaignList(PolicyView, GenericAPIView):
    list_endpoint = True
    rules = {"GET": allowed_rule("campaign.create"), "POST": allowed_rule("campaign.create")}
    serializer_class = CampaignListSerializer
    pagination_class = NewestFirst

    def get_queryset(self):
        return staff_selectors.campaign_list_for_user(user=self.request.user).order_by()

    @extend_schema(summary=gettext_lazy("The campaigns the user may see, with invited and answered counts."))
    def get(self, request):
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    @extend_schema(
        summary=gettext_lazy("Create a draft campaign (as the new campaign page: a branch's manager, their branch)."),
        description=gettext_lazy(
            "picked_codes: customer codes separated by spaces or commas, only customers the user may see; "
            "empty: everyone in the segment. A branch is chosen by company-wide roles only."
        ),
        request=CampaignInput,
        responses={201: CampaignActionResultSerializer},
    )
    def post(self, request):
        user = request.user
        data = validated(CampaignInput, request)
        for name in CAMPAIGN_DEFAULTED:
            if data.get(name) is None:
                data[name] = Campaign._meta.get_field(name).default
        form = CampaignForm(
            data={k: v for k, v in data.items() if v is not None},
            user=user,
            templates=staff_selectors.templates_for_campaigns(),
            branches=_company_branches(user),
        )
        # A branch's manager has no branch field on the page (the service pins their own): one given is refused,
        # not quietly replaced.
        if "branch" not in form.fields and data.get("branch") is not None:
            raise exceptions.ValidationError(
                {"branch": [gettext("Your campaigns are for your own branch: leave the branch out.")]}
            )
        if not form.is_valid():
            raise exceptions.ValidationError(form_errors(form))
        campaign = services.campaign_create(actor=user, campaign=form.instance, picked=form.picked_ids)
        message = gettext("Campaign “%(name)s” saved as a draft: check it, then send it.") % {"name": campaign.name}
        campaign = staff_selectors.campaign_get_for_user(user=user, pk=campaign.pk)
        body = {"message": message, "campaign": campaign}
        return Response(CampaignActionResultSerializer(body).data, status=status.HTTP_201_CREATED)


@extend_schema(tags=["surveys"])
class CampaignDetail(PolicyView):
    rules = {"GET": allowed_rule("campaign.view", gate=staff_selectors.campaign_get_for_user)}

    @extend_schema(summary=gettext_lazy("One campaign."), responses=CampaignSerializer)
    def get(self, request, pk: int):
        return Response(CampaignSerializer(self.subject).data)


@extend_schema(tags=["surveys"])
class CampaignSend(PolicyView):
    rules = {"POST": allowed_rule("campaign.send", gate=staff_selectors.campaign_get_for_user)}

    @extend_schema(
        summary=gettext_lazy("Invite the campaign's audience (those not invited yet); links are e-mailed."),
        request=None,
        responses=CampaignActionResultSerializer,
    )
    def post(self, request, pk: int):
        created = services.campaign_send(actor=request.user, campaign_id=self.subject.pk)
        if created:
            message = ngettext(
                "%(count)s customer invited. The link is e-mailed to those with an e-mail address; "
                "download the links to reach the others.",
                "%(count)s customers invited. Their links are e-mailed to those with an e-mail address; "
                "download the links to reach the others.",
                created,
            ) % {"count": created}
        else:
            message = gettext("Nobody new to invite: everyone in the segment was invited already or surveyed recently.")
        campaign = staff_selectors.campaign_get_for_user(user=request.user, pk=pk)
        return Response(
            CampaignActionResultSerializer({"message": message, "invited": created, "campaign": campaign}).data
        )


@extend_schema(tags=["surveys"])
class CampaignClose(PolicyView):
    rules = {"POST": allowed_rule("campaign.send", gate=staff_selectors.campaign_get_for_user)}

    @extend_schema(
        summary=gettext_lazy("Close the campaign: its links no longer take answers."),
        request=None,
        responses=CampaignActionResultSerializer,
    )
    def post(self, request, pk: int):
        campaign = services.campaign_close(actor=request.user, campaign_id=self.subject.pk)
        message = gettext("Campaign closed: its links no longer take answers.")
        return Response(CampaignActionResultSerializer({"message": message, "campaign": campaign}).data)


class QuestionnaireSerializer(serializers.Serializer):
    template = TemplateDetailSerializer()
    campaign = serializers.CharField(help_text=gettext_lazy("The campaign's name."))
    expires_at = serializers.DateTimeField()


class AnswerInput(serializers.Serializer):
    scores = serializers.DictField(
        child=serializers.IntegerField(min_value=1, max_value=5),
        required=False,
        help_text=gettext_lazy("Item id → score 1 (very dissatisfied) to 5 (very satisfied); any may be left out."),
    )
    importances = serializers.DictField(
        child=serializers.IntegerField(min_value=1, max_value=10),
        required=False,
        help_text=gettext_lazy("Item id → importance 1–10, when the questionnaire asks for it."),
    )
    overall = serializers.IntegerField(min_value=1, max_value=5, required=False, allow_null=True)
    repurchase = serializers.ChoiceField(choices=Repurchase.choices, required=False, allow_blank=True)
    recommend = serializers.IntegerField(min_value=0, max_value=10, required=False, allow_null=True)
    comment = serializers.CharField(max_length=COMMENT_MAX_LENGTH, required=False, allow_blank=True)


LINK_GONE = OpenApiResponse(
    response=ErrorSerializer, description=gettext_lazy("The link was used, has expired, or its survey is closed.")
)


class AnswerResultSerializer(serializers.Serializer):
    message = serializers.CharField()


def _invitation(token: str):
    if not TOKEN_SHAPE.fullmatch(token):
        raise LinkProblem("unknown")
    return invitation_for_token(token)


@extend_schema(tags=["surveys"])
class SurveyAnswer(PolicyView):
    """Anyone with the personal link's token, signed in or not (as the public answer page)."""

    rules = {"GET": PUBLIC, "POST": PUBLIC}
    # No token needed; a browser's session is still checked for its CSRF token (a forged post from another site).
    authentication_classes = [SessionAuthentication]
    permission_classes: list = []
    throttle_classes = [SurveyAnswerThrottle]

    def get_throttles(self):
        return [SurveyAnswerPostThrottle() if self.request.method == "POST" else SurveyAnswerThrottle()]

    schema_public = True

    @extend_schema(
        summary=gettext_lazy("The questionnaire this link opens."),
        responses={200: QuestionnaireSerializer, 410: LINK_GONE},
        auth=[],
    )
    def get(self, request, token: str):
        invitation = _invitation(token)
        invitation_opened(invitation)
        body = {
            "template": invitation.campaign.template,
            "campaign": invitation.campaign.name,
            "expires_at": invitation.expires_at,
        }
        return Response(QuestionnaireSerializer(body).data)

    @extend_schema(
        summary=gettext_lazy("Send the customer's answers (once per link)."),
        request=AnswerInput,
        responses={201: AnswerResultSerializer, 410: LINK_GONE},
        auth=[],
    )
    def post(self, request, token: str):
        invitation = _invitation(token)
        data = validated(AnswerInput, request)
        form_values = {f"score_{k}": v for k, v in data.get("scores", {}).items()}
        form_values |= {f"importance_{k}": v for k, v in data.get("importances", {}).items()}
        for name in ("overall", "repurchase", "recommend", "comment"):
            if data.get(name) not in (None, ""):
                form_values[name] = data[name]
        form = AnswerForm(form_values, template=invitation.campaign.template)
        if not form.is_valid():
            raise exceptions.ValidationError(form_errors(form))
        with transaction.atomic():
            response_submit(token=token, data=form.answer_data())
        return Response({"message": str(gettext_lazy("Thank you for your answers."))}, status=status.HTTP_201_CREATED)
