"""HTTP for customers: form → access gate → one service → redirect (or the page again with errors).

The customer 360 page composes several apps, so it lives in the top layer (crm_site/customer360.py);
``customers:detail`` sends there.
"""

import logging

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.paginator import Paginator
from django.db import DatabaseError
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_GET, require_POST

from crm_site.exports.lists import Column, ListExport, Selection, choice_label, list_export
from crm_site.org.access import access_of
from crm_site.org.forms_fields import parse_id
from crm_site.org.policy import allowed, can
from crm_site.org.templatetags.org_tags import person
from crm_site.org.throttle import throttle_lookups
from crm_site.pagination import CappedPaginator

from . import services
from .filters import SORTS, CustomerFilter
from .forms import (
    AssessmentForm,
    ContactForm,
    CustomerForm,
    ImportForm,
    InteractionForm,
    MatrixFilterForm,
    RetentionForm,
    StatusForm,
    TransferForm,
    VisitPlanForm,
    VisitRecordForm,
)
from .imports import ImportFileError, read_rows
from .masking import phone_for
from .models import Contact, Customer, ImportBatch, Quadrant, Tag, VisitPlan
from .selectors import (
    branches_for_user,
    customer_duplicates,
    customer_get_for_user,
    customer_interactions,
    customer_list_for_user,
    import_batch_get_for_user,
    latest_classification_run,
    matrix_chart_data,
    matrix_for_user,
    retention_report_for_user,
    staff_for_branches,
    tags_active,
    visit_overview_for_user,
    visit_plan_get_for_user,
)
from .workflow import CustomerError

logger = logging.getLogger(__name__)
PAGE_SIZE = 25
VISITS_PAGE_SIZE = 50
TRANSFER_LIST_LIMIT = 500
User = get_user_model()


def _back(request, customer: Customer):
    """Back to where the form was (the 360 page), if that is a page of this site."""
    target = request.POST.get("next") or request.GET.get("next")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return redirect(target)
    return redirect("customers:detail", pk=customer.pk)


def _customer_sort(query) -> str:
    sort = query.get("sort", "name")
    return sort if sort in SORTS else "name"


def customer_selection(user, query) -> Selection:
    """The customers the list shows for this querystring (the page and its export); a filter not understood is
    ignored, as the page says."""
    branches = branches_for_user(user=user)
    qs = customer_list_for_user(user=user).prefetch_related(Prefetch("tags", queryset=Tag.objects.order_by("name")))
    filterset = CustomerFilter(query, queryset=qs, user=user, branches=branches)
    rows = filterset.qs.order_by(SORTS[_customer_sort(query)], "pk")
    return Selection(rows=rows, filters_ignored=bool(filterset.errors), form=filterset)


CUSTOMER_EXPORT = ListExport(
    kind="customers",
    title=_lazy("Customers"),
    path="customers.views.CUSTOMER_EXPORT",
    select=customer_selection,
    columns=[
        Column(_lazy("Code"), lambda user, c: c.code),
        Column(_lazy("Name"), lambda user, c: c.name),
        Column(_lazy("Company"), lambda user, c: c.company_name),
        Column(_lazy("Phone"), lambda user, c: phone_for(user, c, c.phone)),
        Column(_lazy("Type"), lambda user, c: choice_label(c, "kind")),
        Column(_lazy("Branch"), lambda user, c: c.branch.name),
        Column(_lazy("Account manager"), lambda user, c: person(c.account_manager) if c.account_manager_id else ""),
        Column(_lazy("Value quadrant"), lambda user, c: choice_label(c, "quadrant")),
        Column(_lazy("Tier"), lambda user, c: choice_label(c, "tier")),
        Column(_lazy("Current value"), lambda user, c: c.current_value),
        Column(_lazy("Status"), lambda user, c: choice_label(c, "status")),
        Column(_lazy("Tags"), lambda user, c: ", ".join(t.name for t in c.tags.all())),
        Column(_lazy("Created at"), lambda user, c: c.created_at),
    ],
)


