"""The monthly sums (ComplaintMonth, ComplaintStepTime): kept by the complaint services equal to a rebuild, and every
figure of the statistics page read from them for whole months equal to the live aggregates over the complaints."""

from datetime import date
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from complaints import services
from complaints.workflow import Step
from reports.models import ComplaintMonth, ComplaintStepTime
from reports.selectors import ReportFilters, reads_summary
from reports.services import complaint_summary_rebuild
from reports.views import TABLES, Report
from tests.complaints.factories import ComplaintFactory, advance, record_revisit, walk_to
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db

PERIOD = ReportFilters(date_from=date(2026, 1, 1), date_to=date(2026, 6, 30))
SUMMED = ("month", "branch_id", "dimension", "value", "received", "closed", "repeats", "escalated",
          "escalated_gm", "responded", "response_on_time", "unanswered_closed", "resolution_on_time", "satisfied",
          "amount", "shown")  # fmt: skip


def summary_rows() -> set[tuple]:
    return set(ComplaintMonth.objects.exclude(received=0).values_list(*SUMMED))


def totals() -> dict:
    """Σ seconds and Σ scores: SQLite's julianday() measures time to the millisecond, Python to the microsecond."""
    return {row[:4]: row[4] for row in ComplaintMonth.objects.exclude(received=0).values_list(*SUMMED[:4], "total")}


def step_rows() -> dict:
    return {row[0]: row[1:] for row in ComplaintStepTime.objects.values_list()}


def test_whole_months_only_without_the_other_filters():
    assert reads_summary(PERIOD)
    assert not reads_summary(ReportFilters(date_from=date(2026, 1, 2), date_to=date(2026, 6, 30)))
    assert not reads_summary(ReportFilters(date_from=date(2026, 1, 1), date_to=date(2026, 6, 29)))
    assert not reads_summary(ReportFilters(date_from=date(2026, 1, 1), date_to=date(2026, 6, 30), severity="major"))


@pytest.mark.parametrize("who", ["gm", "manager"])
def test_every_table_from_the_sums_equals_the_live_one(data, who, request):
    user = request.getfixturevalue(who)
    fast, live = Report(user=user, filters=PERIOD), Report(user=user, filters=PERIOD)
    live.__dict__["sums"] = None  # the live aggregates over the complaints
    assert fast.sums is not None
    assert fast.summary == live.summary
    assert fast.summary["received"] == (5 if who == "gm" else 4)  # A1–A4, and B1 for the whole company
    for name in TABLES:
        assert fast.table(name).rows == live.table(name).rows, name


def test_a_branch_filter_reads_the_sums_too(data, gm, branch):
    filters = ReportFilters(date_from=PERIOD.date_from, date_to=PERIOD.date_to, branch_id=branch.pk)
    fast, live = Report(user=gm, filters=filters), Report(user=gm, filters=filters)
    live.__dict__["sums"] = None
    for name in TABLES:
        assert fast.table(name).rows == live.table(name).rows, name


def test_the_services_keep_the_sums_equal_to_a_rebuild(frontline, manager, gm, branch):
    customer = CustomerFactory(branch=branch)
    first = ComplaintFactory(actor=frontline, customer=customer)
    walk_to(first, Step.SATISFY, actor=frontline, manager=manager, gm=gm)
    record_revisit(first, frontline)  # satisfied: the case may close
    advance(first, frontline)
    second = ComplaintFactory(actor=frontline, customer=customer)  # a repeat of the first
    services.complaint_escalate(complaint_id=second.pk, level=1)
    walk_to(second, Step.SATISFY, actor=frontline, manager=manager, gm=gm)
    record_revisit(second, frontline, score=1, outcome="not_resolved")  # reopened to Action
    kept, kept_totals, kept_steps = summary_rows(), totals(), step_rows()
    assert next((r[2], r[4], r[5], r[6]) for r in kept if r[2] == "all") == (
        "all",
        2,
        1,
        1,
    )  # two received, the first closed, the second a repeat
    complaint_summary_rebuild()
    assert summary_rows() == kept
    assert totals() == pytest.approx(kept_totals, abs=0.01)
    rebuilt = step_rows()
    assert rebuilt.keys() == kept_steps.keys()
    for pk, row in rebuilt.items():
        assert row == pytest.approx(kept_steps[pk], abs=0.01)


def test_the_page_runs_at_most_twelve_queries(data, client, gm):
    client.force_login(gm)
    url = reverse("reports:statistics") + "?period=custom&date_from=2026-01-01&date_to=2026-06-30"
    client.get(url)
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    assert len(ctx.captured_queries) <= 12


def test_the_command_rebuilds_what_was_lost_and_refuses_a_month_it_cannot_read(frontline, branch):
    ComplaintFactory(actor=frontline, customer=CustomerFactory(branch=branch))
    kept = summary_rows()
    ComplaintMonth.objects.all().delete()
    out = StringIO()
    call_command("rebuild_complaint_summary", stdout=out)
    assert summary_rows() == kept
    assert "monthly summary rows written" in out.getvalue()
    with pytest.raises(CommandError, match="2026-11"):
        call_command("rebuild_complaint_summary", "--month", "2026-13")
