"""HTTP for the staff's survey pages: questionnaires, campaigns, the answers, answers recorded on the phone.

Form → access gate → one service → redirect (or the page again with errors). The CSI dashboard is in
dashboard_views.py, the customer's own page (a personal link) in answer_views.py.
"""

from decimal import Decimal

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET

from crm_site.exports.lists import Column, ListExport, Selection, choice_label, list_export
from crm_site.exports.tables import table_response
from crm_site.org.access import access_of
from crm_site.org.models import Branch
from crm_site.org.policy import allowed, can
from crm_site.org.templatetags.org_tags import person
from crm_site.pagination import CappedPaginator
from customers.selectors import customer_get_for_user

from . import services, staff_selectors
from .forms import (
    CampaignForm,
    RecordChoiceForm,
    ResponseFilterForm,
    SurveyAnswerForm,
    TemplateForm,
    item_formset,
    template_data,
)
from .models import Campaign, Invitation, LoyaltyZone, Score, SurveyTemplate
from .services import SurveyError
from .staff_selectors import campaign_get_for_user, response_get_for_user, template_get_for_user

PAGE_SIZE = 25
INVITATIONS_PAGE_SIZE = 50
PICKED_SHOWN = 50


def _nav(request, active: str) -> dict:
    """The satisfaction pages' own tabs (_survey_nav.html), each shown when its page's rule allows."""
    user = request.user
    return {
        "survey_nav": {
            "active": active,
            "campaigns": can(user, "campaign.create"),
            "templates": can(user, "survey.design"),
            "responses": can(user, "csi.view"),
            "dashboard": can(user, "csi.view"),
        }
    }


def _company_branches(user):
    """Branches to choose from for company-wide roles; None for a branch's staff (their branch is implied)."""
    return Branch.objects.filter(is_active=True).order_by("code") if access_of(user).company_wide else None


def segment_parts(campaign: Campaign, picked_count: int | None = None) -> list[str]:
    """The campaign's segment in words, one condition each ("everyone" when it has none)."""
    parts = []
    if campaign.branch_id:
        parts.append(_("Branch: %(branch)s") % {"branch": campaign.branch.name})
    if campaign.tier:
        parts.append(_("Tier %(tier)s") % {"tier": campaign.get_tier_display()})
    if campaign.quadrant:
        parts.append(campaign.get_quadrant_display())
    start, end = campaign.complaint_closed_from, campaign.complaint_closed_to
    if start and end:
        parts.append(_("Complaint closed %(start)s – %(end)s") % {"start": start, "end": end})
    elif start:
        parts.append(_("Complaint closed since %(start)s") % {"start": start})
    elif end:
        parts.append(_("Complaint closed until %(end)s") % {"end": end})
    if picked_count:
        parts.append(
            ngettext("%(n)s hand-picked customer", "%(n)s hand-picked customers", picked_count) % {"n": picked_count}
        )
    return parts or [_("All customers")]


# --- Questionnaires -------------------------------------------------------------------------------------------------


@require_GET
@allowed("survey.design")
def template_list(request):
    all_versions = request.GET.get("versions") == "all"
    status = request.GET.get("status", "")
    qs = staff_selectors.template_list(all_versions=all_versions, status=status)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "satisfaction/template_list.html",
        {"page": page, "all_versions": all_versions, "status": status, **_nav(request, "templates")},
    )


@allowed("survey.design")
def template_create(request):
    data = request.POST or None
    form = TemplateForm(data, creating=True)
    formset = item_formset(data, template=None, dimensions=staff_selectors.dimensions_for_items())
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        code = form.cleaned_data["code"] or staff_selectors.template_free_code(form.cleaned_data["name_en"])
        try:
            template = services.template_create(actor=request.user, code=code, data=template_data(form, formset))
        except SurveyError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Questionnaire “%(name)s” created.") % {"name": template.name})
            return redirect("satisfaction:template_detail", pk=template.pk)
    return render(
        request,
        "satisfaction/template_form.html",
        {"form": form, "formset": formset, "creating": True, **_nav(request, "templates")},
    )


