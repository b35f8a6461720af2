"""The list exports (complaints, customers, visits, survey answers): what the page shows the user, with the page's
filters, neutralised cells, phones masked as on screen, local times, one audit row, a fixed number of queries."""

from datetime import UTC, datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from complaints.models import Complaint
from crm_site.exports.models import ExportAudit, ExportState
from satisfaction.models import SurveyTemplate
from tests.complaints.factories import CategoryFactory, ComplaintFactory
from tests.customers.factories import VisitPlanFactory
from tests.factories import CustomerFactory
from tests.satisfaction.test_services import answer_on_phone, make_questionnaire

from .conftest import MASKED, PHONE, column, number, rows_of

pytestmark = pytest.mark.django_db

URLS = ["complaints:export", "customers:export", "customers:visit_export", "satisfaction:response_export"]
DANGEROUS = ["=1+1", "+1", "-1", "@SUM(A1)", "\tcmd", "\rcmd"]


def export(client, url_name: str, fmt: str, **query):
    return client.get(reverse(url_name, args=[fmt]), query)


# --- Formula injection ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
@pytest.mark.parametrize("start", DANGEROUS)
def test_a_customer_name_is_never_run_as_a_formula(client, manager, branch, fmt, start):
    CustomerFactory(branch=branch, code="BJ0100", name=start + " name")
    client.force_login(manager)
    rows = rows_of(export(client, "customers:export", fmt), fmt)
    assert column(rows, "Name") == [as_read(fmt, "'" + start + " name")]


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
@pytest.mark.parametrize("start", DANGEROUS)
def test_a_complaint_description_is_never_run_as_a_formula(client, manager, shop, fmt, start):
    words = start + "HYPERLINK(evil)"
    Complaint.objects.filter(pk=shop["complaints"]["major"].pk).update(customer_words=words)
    client.force_login(manager)
    rows = rows_of(export(client, "complaints:export", fmt, severity="major"), fmt)
    assert column(rows, "In the customer's own words") == [as_read(fmt, "'" + words)]


def as_read(fmt: str, text: str) -> str:
    """What reading the file gives back: an XML parser turns a CR into a line feed (XML's end-of-line rule)."""
    return text.replace("\r", "\n") if fmt == "xlsx" else text


# --- Masking --------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
@pytest.mark.parametrize(
    ("who", "full"),
    # customers/rules.py customer.see_phone: the account manager and the branch's supervisors see it in full; a
    # colleague at the same branch and the admin see it masked (as on the 360 page: tests/customers/test_masking).
    [("frontline", True), ("manager", True), ("gm", True), ("colleague", False), ("admin_user", False)],
)
@pytest.mark.parametrize("url_name", ["customers:export", "complaints:export"])
def test_phones_are_masked_as_on_screen(client, request, shop, fmt, who, full, url_name):
    client.force_login(request.getfixturevalue(who))
    rows = rows_of(export(client, url_name, fmt), fmt)
    text = "\n".join(str(cell) for row in rows for cell in row)
    assert (PHONE in text) is full
    assert (MASKED in text) is not full


def test_visit_phones_are_masked_for_the_colleague(client, shop, colleague):
    # The colleague's visit is at plain[1], whose account manager is nobody: masked for a clerk.
    client.force_login(colleague)
    rows = rows_of(export(client, "customers:visit_export", "csv"), "csv")
    phone = shop["plain"][1].phone
    assert column(rows, "Phone") == [phone[:3] + "****" + phone[-4:]]


# --- Access and filters ---------------------------------------------------------------------------------------------


def test_a_manager_of_another_branch_gets_none_of_this_branchs_rows(client, shop, manager_other):
    client.force_login(manager_other)
    complaints = rows_of(export(client, "complaints:export", "csv"), "csv")
    assert column(complaints, "Number") == [number(shop["complaints"]["far"])]
    customers = rows_of(export(client, "customers:export", "xlsx"), "xlsx")
    assert column(customers, "Code") == ["SH0001"]
    # A filter naming the other branch changes nothing: the branch field is not offered to a branch's staff.
    complaints = rows_of(export(client, "complaints:export", "csv", branch=shop["managed"].branch_id), "csv")
    assert number(shop["complaints"]["major"]) not in column(complaints, "Number")


