"""Every figure of reports/selectors.py against the hand-built data of conftest.py, worked out by hand."""

from datetime import date

import pytest
from django.http import Http404

from complaints.models import Complaint, TimelineEvent
from crm_site.org.roles import Role
from reports import selectors
from reports.models import CorrectiveAction
from reports.selectors import ReportFilters
from tests.factories import CustomerFactory, staff

from .conftest import at, complaint, steps

pytestmark = pytest.mark.django_db

PERIOD = ReportFilters(date_from=date(2026, 1, 1), date_to=date(2026, 6, 30))


def by_key(rows, value="count"):
    return {row["key"]: row[value] for row in rows}


# --- Counts -------------------------------------------------------------------------------------------------------


def test_counts_company_wide(data, gm):
    # In the period: A1, A2, A3, A4 (BJ) and B1 (SH); A0 is before it.
    count = lambda by: selectors.counts_by(user=gm, filters=PERIOD, by=by)  # noqa: E731
    # Quality: A1, A2, A4 = 3 (60 %); service: A3, B1 = 2 (40 %).
    assert [(r["key"], r["count"], r["share"]) for r in count("category")] == [
        ("rpt-quality", 3, 60.0),
        ("rpt-service", 2, 40.0),
    ]
    # People: A1, A2, B1 = 3; product: A3; not recorded: A4. Ties by code: "" before "product".
    assert [(r["key"], r["count"]) for r in count("root_cause_group")] == [("people", 3), ("", 1), ("product", 1)]
    assert count("root_cause_group")[1]["label"] == "Not recorded yet"
    assert by_key(count("branch")) == {data.complaints["A1"].branch_id: 4, data.complaints["B1"].branch_id: 1}
    # Phone: A1, A3, B1; walk-in: A2; e-mail: A4.
    assert [(r["key"], r["count"]) for r in count("channel")] == [("phone", 3), ("email", 1), ("walk_in", 1)]
    assert [(r["key"], r["count"]) for r in count("severity")] == [("general", 3), ("important", 1), ("major", 1)]
    # D1: A1, A2; D2: A3; none recorded: A4, B1.
    assert by_key(count("department")) == {data.d1.pk: 2, data.d2.pk: 1, None: 2}
    assert [(r["key"], r["count"]) for r in count("month")] == [("2026-01", 1), ("2026-02", 2), ("2026-03", 2)]
    # Root causes, trimmed and without case: "rude staff" 3 (A1, A2, B1), "broken part" 1 (A3); A4 has none.
    assert [(r["key"], r["count"]) for r in count("root_cause")] == [
        ("people|rude staff", 3),
        ("product|broken part", 1),
    ]


def test_counts_of_a_manager_are_their_branch(data, manager):
    # BJ only: A1, A2, A3, A4.
    rows = selectors.counts_by(user=manager, filters=PERIOD, by="category")
    assert [(r["key"], r["count"], r["share"]) for r in rows] == [("rpt-quality", 3, 75.0), ("rpt-service", 1, 25.0)]


def test_filters_narrow_every_count(data, gm):
    # Severity general: A1, A4, B1; and channel phone: A1, B1.
    f = ReportFilters(date_from=date(2026, 1, 1), date_to=date(2026, 6, 30), severity="general", channel="phone")
    assert selectors.summary(user=gm, filters=f)["received"] == 2
    assert (
        selectors.summary(user=gm, filters=ReportFilters(**{**PERIOD.__dict__, "department_id": data.d1.pk}))[
            "received"
        ]
        == 2
    )  # A1, A2
    assert (
        selectors.summary(user=gm, filters=ReportFilters(**{**PERIOD.__dict__, "category_id": data.service.pk}))[
            "received"
        ]
        == 2
    )  # A3, B1


# --- Summary: repeats, escalations, overdue -------------------------------------------------------------------------