@require_GET
@allowed("survey.design", gate=template_get_for_user, as_="template")
def template_detail(request, template):
    versions = list(staff_selectors.template_versions(template))
    this = next(v for v in versions if v.pk == template.pk)
    return render(
        request,
        "satisfaction/template_detail.html",
        {
            "template": template,
            "items": staff_selectors.template_items(template),
            "versions": versions,
            "answer_count": this.answer_count,
            "editable": template.is_current and template.kind == SurveyTemplate.Kind.SURVEY,
            **_nav(request, "templates"),
        },
    )


@allowed("survey.design", gate=template_get_for_user, as_="template")
def template_edit(request, template):
    if template.kind != SurveyTemplate.Kind.SURVEY:
        messages.info(request, _("The complaint revisit questionnaire is fixed: every revisit asks the same question."))
        return redirect("satisfaction:template_detail", pk=template.pk)
    if not template.is_current:
        current = staff_selectors.template_current_version(template)
        messages.info(request, _("This is an old version; change the current one."))
        if current is None:
            return redirect("satisfaction:template_detail", pk=template.pk)
        return redirect("satisfaction:template_edit", pk=current.pk)
    answer_count = staff_selectors.template_answer_count(template)
    data = request.POST or None
    form = TemplateForm(data, instance=template, creating=False)
    formset = item_formset(data, template=template, dimensions=staff_selectors.dimensions_for_items(template))
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        try:
            saved = services.template_change(
                actor=request.user, template_id=template.pk, data=template_data(form, formset)
            )
        except SurveyError as exc:
            form.add_error(None, str(exc))
        else:
            if saved.pk != template.pk:
                messages.success(
                    request,
                    _("Saved as version %(new)s. The answers to version %(old)s keep their meaning.")
                    % {"new": saved.version, "old": template.version},
                )
            else:
                messages.success(request, _("Questionnaire saved."))
            return redirect("satisfaction:template_detail", pk=saved.pk)
    return render(
        request,
        "satisfaction/template_form.html",
        {
            "form": form,
            "formset": formset,
            "creating": False,
            "template": template,
            "answer_count": answer_count,
            "next_version": template.version + 1,
            **_nav(request, "templates"),
        },
    )


@allowed("survey.design", gate=template_get_for_user, as_="template")
def template_archive(request, template):
    """Archive a questionnaire (no new campaigns) or bring it back: asked on a page, done by a POST."""
    fixed = template.kind != SurveyTemplate.Kind.SURVEY
    if request.method == "POST":
        action = request.POST.get("action")
        if fixed or action not in ("archive", "restore"):
            messages.error(request, _("Nothing was changed."))
            return redirect("satisfaction:template_detail", pk=template.pk)
        services.template_set_active(actor=request.user, template_id=template.pk, active=action == "restore")
        if action == "restore":
            messages.success(request, _("Questionnaire restored: new campaigns can use it again."))
        else:
            messages.success(request, _("Questionnaire archived: no new campaign can use it. Nothing was deleted."))
        return redirect("satisfaction:template_detail", pk=template.pk)
    return render(
        request,
        "satisfaction/template_archive.html",
        {"template": template, "fixed": fixed, **_nav(request, "templates")},
    )


# --- Campaigns ------------------------------------------------------------------------------------------------------


@require_GET
@allowed("campaign.create")
def campaign_list(request):
    q = request.GET.get("q", "")[:100]
    status = request.GET.get("status", "")
    qs = staff_selectors.campaign_list_for_user(user=request.user, search=q, status=status)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    for campaign in page.object_list:
        campaign.segment = segment_parts(campaign, campaign.picked_count)
        campaign.rate = round(100 * campaign.answered / campaign.invited, 1) if campaign.invited else None
    return render(
        request,
        "satisfaction/campaign_list.html",
        {
            "page": page,
            "q": q,
            "status": status,
            "statuses": Campaign.Status.choices,
            "show_branch": access_of(request.user).company_wide,
            **_nav(request, "campaigns"),
        },
    )