@allowed("customer.list")
def customer_list(request):
    selection = customer_selection(request.user, request.GET)
    filterset, sort = selection.form, _customer_sort(request.GET)
    search = bool(request.GET.get("q", "").strip())
    page = CappedPaginator(selection.rows, PAGE_SIZE, search=search).get_page(request.GET.get("page"))
    return render(
        request,
        "customers/customer_list.html",
        {
            "page": page,
            "filter": filterset,
            "q": request.GET.get("q", ""),
            "sort": sort,
            "show_branch": access_of(request.user).company_wide,
            "can_create": can(request.user, "customer.create"),
            "can_import": can(request.user, "importbatch.create"),
            "can_transfer": can(request.user, "customer.transfer"),
        },
    )


@require_GET
@allowed("customer.list")
def customer_export(request, fmt: str):
    return list_export(request, spec=CUSTOMER_EXPORT, fmt=fmt)


@allowed("customer.create")
def customer_create(request):
    branches = branches_for_user(user=request.user)
    form = CustomerForm(request.POST or None, branches=branches, tags=tags_active())
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            customer = services.customer_create(
                actor=request.user,
                name=data["name"],
                phone=data["phone"],
                branch_id=data["branch"].pk,
                kind=data["kind"],
                email=data["email"],
                source=data["source"],
                company_name=data["company_name"],
                address=data["address"],
                tags=data["tags"],
            )
        except CustomerError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Customer %(code)s created.") % {"code": customer.code})
            if customer.possible_duplicate_of_id:
                messages.warning(
                    request,
                    _("This looks like customer %(code)s (same phone, or same name and company): please check.")
                    % {"code": customer.possible_duplicate_of.code},
                )
            return redirect("customers:detail", pk=customer.pk)
    return render(request, "customers/customer_form.html", {"form": form, "creating": True})


@require_GET
@allowed("customer.create")
@throttle_lookups
def duplicate_check(request):
    """htmx: customers who look like the one being typed in (same phone, or same name and company)."""
    phone = services.normalise_phone(request.GET.get("phone", ""))
    matches = list(
        customer_duplicates(
            phone=phone if len(phone) >= 6 else "",
            name=request.GET.get("name", ""),
            company_name=request.GET.get("company_name", ""),
            kind=request.GET.get("kind", ""),
        )[:5]
    )
    visible = set(
        customer_list_for_user(user=request.user).filter(pk__in=[c.pk for c in matches]).values_list("pk", flat=True)
    )
    return render(request, "customers/_duplicates.html", {"matches": matches, "visible": visible})


@allowed("customer.view", gate=customer_get_for_user, as_="customer")
def customer_detail(request, customer):
    return redirect(reverse("customer_360", args=[customer.pk]))


@allowed("customer.change", gate=customer_get_for_user, as_="customer")
def customer_edit(request, customer):
    form = CustomerForm(request.POST or None, instance=customer, tags=tags_active(), editing=True)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        # The ModelForm only validates; the service reads the row again, compares and writes the history.
        try:
            services.customer_update(
                actor=request.user,
                customer_id=customer.pk,
                tags=data["tags"],
                **{f: data[f] for f in services.EDITABLE_FIELDS},
            )
        except CustomerError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Customer details saved."))
            return redirect("customers:detail", pk=customer.pk)
    return render(request, "customers/customer_form.html", {"form": form, "creating": False, "customer": customer})


@require_POST
@allowed("customer.change", gate=customer_get_for_user, as_="customer")
def contact_add(request, customer):
    form = ContactForm(request.POST)
    if form.is_valid():
        services.contact_add(actor=request.user, customer_id=customer.pk, **form.cleaned_data)
        messages.success(request, _("Contact added."))
    else:
        messages.error(request, _("The contact needs a name; check the email address."))
    return _back(request, customer)


@require_POST
@allowed("customer.change", gate=customer_get_for_user, as_="customer")
def contact_deactivate(request, customer, contact_pk: int):
    contact = get_object_or_404(Contact, pk=contact_pk, customer=customer)
    services.contact_deactivate(actor=request.user, contact_id=contact.pk)
    messages.success(
        request, _("Contact %(name)s removed from the list (kept in the history).") % {"name": contact.name}
    )
    return _back(request, customer)


