from django.db.models import Q, QuerySet
from django.http import Http404

from crm_site.org.access import scope_to_user_branch

from .models import Customer


def customer_list_for_user(*, user, search: str = "") -> QuerySet[Customer]:
    """Customers the user may see: their branch's, or all for company-wide roles."""
    qs = scope_to_user_branch(Customer.objects.all(), user).select_related("branch", "account_manager")
    search = search.strip()
    if search:
        qs = qs.filter(
            Q(name__icontains=search)
            | Q(code__iexact=search)
            | Q(phone__contains=search)
            | Q(company_name__icontains=search)
        )
    return qs


def customer_get_for_user(*, user, pk: int) -> Customer:
    """The access gate for one customer: unknown and forbidden both raise 404."""
    try:
        return customer_list_for_user(user=user).get(pk=pk)
    except Customer.DoesNotExist:
        raise Http404 from None