@allowed("campaign.create")
def campaign_create(request):
    """A draft campaign. "Count the audience" (a POST with ``preview``, or htmx on every change) shows how many
    customers it would reach now, without saving."""
    user = request.user
    templates = staff_selectors.templates_for_campaigns()
    branches = _company_branches(user)
    preview = request.method == "POST" and "preview" in request.POST
    if request.method == "POST":
        form = CampaignForm(request.POST, user=user, templates=templates, branches=branches, preview=preview)
    else:
        initial = {"template": templates.first()} if templates.count() == 1 else {}
        form = CampaignForm(user=user, templates=templates, branches=branches, initial=initial)
    audience = None
    if preview and form.is_valid():
        audience = staff_selectors.audience_preview_count(user=user, campaign=form.instance, picked=form.picked_ids)
    elif request.method == "POST" and form.is_valid():
        try:
            campaign = services.campaign_create(actor=user, campaign=form.instance, picked=form.picked_ids)
        except SurveyError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(
                request, _("Campaign “%(name)s” saved as a draft: check it, then send it.") % {"name": campaign.name}
            )
            return redirect("satisfaction:campaign_detail", pk=campaign.pk)
    own_branch = None
    if branches is None:
        own_branch = Branch.objects.filter(pk=access_of(user).branch_id).first()
    return render(
        request,
        "satisfaction/campaign_form.html",
        {
            "form": form,
            "audience": audience,
            "preview_failed": preview and audience is None,
            "own_branch": own_branch,
            "has_templates": templates.exists(),
            **_nav(request, "campaigns"),
        },
    )


@require_GET
@allowed("campaign.view", gate=campaign_get_for_user, as_="campaign")
def campaign_detail(request, campaign):
    can_send = can(request.user, "campaign.send", campaign)
    invitations = Paginator(staff_selectors.campaign_invitations(campaign), INVITATIONS_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    picked = staff_selectors.campaign_picked_customers(campaign)
    picked_count = picked.count()
    open_ = campaign.status != Campaign.Status.CLOSED
    return render(
        request,
        "satisfaction/campaign_detail.html",
        {
            "campaign": campaign,
            "segment": segment_parts(campaign, picked_count),
            "picked": list(picked[:PICKED_SHOWN]),
            "picked_count": picked_count,
            "funnel": staff_selectors.campaign_funnel(campaign),
            "invitations": invitations,
            "page": invitations,
            "can_send": can_send and open_,
            "to_invite": staff_selectors.campaign_to_invite(campaign).count() if can_send and open_ else None,
            "can_download": can_send,
            **_nav(request, "campaigns"),
        },
    )


@allowed("campaign.send", gate=campaign_get_for_user, as_="campaign")
def campaign_send(request, campaign):
    """Asks first (how many customers will be invited), then invites them with a POST."""
    if campaign.status == Campaign.Status.CLOSED:
        messages.error(request, _("This campaign is closed."))
        return redirect("satisfaction:campaign_detail", pk=campaign.pk)
    if request.method == "POST":
        try:
            created = services.campaign_send(actor=request.user, campaign_id=campaign.pk)
        except SurveyError as exc:
            messages.error(request, str(exc))
        else:
            if created:
                messages.success(
                    request,
                    ngettext(
                        "%(count)s customer invited. The link is e-mailed to those with an e-mail address; "
                        "download the links to reach the others.",
                        "%(count)s customers invited. Their links are e-mailed to those with an e-mail address; "
                        "download the links to reach the others.",
                        created,
                    )
                    % {"count": created},
                )
            else:
                messages.info(
                    request,
                    _("Nobody new to invite: everyone in the segment was invited already or surveyed recently."),
                )
        return redirect("satisfaction:campaign_detail", pk=campaign.pk)
    to_invite = staff_selectors.campaign_to_invite(campaign)
    return render(
        request,
        "satisfaction/campaign_send.html",
        {
            "campaign": campaign,
            "to_invite": to_invite.count(),
            "with_email": to_invite.exclude(email="").count(),
            "segment": segment_parts(campaign, campaign.picked_customers.count()),
            **_nav(request, "campaigns"),
        },
    )


@allowed("campaign.send", gate=campaign_get_for_user, as_="campaign")
def campaign_close(request, campaign):
    if campaign.status == Campaign.Status.CLOSED:
        messages.info(request, _("This campaign is closed already."))
        return redirect("satisfaction:campaign_detail", pk=campaign.pk)
    if request.method == "POST":
        try:
            services.campaign_close(actor=request.user, campaign_id=campaign.pk)
        except SurveyError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("Campaign closed: its links no longer take answers."))
        return redirect("satisfaction:campaign_detail", pk=campaign.pk)
    return render(
        request,
        "satisfaction/campaign_close.html",
        {"campaign": campaign, "funnel": staff_selectors.campaign_funnel(campaign), **_nav(request, "campaigns")},
    )