def test_the_page_filters_are_applied(client, shop, manager):
    client.force_login(manager)
    rows = rows_of(export(client, "complaints:export", "csv", severity="major"), "csv")
    assert column(rows, "Number") == [number(shop["complaints"]["major"])]
    assert column(rows, "Severity") == ["Major"]
    rows = rows_of(export(client, "customers:export", "csv", q="managed"), "csv")  # the name, case aside
    assert column(rows, "Code") == ["BJ0001"]


def test_the_general_manager_filters_by_branch(client, shop, gm, other_branch):
    client.force_login(gm)
    rows = rows_of(export(client, "customers:export", "csv"), "csv")
    assert sorted(column(rows, "Code")) == ["BJ0001", "BJ0002", "BJ0003", "BJ0004", "SH0001"]
    rows = rows_of(export(client, "customers:export", "csv", branch=other_branch.pk), "csv")
    assert column(rows, "Code") == ["SH0001"]


def test_frontline_exports_only_the_visits_its_page_shows(client, shop, frontline, colleague):
    # frontline owns "overdue" (3 days ago) and "soon" (in 7 days); "later" (in 30 days) is beyond the page's two
    # weeks; the colleague's plan is not theirs.
    client.force_login(frontline)
    rows = rows_of(export(client, "customers:visit_export", "xlsx"), "xlsx")
    assert column(rows, "Customer code") == ["BJ0001", "BJ0002"]
    assert column(rows, "Overdue") == ["Overdue", "Due soon"]
    client.force_login(colleague)
    rows = rows_of(export(client, "customers:visit_export", "csv"), "csv")
    assert column(rows, "Customer code") == ["BJ0003"]


def test_a_filter_not_understood_is_ignored_as_on_the_page_and_said(client, shop, manager):
    client.force_login(manager)
    response = export(client, "complaints:export", "csv", severity="bogus")
    rows = rows_of(response, "csv")
    # The page ignores the bad severity and shows the branch's three open complaints; so does the export.
    assert len(rows) - 1 == 3
    assert response["X-Export-Filters-Ignored"] == "1"
    page = client.get(reverse("complaints:list"), {"severity": "bogus"})
    assert page.context["page"].paginator.count == 3
    assert "Some filters were not understood and were ignored in the export." in page.content.decode()


def test_headers_and_choice_labels_in_the_users_language(client, shop, manager):
    client.force_login(manager)
    client.cookies["django_language"] = "zh-hans"
    rows = rows_of(export(client, "complaints:export", "csv", severity="major"), "csv")
    assert rows[0][0] == "编号"  # "Number"
    assert column(rows, "严重程度") == ["重大"]  # Severity: Major


def test_times_are_local(client, shop, manager):
    # Received at 2026-03-01 16:30 UTC: 2026-03-02 00:30 in the site's zone (Asia/Shanghai, UTC+8).
    Complaint.objects.filter(pk=shop["complaints"]["major"].pk).update(
        created_at=datetime(2026, 3, 1, 16, 30, tzinfo=UTC)
    )
    client.force_login(manager)
    rows = rows_of(export(client, "complaints:export", "csv", severity="major"), "csv")
    assert column(rows, "Received") == ["2026-03-02 00:30"]
    rows = rows_of(export(client, "complaints:export", "xlsx", severity="major"), "xlsx")
    assert column(rows, "Received") == [datetime(2026, 3, 2, 0, 30)]


# --- Audit, formats, queries ----------------------------------------------------------------------------------------


def test_every_export_writes_one_audit_row(client, shop, manager):
    client.force_login(manager)
    b"".join(export(client, "complaints:export", "csv", severity="major", page="2").streaming_content)
    export(client, "customers:export", "xlsx", q="BJ")
    audits = list(ExportAudit.objects.order_by("pk"))
    assert [(a.user, a.kind, a.format, a.filters, a.row_count, a.state) for a in audits] == [
        (manager, "complaints", "csv", {"severity": "major"}, 1, ExportState.DELIVERED),
        # q=BJ: no customer is named "BJ" nor coded exactly "BJ": 0 rows
        (manager, "customers", "xlsx", {"q": "BJ"}, 0, ExportState.DELIVERED),
    ]


