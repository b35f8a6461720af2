"""Complaints over the API: the list page's scope and filters, intake, the detail with its timeline, and each
workflow action as a POST that calls exactly the service the page's view calls, under the same rule."""

from django.http import FileResponse
from django.utils.translation import gettext as _
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions, status
from rest_framework.generics import GenericAPIView
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response

from complaints import forms as complaint_forms
from complaints import services
from complaints.actions import allowed_actions
from complaints.filters import ComplaintFilter
from complaints.forms import STEP_FORMS, AssignForm, AttachmentForm, IntakeForm, RemedyFormSet
from complaints.models import Complaint, PlanStatus
from complaints.selectors import (
    annotate_due_flags,
    attachment_get_for_user,
    complaint_detail_for_user,
    complaint_get_for_user,
    complaint_list_for_user,
    intake_customers,
    plan_get_for_user,
    remedy_get_for_user,
)
from complaints.views import _complaint_of, _handlers_for, _revisit_message
from complaints.workflow import Step, WorkflowError, missing_for_step

from . import complaint_serializers as s
from .form_input import form_data, form_errors
from .pagination import NewestFirst
from .permissions import PolicyView, allowed_rule


class ApiComplaintFilter(ComplaintFilter):
    """The list page's filters, with the user the page gives them (handlers of the user's branch, "mine")."""

    def __init__(self, data=None, queryset=None, *, request=None, prefix=None):
        super().__init__(data, queryset, request=request, prefix=prefix, user=getattr(request, "user", None))


class ComplaintFilterBackend(DjangoFilterBackend):
    def get_filterset_class(self, view, queryset=None):
        return ApiComplaintFilter


def complaint_detail(user, pk: int, complaint=None):
    """The detail as the page builds it, with what the user may do now and what the step still needs (``complaint``:
    the one the gate already read with complaint_detail_for_user, not read again)."""
    complaint = complaint if complaint is not None else complaint_detail_for_user(user=user, pk=pk)
    complaint.actions = sorted(allowed_actions(user, complaint))
    complaint.missing = [str(m) for m in missing_for_step(complaint)] if complaint.is_open else []
    return complaint


def detail_response(request, pk: int, message: str, *, warning: str = "", code: int = status.HTTP_200_OK):
    body = {"message": message, "complaint": complaint_detail(request.user, pk)}
    if warning:
        body["warning"] = warning
    return Response(s.ActionResultSerializer(body).data, status=code)