@require_GET
@allowed("campaign.send", gate=campaign_get_for_user, as_="campaign")
def campaign_links(request, campaign):
    """The personal links of the invitations not answered yet, for staff who send them themselves (SMS, WeChat)."""
    user = request.user
    base = settings.SITE_URL.rstrip("/")
    header = [_("Customer code"), _("Customer"), _("Link"), _("Expires at")]
    invitations = staff_selectors.campaign_invitations(campaign).filter(state=Invitation.State.PENDING)

    def rows():
        for invitation in invitations.iterator(chunk_size=500):
            invitation.campaign = campaign
            token = services.invitation_link_token(actor=user, invitation=invitation)
            link = base + reverse("survey:answer", args=[token])
            yield (invitation.customer.code, invitation.customer.name, link, invitation.expires_at)

    return table_response(
        request,
        kind="campaign_links",
        filename=f"campaign-{campaign.pk}-links",
        columns=header,
        rows=rows(),
        fmt="csv",
        filters={"campaign": campaign.pk},
    )


# --- Answers --------------------------------------------------------------------------------------------------------


def response_selection(user, query) -> Selection:
    """The answers the list shows for this querystring (the page and its export): with filters not understood,
    all of the user's answers, as the page says."""
    form = ResponseFilterForm(
        query or None,
        branches=_company_branches(user),
        templates=staff_selectors.response_filter_templates(),
        campaigns=Campaign.objects.filter(staff_selectors.campaign_visible_filter(user)).order_by("-created_at"),
    )
    params = form.cleaned_data if form.is_valid() else {}
    qs = staff_selectors.response_list_for_user(
        user=user,
        date_from=params.get("date_from"),
        date_to=params.get("date_to"),
        branch_id=params["branch"].pk if params.get("branch") else None,
        template_id=params["template"].pk if params.get("template") else None,
        source=params.get("source", ""),
        campaign_id=params["campaign"].pk if params.get("campaign") else None,
        search=params.get("q", ""),
        sort=params.get("sort") or "-date",
    )
    return Selection(rows=qs, filters_ignored=form.is_bound and not form.is_valid(), form=form)


