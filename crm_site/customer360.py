"""The customer 360 page: one customer's record, value, contacts, interactions, transactions, visits and
complaints on one page. It composes the customers and complaints apps through their selectors, so it
lives in the top layer; every query is bounded, so the page costs the same for any customer."""

from django.shortcuts import render
from django.utils import timezone

from complaints.selectors import complaint_list_for_user
from customers.forms import ContactForm, InteractionForm, StatusForm
from customers.selectors import customer_360_for_user

from .org.policy import allowed, can

RECENT_COMPLAINTS = 10


@allowed("customer.view", gate=customer_360_for_user, as_="data", subject=lambda data: data.customer)
def customer_360(request, data):
    """Staff of another branch that handles one of this customer's complaints (intake is company-wide) read the
    record too; what they may change is the policy's business, asked for each action below."""
    user = request.user
    customer = data.customer
    complaints = list(
        complaint_list_for_user(user=user)
        .filter(customer_id=customer.pk)
        .select_related(None)
        .order_by("-created_at", "-pk")[:RECENT_COMPLAINTS]
    )
    can_manage = can(user, "customer.change", customer)
    return render(
        request,
        "crm_site/customer_360.html",
        {
            "data": data,
            "customer": customer,
            "complaints": complaints,
            "can_manage": can_manage,
            "can_verify": customer.unverified and can(user, "customer.verify", customer),
            "can_log": can(user, "customer.log_interaction", customer),
            "can_record_survey": can(user, "response.record", customer),
            "can_record_visit": data.visit_plan is not None
            and data.visit_plan.is_active
            and can(user, "visitplan.record", data.visit_plan),
            # Read through a complaint of this branch, not as one of the customer's own branch.
            "read_only": not can(user, "branch.act_in", customer.branch),
            "interactions": data.interactions,
            "interaction_form": InteractionForm(),
            "contact_form": ContactForm(),
            "status_form": StatusForm(initial={"status": customer.status}),
            "today": timezone.localdate(),
        },
    )
