"""HTTP for complaints: form → access gate → one service → redirect (or the page again with errors)."""

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.paginator import Paginator
from django.db.models import Case, IntegerField, Value, When
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_GET, require_POST

from crm_site.exports.lists import Column, ListExport, Selection, choice_label, list_export
from crm_site.org.access import access_of
from crm_site.org.policy import allowed
from crm_site.org.templatetags.org_tags import person
from crm_site.org.throttle import LOOKUP_MIN_LENGTH, throttle_lookups
from crm_site.pagination import CappedPaginator
from customers.masking import phone_for

from . import services
from .actions import Action, allowed_actions
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
from .models import CannedPhrase, PlanStatus, Severity
from .rules import WORKER_ROLES
from .selectors import (
    annotate_due_flags,
    approval_queue_for_user,
    attachment_get_for_user,
    complaint_detail_for_user,
    complaint_get_for_user,
    complaint_list_for_user,
    intake_customer_search,
    intake_customers,
    plan_get_for_user,
    remedy_get_for_user,
)
from .workflow import SIX_STEPS, StaleForm, Step, WorkflowError, missing_for_step, plan_can_be_replaced

PAGE_SIZE = 25


def _complaint_sort(query) -> str:
    sort = query.get("sort", "-created_at")
    return sort if sort in dict(SORTS) else "-created_at"


def complaint_selection(user, query) -> Selection:
    """The complaints the list shows for this querystring (the page and its export); a filter not understood is
    ignored, as the page says."""
    qs = annotate_due_flags(complaint_list_for_user(user=user)).annotate(
        severity_rank=Case(
            When(severity=Severity.MAJOR, then=Value(3)),
            When(severity=Severity.IMPORTANT, then=Value(2)),
            default=Value(1),
            output_field=IntegerField(),
        )
    )
    params = query.copy()
    if "step" not in params and not params.get("q"):
        params["step"] = "open"  # The default view is the work queue.
    filterset = ComplaintFilter(params, queryset=qs, user=user)
    rows = filterset.qs.order_by(_complaint_sort(query), "-pk")
    return Selection(rows=rows, filters_ignored=bool(filterset.errors), form=filterset)


def _due_state(c) -> str:
    if not c.is_open:
        return ""
    if c.overdue:
        return _("No response yet") if c.is_response_overdue else _("Overdue")
    return _("Due soon") if c.due_soon else ""


COMPLAINT_EXPORT = ListExport(
    kind="complaints",
    title=_lazy("Complaints"),
    path="complaints.views.COMPLAINT_EXPORT",
    select=complaint_selection,
    columns=[
        Column(_lazy("Number"), lambda user, c: c.number),
        Column(_lazy("Received"), lambda user, c: c.created_at),
        Column(_lazy("Customer code"), lambda user, c: c.customer.code),
        Column(_lazy("Customer"), lambda user, c: c.customer.name),
        Column(_lazy("Phone"), lambda user, c: phone_for(user, c.customer, c.customer.phone)),
        Column(_lazy("Branch"), lambda user, c: c.branch.name),
        Column(_lazy("Channel"), lambda user, c: choice_label(c, "channel")),
        Column(_lazy("Category"), lambda user, c: str(c.category)),
        Column(_lazy("Severity"), lambda user, c: choice_label(c, "severity")),
        Column(_lazy("Priority"), lambda user, c: choice_label(c, "priority")),
        Column(_lazy("Step"), lambda user, c: choice_label(c, "step")),
        Column(_lazy("Handler"), lambda user, c: person(c.handler) if c.handler_id else ""),
        Column(_lazy("Department"), lambda user, c: str(c.department) if c.department_id else ""),
        Column(_lazy("When it happened"), lambda user, c: c.occurred_at),
        Column(_lazy("First response due"), lambda user, c: c.response_due_at),
        Column(_lazy("Resolution due"), lambda user, c: c.resolution_due_at),
        Column(_lazy("Due"), lambda user, c: _due_state(c)),
        Column(_lazy("Escalation"), lambda user, c: choice_label(c, "escalation_level") if c.escalation_level else ""),
        Column(_lazy("Closed at"), lambda user, c: c.closed_at),
        Column(_lazy("Product / order"), lambda user, c: c.product),
        Column(_lazy("Where"), lambda user, c: c.location),
        Column(_lazy("In the customer's own words"), lambda user, c: c.customer_words),
        Column(_lazy("What the customer asks for"), lambda user, c: c.customer_request),
    ],
)


