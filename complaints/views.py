"""HTTP for complaints: form → access gate → one service → redirect (or the page again with errors)."""

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Case, IntegerField, Value, When
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from crm_site.org.access import access_of, role_required
from crm_site.org.roles import Role
from customers.services import CustomerError, customer_create

from . import services
from .filters import SORTS, ComplaintFilter
from .forms import (
    STEP_FORMS,
    AssignForm,
    AttachmentForm,
    CloseForm,
    ConfirmForm,
    DecisionForm,
    ExtensionForm,
    IntakeForm,
    NoteForm,
    PlanForm,
    RemedyFormSet,
    ReopenForm,
    ResponseForm,
    RevisitForm,
    VersionForm,
)
from .models import Attachment, CannedPhrase, PlanStatus, Remedy, ResolutionPlan, Severity
from .permissions import Action, allowed_actions
from .selectors import (
    annotate_due_flags,
    annotate_repeat_flag,
    approval_queue_for_user,
    complaint_detail_for_user,
    complaint_get_for_user,
    complaint_list_for_user,
    intake_customer_search,
    intake_customers,
)
from .workflow import SIX_STEPS, StaleForm, Step, WorkflowError, missing_for_step

PAGE_SIZE = 25


def complaint_list(request):
    qs = annotate_due_flags(annotate_repeat_flag(complaint_list_for_user(user=request.user))).annotate(
        severity_rank=Case(
            When(severity=Severity.MAJOR, then=Value(3)),
            When(severity=Severity.IMPORTANT, then=Value(2)),
            default=Value(1),
            output_field=IntegerField(),
        )
    )
    params = request.GET.copy()
    if "step" not in params and not params.get("q"):
        params["step"] = "open"  # The default view is the work queue.
    filterset = ComplaintFilter(params, queryset=qs, user=request.user)
    sort = request.GET.get("sort", "-created_at")
    if sort not in dict(SORTS):
        sort = "-created_at"
    page = Paginator(filterset.qs.order_by(sort, "-pk"), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "complaints/complaint_list.html",
        {
            "filter": filterset,
            "page": page,
            "sort": sort,
            "sorts": SORTS,
            "show_branch": access_of(request.user).company_wide,
        },
    )


@role_required(Role.FRONTLINE, Role.MANAGER)
def complaint_create(request):
    customers = intake_customers()
    form = IntakeForm(request.POST or None, request.FILES or None, customers=customers)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            with transaction.atomic():
                customer = data["customer"]
                if customer is None:
                    customer = customer_create(
                        actor=request.user,
                        name=data["new_customer_name"],
                        phone=data["new_customer_phone"],
                        branch_id=access_of(request.user).branch_id,
                    )
                complaint = services.complaint_create(
                    actor=request.user,
                    intake=services.Intake(
                        customer=customer,
                        channel=data["channel"],
                        occurred_at=data["occurred_at"],
                        customer_words=data["customer_words"],
                        category=data["category"],
                        severity=data["severity"],
                        priority=data["priority"],
                        customer_request=data["customer_request"],
                        location=data["location"],
                        product=data["product"],
                    ),
                    files=data["evidence"],
                )
        except (WorkflowError, CustomerError) as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Complaint %(number)s registered.") % {"number": complaint.number})
            if complaint.repeat_of_id:
                messages.warning(
                    request,
                    _("This customer complained recently: linked as a repeat of %(number)s.")
                    % {"number": complaint.repeat_of.number},
                )
            return redirect("complaints:detail", pk=complaint.pk)
    selected = form["customer"].value()
    chosen = customers.filter(pk=selected).first() if selected and str(selected).isdigit() else None
    return render(request, "complaints/complaint_form.html", {"form": form, "chosen_customer": chosen})


@require_GET
@role_required(Role.FRONTLINE, Role.MANAGER)
def customer_search(request):
    """htmx: customers matching name, code or phone, for the intake form (phones masked as everywhere)."""
    q = request.GET.get("q", "").strip()[:100]
    return render(request, "complaints/_customer_results.html", {"results": intake_customer_search(q=q), "q": q})


