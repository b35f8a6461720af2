"""Ids from a URL, a query string or a form never reach the database out of range.

SQLite raises OverflowError for integers above 2**63 - 1: a 500. (PostgreSQL, through psycopg 3, compared
them without an error here; the suite runs on both.) An id in a URL that cannot be a row's id is a 404; one in
a form is a form error (or an empty selection). A "digit" that int() refuses ("²") is no better.
"""

import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.converters import IntConverter

from complaints.workflow import Step
from crm_site.org.converters import IdConverter
from crm_site.org.roles import Role
from customers.models import Customer, VisitPlan
from tests.complaints.factories import ComplaintFactory, jump_to, version
from tests.factories import CustomerFactory, staff

pytestmark = pytest.mark.django_db

BIGINT_MAX = 2**63 - 1  # the largest id a signed 64-bit column holds (SQLite INTEGER, PostgreSQL bigint)
TOO_BIG = [str(2**63), str(10**20)]
# str.isdigit() is true for these, int() refuses the first: a digit check is not a number check.
NOT_NUMBERS = ["²", "1²"]


def _routes(patterns, prefix=""):
    for pattern in patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            yield from _routes(pattern.url_patterns, route)
        elif isinstance(pattern, URLPattern):
            yield route, pattern


def _project_routes():
    """Every route of the project's own apps with a parameter (the admin site, under config/, has its own)."""
    return [
        (route, pattern)
        for route, pattern in _routes(get_resolver().url_patterns)
        if "<" in route and not route.startswith("config/")
    ]


def _id_routes():
    """The routes whose parameters are ids (not a survey token or an export's table name)."""
    return [(route, pattern) for route, pattern in _project_routes() if "<id:" in route and "<str:" not in route]


def _fill(route: str, value: str) -> str:
    return "/" + re.sub(r"<(?:\w+:)?\w+>", value, route)


def test_the_walk_finds_the_routes_with_ids():
    routes = [route for route, _pattern in _project_routes()]
    assert "customers/<id:pk>/360/" in routes
    assert "complaints/<id:pk>/note/" in routes
    assert "customers/<id:pk>/contacts/<id:contact_pk>/deactivate/" in routes
    assert len(routes) >= 30


def test_every_id_in_a_url_is_range_checked():
    """A new `<int:...>` route would let 2**63 through to the database again."""
    converters = [
        (route, converter) for route, pattern in _project_routes() for converter in pattern.pattern.converters.values()
    ]
    assert [route for route, converter in converters if isinstance(converter, IntConverter)] == []
    assert sum(isinstance(converter, IdConverter) for _route, converter in converters) >= 30


@pytest.mark.parametrize("value", ["1", "42", str(BIGINT_MAX), "0042"])
def test_the_converter_takes_every_row_id(value):
    assert IdConverter().to_python(value) == int(value)


@pytest.mark.parametrize("value", [str(BIGINT_MAX + 1), str(10**20), "0"])
def test_the_converter_refuses_what_cannot_be_a_row_id(value):
    with pytest.raises(ValueError):
        IdConverter().to_python(value)


@pytest.mark.parametrize("huge", TOO_BIG)
@pytest.mark.parametrize("method", ["get", "post"])
def test_every_url_with_a_huge_id_is_not_found(client, manager, customer, method, huge):
    ComplaintFactory(actor=manager, customer=customer)
    client.force_login(manager)
    answers = {}
    for route, _pattern in _id_routes():
        path = _fill(route, huge)
        answers[path] = getattr(client, method)(path).status_code
    assert {path: code for path, code in answers.items() if code != 404} == {}


@pytest.mark.parametrize("method", ["get", "post"])
def test_every_url_takes_the_largest_id_to_its_view(client, manager, customer, method):
    """2**63 - 1 is a possible id: the view itself answers (404, or 405 for a GET of a form's target)."""
    ComplaintFactory(actor=manager, customer=customer)
    client.force_login(manager)
    answers = {}
    for route, _pattern in _id_routes():
        path = _fill(route, str(BIGINT_MAX))
        answers[path] = getattr(client, method)(path).status_code  # a 500 raises here
    assert set(answers.values()) <= {302, 404, 405}
    assert answers["/customers/9223372036854775807/360/"] == 404


