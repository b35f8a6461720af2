"""The customer 360 page: one customer's record, value, contacts, interactions, transactions, visits and
complaints on one page. It composes the customers and complaints apps through their selectors, so it
lives in the top layer; every query is bounded, so the page costs the same for any customer."""

from django.shortcuts import render
from django.utils import timezone

from complaints.selectors import complaint_list_for_user
from crm_site.org.access import can_access_branch
from customers.forms import ContactForm, InteractionForm, StatusForm
from customers.models import Customer
from customers.permissions import can_log_interaction, can_manage_customer, can_record_visit
from customers.selectors import customer_360_for_user

RECENT_COMPLAINTS = 10


def customer_360(request, pk: int):
    complaints = list(
        complaint_list_for_user(user=request.user)
        .filter(customer_id=pk)
        .select_related(None)
        .order_by("-created_at", "-pk")[:RECENT_COMPLAINTS]
    )
    # Staff handling a complaint of another branch's customer (intake is company-wide) may read the record,
    # but the record's own actions stay with the customer's branch.
    in_branch = can_access_branch(
        request.user, Customer.objects.filter(pk=pk).values_list("branch_id", flat=True).first()
    )
    data = customer_360_for_user(user=request.user, pk=pk, beyond_branch=bool(complaints) and not in_branch)
    customer = data.customer
    if not in_branch:
        read_only = {"can_manage": False, "can_log": False, "can_record_visit": False}
    else:
        read_only = {}
    return render(
        request,
        "crm_site/customer_360.html",
        {
            "data": data,
            "customer": customer,
            "complaints": complaints,
            "can_manage": can_manage_customer(request.user, customer),
            "can_log": can_log_interaction(request.user),
            "can_record_visit": data.visit_plan is not None and can_record_visit(request.user, data.visit_plan),
            "read_only": bool(read_only),
            **read_only,
            "interactions": data.interactions,
            "interaction_form": InteractionForm(),
            "contact_form": ContactForm(),
            "status_form": StatusForm(initial={"status": customer.status}),
            "today": timezone.localdate(),
        },
    )