def _detail_context(request, complaint, **forms) -> dict:
    actions = allowed_actions(request.user, complaint)
    step = Step(complaint.step)
    v = {"version": complaint.version}
    context = {
        "complaint": complaint,
        "actions": actions,
        "Action": Action,
        "steps": SIX_STEPS,
        "step_index": SIX_STEPS.index(step) if step in SIX_STEPS else len(SIX_STEPS),
        "missing": missing_for_step(complaint) if complaint.is_open else [],
        "plan": complaint.current_plan,
        "plans": list(complaint.plans.all()),
        "timeline": list(complaint.timeline.all()),
        "phrases": CannedPhrase.objects.filter(is_active=True)
        if Action.WORK in actions or Action.NOTE in actions
        else [],
        "note_form": forms.get("note_form") or NoteForm(),
        "attachment_form": forms.get("attachment_form") or AttachmentForm(),
    }
    if Action.WORK in actions:
        if step in STEP_FORMS:
            context["step_form"] = forms.get("step_form") or STEP_FORMS[step](instance=complaint, initial=v)
        if step == Step.CHECK:
            context["confirm_form"] = forms.get("confirm_form") or ConfirmForm(initial=v)
        if step == Step.ACTION:
            context["plan_form"] = forms.get("plan_form") or PlanForm(initial=v)
            plan = complaint.current_plan
            context["can_propose_plan"] = plan is None or plan.status in (
                PlanStatus.REJECTED,
                PlanStatus.REFUSED,
                PlanStatus.APPROVED,
            )
            context["remedy_formset"] = forms.get("remedy_formset") or RemedyFormSet(prefix="remedy")
            context["response_form"] = forms.get("response_form") or ResponseForm()
        if step == Step.SATISFY:
            context["revisit_form"] = forms.get("revisit_form") or RevisitForm(initial=v)
    if Action.DECIDE_MANAGER in actions or Action.DECIDE_GM in actions:
        context["decision_form"] = forms.get("decision_form") or DecisionForm()
    if Action.ASSIGN in actions:
        context["assign_form"] = forms.get("assign_form") or AssignForm(
            handlers=_handlers_for(complaint),
            initial={"handler": complaint.handler_id, "department": complaint.department_id, **v},
        )
    if Action.EXTEND in actions:
        context["extension_form"] = forms.get("extension_form") or ExtensionForm(prefix="ext", initial=v)
    if Action.FORCE_CLOSE in actions:
        context["close_form"] = forms.get("close_form") or CloseForm(prefix="close", initial=v)
    if Action.REOPEN in actions:
        context["reopen_form"] = forms.get("reopen_form") or ReopenForm(prefix="reopen", initial=v)
    return context


def _handlers_for(complaint):
    return (
        get_user_model()
        .objects.filter(
            is_active=True,
            staff_profile__branch_id=complaint.branch_id,
            groups__name__in=[Role.FRONTLINE, Role.MANAGER],
        )
        .distinct()
        .order_by("first_name", "username")
    )


def complaint_detail(request, pk: int):
    complaint = complaint_detail_for_user(user=request.user, pk=pk)
    return render(request, "complaints/complaint_detail.html", _detail_context(request, complaint))


def _rerender(request, pk: int, status: int = 400, **forms):
    complaint = complaint_detail_for_user(user=request.user, pk=pk)
    messages.error(request, _("Please correct the errors below."))
    return render(
        request, "complaints/complaint_detail.html", _detail_context(request, complaint, **forms), status=status
    )


def _run(request, pk: int, call, success: str):
    """Call one service; a refusal becomes a clear message, and nothing is half-saved."""
    try:
        call()
    except WorkflowError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, success)
    return redirect("complaints:detail", pk=pk)


@require_POST
def complaint_step_save(request, pk: int):
    complaint = complaint_get_for_user(user=request.user, pk=pk)
    if request.POST.get("version") != str(complaint.version):
        # The case moved on since the form was loaded (perhaps to another step): refuse, do not guess.
        messages.error(request, str(StaleForm()))
        return redirect("complaints:detail", pk=pk)
    form_class = STEP_FORMS.get(Step(complaint.step))
    if form_class is None:
        raise Http404
    form = form_class(request.POST, instance=complaint)
    if not form.is_valid():
        return _rerender(request, pk, step_form=form)
    data = {k: v for k, v in form.cleaned_data.items() if k != "version"}
    try:
        saved = services.complaint_record_step(
            actor=request.user, complaint_id=pk, expected_version=form.cleaned_data["version"], data=data
        )
    except WorkflowError as exc:
        messages.error(request, str(exc))
        return redirect("complaints:detail", pk=pk)
    if "advance" not in request.POST:
        messages.success(request, _("Saved."))
        return redirect("complaints:detail", pk=pk)
    # What was typed is kept even when the step cannot move on yet.
    try:
        services.complaint_advance(actor=request.user, complaint_id=pk, expected_version=saved.version)
    except WorkflowError as exc:
        messages.warning(request, _("Saved, but the complaint cannot move on yet. %(reason)s") % {"reason": exc})
    else:
        messages.success(request, _("Saved and moved to the next step."))
    return redirect("complaints:detail", pk=pk)