def test_summary(data, gm):
    s = selectors.summary(user=gm, filters=PERIOD, now=at("2026-11-30 00:00"))
    # Received 5; closed A1, A2, B1 = 3; repeats A2 = 1 → 100 × 1 / 5 = 20 %; escalated A3 (both levels);
    # overdue now: A3 (due 2026-02-25), not A4 (due 2099).
    assert s == {
        "received": 5,
        "closed": 3,
        "open": 2,
        "repeats": 1,
        "repeat_rate": 20.0,
        "escalated": 1,
        "escalated_gm": 1,
        "escalation_rate": 20.0,
        "overdue": 1,
    }


def test_repeats_and_escalations_by_month(data, gm):
    rows = selectors.repeats_and_escalations_by_month(user=gm, filters=PERIOD)
    # February: A2 (repeat) and A3 (escalated twice): 1 / 2 = 50 %.
    assert rows == [
        {"month": "2026-01", "received": 1, "repeats": 0, "repeat_rate": 0.0, "escalated": 0, "escalated_gm": 0},
        {"month": "2026-02", "received": 2, "repeats": 1, "repeat_rate": 50.0, "escalated": 1, "escalated_gm": 1},
        {"month": "2026-03", "received": 2, "repeats": 0, "repeat_rate": 0.0, "escalated": 0, "escalated_gm": 0},
    ]


# --- Pareto -----------------------------------------------------------------------------------------------------


def test_pareto_company_wide(data, gm):
    p = selectors.pareto(user=gm, filters=PERIOD)
    # Recorded: A1, A2, B1, A3 = 4; A4 not yet. rude staff 3 → 75 %, cumulative 75 %; broken part 1 → 25 %, 100 %.
    assert p["recorded"] == 4 and p["not_recorded"] == 1
    assert [(r["key"], r["count"], r["share"], r["cumulative"]) for r in p["rows"]] == [
        ("people|rude staff", 3, 75.0, 75.0),
        ("product|broken part", 1, 25.0, 100.0),
    ]
    assert p["rows"][0]["label"].lower() == "people: rude staff"


def test_pareto_rest_row_and_manager_share(data, gm, manager):
    p = selectors.pareto(user=gm, filters=PERIOD, limit=1)
    # The one most frequent cause, then the rest: 1 of 4 = 25 %, cumulative 100 %.
    assert [(r["label"], r["count"], r["share"], r["cumulative"]) for r in p["rows"]][1] == (
        "All other causes",
        1,
        25.0,
        100.0,
    )
    mine = selectors.pareto(user=manager, filters=PERIOD)
    # BJ: rude staff 2 (A1, A2) of 3 recorded = 66.67 %; broken part 1 → 33.33 %, cumulative 100 %.
    assert [r["count"] for r in mine["rows"]] == [2, 1]
    assert mine["rows"][0]["share"] == pytest.approx(200 / 3)
    assert mine["rows"][1]["cumulative"] == pytest.approx(100.0)


# --- The quarter pattern ----------------------------------------------------------------------------------------


def test_quarter_pattern(data, gm):
    q = selectors.quarter_pattern(user=gm, filters=PERIOD)
    # The 8 quarters ending with 2026-06-30's; A0 (2025-12-20) counts here, the period's start does not apply.
    assert q["quarters"] == [
        "2024 Q3", "2024 Q4", "2025 Q1", "2025 Q2", "2025 Q3", "2025 Q4", "2026 Q1", "2026 Q2",
    ]  # fmt: skip
    assert [(c["key"], c["counts"], c["total"]) for c in q["causes"]] == [
        ("people", [0, 0, 0, 0, 0, 0, 3, 0], 3),
        ("product", [0, 0, 0, 0, 0, 0, 1, 0], 1),
        ("support", [0, 0, 0, 0, 0, 1, 0, 0], 1),
        ("", [0, 0, 0, 0, 0, 0, 1, 0], 1),
    ]
    # Remedies of agreed plans: A0 refund (2025 Q4); A1 refund + compensation, A2 refund + apology + discount,
    # B1 compensation (2026 Q1); B1's rejected plan (repair) does not count.
    assert [(r["key"], r["counts"][5:7], r["total"]) for r in q["remedies"]] == [
        ("refund", [1, 2], 3),
        ("discount", [0, 1], 1),
        ("compensation", [0, 2], 2),
        ("apology_letter", [0, 1], 1),
    ]


