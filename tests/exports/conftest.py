import csv
import io
from datetime import timedelta

import openpyxl
import pytest
from django.utils import timezone

from complaints.models import Complaint
from crm_site.org.roles import Role
from customers.phones import phone_e164
from tests.complaints.factories import CategoryFactory, ComplaintFactory
from tests.customers.factories import VisitPlanFactory
from tests.factories import CustomerFactory, staff

PHONE = "13812345678"
MASKED = "138****5678"  # customers.masking.mask_phone: first three, one * per hidden digit (11 - 7 = 4), last four


def csv_rows(response) -> list[list[str]]:
    body = b"".join(response.streaming_content).decode("utf-8")
    assert body.startswith("\ufeff")
    return list(csv.reader(io.StringIO(body[1:])))


def xlsx_rows(content: bytes) -> list[list]:
    sheet = openpyxl.load_workbook(io.BytesIO(content)).active
    return [["" if v is None else v for v in row] for row in sheet.iter_rows(values_only=True)]


def rows_of(response, fmt: str) -> list[list]:
    assert response.status_code == 200, response.status_code
    return csv_rows(response) if fmt == "csv" else xlsx_rows(response.content)


def column(rows: list[list], header: str) -> list:
    index = rows[0].index(header)
    return [row[index] for row in rows[1:]]


@pytest.fixture
def colleague(branch):
    """Another clerk of the branch: sees its customers, but not the account manager's phone numbers."""
    return staff(Role.FRONTLINE, branch, username="colleague")


@pytest.fixture
def manager_other(other_branch):
    return staff(Role.MANAGER, other_branch, username="manager_other")


@pytest.fixture
def shop(branch, other_branch, frontline, colleague):
    """Branch BJ: customer "managed" BJ0001 (frontline is its account manager, phone PHONE) with a major
    complaint, BJ0002 and BJ0003 with a general complaint each, BJ0004 without; branch SH: one customer with one
    complaint. Visit plans: one of frontline's overdue and one due in a week, one of the colleague's, one of
    frontline's due in 30 days (not on the page: the page shows two weeks ahead)."""
    managed = CustomerFactory(
        branch=branch, name="Managed 王", code="BJ0001", phone=PHONE, phone_e164=phone_e164(PHONE)
    )
    managed.account_manager = frontline
    managed.save()
    plain = [CustomerFactory(branch=branch, code=f"BJ000{i}") for i in (2, 3, 4)]
    far = CustomerFactory(branch=other_branch, name="Far away", code="SH0001")
    category = CategoryFactory()
    complaints = {
        "major": ComplaintFactory(actor=frontline, customer=managed, category=category, severity="major"),
        "general_1": ComplaintFactory(actor=frontline, customer=plain[0], category=category),
        "general_2": ComplaintFactory(actor=colleague, customer=plain[1], category=category),
    }
    clerk_sh = staff(Role.FRONTLINE, other_branch, username="clerk_sh")
    complaints["far"] = ComplaintFactory(actor=clerk_sh, customer=far, category=category)
    today = timezone.localdate()
    plans = {
        "overdue": VisitPlanFactory(customer=managed, owner=frontline, next_due=today - timedelta(days=3)),
        "soon": VisitPlanFactory(customer=plain[0], owner=frontline, next_due=today + timedelta(days=7)),
        "colleague": VisitPlanFactory(customer=plain[1], owner=colleague, next_due=today + timedelta(days=1)),
        "later": VisitPlanFactory(customer=plain[2], owner=frontline, next_due=today + timedelta(days=30)),
    }
    return {"managed": managed, "plain": plain, "far": far, "complaints": complaints, "plans": plans}


def number(complaint: Complaint) -> str:
    return Complaint.objects.get(pk=complaint.pk).number