@require_POST
def complaint_advance(request, pk: int):
    complaint_get_for_user(user=request.user, pk=pk)
    version = request.POST.get("version", "")
    if not version.isdigit():
        return _run(request, pk, lambda: (_ for _ in ()).throw(WorkflowError(_("The form is incomplete."))), "")
    return _run(
        request,
        pk,
        lambda: services.complaint_advance(actor=request.user, complaint_id=pk, expected_version=int(version)),
        _("Moved to the next step."),
    )


@require_POST
def complaint_confirm(request, pk: int):
    complaint_get_for_user(user=request.user, pk=pk)
    form = ConfirmForm(request.POST)
    if not form.is_valid():
        return _rerender(request, pk, confirm_form=form)
    d = form.cleaned_data
    return _run(
        request,
        pk,
        lambda: services.complaint_confirm(
            actor=request.user,
            complaint_id=pk,
            expected_version=d["version"],
            by_customer=d["by"] == "customer",
            notes=d["notes"],
        ),
        _("Confirmation recorded."),
    )


@require_POST
def plan_submit(request, pk: int):
    complaint_get_for_user(user=request.user, pk=pk)
    form = PlanForm(request.POST)
    formset = RemedyFormSet(request.POST, prefix="remedy")
    if not (form.is_valid() and formset.is_valid()):
        return _rerender(request, pk, plan_form=form, remedy_formset=formset)
    remedies = [
        services.RemedyInput(kind=f["kind"], amount=f.get("amount") or 0, description=f.get("description", ""))
        for f in formset.cleaned_data
        if f.get("kind")
    ]
    d = form.cleaned_data
    return _run(
        request,
        pk,
        lambda: services.plan_submit(
            actor=request.user,
            complaint_id=pk,
            expected_version=d["version"],
            summary=d["summary"],
            deadline=d["deadline"],
            remedies=remedies,
        ),
        _("Plan submitted for approval."),
    )


def _plan_for(request, plan_id: int) -> ResolutionPlan:
    plan = ResolutionPlan.objects.filter(pk=plan_id).only("pk", "complaint_id").first()
    if plan is None:
        raise Http404
    complaint_get_for_user(user=request.user, pk=plan.complaint_id)  # The gate.
    return plan


@require_POST
def plan_decide(request, plan_id: int):
    plan = _plan_for(request, plan_id)
    form = DecisionForm(request.POST)
    if not form.is_valid():
        return _rerender(request, plan.complaint_id, decision_form=form)
    approve = form.cleaned_data["decision"] == "approve"
    return _run(
        request,
        plan.complaint_id,
        lambda: services.plan_decide(
            actor=request.user, plan_id=plan.pk, approve=approve, comment=form.cleaned_data["comment"]
        ),
        _("Plan approved.") if approve else _("Plan rejected: it goes back to the handler."),
    )


@require_POST
def plan_response(request, plan_id: int):
    plan = _plan_for(request, plan_id)
    form = ResponseForm(request.POST)
    if not form.is_valid():
        return _rerender(request, plan.complaint_id, response_form=form)
    return _run(
        request,
        plan.complaint_id,
        lambda: services.plan_record_response(
            actor=request.user, plan_id=plan.pk, outcome=form.cleaned_data["outcome"], notes=form.cleaned_data["notes"]
        ),
        _("The customer's response is recorded."),
    )


@require_POST
def remedy_done(request, remedy_id: int):
    remedy = Remedy.objects.filter(pk=remedy_id).select_related("plan").first()
    if remedy is None:
        raise Http404
    complaint_get_for_user(user=request.user, pk=remedy.plan.complaint_id)
    return _run(
        request,
        remedy.plan.complaint_id,
        lambda: services.remedy_complete(actor=request.user, remedy_id=remedy.pk),
        _("Remedy marked done."),
    )


@require_POST
def revisit_record(request, pk: int):
    complaint_get_for_user(user=request.user, pk=pk)
    form = RevisitForm(request.POST)
    if not form.is_valid():
        return _rerender(request, pk, revisit_form=form)
    d = form.cleaned_data
    return _run(
        request,
        pk,
        lambda: services.revisit_record(
            actor=request.user,
            complaint_id=pk,
            expected_version=d["version"],
            outcome=d["outcome"],
            score=d["score"],
            signed_off=d["signed_off"],
            prevention_measure=d["prevention_measure"],
            notes=d["notes"],
            reopen_to=d["reopen_to"],
        ),
        _("Revisit recorded."),
    )


