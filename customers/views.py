from django.core.paginator import Paginator
from django.shortcuts import render

from .selectors import customer_get_for_user, customer_list_for_user

SORTS = {
    "name": "name",
    "-name": "-name",
    "code": "code",
    "-code": "-code",
    "created": "created_at",
    "-created": "-created_at",
}


def customer_list(request):
    search = request.GET.get("q", "")
    sort = request.GET.get("sort", "name")
    qs = customer_list_for_user(user=request.user, search=search).order_by(SORTS.get(sort, "name"), "pk")
    page = Paginator(qs, 25).get_page(request.GET.get("page"))
    return render(request, "customers/customer_list.html", {"page": page, "q": search, "sort": sort})


def customer_detail(request, pk: int):
    customer = customer_get_for_user(user=request.user, pk=pk)
    return render(request, "customers/customer_detail.html", {"customer": customer})