def test_quarters_ending():
    assert selectors.quarters_ending(date(2026, 2, 3), 3) == [date(2025, 7, 1), date(2025, 10, 1), date(2026, 1, 1)]


# --- SLA ------------------------------------------------------------------------------------------------------


def test_sla_by_branch(data, gm, branch, other_branch):
    rows = {
        r["key"]: r for r in selectors.sla_compliance(user=gm, filters=PERIOD, by="branch", now=at("2026-11-30 00:00"))
    }
    bj, sh = rows[branch.pk], rows[other_branch.pk]
    # BJ: responses due A1, A2 (answered) and A3 (unanswered past 02-20); A4's is due in 2099. On time: A1 → 1 / 3.
    # Resolutions due: A1, A2 (closed), A3 (open past 02-25); on time: A1 (01-18 ≤ 01-20) → 1 / 3.
    assert (bj["received"], bj["response_due"], bj["response_on_time"]) == (4, 3, 1)
    assert (bj["resolution_due"], bj["resolution_on_time"]) == (3, 1)
    assert bj["response_share"] == pytest.approx(100 / 3) and bj["resolution_share"] == pytest.approx(100 / 3)
    # SH: B1 answered and closed on time: 100 % and 100 %.
    assert (sh["response_share"], sh["resolution_share"]) == (100.0, 100.0)


def test_sla_by_severity(data, gm):
    rows = selectors.sla_compliance(user=gm, filters=PERIOD, by="severity", now=at("2026-11-30 00:00"))
    # General: A1, B1 due and on time (A4 not due yet); important: A2 late both; major: A3 late both.
    assert [
        (r["key"], r["response_due"], r["response_share"], r["resolution_due"], r["resolution_share"]) for r in rows
    ] == [
        ("general", 2, 100.0, 2, 100.0),
        ("important", 1, 0.0, 1, 0.0),
        ("major", 1, 0.0, 1, 0.0),
    ]


# --- Time in the steps ------------------------------------------------------------------------------------------


def test_step_durations(data, gm):
    rows = {r["step"]: r for r in selectors.step_durations(user=gm, filters=PERIOD)}
    # Three complaints finished each step (A1, A2, B1); A3 still in Listen. Sorted hours x1 ≤ x2 ≤ x3;
    # p90: h = 1 + 0.9 × (3 − 1) = 2.8 → x2 + 0.8 × (x3 − x2).
    expected = {
        "listen": ([1, 2, 3], 2.0, 2 + 0.8 * 1),  # 2.8
        "share": ([2, 4, 6], 4.0, 4 + 0.8 * 2),  # 5.6
        "problem": ([3, 6, 9], 6.0, 6 + 0.8 * 3),  # 8.4
        "check": ([4, 8, 12], 8.0, 8 + 0.8 * 4),  # 11.2
        # A2 passed Action twice: 20 + 5 = 25 h; sorted 10, 25, 30 → mean 65 / 3, p90 25 + 0.8 × 5 = 29.
        "action": ([10, 25, 30], 65 / 3, 25 + 0.8 * 5),
        # Satisfy: A1 10, A2 2 + 3 = 5, B1 1 → sorted 1, 5, 10: mean 16 / 3, p90 5 + 0.8 × 5 = 9.
        "satisfy": ([1, 5, 10], 16 / 3, 5 + 0.8 * 5),
    }
    assert list(rows) == ["listen", "share", "problem", "check", "action", "satisfy"]
    for step, (_hours, mean, p90) in expected.items():
        assert rows[step]["complaints"] == 3, step
        assert rows[step]["mean_hours"] == pytest.approx(mean, abs=1e-4), step
        assert rows[step]["p90_hours"] == pytest.approx(p90, abs=1e-4), step


