"""Complaints as the API shows them (read), and the bodies of their actions (checked by complaints/forms.py)."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from complaints import forms as complaint_forms
from complaints.models import Complaint, PlanStatus, TimelineEvent

from .form_input import serializer_for_form


class PersonSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.SerializerMethodField()

    @extend_schema_field(OpenApiTypes.STR)
    def get_name(self, user) -> str:
        return user.get_full_name() or user.username


class RefSerializer(serializers.Serializer):
    """A branch, a category or a department: its id and name."""

    id = serializers.IntegerField()
    name = serializers.CharField(source="__str__")


class CustomerRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField()
    name = serializers.CharField()


class ComplaintSerializer(serializers.ModelSerializer):
    customer = CustomerRefSerializer()
    branch = RefSerializer()
    category = RefSerializer()
    handler = PersonSerializer(allow_null=True)
    first_responder = PersonSerializer(allow_null=True)
    overdue = serializers.SerializerMethodField()

    class Meta:
        model = Complaint
        fields = [
            "id",
            "number",
            "step",
            "severity",
            "priority",
            "channel",
            "customer",
            "branch",
            "category",
            "handler",
            "first_responder",
            "product",
            "occurred_at",
            "created_at",
            "response_due_at",
            "resolution_due_at",
            "escalation_level",
            "closed_at",
            "is_archived",
            "overdue",
            "version",
        ]

    @extend_schema_field(OpenApiTypes.BOOL)
    def get_overdue(self, complaint) -> bool:
        flag = getattr(complaint, "overdue", None)  # annotated on lists (annotate_due_flags)
        return bool(flag) if flag is not None else complaint.is_overdue


class RemedySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    description = serializers.CharField()
    amount = serializers.DecimalField(max_digits=12, decimal_places=2, coerce_to_string=False)
    done_at = serializers.DateTimeField(allow_null=True)


class DecisionSerializer(serializers.Serializer):
    level = serializers.CharField()
    approved = serializers.BooleanField()
    comment = serializers.CharField()
    decided_by = PersonSerializer()
    decided_at = serializers.DateTimeField()


class ResponseSerializer(serializers.Serializer):
    outcome = serializers.CharField()
    notes = serializers.CharField()
    recorded_by = PersonSerializer()
    recorded_at = serializers.DateTimeField()


class PlanSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    summary = serializers.CharField()
    deadline = serializers.DateField()
    status = serializers.ChoiceField(choices=PlanStatus.choices)
    needs_gm = serializers.BooleanField()
    total_amount = serializers.DecimalField(max_digits=12, decimal_places=2, coerce_to_string=False)
    submitted_by = PersonSerializer()
    submitted_at = serializers.DateTimeField()
    remedies = RemedySerializer(many=True, source="remedies.all")
    decisions = DecisionSerializer(many=True, source="decisions.all")
    responses = ResponseSerializer(many=True, source="responses.all")


class TimelineEventSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=TimelineEvent.Kind.choices)
    label = serializers.CharField(source="get_kind_display")
    actor = PersonSerializer(allow_null=True)
    from_step = serializers.CharField()
    to_step = serializers.CharField()
    note = serializers.CharField()
    data = serializers.JSONField()
    created_at = serializers.DateTimeField()


class AttachmentSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    original_name = serializers.CharField()
    content_type = serializers.CharField(help_text=_("Read from the file's content when it was attached."))
    size = serializers.IntegerField(help_text=_("In bytes."))
    uploaded_at = serializers.DateTimeField()
    download_url = serializers.SerializerMethodField(help_text=_("The file itself (same access as the complaint)."))

    @extend_schema_field(OpenApiTypes.STR)
    def get_download_url(self, attachment) -> str:
        return reverse("api:attachment_file", args=[attachment.pk])


class RevisitSerializer(serializers.Serializer):
    outcome = serializers.CharField()
    score = serializers.IntegerField()
    signed_off = serializers.BooleanField()
    prevention_measure = serializers.CharField()
    notes = serializers.CharField()
    recorded_by = PersonSerializer()
    recorded_at = serializers.DateTimeField()


class ComplaintDetailSerializer(ComplaintSerializer):
    department = RefSerializer(allow_null=True)
    plans = PlanSerializer(many=True, source="plans.all")
    timeline = TimelineEventSerializer(many=True, source="timeline.all")
    attachments = AttachmentSerializer(many=True, source="attachments.all")
    revisits = RevisitSerializer(many=True, source="revisits.all")
    actions = serializers.ListField(
        child=serializers.CharField(), help_text=_("What this user may do to the complaint now.")
    )
    missing = serializers.ListField(
        child=serializers.CharField(), help_text=_("What the current step still needs before it can move on.")
    )

    class Meta(ComplaintSerializer.Meta):
        fields = [
            *ComplaintSerializer.Meta.fields,
            "location",
            "customer_words",
            "customer_request",
            "key_points",
            "emotional_state",
            "empathy_given",
            "root_cause_group",
            "root_cause",
            "department",
            "customer_confirmed_at",
            "company_confirmed_at",
            "closed_without_satisfaction",
            "close_reason",
            "plans",
            "timeline",
            "attachments",
            "revisits",
            "actions",
            "missing",
        ]


class ActionResultSerializer(serializers.Serializer):
    message = serializers.CharField(help_text=_("What happened, as the page would say it."))
    warning = serializers.CharField(required=False, help_text=_("Saved, but something still stands in the way."))
    complaint = ComplaintDetailSerializer()


class AttachmentResultSerializer(ActionResultSerializer):
    attachment = AttachmentSerializer(help_text=_("The file just attached."))


# --- Action bodies: the pages' forms --------------------------------------------------------------------------

IntakeInput = serializer_for_form(complaint_forms.IntakeForm, "ComplaintCreateInput")
StepInput = serializer_for_form(
    None,
    "ComplaintStepInput",
    fields_of=complaint_forms.STEP_FORMS.values(),
    optional={name for form in complaint_forms.STEP_FORMS.values() for name in form.base_fields} - {"version"},
    extra={
        "advance": serializers.BooleanField(
            required=False, default=False, help_text=_("Also move on to the next step once saved.")
        )
    },
)
VersionInput = serializer_for_form(complaint_forms.VersionForm, "ComplaintVersionInput")
ConfirmInput = serializer_for_form(complaint_forms.ConfirmForm, "ComplaintConfirmInput")
RemedyInput = serializer_for_form(complaint_forms.RemedyForm, "RemedyInput")
PlanInput = serializer_for_form(
    complaint_forms.PlanForm,
    "PlanSubmitInput",
    extra={"remedies": RemedyInput(many=True, required=False, max_length=10)},
)
DecisionInput = serializer_for_form(complaint_forms.DecisionForm, "PlanDecisionInput")
PlanResponseInput = serializer_for_form(complaint_forms.ResponseForm, "PlanResponseInput")
RevisitInput = serializer_for_form(complaint_forms.RevisitForm, "RevisitInput")
AssignInput = serializer_for_form(complaint_forms.AssignForm, "ComplaintAssignInput")
NoteInput = serializer_for_form(complaint_forms.NoteForm, "ComplaintNoteInput")
ExtendInput = serializer_for_form(complaint_forms.ExtensionForm, "ComplaintExtendInput")
CloseInput = serializer_for_form(complaint_forms.CloseForm, "ComplaintForceCloseInput")
ReopenInput = serializer_for_form(complaint_forms.ReopenForm, "ComplaintReopenInput")


class AttachmentInput(serializers.Serializer):
    """The page's AttachmentForm, as multipart/form-data (the only body of the API that is not JSON)."""

    file = serializers.FileField(
        help_text=_("Photos, PDF, Word, Excel, audio or video, at most 10 MB; the type is read from the content.")
    )