@pytest.mark.parametrize("url_name", URLS)
def test_an_unknown_format_is_a_404_and_no_audit(client, gm, url_name):
    client.force_login(gm)
    assert client.get(reverse(url_name, args=["pdf"])).status_code == 404
    assert not ExportAudit.objects.exists()


@pytest.mark.parametrize("url_name", URLS)
def test_the_list_pages_offer_both_formats_with_the_current_filters(client, gm, url_name):
    client.force_login(gm)
    page_url = reverse(url_name.replace("visit_export", "visits").replace("response_export", "response_list")
                       .replace(":export", ":list"))  # fmt: skip
    content = client.get(page_url, {"q": "x", "page": "2"}).content.decode()
    for fmt in ("csv", "xlsx"):
        assert reverse(url_name, args=[fmt]) in content
    if url_name != "customers:visit_export":
        assert reverse(url_name, args=["csv"]) + "?q=x" in content


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_the_number_of_queries_does_not_grow_with_the_rows(client, branch, manager, fmt, django_assert_max_num_queries):
    client.force_login(manager)
    CustomerFactory.create_batch(3, branch=branch)
    with django_assert_max_num_queries(QUERIES) as small:
        rows_of(export(client, "customers:export", fmt), fmt)
    CustomerFactory.create_batch(27, branch=branch)
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert len(rows_of(export(client, "customers:export", fmt), fmt)) == 1 + 30


# The session, the user, their role (groups) and staff profile, the branches (the filter's choices), the count, the
# audit row, the customers and their tags (one prefetch per 2,000-row chunk): 9.
QUERIES = 9


def _complaints(n, *, branch, actor, designer):
    category = CategoryFactory()
    for _ in range(n):
        ComplaintFactory(actor=actor, customer=CustomerFactory(branch=branch), category=category)


def _visits(n, *, branch, actor, designer):
    for _ in range(n):
        VisitPlanFactory(customer=CustomerFactory(branch=branch), owner=actor, next_due=timezone.localdate())


def _answers(n, *, branch, actor, designer):
    template = SurveyTemplate.objects.filter(code="export-q").first() or make_questionnaire(designer, code="export-q")
    for _ in range(n):
        answer_on_phone(actor, CustomerFactory(branch=branch), template)


@pytest.mark.parametrize(
    ("url_name", "build"),
    [
        ("complaints:export", _complaints),
        ("customers:visit_export", _visits),
        ("satisfaction:response_export", _answers),
    ],
)
def test_the_other_lists_run_a_fixed_number_of_queries(
    client, branch, manager, gm, url_name, build, django_assert_max_num_queries
):
    client.force_login(manager)
    build(3, branch=branch, actor=manager, designer=gm)
    with CaptureQueriesContext(connection) as small:
        assert len(rows_of(export(client, url_name, "csv"), "csv")) == 1 + 3
    build(27, branch=branch, actor=manager, designer=gm)
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert len(rows_of(export(client, url_name, "csv"), "csv")) == 1 + 30


def test_survey_answers_of_another_branch_are_not_exported(client, branch, manager, manager_other, gm):
    _answers(2, branch=branch, actor=manager, designer=gm)
    client.force_login(manager_other)
    assert len(rows_of(export(client, "satisfaction:response_export", "xlsx"), "xlsx")) == 1  # the header alone
    client.force_login(manager)
    rows = rows_of(export(client, "satisfaction:response_export", "csv"), "csv")
    assert len(rows) == 1 + 2 and set(column(rows, "Branch")) == {branch.name}


@pytest.mark.parametrize(("who", "status"), [("admin_user", 200), ("gm", 302), ("manager", 302)])
def test_the_audit_is_read_only_in_the_configuration_pages(client, request, shop, manager, who, status):
    client.force_login(manager)
    export(client, "customers:export", "xlsx")
    client.force_login(request.getfixturevalue(who))
    response = client.get("/config/exports/exportaudit/")
    assert response.status_code == status
    if status == 200:
        assert "customers" in response.content.decode()
        audit = ExportAudit.objects.get()
        change = client.post(f"/config/exports/exportaudit/{audit.pk}/change/", {"row_count": 0})
        assert change.status_code == 403
        assert ExportAudit.objects.get().row_count == 4