def test_the_admin_site_answers_huge_ids_with_not_found(client, db):
    client.force_login(staff(Role.ADMIN, None, username="root", is_staff=True, is_superuser=True))
    for huge in TOO_BIG:
        for what in ("change", "history"):
            path = f"/config/customers/customer/{huge}/{what}/"
            response = client.get(path)
            # The admin's own answer to an unknown object: back to its index, with a message.
            assert (response.status_code, response.get("Location")) == (302, "/config/")


# ---- query strings and forms ----


@pytest.fixture
def setting(manager, customer):
    """A complaint at the Problem step and a customer with an account manager, seen by a manager."""
    customer.account_manager = manager
    customer.save(update_fields=["account_manager"])
    return jump_to(ComplaintFactory(actor=manager, customer=customer), Step.PROBLEM)


# (method, path, data) for every parameter that names a row by its id; {bad} is the value under test.
ID_PARAMETERS = {
    "complaint list handler": ("get", "/complaints/", {"handler": "{bad}"}),
    "complaint list branch": ("get", "/complaints/", {"branch": "{bad}"}),
    "complaint list category": ("get", "/complaints/", {"category": "{bad}"}),
    "customer list branch": ("get", "/customers/", {"branch": "{bad}"}),
    "customer list tag": ("get", "/customers/", {"tag": "{bad}"}),
    "matrix branch": ("get", "/customers/matrix/", {"branch": "{bad}"}),
    "transfer page": ("get", "/customers/transfer/", {"from_manager": "{bad}"}),
    "transfer both": ("post", "/customers/transfer/", {"from_manager": "{bad}", "to_manager": "{bad}", "reason": "x"}),
    "transfer from": ("post", "/customers/transfer/", {"from_manager": "{bad}", "to_manager": "{me}", "reason": "x"}),
    "transfer to": ("post", "/customers/transfer/", {"from_manager": "{me}", "to_manager": "{bad}", "reason": "x"}),
    "transfer chosen": (
        "post",
        "/customers/transfer/",
        {"from_manager": "{me}", "to_manager": "{colleague}", "reason": "x", "scope": "chosen", "customers": ["{bad}"]},
    ),
    "intake": ("post", "/complaints/new/", {"customer": "{bad}", "category": "{bad}", "customer_words": "broken"}),
    "customer new": ("post", "/customers/new/", {"branch": "{bad}", "tags": ["{bad}"], "name": "Li", "phone": "1"}),
    "customer edit": ("post", "/customers/{customer}/edit/", {"tags": ["{bad}"], "name": "Li", "phone": "1"}),
    "visit plan": ("post", "/customers/{customer}/visit-plan/", {"owner": "{bad}", "every_days": "30"}),
    "assign": (
        "post",
        "/complaints/{complaint}/assign/",
        {"handler": "{bad}", "department": "{bad}", "version": "{v}"},
    ),
    "problem step": ("post", "/complaints/{complaint}/step/", {"department": "{bad}", "version": "{v}"}),
    "advance version": ("post", "/complaints/{complaint}/advance/", {"version": "{bad}"}),
    "confirm version": ("post", "/complaints/{complaint}/confirm/", {"version": "{bad}", "by": "customer"}),
}


def _fill_in(value, names: dict):
    if isinstance(value, list):
        return [_fill_in(item, names) for item in value]
    return value.format(**names)


