"""The complaint list's rows, built in Python (complaints.templatetags.complaint_tags.complaint_rows): what each
cell says and how it is marked, in both languages, with the customer's text escaped."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from complaints.models import Complaint
from complaints.workflow import Step
from tests.complaints.test_views import make_complaint
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db


def rows(client, **params) -> dict[str, str]:
    """Each row's HTML by complaint number."""
    html = client.get(reverse("complaints:list"), params).content.decode()
    body = html.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    found = re.findall(r"<tr[^>]*>.*?</tr>", body, flags=re.S)
    return {re.search(r"TS-\d{4}-\d+", row).group(0): row for row in found}


def test_rows_mark_overdue_repeat_archived_and_escalated_complaints(client, frontline, branch):
    client.force_login(frontline)
    customer = CustomerFactory(branch=branch, name="<b>Wang</b> 王")
    first = make_complaint(frontline, customer, severity="major")
    repeat = make_complaint(frontline, customer)  # the same customer within the repeat window
    Complaint.objects.filter(pk=first.pk).update(
        resolution_due_at=timezone.now() - timedelta(hours=1), escalation_level=1, is_archived=True
    )
    shown = rows(client, step="")
    overdue, later = shown[first.number], shown[repeat.number]
    assert overdue.startswith('<tr class="table-danger">')
    assert f'href="{reverse("complaints:detail", args=[first.pk])}"' in overdue
    assert '<span class="badge text-bg-danger">Overdue</span>' in overdue
    assert '<span class="badge text-bg-secondary">Archived</span>' in overdue
    assert '<span class="badge text-bg-danger">Major</span>' in overdue
    assert 'data-testid="escalation"><span class="badge text-bg-danger">' in overdue
    # both are repeats: the first has a repeat, the second is one
    assert overdue.count(">Repeat</span>") == 1 and later.count(">Repeat</span>") == 1
    assert not later.startswith('<tr class="table-danger">')
    assert 'data-testid="escalation">—</td>' in later
    assert "&lt;b&gt;Wang&lt;/b&gt; 王" in later and "<b>Wang</b>" not in later
    local = timezone.localtime(repeat.created_at)
    assert f'<td class="small">{local:%Y-%m-%d %H:%M}</td>' in later


def test_a_closed_row_has_no_due_date_and_the_rows_speak_chinese(client, frontline, branch):
    client.force_login(frontline)
    closed = make_complaint(frontline, CustomerFactory(branch=branch))
    Complaint.objects.filter(pk=closed.pk).update(step=Step.CLOSED, closed_at=timezone.now())
    row = rows(client, step="closed")[closed.number]
    assert '<td class="small">—</td>' in row
    assert '<span class="badge text-bg-secondary">Closed</span>' in row
    with translation.override("zh-hans"):
        client.cookies.load({"django_language": "zh-hans"})
        row = rows(client, step="closed")[closed.number]
    assert '<span class="badge text-bg-secondary">已结案</span>' in row


def test_the_branch_column_is_shown_to_company_wide_roles_only(client, frontline, gm, branch):
    complaint = make_complaint(frontline, CustomerFactory(branch=branch))
    client.force_login(frontline)
    assert f"<td>{branch.name}</td>" not in rows(client)[complaint.number]
    client.force_login(gm)
    assert f"<td>{branch.name}</td>" in rows(client)[complaint.number]