RESPONSE_EXPORT = ListExport(
    kind="survey_answers",
    title=_lazy("Survey answers"),
    path="satisfaction.views.RESPONSE_EXPORT",
    select=response_selection,
    related=("complaint",),
    columns=[
        Column(_lazy("Answered at"), lambda user, r: r.answered_at),
        Column(_lazy("Customer code"), lambda user, r: r.customer.code),
        Column(_lazy("Customer"), lambda user, r: r.customer.name),
        Column(_lazy("Branch"), lambda user, r: r.branch.name),
        Column(_lazy("Questionnaire"), lambda user, r: str(r.template)),
        Column(_lazy("Source"), lambda user, r: choice_label(r, "source")),
        Column(_lazy("Recorded by"), lambda user, r: person(r.recorded_by) if r.recorded_by_id else ""),
        Column(_lazy("Overall"), lambda user, r: r.overall),
        Column(_lazy("Would buy again"), lambda user, r: choice_label(r, "repurchase")),
        Column(_lazy("Recommend"), lambda user, r: r.recommend),
        Column(_lazy("Tier"), lambda user, r: choice_label(r, "tier")),
        Column(_lazy("Value quadrant"), lambda user, r: choice_label(r, "quadrant")),
        Column(_lazy("Campaign"), lambda user, r: r.campaign.name if r.campaign_id else ""),
        Column(_lazy("Complaint"), lambda user, r: r.complaint.number if r.complaint_id else ""),
        Column(_lazy("Comments"), lambda user, r: r.comment),
    ],
)


@require_GET
@allowed("csi.view")
def response_list(request):
    user = request.user
    selection = response_selection(user, request.GET)
    form, qs = selection.form, selection.rows
    page = CappedPaginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "satisfaction/response_list.html",
        {
            "form": form,
            "page": page,
            "filters_ignored": selection.filters_ignored,
            "show_branch": access_of(user).company_wide,
            **_nav(request, "responses"),
        },
    )


@require_GET
@allowed("csi.view")
def response_export(request, fmt: str):
    return list_export(request, spec=RESPONSE_EXPORT, fmt=fmt)


@require_GET
@allowed("response.view", gate=response_get_for_user, as_="response")
def response_detail(request, response):
    user = request.user
    answers = [
        {"answer": answer, "label": Score(answer.score).label, "item": answer.item} for answer in response.answers.all()
    ]
    csi = None
    if response.weight_answered:
        csi = (response.weighted_points / response.weight_answered).quantize(Decimal("0.1"))
    return render(
        request,
        "satisfaction/response_detail.html",
        {
            "response": response,
            "answers": answers,
            "csi": csi,
            "overall_label": Score(response.overall).label if response.overall else "",
            "zone": LoyaltyZone(response.overall).label if response.overall else "",
            "can_open_customer": can(user, "customer.view", response.customer),
            "can_open_campaign": response.campaign is not None and can(user, "campaign.view", response.campaign),
            "can_open_complaint": response.complaint is not None and can(user, "complaint.view", response.complaint),
            **_nav(request, "responses"),
        },
    )


@allowed("response.record", gate=customer_get_for_user, kwarg="customer_pk", as_="customer")
def response_record(request, customer):
    """Answers a customer gives on the phone, recorded by staff as such (source "phone", who recorded them)."""
    campaigns = staff_selectors.pending_campaigns_for_customer(customer)
    data = request.POST if request.method == "POST" else request.GET
    choice = RecordChoiceForm(
        data if ("template" in data or "campaign" in data) else None,
        campaigns=campaigns,
        templates=staff_selectors.templates_for_campaigns(),
    )
    form = None
    if choice.is_valid():
        template = choice.cleaned_data["template"]
        form = SurveyAnswerForm(
            request.POST if request.method == "POST" else None,
            template=template,
            items=staff_selectors.template_items(template),
        )
        if request.method == "POST" and form.is_valid():
            campaign = choice.cleaned_data["campaign"]
            try:
                services.response_record_phone(
                    actor=request.user,
                    customer_id=customer.pk,
                    template_id=template.pk,
                    campaign_id=campaign.pk if campaign else None,
                    data=form.answer_data(),
                )
            except SurveyError as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, _("Answers recorded (given on the phone)."))
                return redirect("customer_360", pk=customer.pk)
    return render(
        request,
        "satisfaction/response_record.html",
        {
            "customer": customer,
            "choice": choice,
            "form": form,
            "campaigns": list(campaigns),
            "template": choice.cleaned_data["template"] if form is not None else None,
            "campaign": choice.cleaned_data.get("campaign") if form is not None else None,
        },
    )