def validated(serializer_class, request) -> dict:
    serializer = serializer_class(data=request.data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


@extend_schema(tags=["complaints"])
class ComplaintList(PolicyView, GenericAPIView):
    list_endpoint = True
    rules = {"GET": allowed_rule("complaint.list"), "POST": allowed_rule("complaint.create")}
    serializer_class = s.ComplaintSerializer
    pagination_class = NewestFirst
    filter_backends = [ComplaintFilterBackend]
    filterset_class = ApiComplaintFilter

    def get_queryset(self):
        # As the list page: the user's branch (all for company-wide roles), due flags; without a step or search
        # the page shows the open ones: the API lists them all unless asked (``step=open``).
        if getattr(self, "swagger_fake_view", False):  # the schema generator: no database needed
            return Complaint.objects.none()
        return annotate_due_flags(complaint_list_for_user(user=self.request.user))

    @extend_schema(
        summary=_("Complaints the user may see, newest first, with the list page's filters."),
        description=_("Every step unless step= is given (step=open: the open ones, as the page shows first)."),
    )
    def get(self, request):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    @extend_schema(
        summary=_("Register a complaint (an existing customer, or a new one by name and phone)."),
        request=s.IntakeInput,
        responses={201: s.ComplaintDetailSerializer},
    )
    def post(self, request):
        data = form_data(IntakeForm, validated(s.IntakeInput, request), customers=intake_customers())
        intake = services.Intake(
            customer=data["customer"],
            channel=data["channel"],
            occurred_at=data["occurred_at"],
            customer_words=data["customer_words"],
            category=data["category"],
            severity=data["severity"],
            priority=data["priority"],
            customer_request=data["customer_request"],
            location=data["location"],
            product=data["product"],
        )
        if intake.customer is None:
            new = services.NewCustomer(name=data["new_customer_name"], phone=data["new_customer_phone"])
            complaint = services.complaint_create_with_new_customer(actor=request.user, intake=intake, new_customer=new)
        else:
            complaint = services.complaint_create(actor=request.user, intake=intake)
        detail = complaint_detail(request.user, complaint.pk)
        return Response(s.ComplaintDetailSerializer(detail).data, status=status.HTTP_201_CREATED)


@extend_schema(tags=["complaints"])
class ComplaintDetail(PolicyView):
    rules = {"GET": allowed_rule("complaint.view", gate=complaint_detail_for_user)}

    @extend_schema(
        summary=_("One complaint with its plans, timeline, evidence and revisits."),
        responses=s.ComplaintDetailSerializer,
    )
    def get(self, request, pk: int):
        return Response(s.ComplaintDetailSerializer(complaint_detail(request.user, pk, self.subject)).data)


class ComplaintAction(PolicyView):
    """POST-only: one workflow action on a complaint (or a plan or remedy of it)."""

    perm = "complaint.work"
    gate = staticmethod(complaint_get_for_user)
    subject_of = None
    input_serializer = None

    def __init_subclass__(cls, **kwargs):
        cls.rules = {"POST": allowed_rule(cls.perm, gate=cls.gate, subject=cls.subject_of)}
        super().__init_subclass__(**kwargs)

        def post(self, request, pk: int):
            data = validated(self.input_serializer, request) if self.input_serializer else {}
            return self.act(request, self.subject, data)

        # A function of its own per action: extend_schema marks the function it decorates.
        cls.post = extend_schema(
            tags=["complaints"], summary=cls.__doc__, request=cls.input_serializer, responses=s.ActionResultSerializer
        )(post)

    def act(self, request, obj, data):  # pragma: no cover - each action defines it
        raise NotImplementedError


class StepSave(ComplaintAction):
    """Record the current step's details (Listen, Share, Problem); with advance, also move on."""

    input_serializer = s.StepInput

    def act(self, request, complaint, data):
        form_class = STEP_FORMS.get(Step(complaint.step))
        if form_class is None:
            raise WorkflowError(_("This step has no details to record: use its own action."))
        values = {k: v for k, v in data.items() if k != "advance"}
        cleaned = form_data(form_class, values, instance=complaint)
        saved = services.complaint_record_step(
            actor=request.user,
            complaint_id=complaint.pk,
            expected_version=cleaned["version"],
            data={k: v for k, v in cleaned.items() if k != "version"},
        )
        if not data["advance"]:
            return detail_response(request, complaint.pk, _("Saved."))
        try:  # what was typed is kept even when the step cannot move on yet, as on the page
            moved = services.complaint_advance(
                actor=request.user, complaint_id=complaint.pk, expected_version=saved.version
            )
        except WorkflowError as exc:
            warning = _("Saved, but the complaint cannot move on yet. %(reason)s") % {"reason": exc}
            return detail_response(request, complaint.pk, _("Saved."), warning=warning)
        message = _("Saved and moved to the next step: %(step)s.") % {"step": moved.get_step_display()}
        return detail_response(request, complaint.pk, message)


class Advance(ComplaintAction):
    """Move the complaint on to its next step (or close it after a satisfied revisit)."""

    input_serializer = s.VersionInput

    def act(self, request, complaint, data):
        moved = services.complaint_advance(
            actor=request.user, complaint_id=complaint.pk, expected_version=data["version"]
        )
        if moved.step == Step.CLOSED:
            return detail_response(request, complaint.pk, _("Complaint closed."))
        return detail_response(
            request, complaint.pk, _("Moved to the next step: %(step)s.") % {"step": moved.get_step_display()}
        )


class Confirm(ComplaintAction):
    """Record the customer's or the company's confirmation of the problem (step Check)."""

    input_serializer = s.ConfirmInput

    def act(self, request, complaint, data):
        d = form_data(complaint_forms.ConfirmForm, data)
        services.complaint_confirm(
            actor=request.user,
            complaint_id=complaint.pk,
            expected_version=d["version"],
            by_customer=d["by"] == "customer",
            notes=d["notes"],
        )
        return detail_response(request, complaint.pk, _("Confirmation recorded."))


class PlanSubmit(ComplaintAction):
    """Propose a resolution plan with its remedies, for approval (step Action)."""

    input_serializer = s.PlanInput

    def act(self, request, complaint, data):
        remedies = data.pop("remedies", [])
        d = form_data(complaint_forms.PlanForm, data)
        formset_data = {
            "remedy-TOTAL_FORMS": str(len(remedies)),
            "remedy-INITIAL_FORMS": "0",
            "remedy-MIN_NUM_FORMS": "0",
            "remedy-MAX_NUM_FORMS": "1000",
        }
        for index, remedy in enumerate(remedies):
            for key, value in remedy.items():
                formset_data[f"remedy-{index}-{key}"] = "" if value is None else value
        formset = RemedyFormSet(formset_data, prefix="remedy")
        if not formset.is_valid():
            errors = {
                f"remedies.{i}.{k}": v for i, form in enumerate(formset.forms) for k, v in form_errors(form).items()
            }
            errors.update(
                {"remedies": [str(e) for e in formset.non_form_errors()]} if formset.non_form_errors() else {}
            )
            raise exceptions.ValidationError(errors)
        remedy_inputs = [
            services.RemedyInput(kind=f["kind"], amount=f.get("amount") or 0, description=f.get("description", ""))
            for f in formset.cleaned_data
            if f.get("kind")
        ]
        services.plan_submit(
            actor=request.user,
            complaint_id=complaint.pk,
            expected_version=d["version"],
            summary=d["summary"],
            deadline=d["deadline"],
            remedies=remedy_inputs,
        )
        return detail_response(request, complaint.pk, _("Plan submitted for approval."))


class PlanDecide(ComplaintAction):
    """Approve or reject a resolution plan (the branch's manager; the general manager for the second approval)."""

    perm = "plan.decide"
    gate = staticmethod(plan_get_for_user)
    input_serializer = s.DecisionInput

    def act(self, request, plan, data):
        d = form_data(complaint_forms.DecisionForm, data)
        decision = services.plan_decide(
            actor=request.user, plan_id=plan.pk, approve=d["decision"] == "approve", comment=d["comment"]
        )
        if not decision.approved:
            message = _("Plan rejected: it goes back to the handler.")
        elif decision.plan.status == PlanStatus.PENDING_GM:
            message = _("Approved at manager level; the plan now waits for the general manager.")
        else:
            message = _("Plan approved: record the customer's answer next.")
        return detail_response(request, plan.complaint_id, message)


class PlanResponse(ComplaintAction):
    """Record the customer's answer to the approved plan."""

    gate = staticmethod(plan_get_for_user)
    subject_of = staticmethod(_complaint_of)
    input_serializer = s.PlanResponseInput

    def act(self, request, plan, data):
        d = form_data(complaint_forms.ResponseForm, data)
        services.plan_record_response(actor=request.user, plan_id=plan.pk, outcome=d["outcome"], notes=d["notes"])
        return detail_response(request, plan.complaint_id, _("The customer's response is recorded."))


class RemedyDone(ComplaintAction):
    """Mark a remedy of the agreed plan as done."""

    gate = staticmethod(remedy_get_for_user)
    subject_of = staticmethod(_complaint_of)

    def act(self, request, remedy, data):
        services.remedy_complete(actor=request.user, remedy_id=remedy.pk)
        return detail_response(request, remedy.plan.complaint_id, _("Remedy marked done."))


class RevisitRecord(ComplaintAction):
    """Record the revisit with the customer (step Satisfy); not satisfied reopens the case."""

    input_serializer = s.RevisitInput

    def act(self, request, complaint, data):
        d = form_data(complaint_forms.RevisitForm, data)
        revisit = services.revisit_record(
            actor=request.user,
            complaint_id=complaint.pk,
            expected_version=d["version"],
            outcome=d["outcome"],
            score=d["score"],
            signed_off=d["signed_off"],
            prevention_measure=d["prevention_measure"],
            notes=d["notes"],
            reopen_to=d["reopen_to"],
        )
        return detail_response(request, complaint.pk, _revisit_message(revisit))


class Assign(ComplaintAction):
    """Choose the handler and the responsible department."""

    perm = "complaint.assign"
    input_serializer = s.AssignInput

    def act(self, request, complaint, data):
        d = form_data(AssignForm, data, handlers=_handlers_for(complaint))
        services.complaint_assign(
            actor=request.user,
            complaint_id=complaint.pk,
            expected_version=d["version"],
            handler=d["handler"],
            department=d["department"],
        )
        return detail_response(request, complaint.pk, _("Assignment saved."))


class NoteAdd(ComplaintAction):
    """Add a note to the timeline (told to the customer or not)."""

    perm = "complaint.note"
    input_serializer = s.NoteInput

    def act(self, request, complaint, data):
        d = form_data(complaint_forms.NoteForm, data)
        services.complaint_add_note(
            actor=request.user,
            complaint_id=complaint.pk,
            text=d["text"],
            customer_facing=d["customer_facing"],
            send_by_email=d["send_by_email"],
        )
        return detail_response(request, complaint.pk, _("Note added."), code=status.HTTP_201_CREATED)


class Extend(ComplaintAction):
    """Extend the resolution deadline, with a reason."""

    perm = "complaint.extend"
    input_serializer = s.ExtendInput

    def act(self, request, complaint, data):
        d = form_data(complaint_forms.ExtensionForm, data)
        services.complaint_extend_deadline(
            actor=request.user,
            complaint_id=complaint.pk,
            expected_version=d["version"],
            new_due_at=d["new_due_at"],
            reason=d["reason"],
        )
        return detail_response(request, complaint.pk, _("Deadline extended."))


class ForceClose(ComplaintAction):
    """Close without the customer's satisfaction, with a written reason."""

    perm = "complaint.force_close"
    input_serializer = s.CloseInput

    def act(self, request, complaint, data):
        d = form_data(complaint_forms.CloseForm, data)
        services.complaint_close_without_satisfaction(
            actor=request.user, complaint_id=complaint.pk, expected_version=d["version"], reason=d["reason"]
        )
        return detail_response(request, complaint.pk, _("Complaint closed without satisfaction."))


class Reopen(ComplaintAction):
    """Reopen a closed complaint at Action or Problem."""

    perm = "complaint.reopen"
    input_serializer = s.ReopenInput

    def act(self, request, complaint, data):
        d = form_data(complaint_forms.ReopenForm, data)
        services.complaint_reopen(
            actor=request.user,
            complaint_id=complaint.pk,
            expected_version=d["version"],
            to_step=d["to_step"],
            reason=d["reason"],
        )
        return detail_response(request, complaint.pk, _("Complaint reopened."))


class Archive(ComplaintAction):
    """Archive a closed complaint."""

    perm = "complaint.archive"
    input_serializer = s.VersionInput

    def act(self, request, complaint, data):
        services.complaint_archive(actor=request.user, complaint_id=complaint.pk, expected_version=data["version"])
        return detail_response(request, complaint.pk, _("Complaint archived."))


@extend_schema(tags=["complaints"])
class AttachmentAdd(PolicyView):
    """Attach an evidence file, as the page's form does (multipart/form-data, field ``file``)."""

    rules = {"POST": allowed_rule("complaint.work", gate=complaint_get_for_user)}
    parser_classes = [MultiPartParser]

    @extend_schema(
        summary=_("Attach an evidence file (photo, PDF, Word, Excel, audio or video; at most 10 MB)."),
        request={"multipart/form-data": s.AttachmentInput},
        responses={201: s.AttachmentResultSerializer},
    )
    def post(self, request, pk: int):
        form = AttachmentForm(request.POST, request.FILES)
        if not form.is_valid():
            raise exceptions.ValidationError(form_errors(form))
        try:
            attachment = services.attachment_add(
                actor=request.user, complaint_id=self.subject.pk, uploaded=form.cleaned_data["file"]
            )
        except WorkflowError as exc:
            # The service's only refusals are the file's own (upload_check: its size, its content's type).
            raise exceptions.ValidationError({"file": [str(exc)]}) from exc
        detail = complaint_detail(request.user, pk)
        body = {"message": _("File attached."), "complaint": detail, "attachment": attachment}
        return Response(s.AttachmentResultSerializer(body).data, status=status.HTTP_201_CREATED)


@extend_schema(tags=["complaints"])
class AttachmentFile(PolicyView):
    """An evidence file's content, under its complaint's rule (as the page's download)."""

    rules = {"GET": allowed_rule("complaint.view", gate=attachment_get_for_user, subject=_complaint_of)}

    def perform_content_negotiation(self, request, force=False):
        # The file answers whatever the client accepts; an error is JSON even when the client asked for an image.
        return super().perform_content_negotiation(request, force=True)

    @extend_schema(
        summary=_("Download an evidence file."),
        responses={
            (200, "application/octet-stream"): OpenApiResponse(
                OpenApiTypes.BINARY, description=_("The file, with its type and name as it was attached.")
            )
        },
    )
    def get(self, request, pk: int):
        attachment = self.subject
        response = FileResponse(
            attachment.file.open("rb"),
            as_attachment=True,
            filename=attachment.original_name,
            content_type=attachment.content_type,
        )
        response["X-Content-Type-Options"] = "nosniff"
        return response