@allowed("complaint.list")
def complaint_list(request):
    selection = complaint_selection(request.user, request.GET)
    filterset, sort = selection.form, _complaint_sort(request.GET)
    search = bool(request.GET.get("q", "").strip())
    page = CappedPaginator(selection.rows, PAGE_SIZE, search=search).get_page(request.GET.get("page"))
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


@require_GET
@allowed("complaint.list")
def complaint_export(request, fmt: str):
    return list_export(request, spec=COMPLAINT_EXPORT, fmt=fmt)


@allowed("complaint.create")
def complaint_create(request):
    customers = intake_customers()
    form = IntakeForm(request.POST or None, request.FILES or None, customers=customers)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
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
        try:
            if intake.customer is None:
                new = services.NewCustomer(name=data["new_customer_name"], phone=data["new_customer_phone"])
                complaint = services.complaint_create_with_new_customer(
                    actor=request.user, intake=intake, new_customer=new, files=data["evidence"]
                )
            else:
                complaint = services.complaint_create(actor=request.user, intake=intake, files=data["evidence"])
        except WorkflowError as exc:
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
    chosen = form.cleaned_data.get("customer") if form.is_bound else None  # the field checked the id
    return render(request, "complaints/complaint_form.html", {"form": form, "chosen_customer": chosen})


@require_GET
@allowed("complaint.create")
@throttle_lookups
def customer_search(request):
    """htmx: customers matching name, code or phone, for the intake form (phones masked as everywhere)."""
    q = request.GET.get("q", "").strip()[:100]
    too_short = len(q) < LOOKUP_MIN_LENGTH
    results = [] if too_short else intake_customer_search(q=q)
    return render(request, "complaints/_customer_results.html", {"results": results, "q": q, "too_short": too_short})


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
            context["can_propose_plan"] = plan_can_be_replaced(plan)
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
            groups__name__in=WORKER_ROLES,
        )
        .distinct()
        .order_by("first_name", "username")
    )


@allowed("complaint.view", gate=complaint_detail_for_user, as_="complaint")
def complaint_detail(request, complaint):
    return render(request, "complaints/complaint_detail.html", _detail_context(request, complaint))


def _rerender(request, pk: int, status: int = 400, **forms):
    complaint = complaint_detail_for_user(user=request.user, pk=pk)
    messages.error(request, _("Please correct the errors below."))
    return render(
        request, "complaints/complaint_detail.html", _detail_context(request, complaint, **forms), status=status
    )


def _run(request, pk: int, call, success):
    """Call one service; a refusal becomes a clear message, and nothing is half-saved.

    ``success`` is the message, or a function of the service's result that words it (what happened next)."""
    try:
        result = call()
    except WorkflowError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, success(result) if callable(success) else success)
    return redirect("complaints:detail", pk=pk)


@require_POST
@allowed("complaint.work", gate=complaint_get_for_user, as_="complaint")
def complaint_step_save(request, complaint):
    pk = complaint.pk
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
        moved = services.complaint_advance(actor=request.user, complaint_id=pk, expected_version=saved.version)
    except WorkflowError as exc:
        messages.warning(request, _("Saved, but the complaint cannot move on yet. %(reason)s") % {"reason": exc})
    else:
        step = moved.get_step_display()
        messages.success(request, _("Saved and moved to the next step: %(step)s.") % {"step": step})
    return redirect("complaints:detail", pk=pk)


@require_POST
@allowed("complaint.work", gate=complaint_get_for_user, as_="complaint")
def complaint_advance(request, complaint):
    pk = complaint.pk
    form = VersionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("The form is incomplete. Reload the page and try again."))
        return redirect("complaints:detail", pk=pk)
    return _run(
        request,
        pk,
        lambda: services.complaint_advance(
            actor=request.user, complaint_id=pk, expected_version=form.cleaned_data["version"]
        ),
        lambda moved: (
            _("Complaint closed.")
            if moved.step == Step.CLOSED
            else _("Moved to the next step: %(step)s.") % {"step": moved.get_step_display()}
        ),
    )


