"""What each role's home page shows, composed from the apps' selectors."""

from django.db.models import Count

from complaints.selectors import complaint_list_for_user, complaint_queue_counts
from customers.selectors import customer_list_for_user

from .org.access import access_of
from .org.models import Branch
from .org.roles import Role


def home_context_for(user) -> dict:
    access = access_of(user)
    customers = customer_list_for_user(user=user)
    context: dict = {
        "role": access.role,
        "branch": Branch.objects.filter(pk=access.branch_id).first() if access.branch_id else None,
        "customer_count": customers.count(),
        "recent_customers": list(customers.order_by("-created_at")[:5]),
        "complaint_counts": complaint_queue_counts(user=user),
        "urgent_complaints": list(complaint_list_for_user(user=user).open().order_by("resolution_due_at")[:8]),
    }
    if access.role in (Role.GENERAL_MANAGER, Role.ADMIN):
        context["branches"] = list(
            Branch.objects.filter(is_active=True).annotate(customer_total=Count("customers")).order_by("code")
        )
    return context
