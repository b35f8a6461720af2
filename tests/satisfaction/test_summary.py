"""The monthly answer sums (AnswerMonth): written with every response, equal to a rebuild from the answers, and the
dashboard's per-item, per-dimension and importance–performance figures from them equal to the live ones."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from satisfaction.models import AnswerMonth, Response
from satisfaction.selectors import (
    CsiFilters,
    Group,
    _day_start,
    _reads_summary,
    csi_by_dimension,
    csi_by_item,
    importance_performance,
)
from satisfaction.services import AnswerData, _response_write, csi_summary_rebuild
from tests.complaints.factories import ComplaintFactory
from tests.factories import CustomerFactory

from .test_selectors import at, make_template, respond

pytestmark = pytest.mark.django_db

FIELDS = ("month", "branch_id", "template_id", "tier", "quadrant", "source", "is_complainant", "item_id",
          "answer_count", "score_sum", "points_sum", "weight_sum", "importance_count", "importance_sum")  # fmt: skip


def summary_rows() -> set[tuple]:
    return set(AnswerMonth.objects.values_list(*FIELDS))


def revisit_answer(template, customer, score: int, *, when) -> Response:
    item = template.items.order_by("sort_order", "pk").first()
    return _response_write(
        template=template, customer=customer, source=Response.Source.REVISIT,
        data=AnswerData(scores={item.pk: score}, overall=score), branch_id=customer.branch_id, answered_at=when,
    )  # fmt: skip


@pytest.fixture
def answered(branch, other_branch, frontline):
    """Answers over two questionnaires, two branches, segments, sources and four months, with odd weights and means
    that are no short decimals (1/3, 2/3 …), a complainant and a revisit."""
    survey = make_template("sum-survey", weights=("1.5", "0.33", "2"), importance=True, dimensions=3)
    other = make_template("sum-other", weights=("1",))
    bj = CustomerFactory(branch=branch, tier="A", quadrant="high")
    bj_low = CustomerFactory(branch=branch, tier="B", quadrant="low")
    sh = CustomerFactory(branch=other_branch, tier="C", quadrant="")
    ComplaintFactory(actor=frontline, customer=bj_low)  # filed now: a complainant from today on
    respond(survey, bj, (5, 3, 2), importances=(9, 4, 7), when=at(2026, 1, 10))
    respond(survey, bj, (4, None, 1), importances=(8, None, None), when=at(2026, 1, 20))
    respond(survey, bj, (4, 2, 2), importances=(7, 3, 1), when=at(2026, 1, 31, 23) + timedelta(minutes=30))
    respond(survey, bj_low, (1, 1, 5), when=at(2026, 2, 1, 0) + timedelta(minutes=10))
    respond(survey, sh, (2, 5, 3), importances=(10, 10, 9), when=at(2026, 3, 15))
    respond(survey, sh, (3, 4, None), importances=(6, None, None), when=at(2026, 4, 2))
    respond(other, sh, (5,), when=at(2026, 2, 14))
    respond(survey, bj_low, (2, 2, 2), importances=(1, 2, 3), when=timezone.now() - timedelta(minutes=5))
    revisit_answer(survey, bj_low, 1, when=timezone.now() - timedelta(minutes=1))
    return survey


def test_two_responses_of_one_month_add_up_on_the_items_rows(gm, customer):
    template = make_template("add-up", weights=("2", "1"), importance=True)
    first, second = template.items.order_by("sort_order")
    respond(template, customer, (5, 2), importances=(9, None), when=at(2026, 1, 10))
    respond(template, customer, (3, None), importances=(4,), when=at(2026, 1, 28))
    rows = {row.item_id: row for row in AnswerMonth.objects.all()}
    assert len(rows) == 2
    # Item 1 (weight 2): scores 5 and 3 → 2 answers, Σ score 8, Σ 2 × (s − 1) × 25 = 200 + 100, Σ weight 4,
    # importance 9 and 4 → 2 answers, Σ 13.
    one = rows[first.pk]
    assert (one.month, one.answer_count, one.score_sum, one.points_sum, one.weight_sum) == (
        date(2026, 1, 1), 2, 8, Decimal("300"), Decimal("4"),
    )  # fmt: skip
    assert (one.importance_count, one.importance_sum) == (2, 13)
    # Item 2 (weight 1): score 2 once → 25 points, no importance.
    two = rows[second.pk]
    assert (two.answer_count, two.score_sum, two.points_sum, two.weight_sum) == (1, 2, Decimal("25"), Decimal("1"))
    assert (two.importance_count, two.importance_sum) == (0, 0)


def test_the_rows_written_with_the_answers_equal_a_rebuild(answered):
    written = summary_rows()
    assert len(written) > 10
    # The revisit and the answer after the complaint are a complainant's; the January ones were before it.
    assert {row[6] for row in written} == {True, False}
    csi_summary_rebuild()
    assert summary_rows() == written


def test_the_month_at_the_local_midnight(answered):
    # 31 January 23:30 in Shanghai is a January answer; 1 February 00:10 a February one.
    months = set(AnswerMonth.objects.values_list("month", flat=True))
    assert {date(2026, 1, 1), date(2026, 2, 1), date(2026, 3, 1), date(2026, 4, 1)} <= months
    january = AnswerMonth.objects.filter(month=date(2026, 1, 1), item__sort_order=0)
    assert sum(row.answer_count for row in january) == 3


def test_rebuilding_one_month_leaves_the_others(answered):
    written = summary_rows()
    AnswerMonth.objects.filter(month=date(2026, 3, 1)).update(answer_count=99)
    AnswerMonth.objects.filter(month=date(2026, 1, 1)).delete()
    call_command("rebuild_csi_summary", "--month", "2026-01", stdout=None)
    rows = summary_rows()
    assert {row for row in rows if row[0] != date(2026, 3, 1)} == {r for r in written if r[0] != date(2026, 3, 1)}
    assert {row[8] for row in rows if row[0] == date(2026, 3, 1)} == {99}  # not this month's business


def test_the_command_refuses_a_month_it_cannot_read(db):
    with pytest.raises(CommandError):
        call_command("rebuild_csi_summary", "--month", "2026-13")


def figures(user, filters):
    return (
        csi_by_item(user=user, filters=filters),
        csi_by_dimension(user=user, filters=filters),
        importance_performance(user=user, filters=filters),
    )


today = timezone.localdate  # the presets end today


F = CsiFilters
# Whole months, and the same answers asked for with days around them, on which nobody answered: the live path.
PAIRS = [
    (F(date_from=date(2026, 1, 1), date_to=date(2026, 3, 31)),
     F(date_from=date(2025, 12, 31), date_to=date(2026, 4, 1))),
    (F(date_from=date(2026, 2, 1), date_to=date(2026, 2, 28)),
     F(date_from=date(2026, 2, 1), date_to=date(2026, 3, 1))),
    (F(date_from=date(2026, 1, 1), date_to=date(2026, 4, 30), tier="A"),
     F(date_from=date(2025, 12, 2), tier="A")),
    (F(date_from=date(2026, 1, 1), date_to=date(2026, 10, 31), quadrant="low"),
     F(date_to=date(2026, 10, 30), quadrant="low")),
    (F(date_to=date(2026, 4, 30), template_code="sum-other"),
     F(date_from=date(2026, 1, 2), template_code="sum-other")),
    (F(date_from=date(2026, 3, 1), date_to=date(2026, 4, 30)),
     F(date_from=date(2026, 3, 2), date_to=date(2026, 4, 29))),
    (F(), F(date_from=date(2020, 1, 2))),
]  # fmt: skip


@pytest.mark.parametrize(("whole", "live"), PAIRS)
def test_figures_from_the_summary_equal_the_live_ones(gm, manager, answered, whole, live):
    assert _reads_summary(whole) and not _reads_summary(live)
    for user in (gm, manager):
        assert figures(user, whole) == figures(user, live)  # every float bit for bit
    assert figures(gm, whole)[0], "the filters select answers"


def test_this_months_preset_reads_the_summary_and_equals_the_live_figures(gm, answered):
    start = today().replace(day=1)
    preset = CsiFilters(date_from=start, date_to=today())
    assert _reads_summary(preset)
    live = CsiFilters(date_from=start - timedelta(days=1), date_to=today())  # with the day before: a part month
    if Response.objects.filter(answered_at__lt=_day_start(start), answered_at__gte=_day_start(live.date_from)):
        pytest.skip("the fixture answered on the day before this month (it is just past midnight)")
    assert not _reads_summary(live)
    assert figures(gm, preset) == figures(gm, live)
    assert figures(gm, preset)[0], "this month's answers are in it"


def test_the_summary_is_what_whole_months_read(gm, answered):
    whole = CsiFilters(date_from=date(2026, 1, 1), date_to=date(2026, 3, 31))
    assert csi_by_item(user=gm, filters=whole)
    AnswerMonth.objects.all().delete()
    assert csi_by_item(user=gm, filters=whole) == []


@pytest.mark.parametrize(
    "filters",
    [
        CsiFilters(date_from=date(2026, 1, 1), date_to=date(2026, 3, 31), group=Group.COMPLAINANTS),
        CsiFilters(date_from=date(2026, 1, 1), date_to=date(2026, 3, 31), group=Group.OTHERS),
        CsiFilters(date_from=date(2026, 1, 2), date_to=date(2026, 3, 31)),
        CsiFilters(date_from=date(2026, 1, 1), date_to=date(2026, 3, 30)),
    ],
)
def test_complainant_groups_and_part_months_read_the_answers(gm, answered, filters):
    assert not _reads_summary(filters)
    before = figures(gm, filters)
    AnswerMonth.objects.all().delete()
    assert figures(gm, filters) == before


def count_queries(client, params) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("satisfaction:dashboard"), params)
    assert response.status_code == 200
    return len(queries)


def test_the_dashboards_queries_stay_fixed_with_the_summary(client, gm, branch):
    template = make_template("sum-page", importance=True)
    client.force_login(gm)
    respond(template, CustomerFactory(branch=branch), (5, 4, 3), importances=(9, 5, 1), when=timezone.now())
    default = count_queries(client, {})
    part = {"period": "custom", "date_from": f"{today().replace(day=1) + timedelta(days=1):%Y-%m-%d}"}
    live = count_queries(client, {**part, "date_to": f"{today():%Y-%m-%d}"})
    for month in range(1, 7):
        for n in range(3):
            when = timezone.now() - timedelta(days=30 * month + n)
            respond(template, CustomerFactory(branch=branch), (1 + n, 5 - n, 3), importances=(n + 1, 5, 2), when=when)
    assert count_queries(client, {}) == default
    assert default == live  # the summary replaces the answer queries one for one