@require_POST
def complaint_assign(request, pk: int):
    complaint = complaint_get_for_user(user=request.user, pk=pk)
    form = AssignForm(request.POST, handlers=_handlers_for(complaint))
    if not form.is_valid():
        return _rerender(request, pk, assign_form=form)
    return _run(
        request,
        pk,
        lambda: services.complaint_assign(
            actor=request.user,
            complaint_id=pk,
            expected_version=form.cleaned_data["version"],
            handler=form.cleaned_data["handler"],
            department=form.cleaned_data["department"],
        ),
        _("Assignment saved."),
    )


@require_POST
def note_add(request, pk: int):
    complaint_get_for_user(user=request.user, pk=pk)
    form = NoteForm(request.POST)
    if not form.is_valid():
        return _rerender(request, pk, note_form=form)
    return _run(
        request,
        pk,
        lambda: services.complaint_add_note(
            actor=request.user,
            complaint_id=pk,
            text=form.cleaned_data["text"],
            customer_facing=form.cleaned_data["customer_facing"],
        ),
        _("Note added."),
    )


@require_POST
def attachment_add(request, pk: int):
    complaint_get_for_user(user=request.user, pk=pk)
    form = AttachmentForm(request.POST, request.FILES)
    if not form.is_valid():
        return _rerender(request, pk, attachment_form=form)
    return _run(
        request,
        pk,
        lambda: services.attachment_add(actor=request.user, complaint_id=pk, uploaded=form.cleaned_data["file"]),
        _("File attached."),
    )


@require_GET
def attachment_download(request, attachment_id: int):
    attachment = Attachment.objects.filter(pk=attachment_id).first()
    if attachment is None:
        raise Http404
    complaint_get_for_user(user=request.user, pk=attachment.complaint_id)  # The gate.
    response = FileResponse(
        attachment.file.open("rb"),
        as_attachment=True,
        filename=attachment.original_name,
        content_type=attachment.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


@require_POST
def complaint_extend(request, pk: int):
    complaint_get_for_user(user=request.user, pk=pk)
    form = ExtensionForm(request.POST, prefix="ext")
    if not form.is_valid():
        return _rerender(request, pk, extension_form=form)
    return _run(
        request,
        pk,
        lambda: services.complaint_extend_deadline(
            actor=request.user,
            complaint_id=pk,
            expected_version=form.cleaned_data["version"],
            new_due_at=form.cleaned_data["new_due_at"],
            reason=form.cleaned_data["reason"],
        ),
        _("Deadline extended."),
    )


@require_POST
def complaint_force_close(request, pk: int):
    complaint_get_for_user(user=request.user, pk=pk)
    form = CloseForm(request.POST, prefix="close")
    if not form.is_valid():
        return _rerender(request, pk, close_form=form)
    return _run(
        request,
        pk,
        lambda: services.complaint_close_without_satisfaction(
            actor=request.user,
            complaint_id=pk,
            expected_version=form.cleaned_data["version"],
            reason=form.cleaned_data["reason"],
        ),
        _("Complaint closed without satisfaction."),
    )


@require_POST
def complaint_reopen(request, pk: int):
    complaint_get_for_user(user=request.user, pk=pk)
    form = ReopenForm(request.POST, prefix="reopen")
    if not form.is_valid():
        return _rerender(request, pk, reopen_form=form)
    return _run(
        request,
        pk,
        lambda: services.complaint_reopen(
            actor=request.user,
            complaint_id=pk,
            expected_version=form.cleaned_data["version"],
            to_step=form.cleaned_data["to_step"],
            reason=form.cleaned_data["reason"],
        ),
        _("Complaint reopened."),
    )


@require_POST
def complaint_archive(request, pk: int):
    complaint_get_for_user(user=request.user, pk=pk)
    form = VersionForm(request.POST)
    if not form.is_valid():
        return _rerender(request, pk)
    return _run(
        request,
        pk,
        lambda: services.complaint_archive(
            actor=request.user, complaint_id=pk, expected_version=form.cleaned_data["version"]
        ),
        _("Complaint archived."),
    )


@role_required(Role.MANAGER, Role.GENERAL_MANAGER)
def approval_queue(request):
    page = Paginator(approval_queue_for_user(user=request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "complaints/approval_queue.html", {"page": page})