@require_POST
@allowed("customer.log_interaction", gate=customer_get_for_user, as_="customer")
def interaction_log(request, customer):
    """Log an interaction from the 360 page; with htmx, answer with the refreshed interactions panel."""
    form = InteractionForm(request.POST)
    logged = False
    if form.is_valid():
        try:
            services.interaction_log(actor=request.user, customer_id=customer.pk, **form.cleaned_data)
        except CustomerError as exc:
            form.add_error(None, str(exc))
        else:
            logged = True
            form = InteractionForm(initial={"channel": form.cleaned_data["channel"]})
    if request.htmx:
        return render(
            request,
            "customers/_interactions.html",
            {
                "customer": customer,
                "interactions": customer_interactions(customer=customer),
                "interaction_form": form,
                "can_log": True,
                "logged": logged,
            },
        )
    if logged:
        messages.success(request, _("Interaction logged."))
    else:
        messages.error(request, _("The interaction was not logged: choose a channel and write what was said."))
    return _back(request, customer)


@allowed("customer.change", gate=customer_get_for_user, as_="customer")
def assessment_record(request, customer):
    form = AssessmentForm(request.POST or None, instance=None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.assessment_record(actor=request.user, customer_id=customer.pk, **data)
        except CustomerError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Assessment saved; the quadrant follows at the next classification."))
            return redirect("customers:detail", pk=customer.pk)
    return render(request, "customers/assessment_form.html", {"form": form, "customer": customer})


@require_POST
@allowed("customer.change", gate=customer_get_for_user, as_="customer")
def status_change(request, customer):
    form = StatusForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return _back(request, customer)
    try:
        services.customer_set_status(
            actor=request.user,
            customer_id=customer.pk,
            status=form.cleaned_data["status"],
            reason=form.cleaned_data["reason"],
        )
    except CustomerError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Status changed."))
    return _back(request, customer)


@require_POST
@allowed("customer.verify", gate=customer_get_for_user, as_="customer")
def customer_verify(request, customer):
    """Staff checked the details of a record the customer created themselves (public form, e-mail)."""
    try:
        services.customer_verify(actor=request.user, customer_id=customer.pk)
    except CustomerError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Customer marked as verified."))
    return _back(request, customer)


@allowed("customer.change", gate=customer_get_for_user, as_="customer")
def visit_plan_edit(request, customer):
    staff = staff_for_branches(user=request.user, branch_ids=[customer.branch_id])
    current = customer.visit_plans.filter(is_active=True).first()
    initial = {
        "owner": current.owner_id if current else customer.account_manager_id,
        "every_days": current.every_days if current else 30,
        "next_due": current.next_due if current else timezone.localdate(),
        "channel": current.channel if current else "visit",
        "purpose": current.purpose if current else "",
    }
    form = VisitPlanForm(request.POST or None, staff=staff, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.visit_plan_set(
                actor=request.user,
                customer_id=customer.pk,
                owner_id=data["owner"].pk,
                every_days=data["every_days"],
                next_due=data["next_due"],
                channel=data["channel"],
                purpose=data["purpose"],
            )
        except CustomerError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Visit plan saved."))
            return redirect("customers:detail", pk=customer.pk)
    return render(request, "customers/visit_plan_form.html", {"form": form, "customer": customer, "plan": current})


@require_POST
@allowed("customer.change", gate=customer_get_for_user, as_="customer")
def visit_plan_stop(request, customer):
    plan = get_object_or_404(VisitPlan, customer=customer, is_active=True)
    services.visit_plan_stop(actor=request.user, plan_id=plan.pk)
    messages.success(request, _("Visit plan stopped."))
    return _back(request, customer)


@allowed("visitplan.record", gate=visit_plan_get_for_user, kwarg="plan_pk", as_="plan")
def visit_record(request, plan):
    customer = plan.customer
    form = VisitRecordForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.visit_record(
                actor=request.user,
                plan_id=plan.pk,
                summary=form.cleaned_data["summary"],
                occurred_at=form.cleaned_data["occurred_at"],
            )
        except CustomerError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Visit recorded; next one due in %(days)s days.") % {"days": plan.every_days})
            return redirect("customers:visits")
    return render(request, "customers/visit_record_form.html", {"form": form, "plan": plan, "customer": customer})


def visit_selection(user, query) -> Selection:
    """The visits the page shows, overdue and upcoming together, for the export (the page has no filters)."""
    overview = visit_overview_for_user(user=user)
    return Selection(rows=(overview["overdue"] | overview["upcoming"]).order_by("next_due", "pk"))


VISIT_EXPORT = ListExport(
    kind="visits",
    title=_lazy("Visits"),
    path="customers.views.VISIT_EXPORT",
    select=visit_selection,
    columns=[
        Column(_lazy("Due"), lambda user, p: p.next_due),
        Column(_lazy("Overdue"), lambda user, p: _("Overdue") if p.next_due < timezone.localdate() else _("Due soon")),
        Column(_lazy("Customer code"), lambda user, p: p.customer.code),
        Column(_lazy("Customer"), lambda user, p: p.customer.name),
        Column(_lazy("Phone"), lambda user, p: phone_for(user, p.customer, p.customer.phone)),
        Column(_lazy("Branch"), lambda user, p: p.customer.branch.name),
        Column(_lazy("Tier"), lambda user, p: choice_label(p.customer, "tier")),
        Column(_lazy("Channel"), lambda user, p: choice_label(p, "channel")),
        Column(_lazy("Owner"), lambda user, p: person(p.owner)),
        Column(_lazy("Every (days)"), lambda user, p: p.every_days),
        Column(_lazy("Purpose"), lambda user, p: p.purpose),
        Column(_lazy("Last visited"), lambda user, p: p.last_visited_on),
    ],
)


@allowed("visit.list")
def visits(request):
    """Overdue and upcoming visits: one's own for front-line staff, the branch's for managers."""
    overview = visit_overview_for_user(user=request.user)
    overdue = Paginator(overview["overdue"], VISITS_PAGE_SIZE).get_page(request.GET.get("overdue_page"))
    upcoming = Paginator(overview["upcoming"], VISITS_PAGE_SIZE).get_page(request.GET.get("upcoming_page"))
    return render(
        request,
        "customers/visits.html",
        {
            "overdue": list(overdue.object_list),
            "upcoming": list(upcoming.object_list),
            "overdue_page": overdue,
            "upcoming_page": upcoming,
            "overdue_count": overdue.paginator.count,
        },
    )


@require_GET
@allowed("visit.list")
def visit_export(request, fmt: str):
    return list_export(request, spec=VISIT_EXPORT, fmt=fmt)


@allowed("customer.transfer")
def transfer(request):
    """Bulk transfer of one account manager's customers to another, when someone leaves or territories change."""
    visible = customer_list_for_user(user=request.user)
    owners = User.objects.filter(pk__in=visible.exclude(account_manager=None).values("account_manager_id")).order_by(
        "first_name", "last_name", "username"
    )
    from_id = request.POST.get("from_manager", "") if request.method == "POST" else request.GET.get("from_manager", "")
    from_pk = parse_id(from_id)
    theirs = visible.filter(account_manager_id=from_pk) if from_pk else visible.none()
    # Only staff of the branches of these customers can take them (the service refuses anyone else).
    staff = staff_for_branches(user=request.user, branch_ids=theirs.order_by().values("branch_id").distinct())
    if request.method == "POST":
        form = TransferForm(request.POST, owners=owners, staff=staff)
    else:
        form = TransferForm(initial={"from_manager": from_id}, owners=owners, staff=staff)
    customers = list(theirs.order_by("name", "pk")[:TRANSFER_LIST_LIMIT])
    customer_count = theirs.count() if len(customers) == TRANSFER_LIST_LIMIT else len(customers)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        chosen = [pk for c in request.POST.getlist("customers") if (pk := parse_id(c))]
        try:
            count = services.customers_transfer(
                actor=request.user,
                from_user_id=data["from_manager"].pk,
                to_user_id=data["to_manager"].pk,
                reason=data["reason"],
                customer_ids=chosen if request.POST.get("scope") == "chosen" else None,
            )
        except CustomerError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("%(count)s customers transferred.") % {"count": count})
            return redirect("customers:transfer")
    return render(
        request,
        "customers/transfer.html",
        {"form": form, "customers": customers, "customer_count": customer_count, "from_id": from_id},
    )


@allowed("importbatch.create")
def import_upload(request):
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            records = read_rows(upload)
        except ImportFileError as exc:
            form.add_error("file", str(exc))
        else:
            preview = services.transactions_preview(actor=request.user, filename=upload.name, records=records)
            return redirect("customers:import_preview", pk=preview.batch.pk)
    recent = ImportBatch.objects.filter(created_by=request.user).order_by("-created_at")[:10]
    return render(request, "customers/import_upload.html", {"form": form, "recent": recent})


@allowed("importbatch.use", gate=import_batch_get_for_user, as_="batch")
def import_preview(request, batch):
    return render(request, "customers/import_preview.html", {"batch": batch, "good_preview": batch.good_rows[:200]})


@require_POST
@allowed("importbatch.use", gate=import_batch_get_for_user, as_="batch")
def import_confirm(request, batch):
    pk = batch.pk
    try:
        batch = services.transactions_import(actor=request.user, batch_id=pk)
    except CustomerError as exc:
        messages.error(request, str(exc))
        return redirect("customers:import_preview", pk=pk)
    except (DatabaseError, ArithmeticError, ValueError):
        # The service rolled everything back; the rows were checked, so this is a bug or the database: keep the trace.
        logger.exception("Import %s failed", pk)
        messages.error(request, _("The import failed and nothing was imported. Please try again or tell support."))
        return redirect("customers:import_preview", pk=pk)
    messages.success(request, _("%(count)s transactions imported.") % {"count": batch.imported_rows})
    return redirect("customers:import_preview", pk=pk)


@require_POST
@allowed("importbatch.use", gate=import_batch_get_for_user, as_="batch")
def import_cancel(request, batch):
    pk = batch.pk
    try:
        services.transactions_cancel(actor=request.user, batch_id=pk)
    except CustomerError as exc:
        messages.error(request, str(exc))
    return redirect("customers:import")


@allowed("matrix.view")
def matrix(request):
    branches = branches_for_user(user=request.user)
    form = MatrixFilterForm(request.GET or None, branches=branches)
    branch, tier = None, ""
    if form.is_valid():
        branch, tier = form.cleaned_data["branch"], form.cleaned_data["tier"]
    data = matrix_for_user(user=request.user, branch_id=branch.pk if branch else None, tier=tier)
    labels = {
        "current": _("Current value"),
        "potential": _("Potential value"),
        "threshold": _("Threshold"),
        "customer": _("Customer"),
        "tier": _("Tier"),
    }
    quadrants = [
        {
            "code": q,
            "label": Quadrant(q).label,
            "count": data["counts"][q],
            "policy": data["policies"].get(q),
        }
        for q in (Quadrant.POTENTIAL, Quadrant.HIGH, Quadrant.LOW, Quadrant.SECONDARY)
    ]
    return render(
        request,
        "customers/matrix.html",
        {
            "form": form,
            "quadrants": quadrants,
            "total": data["total"],
            "shown": len(data["points"]),
            "run": data["run"],
            "chart": matrix_chart_data(data, labels),
            "branch": branch,
            "tier": tier,
            "can_recompute": can(request.user, "classification.run"),
        },
    )


@require_POST
@allowed("classification.run")
def classify_now(request):
    """Start a recomputation in the background: at 200,000 customers it takes most of a minute."""
    try:
        job = services.customers_recompute_request(actor=request.user)
    except CustomerError as exc:
        messages.error(request, str(exc))
    else:
        if job.dispatched is False:
            messages.warning(
                request,
                _(
                    "Recomputation queued. The background worker cannot be reached right now; it runs as soon as "
                    "the worker is back, nothing needs to be done again."
                ),
            )
        else:
            messages.success(request, _("Recomputation started; refresh in a minute."))
    return redirect("customers:matrix")


@allowed("retention.view")
def retention(request):
    form = RetentionForm(request.GET or None)
    params = form.cleaned_data if form.is_valid() else {"unit": "month", "count": 6, "dimension": "none"}
    rows = retention_report_for_user(user=request.user, **params)
    return render(
        request,
        "customers/retention.html",
        {"form": form, "rows": rows, "params": params, "run": latest_classification_run()},
    )