@pytest.mark.parametrize("bad", [*TOO_BIG, *NOT_NUMBERS])
@pytest.mark.parametrize("case", ID_PARAMETERS)
def test_a_huge_id_in_a_form_or_query_is_refused_without_an_error(client, manager, customer, setting, case, bad):
    method, path, data = ID_PARAMETERS[case]
    names = {
        "bad": bad,
        "me": str(manager.pk),
        "colleague": str(staff(Role.FRONTLINE, customer.branch, username="colleague").pk),
        "customer": str(customer.pk),
        "complaint": str(setting.pk),
        "v": str(version(setting)),
    }
    client.force_login(manager)
    response = getattr(client, method)(_fill_in(path, names), {k: _fill_in(v, names) for k, v in data.items()})
    # A form error re-renders the page (200, or 400 on the complaint page); a 500 raises in the test client.
    assert response.status_code in (200, 302, 400)


@pytest.mark.parametrize("bad", TOO_BIG)
def test_a_general_manager_sees_the_branch_filter_and_a_huge_branch_is_a_form_error(
    client, gm, customer, other_branch, bad
):
    client.force_login(gm)
    response = client.get("/customers/", {"branch": bad})
    assert response.status_code == 200
    assert "branch" in response.context["filter"].form.errors


@pytest.mark.parametrize("bad", [*TOO_BIG, *NOT_NUMBERS])
def test_transfer_from_a_huge_id_lists_nobody_and_moves_nothing(client, manager, customer, setting, bad):
    colleague = staff(Role.FRONTLINE, customer.branch, username="colleague")
    client.force_login(manager)
    page = client.get("/customers/transfer/", {"from_manager": bad})
    assert page.status_code == 200 and page.context["customers"] == []
    response = client.post(
        "/customers/transfer/",
        {"from_manager": bad, "to_manager": str(colleague.pk), "reason": "left", "scope": "all"},
    )
    assert response.status_code == 200
    assert "from_manager" in response.context["form"].errors
    assert Customer.objects.get(pk=customer.pk).account_manager_id == manager.pk


@pytest.mark.parametrize("bad", [*TOO_BIG, *NOT_NUMBERS])
def test_chosen_customers_with_huge_ids_are_ignored(client, manager, customer, setting, bad):
    colleague = staff(Role.FRONTLINE, customer.branch, username="colleague")
    other = CustomerFactory(branch=customer.branch, account_manager=manager)
    client.force_login(manager)
    response = client.post(
        "/customers/transfer/",
        {
            "from_manager": str(manager.pk),
            "to_manager": str(colleague.pk),
            "reason": "left",
            "scope": "chosen",
            "customers": [bad, str(other.pk)],
        },
    )
    assert response.status_code == 302
    assert Customer.objects.get(pk=other.pk).account_manager_id == colleague.pk
    assert Customer.objects.get(pk=customer.pk).account_manager_id == manager.pk


@pytest.mark.parametrize("bad", TOO_BIG)
def test_a_huge_tag_is_a_form_error(client, manager, customer, bad):
    client.force_login(manager)
    response = client.post(
        f"/customers/{customer.pk}/edit/", {"name": "Renamed", "phone": customer.phone, "tags": [bad]}
    )
    assert response.status_code == 200
    assert "tags" in response.context["form"].errors
    assert Customer.objects.get(pk=customer.pk).name == customer.name


@pytest.mark.parametrize("bad", NOT_NUMBERS)
def test_an_intake_customer_that_is_no_number_is_a_form_error(client, manager, bad):
    client.force_login(manager)
    response = client.post("/complaints/new/", {"customer": bad, "customer_words": "broken"})
    assert response.status_code == 200
    assert "customer" in response.context["form"].errors
    assert response.context["chosen_customer"] is None


@pytest.mark.parametrize("bad", TOO_BIG)
def test_a_huge_visit_plan_owner_is_a_form_error(client, manager, customer, bad):
    client.force_login(manager)
    response = client.post(
        f"/customers/{customer.pk}/visit-plan/", {"owner": bad, "every_days": "30", "next_due": "2030-01-01"}
    )
    assert response.status_code == 200
    assert "owner" in response.context["form"].errors
    assert not VisitPlan.objects.filter(customer=customer).exists()