def test_step_p90_interpolates_between_two_rows(branch, frontline, gm):
    from complaints.models import Category

    category = Category.objects.create(code="rpt-p90", name_en="P90", name_zh="P90")
    customer = CustomerFactory(branch=branch)
    # Five complaints in Listen for 1, 2, 3, 4 and 100 hours; h = 1 + 0.9 × 4 = 4.6 → x4 + 0.6 × (x5 − x4)
    # = 4 + 0.6 × 96 = 61.6; mean = 110 / 5 = 22.
    for hours in (4, 100, 1, 3, 2):
        c = complaint(branch=branch, customer=customer, actor=frontline, category=category, received="2026-04-10 10:00")
        steps(
            c,
            frontline,
            at("2026-04-10 10:00"),
            [(TimelineEvent.Kind.CREATED, "listen", 0), (TimelineEvent.Kind.STEP, "share", hours)],
        )
    rows = {r["step"]: r for r in selectors.step_durations(user=gm, filters=PERIOD)}
    assert rows["listen"]["complaints"] == 5
    assert rows["listen"]["mean_hours"] == pytest.approx(22.0, abs=1e-4)
    assert rows["listen"]["p90_hours"] == pytest.approx(61.6, abs=1e-4)
    # Nobody left Share: no finished stay there, no figure (not 0).
    assert rows["share"]["complaints"] == 0 and rows["share"]["p90_hours"] is None


# --- Cost and revisits --------------------------------------------------------------------------------------------


def test_compensation_by_month(data, gm, manager):
    c = selectors.compensation_by_month(user=gm, filters=PERIOD)
    # Remedies carried out for the period's complaints: January A1 refund 100 + compensation 50; February A2 refund 200
    # + apology letter 0 (A2's discount is not done); March B1 compensation 80. A0's refund is outside the period.
    assert c["months"] == ["2026-01", "2026-02", "2026-03"]
    assert [(k["key"], k["amounts"], k["total"]) for k in c["kinds"]] == [
        ("refund", [100.0, 200.0, 0.0], 300.0),
        ("compensation", [50.0, 0.0, 80.0], 130.0),
        ("apology_letter", [0.0, 0.0, 0.0], 0.0),
    ]
    assert c["total"] == 430.0  # 300 + 130 + 0
    assert selectors.compensation_by_month(user=manager, filters=PERIOD)["total"] == 350.0  # without B1's 80


def test_revisit_satisfaction(data, gm):
    rows = selectors.revisit_satisfaction(user=gm, filters=PERIOD)
    # January: A1 5 (satisfied); February: A2 2 not resolved, 3 resolved → mean 2.5, 1 of 2 satisfied = 50 %;
    # March: B1 4 → 100 %.
    assert rows == [
        {"month": "2026-01", "revisits": 1, "mean_score": 5.0, "satisfied": 1, "satisfied_share": 100.0},
        {"month": "2026-02", "revisits": 2, "mean_score": 2.5, "satisfied": 1, "satisfied_share": 50.0},
        {"month": "2026-03", "revisits": 1, "mean_score": 4.0, "satisfied": 1, "satisfied_share": 100.0},
    ]


# --- Corrective actions: before and after -----------------------------------------------------------------------


def _action(*, owner, by, raised: str, window: int, branch=None, cause="rude staff", group="people", **extra):
    return CorrectiveAction.objects.create(
        title="Greet customers",
        root_cause_group=group,
        root_cause=cause,
        branch=branch,
        owner=owner,
        due_on=date(2026, 12, 31),
        window_days=window,
        created_by=by,
        created_at=at(raised),
        **extra,
    )