@require_POST
@allowed("complaint.work", gate=complaint_get_for_user, as_="complaint")
def complaint_confirm(request, complaint):
    pk = complaint.pk
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
@allowed("complaint.work", gate=complaint_get_for_user, as_="complaint")
def plan_submit(request, complaint):
    pk = complaint.pk
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


def _complaint_of(child):
    """A child's rule is its complaint's (plans, remedies, evidence)."""
    return child.complaint if hasattr(child, "complaint") else child.plan.complaint


@require_POST
@allowed("plan.decide", gate=plan_get_for_user, kwarg="plan_id", as_="plan")
def plan_decide(request, plan):
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
        lambda decision: (
            _("Plan rejected: it goes back to the handler.")
            if not decision.approved
            else _("Approved at manager level; the plan now waits for the general manager.")
            if decision.plan.status == PlanStatus.PENDING_GM
            else _("Plan approved: record the customer's answer next.")
        ),
    )


@require_POST
@allowed("complaint.work", gate=plan_get_for_user, kwarg="plan_id", as_="plan", subject=_complaint_of)
def plan_response(request, plan):
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
@allowed("complaint.work", gate=remedy_get_for_user, kwarg="remedy_id", as_="remedy", subject=_complaint_of)
def remedy_done(request, remedy):
    return _run(
        request,
        remedy.plan.complaint_id,
        lambda: services.remedy_complete(actor=request.user, remedy_id=remedy.pk),
        _("Remedy marked done."),
    )


@require_POST
@allowed("complaint.work", gate=complaint_get_for_user, as_="complaint")
def revisit_record(request, complaint):
    pk = complaint.pk
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
        _revisit_message,
    )


def _revisit_message(revisit) -> str:
    """What the revisit did to the case, and what to do next."""
    step = Step(revisit.complaint.step)  # the locked complaint, after a possible reopening
    if step == Step.ACTION:
        text = _(
            "Revisit recorded: the customer is not satisfied, so the case was reopened at %(step)s. "
            "Propose a new resolution plan."
        )
    elif step == Step.PROBLEM:
        text = _(
            "Revisit recorded: the customer is not satisfied, so the case was reopened at %(step)s. "
            "Investigate the cause again, then confirm it with the customer and the company."
        )
    else:
        return _("Revisit recorded: the customer is satisfied and signed off. Close the complaint.")
    return text % {"step": step.label}


@require_POST
@allowed("complaint.assign", gate=complaint_get_for_user, as_="complaint")
def complaint_assign(request, complaint):
    pk = complaint.pk
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
@allowed("complaint.note", gate=complaint_get_for_user, as_="complaint")
def note_add(request, complaint):
    pk = complaint.pk
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
            send_by_email=form.cleaned_data["send_by_email"],
        ),
        _("Note added."),
    )


@require_POST
@allowed("complaint.work", gate=complaint_get_for_user, as_="complaint")
def attachment_add(request, complaint):
    pk = complaint.pk
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
@allowed("complaint.view", gate=attachment_get_for_user, kwarg="attachment_id", as_="attachment", subject=_complaint_of)
def attachment_download(request, attachment):
    response = FileResponse(
        attachment.file.open("rb"),
        as_attachment=True,
        filename=attachment.original_name,
        content_type=attachment.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


@require_POST
@allowed("complaint.extend", gate=complaint_get_for_user, as_="complaint")
def complaint_extend(request, complaint):
    pk = complaint.pk
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
@allowed("complaint.force_close", gate=complaint_get_for_user, as_="complaint")
def complaint_force_close(request, complaint):
    pk = complaint.pk
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
@allowed("complaint.reopen", gate=complaint_get_for_user, as_="complaint")
def complaint_reopen(request, complaint):
    pk = complaint.pk
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
@allowed("complaint.archive", gate=complaint_get_for_user, as_="complaint")
def complaint_archive(request, complaint):
    pk = complaint.pk
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


@allowed("approval.list")
def approval_queue(request):
    page = Paginator(approval_queue_for_user(user=request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "complaints/approval_queue.html", {"page": page})
