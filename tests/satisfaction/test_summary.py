"""The monthly sums (AnswerMonth, ResponseMonth): written with every response, equal to a rebuild from the answers and
responses, and every dashboard figure from them (per item, per dimension, importance–performance; CSI and NPS in all
and per branch, tier, quadrant, questionnaire and month; loyalty zones) equal to the live one."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from satisfaction import selectors
from satisfaction.models import AnswerMonth, Response, ResponseMonth
from satisfaction.selectors import (
    BY_FIELDS,
    CsiFilters,
    Group,
    _reads_summary,
    csi_by,
    csi_by_dimension,
    csi_by_item,
    csi_items_and_dimensions,
    csi_summary,
    importance_performance,
    loyalty_zones,
)
from satisfaction.services import AnswerData, _response_write, csi_summary_rebuild
from tests.complaints.factories import ComplaintFactory
from tests.factories import CustomerFactory

from .test_selectors import at, make_template, respond

pytestmark = pytest.mark.django_db

FIELDS = ("month", "branch_id", "template_id", "tier", "quadrant", "source", "is_complainant", "item_id",
          "answer_count", "score_sum", "points_sum", "weight_sum", "importance_count", "importance_sum")  # fmt: skip


RESPONSE_FIELDS = ("month", "branch_id", "template_id", "tier", "quadrant", "source", "is_complainant",
                   "response_count", "points_sum", "weight_sum", "recommend_count", "promoter_count",
                   "detractor_count", "overall_1", "overall_2", "overall_3", "overall_4", "overall_5")  # fmt: skip


def summary_rows() -> set[tuple]:
    return set(AnswerMonth.objects.values_list(*FIELDS))


def response_rows() -> set[tuple]:
    return set(ResponseMonth.objects.values_list(*RESPONSE_FIELDS))


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
    respond(survey, bj, (5, 3, 2), importances=(9, 4, 7), recommend=10, overall=5, when=at(2026, 1, 10))
    respond(survey, bj, (4, None, 1), importances=(8, None, None), recommend=7, overall=3, when=at(2026, 1, 20))
    respond(survey, bj, (4, 2, 2), importances=(7, 3, 1), recommend=6, when=at(2026, 1, 31, 23) + timedelta(minutes=30))
    respond(survey, bj_low, (1, 1, 5), recommend=0, overall=1, when=at(2026, 2, 1, 0) + timedelta(minutes=10))
    respond(survey, sh, (2, 5, 3), importances=(10, 10, 9), overall=4, when=at(2026, 3, 15))
    respond(survey, sh, (3, 4, None), importances=(6, None, None), recommend=9, overall=2, when=at(2026, 4, 2))
    respond(survey, sh, overall=4, recommend=8, when=at(2026, 4, 3))  # no item answered: a response, no answers
    respond(other, sh, (5,), recommend=9, overall=5, when=at(2026, 2, 14))
    respond(survey, sh, (3, None, None), when=at(2026, 5, 5))  # May: a response, no overall score (no zone month)
    respond(survey, bj_low, (2, 2, 2), importances=(1, 2, 3), recommend=3, overall=2,
            when=timezone.now() - timedelta(minutes=5))  # fmt: skip
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


def test_two_responses_of_one_month_add_up_on_their_row(customer):
    template = make_template("add-up-responses", weights=("2", "1"))
    respond(template, customer, (5, 2), recommend=10, overall=5, when=at(2026, 1, 10))
    respond(template, customer, (3, None), recommend=6, overall=5, when=at(2026, 1, 28))
    respond(template, customer, overall=2, when=at(2026, 1, 29))  # nothing scored: a response without answers
    (row,) = ResponseMonth.objects.all()
    # Points: 2 × 4 × 25 + 1 × 1 × 25 = 225, then 2 × 2 × 25 = 100, then none → 325; weight 3 + 2 + 0 = 5.
    assert (row.month, row.response_count, row.points_sum, row.weight_sum) == (
        date(2026, 1, 1), 3, Decimal("325"), Decimal("5"),
    )  # fmt: skip
    # Recommend 10 (promoter) and 6 (detractor), the third did not answer it; overall 5, 5 and 2.
    assert (row.recommend_count, row.promoter_count, row.detractor_count) == (2, 1, 1)
    assert (row.overall_1, row.overall_2, row.overall_3, row.overall_4, row.overall_5) == (0, 1, 0, 0, 2)
    assert (row.tier, row.quadrant, row.source, row.is_complainant) == (
        customer.tier, customer.quadrant, Response.Source.PHONE, False,
    )  # fmt: skip


def test_the_rows_written_with_the_answers_equal_a_rebuild(answered):
    written, written_responses = summary_rows(), response_rows()
    assert len(written) > 10
    assert len(written_responses) > 5
    # The revisit and the answer after the complaint are a complainant's; the January ones were before it.
    assert {row[6] for row in written} == {True, False}
    assert {row[6] for row in written_responses} == {True, False}
    # Every response is in one row: 10 by the fixture plus the revisit.
    assert sum(row[7] for row in written_responses) == Response.objects.count() == 11
    csi_summary_rebuild()
    assert summary_rows() == written
    assert response_rows() == written_responses


def test_the_month_at_the_local_midnight(answered):
    # 31 January 23:30 in Shanghai is a January answer; 1 February 00:10 a February one.
    months = set(AnswerMonth.objects.values_list("month", flat=True))
    assert {date(2026, 1, 1), date(2026, 2, 1), date(2026, 3, 1), date(2026, 4, 1)} <= months
    january = AnswerMonth.objects.filter(month=date(2026, 1, 1), item__sort_order=0)
    assert sum(row.answer_count for row in january) == 3


def test_rebuilding_one_month_leaves_the_others(answered):
    written, written_responses = summary_rows(), response_rows()
    march = date(2026, 3, 1)
    AnswerMonth.objects.filter(month=march).update(answer_count=99)
    ResponseMonth.objects.filter(month=march).update(response_count=99)
    AnswerMonth.objects.filter(month=date(2026, 1, 1)).delete()
    ResponseMonth.objects.filter(month=date(2026, 1, 1)).delete()
    call_command("rebuild_csi_summary", "--month", "2026-01", stdout=None)
    rows, responses = summary_rows(), response_rows()
    assert {row for row in rows if row[0] != march} == {r for r in written if r[0] != march}
    assert {row for row in responses if row[0] != march} == {r for r in written_responses if r[0] != march}
    assert {row[8] for row in rows if row[0] == march} == {99}  # not this month's business
    assert {row[7] for row in responses if row[0] == march} == {99}


def test_the_command_refuses_a_month_it_cannot_read(db):
    with pytest.raises(CommandError):
        call_command("rebuild_csi_summary", "--month", "2026-13")


def figures(user, filters, *, empty_months: bool = True):
    """Every figure of the dashboard that a summary can serve; without the months that have no responses (which a
    period listing every month shows as "no data") when ``empty_months`` is false."""
    months = csi_by(user=user, filters=filters, by="month")
    zones = loyalty_zones(user=user, filters=filters)
    return (
        csi_by_item(user=user, filters=filters),
        csi_by_dimension(user=user, filters=filters),
        importance_performance(user=user, filters=filters),
        csi_summary(user=user, filters=filters),
        *(csi_by(user=user, filters=filters, by=by) for by in BY_FIELDS if by != "month"),
        months if empty_months else [month for month in months if month.responses],
        zones if empty_months else [month for month in zones if month.total],
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
    for user in (gm, manager):  # every float bit for bit (the periods differ by days without responses)
        assert figures(user, whole, empty_months=False) == figures(user, live, empty_months=False)
    assert figures(gm, whole)[0], "the filters select answers"
    assert csi_summary(user=gm, filters=whole).nps.answered, "and responses that answered the NPS question"


@pytest.mark.parametrize(("whole", "live"), PAIRS)
def test_items_and_dimensions_from_one_query_are_those_of_two(gm, answered, whole, live, django_assert_num_queries):
    for filters in (whole, live):
        apart = (csi_by_item(user=gm, filters=filters), csi_by_dimension(user=gm, filters=filters))  # and the role
        with django_assert_num_queries(1):
            assert csi_items_and_dimensions(user=gm, filters=filters) == apart


@pytest.mark.parametrize(("whole", "live"), PAIRS)
def test_the_same_filters_read_live_give_the_same_figures(gm, manager, answered, whole, live, monkeypatch):
    """The same whole months read both ways (the summary switched off), with months too that have no answers."""
    from_summary = [figures(user, whole) for user in (gm, manager)]
    monkeypatch.setattr(selectors, "_reads_summary", lambda filters: False)
    assert [figures(user, whole) for user in (gm, manager)] == from_summary


def test_this_months_preset_reads_the_summary_and_equals_the_live_figures(gm, branch, answered, monkeypatch):
    respond(answered, CustomerFactory(branch=branch), (4, 4, 4), recommend=9, when=timezone.now())
    start = today().replace(day=1)
    preset = CsiFilters(date_from=start, date_to=today())
    assert _reads_summary(preset)
    from_summary = figures(gm, preset)
    assert from_summary[0], "this month's answers are in it"
    monkeypatch.setattr(selectors, "_reads_summary", lambda filters: False)
    assert figures(gm, preset) == from_summary


def test_the_summary_is_what_whole_months_read(gm, answered):
    whole = CsiFilters(date_from=date(2026, 1, 1), date_to=date(2026, 3, 31))
    assert csi_by_item(user=gm, filters=whole)
    assert csi_summary(user=gm, filters=whole).responses
    AnswerMonth.objects.all().delete()
    ResponseMonth.objects.all().delete()
    assert csi_by_item(user=gm, filters=whole) == []
    assert csi_summary(user=gm, filters=whole).responses == 0
    assert csi_by(user=gm, filters=whole, by="branch") == []
    assert all(month.total == 0 for month in loyalty_zones(user=gm, filters=whole))


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
    ResponseMonth.objects.all().delete()
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