def test_before_after_counts(data, manager, frontline, gm, branch):
    now = at("2026-11-30 00:00")
    # Raised 2026-03-01, 30 days: after = [03-01, 03-31), before = [01-30, 03-01). BJ's rude staff: A2 (02-10) before,
    # nothing after; company-wide: also B1 (03-10) after.
    bj = _action(owner=frontline, by=manager, raised="2026-03-01 00:00", window=30, branch=branch)
    company = _action(owner=frontline, by=gm, raised="2026-03-01 00:00", window=30)
    # Raised 2026-02-05, compared on 2026-02-15: after = [02-05, 02-15) (10 days so far) holds A2; before = the 10 days
    # [01-26, 02-05) holds nothing (A1 is 01-15).
    young = _action(owner=frontline, by=gm, raised="2026-02-05 00:00", window=90)
    # Group-wide (no root cause) and narrowed to a category: people + service = B1 only, 90 days from 02-15:
    # after [02-15, 05-16) → B1; before [11-17, 02-15) → none (A1, A2 are quality).
    narrowed = _action(owner=frontline, by=gm, raised="2026-02-15 00:00", window=90, cause="", category=data.service)
    counts = selectors.before_after_counts([bj, company, narrowed], now=now)
    assert counts[bj.pk] == {"before": 1, "after": 0, "change": -1, "days": 30}
    assert counts[company.pk] == {"before": 1, "after": 1, "change": 0, "days": 30}
    assert counts[narrowed.pk] == {"before": 0, "after": 1, "change": 1, "days": 90}
    assert selectors.before_after_counts([young], now=at("2026-02-15 00:00"))[young.pk] == {
        "before": 0,
        "after": 1,
        "change": 1,
        "days": 10,
    }


def test_open_actions_by_cause_are_scoped(data, manager, manager_other, gm, frontline, branch, other_branch):
    mine = _action(owner=frontline, by=manager, raised="2026-03-01 00:00", window=30, branch=branch)
    theirs = _action(owner=frontline, by=gm, raised="2026-03-01 00:00", window=30, branch=other_branch)
    done = _action(
        owner=frontline, by=manager, raised="2026-03-01 00:00", window=30, branch=branch, status="done",
        result="ok", closed_at=at("2026-03-05 00:00"),
    )  # fmt: skip
    assert [a["id"] for a in selectors.open_actions_by_cause(user=manager, filters=PERIOD)] == [mine.pk]
    assert {a["id"] for a in selectors.open_actions_by_cause(user=gm, filters=PERIOD)} == {mine.pk, theirs.pk}
    assert done.pk not in {a["id"] for a in selectors.open_actions_by_cause(user=gm, filters=PERIOD)}
    assert selectors.open_actions_by_cause(user=manager, filters=PERIOD)[0]["cause_key"] == "people|rude staff"


# --- Access and empty ------------------------------------------------------------------------------------------


def test_another_branch_is_404_for_a_manager(data, manager, other_branch, branch, gm):
    with pytest.raises(Http404):
        selectors.counts_by(user=manager, filters=ReportFilters(branch_id=other_branch.pk), by="category")
    with pytest.raises(Http404):
        selectors.step_durations(user=manager, filters=ReportFilters(branch_id=other_branch.pk))
    with pytest.raises(Http404):  # a branch that does not exist looks the same
        selectors.summary(user=gm, filters=ReportFilters(branch_id=999999))
    assert selectors.summary(user=manager, filters=ReportFilters(branch_id=branch.pk))["received"] == 5  # A0 … A4
    assert selectors.summary(user=gm, filters=ReportFilters(branch_id=other_branch.pk))["received"] == 1


def test_front_line_reads_nothing(data, frontline):
    assert selectors.summary(user=frontline, filters=PERIOD)["received"] == 0
    assert all(r["complaints"] == 0 for r in selectors.step_durations(user=frontline, filters=PERIOD))
    assert selectors.counts_by(user=frontline, filters=PERIOD, by="category") == []


def test_empty_period(data, gm):
    empty = ReportFilters(date_from=date(2020, 1, 1), date_to=date(2020, 1, 31))
    assert selectors.summary(user=gm, filters=empty)["repeat_rate"] is None
    assert selectors.pareto(user=gm, filters=empty) == {"rows": [], "recorded": 0, "not_recorded": 0}
    assert selectors.compensation_by_month(user=gm, filters=empty) == {"months": [], "kinds": [], "total": 0}
    assert [r["mean_hours"] for r in selectors.step_durations(user=gm, filters=empty)] == [None] * 6
    assert selectors.sla_compliance(user=gm, filters=empty, by="branch") == []


def test_company_wide_manager_without_branch_sees_nothing(data):
    lonely = staff(Role.MANAGER, None, username="lonely")
    assert selectors.summary(user=lonely, filters=PERIOD)["received"] == 0
    assert Complaint.objects.count() == 6
