"""The CSI figures against values worked out by hand from the rules (DOMAIN.md §3 and the issue), never from the
code's own tables: each expected number is a literal with its arithmetic in a comment."""

from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from complaints.models import Complaint, Revisit
from crm_site.org.roles import Role
from customers.models import Customer
from reports.services import complaint_summary_rebuild
from satisfaction.models import Campaign, Dimension, Invitation, Response, SurveyItem, SurveyTemplate
from satisfaction.selectors import (
    CsiFilters,
    Group,
    IpaQuadrant,
    LoyaltyCell,
    _last_answers_in,
    campaign_response_rate,
    complaint_figures,
    csi_by,
    csi_by_dimension,
    csi_by_item,
    csi_responses,
    csi_summary,
    importance_performance,
    loyalty_contribution,
    loyalty_zones,
    responses_for_user,
)
from satisfaction.services import AnswerData, _response_write, csi_summary_rebuild
from tests.complaints.factories import ComplaintFactory
from tests.factories import CustomerFactory, staff

pytestmark = pytest.mark.django_db

JAN_TO_MAR = CsiFilters(date_from=date(2026, 1, 1), date_to=date(2026, 3, 31))


def at(year: int, month: int, day: int, hour: int = 12) -> datetime:
    return timezone.make_aware(datetime(year, month, day, hour), timezone.get_current_timezone())


DIMENSIONS = [("Quality", "质量"), ("Attitude", "态度"), ("Speed", "速度"), ("Expertise", "专业")]


def make_template(code: str = "csi-test", weights=(2, 1, 1), *, importance: bool = False, dimensions: int = 2):
    """A questionnaire whose items have these weights, spread in turn over the first ``dimensions`` of
    Quality, Attitude, Speed, Expertise (so with two: odd items in Quality, even ones in Attitude)."""
    dims = [
        Dimension.objects.get_or_create(
            code=f"t-{en.lower()}", defaults={"name_en": en, "name_zh": zh, "sort_order": order}
        )[0]
        for order, (en, zh) in enumerate(DIMENSIONS[:dimensions], start=1)
    ]
    template = SurveyTemplate.objects.create(
        code=code, name_en=f"Survey {code}", name_zh=f"问卷 {code}", ask_importance=importance
    )
    for index, weight in enumerate(weights):
        SurveyItem.objects.create(
            template=template,
            dimension=dims[index % dimensions],
            text_en=f"Item {index + 1}",
            text_zh=f"题目 {index + 1}",
            weight=Decimal(weight),
            sort_order=index,
        )
    return template


def respond(template, customer, scores=(), *, when, importances=(), branch=None, **answers) -> Response:
    """A response written by the real service (which stores weighted_points and weight_answered); ``scores`` and
    ``importances`` follow the items' order, None for an unanswered item."""
    items = list(template.items.order_by("sort_order", "pk"))
    data = AnswerData(
        scores={items[i].pk: s for i, s in enumerate(scores) if s is not None},
        importances={items[i].pk: v for i, v in enumerate(importances) if v is not None},
        **answers,
    )
    branch_id = (branch or customer.branch).pk
    return _response_write(
        template=template, customer=customer, source=Response.Source.PHONE, data=data, branch_id=branch_id,
        answered_at=when,
    )  # fmt: skip


@pytest.fixture
def template(db):
    return make_template()


# --- CSI -----------------------------------------------------------------------------------------------------------


def test_csi_of_one_response_leaves_the_unanswered_item_out(gm, customer, template):
    # Weights 2, 1, 1; scores 5, 3, (none): (2 × 100 + 1 × 50) / (2 + 1) = 250 / 3 = 83.33 (not 250 / 4 = 62.5).
    respond(template, customer, (5, 3, None), when=at(2026, 1, 10))
    summary = csi_summary(user=gm, filters=JAN_TO_MAR)
    assert summary.responses == 1
    assert summary.csi == pytest.approx(83.333, abs=0.001)


def test_csi_over_responses_is_the_weighted_sum_not_the_mean_of_means(gm, customer, template):
    respond(template, customer, (5, 3, None), when=at(2026, 1, 10))  # 250 points over weight 3
    respond(template, customer, (1, 5, 4), when=at(2026, 3, 5))  # 2×0 + 1×100 + 1×75 = 175 over weight 4
    # (250 + 175) / (3 + 4) = 425 / 7 = 60.71 (the mean of 83.33 and 43.75 would be 63.54).
    assert csi_summary(user=gm, filters=JAN_TO_MAR).csi == pytest.approx(60.714, abs=0.001)


def test_no_responses_means_no_csi_and_no_nps(gm, template):
    summary = csi_summary(user=gm, filters=JAN_TO_MAR)
    assert summary.responses == 0
    assert summary.csi is None
    assert summary.nps.score is None


def test_a_response_with_only_the_overall_question_has_no_csi(gm, customer, template):
    respond(template, customer, (), overall=4, when=at(2026, 1, 10))
    summary = csi_summary(user=gm, filters=JAN_TO_MAR)
    assert summary.responses == 1
    assert summary.csi is None


def test_csi_by_month_lists_a_month_without_answers_as_no_data(gm, customer, template):
    respond(template, customer, (5, 3, None), when=at(2026, 1, 10))  # January: 83.33
    respond(template, customer, (1, 5, 4), when=at(2026, 3, 5))  # March: 175 / 4 = 43.75
    months = csi_by(user=gm, filters=JAN_TO_MAR, by="month")
    assert [m.key for m in months] == [date(2026, 1, 1), date(2026, 2, 1), date(2026, 3, 1)]
    assert months[0].csi == pytest.approx(83.333, abs=0.001)
    assert months[1].csi is None and months[1].responses == 0  # February: no data, not 0
    assert months[2].csi == pytest.approx(43.75)


def test_month_boundaries_follow_the_local_time_zone(gm, customer, template):
    # 31 January 23:30 in Shanghai is 15:30 UTC the same day: a January answer, whatever the server's clock says.
    respond(template, customer, (5, 5, 5), when=at(2026, 1, 31, 23) + timedelta(minutes=30))
    months = csi_by(user=gm, filters=JAN_TO_MAR, by="month")
    assert [m.responses for m in months] == [1, 0, 0]


def test_csi_by_item_and_dimension(gm, customer, template):
    respond(template, customer, (5, 3, None), when=at(2026, 1, 10))
    respond(template, customer, (4, 1, 5), when=at(2026, 2, 10))
    items = csi_by_item(user=gm, filters=JAN_TO_MAR)
    # Item 1: scores 5, 4 → (100 + 75) / 2 = 87.5; item 2: 3, 1 → (50 + 0) / 2 = 25; item 3: 5 → 100.
    assert [(i.label, i.answers) for i in items] == [("Item 1", 2), ("Item 2", 2), ("Item 3", 1)]
    assert [i.csi for i in items] == [pytest.approx(87.5), pytest.approx(25.0), pytest.approx(100.0)]
    assert [i.performance for i in items] == [pytest.approx(4.5), pytest.approx(2.0), pytest.approx(5.0)]
    dims = csi_by_dimension(user=gm, filters=JAN_TO_MAR)
    # Quality = items 1 and 3 (weights 2, 1): (2×100 + 2×75 + 1×100) / (2 + 2 + 1) = 450 / 5 = 90.
    # Attitude = item 2 (weight 1): (50 + 0) / 2 = 25.
    assert [(d.label, d.responses) for d in dims] == [("Quality", 3), ("Attitude", 2)]
    assert dims[0].csi == pytest.approx(90.0)
    assert dims[1].csi == pytest.approx(25.0)


def test_csi_by_branch_tier_quadrant_and_questionnaire(gm, branch, other_branch, template):
    bj = CustomerFactory(branch=branch, tier="A", quadrant="high")
    sh = CustomerFactory(branch=other_branch, tier="B", quadrant="low")
    other = make_template("other-survey", weights=(1,))
    respond(template, bj, (5, 5, 5), when=at(2026, 1, 10))  # 100
    respond(template, bj, (3, 3, 3), when=at(2026, 1, 11))  # 50
    respond(other, sh, (2,), when=at(2026, 1, 12))  # 25
    by_branch = {f.label: (f.responses, f.csi) for f in csi_by(user=gm, filters=JAN_TO_MAR, by="branch")}
    # Beijing: (400 + 200) / (4 + 4) = 75; Shanghai: 25.
    assert by_branch == {"Beijing 北京": (2, pytest.approx(75.0)), "Shanghai 上海": (1, pytest.approx(25.0))}
    by_tier = {f.key: f.csi for f in csi_by(user=gm, filters=JAN_TO_MAR, by="tier")}
    assert by_tier == {"A": pytest.approx(75.0), "B": pytest.approx(25.0)}
    by_quadrant = {f.key: f.csi for f in csi_by(user=gm, filters=JAN_TO_MAR, by="quadrant")}
    assert by_quadrant == {"high": pytest.approx(75.0), "low": pytest.approx(25.0)}
    by_template = {f.key: f.csi for f in csi_by(user=gm, filters=JAN_TO_MAR, by="template")}
    assert by_template == {"csi-test": pytest.approx(75.0), "other-survey": pytest.approx(25.0)}
    # The filters narrow every figure the same way.
    assert csi_summary(user=gm, filters=CsiFilters(**{**JAN_TO_MAR.__dict__, "tier": "B"})).csi == pytest.approx(25.0)
    only_other = CsiFilters(**{**JAN_TO_MAR.__dict__, "template_code": "other-survey"})
    assert csi_summary(user=gm, filters=only_other).responses == 1


def test_the_segment_is_the_one_the_customer_had_when_answering(gm, branch, template):
    client = CustomerFactory(branch=branch, tier="A", quadrant="high")
    respond(template, client, (5, 5, 5), when=at(2026, 1, 10))
    Customer.objects.filter(pk=client.pk).update(tier="C", quadrant="low")  # reclassified later
    assert [f.key for f in csi_by(user=gm, filters=JAN_TO_MAR, by="tier")] == ["A"]


def test_dates_include_both_ends(gm, customer, template):
    respond(template, customer, (5, 5, 5), when=at(2026, 1, 1, 0))  # the first minute of 1 January
    respond(template, customer, (5, 5, 5), when=at(2026, 3, 31, 23))  # the last hour of 31 March
    respond(template, customer, (5, 5, 5), when=at(2026, 4, 1, 0))  # outside
    assert csi_summary(user=gm, filters=JAN_TO_MAR).responses == 2


def test_group_complainants_and_others(gm, frontline, branch, template):
    complainant = CustomerFactory(branch=branch)
    ComplaintFactory(actor=frontline, customer=complainant)
    quiet = CustomerFactory(branch=branch)
    revisit_only = CustomerFactory(branch=branch)
    respond(template, complainant, (5, 5, 5), when=at(2026, 1, 10))  # 100
    respond(template, quiet, (1, 1, 1), when=at(2026, 1, 10))  # 0
    revisit = respond(template, revisit_only, (3, 3, 3), when=at(2026, 1, 10))  # 50, from a revisit call
    Response.objects.filter(pk=revisit.pk).update(source=Response.Source.REVISIT)
    complainants = csi_summary(user=gm, filters=CsiFilters(**{**JAN_TO_MAR.__dict__, "group": Group.COMPLAINANTS}))
    assert complainants.responses == 2
    assert complainants.csi == pytest.approx(75.0)  # (100 + 50) / 2 (equal weights per response)
    others = csi_summary(user=gm, filters=CsiFilters(**{**JAN_TO_MAR.__dict__, "group": Group.OTHERS}))
    assert (others.responses, others.csi) == (1, pytest.approx(0.0))


# --- NPS -----------------------------------------------------------------------------------------------------------


def test_nps_counts_promoters_minus_detractors_over_those_who_answered(gm, customer, template):
    for recommend in (9, 10, 7, 3):
        respond(template, customer, (4,), recommend=recommend, when=at(2026, 2, 1))
    respond(template, customer, (4,), when=at(2026, 2, 1))  # did not answer the question: left out
    nps = csi_summary(user=gm, filters=JAN_TO_MAR).nps
    # Promoters 9, 10; passive 7; detractor 3: (2 − 1) / 4 = 25.0.
    assert (nps.answered, nps.promoters, nps.passives, nps.detractors) == (4, 2, 1, 1)
    assert nps.score == pytest.approx(25.0)
    months = csi_by(user=gm, filters=JAN_TO_MAR, by="month")
    assert [m.nps.score for m in months] == [None, pytest.approx(25.0), None]


def test_nps_boundaries(gm, customer, template):
    # 6 is a detractor, 8 a passive: (0 − 1) / 2 = −50.
    for recommend in (6, 8):
        respond(template, customer, (4,), recommend=recommend, when=at(2026, 2, 1))
    assert csi_summary(user=gm, filters=JAN_TO_MAR).nps.score == pytest.approx(-50.0)


# --- Loyalty zones -------------------------------------------------------------------------------------------------


def test_loyalty_zone_distribution_per_month(gm, customer, template):
    for overall in (1, 5, 5, 4):
        respond(template, customer, (), overall=overall, when=at(2026, 1, 15))
    respond(template, customer, (3,), when=at(2026, 3, 1))  # no overall answer: not in the zones
    respond(template, customer, (), overall=2, when=at(2026, 3, 2))
    zones = loyalty_zones(user=gm, filters=JAN_TO_MAR)
    assert [z.month for z in zones] == [date(2026, 1, 1), date(2026, 2, 1), date(2026, 3, 1)]
    # January: terrorist 1, apostle 2, affection 1 of 4 → 25 %, 0, 0, 25 %, 50 %.
    assert zones[0].counts == {1: 1, 2: 0, 3: 0, 4: 1, 5: 2}
    assert zones[0].total == 4
    assert zones[0].shares == {1: 25.0, 2: 0.0, 3: 0.0, 4: 25.0, 5: 50.0}
    # February: no answers → no shares at all (not 0 %).
    assert zones[1].total == 0
    assert zones[1].shares == {1: None, 2: None, 3: None, 4: None, 5: None}
    # March: one defector → 100 %.
    assert zones[2].counts == {1: 0, 2: 1, 3: 0, 4: 0, 5: 0}
    assert zones[2].shares[2] == 100.0


# --- Importance–performance ----------------------------------------------------------------------------------------


def test_importance_performance_quadrants_split_at_the_means(gm, customer):
    template = make_template("ipa", weights=(1, 1, 1, 1, 1), importance=True)
    # Items A..D with importance answers, E without. Per item (importance, score):
    #   A: (10, 1) and (8, 3) → mean importance 9, mean score 2
    #   B: (8, 5) → 8, 5     C: (3, 1) → 3, 1     D: (4, 4) → 4, 4
    # Split lines: importance (9 + 8 + 3 + 4) / 4 = 6; performance (2 + 5 + 1 + 4) / 4 = 3.
    respond(template, customer, (1, 5, 1, 4, 2), importances=(10, 8, 3, 4, None), when=at(2026, 1, 10))
    respond(template, customer, (3, None, None, None, None), importances=(8,), when=at(2026, 1, 11))
    ipa = importance_performance(user=gm, filters=JAN_TO_MAR)
    assert ipa.mean_importance == pytest.approx(6.0)
    assert ipa.mean_performance == pytest.approx(3.0)
    got = {item.label: (item.importance, item.performance, quadrant) for item, quadrant in ipa.items}
    assert got == {
        "Item 1": (9.0, 2.0, IpaQuadrant.CONCENTRATE),  # important, performing below the mean: fix first
        "Item 2": (8.0, 5.0, IpaQuadrant.KEEP_UP),
        "Item 3": (3.0, 1.0, IpaQuadrant.LOW_PRIORITY),
        "Item 4": (4.0, 4.0, IpaQuadrant.OVERKILL),
    }  # Item 5 has no importance answer: not on the grid


def test_importance_performance_without_importance_answers_is_empty(gm, customer, template):
    respond(template, customer, (5, 3, 1), when=at(2026, 1, 10))
    ipa = importance_performance(user=gm, filters=JAN_TO_MAR)
    assert ipa.items == [] and ipa.mean_importance is None


# --- Loyalty × contribution ----------------------------------------------------------------------------------------


# The same cells from the customers' latest answers kept on their rows (a company-wide reader, a period up to today)
# and from each customer's first answer by a window over the period's (an earlier period).
UP_TO_TODAY = CsiFilters(date_from=date(2026, 1, 1), date_to=None)


@pytest.mark.parametrize("period", [JAN_TO_MAR, UP_TO_TODAY], ids=["window", "last-answer"])
def test_loyalty_and_contribution_cells(gm, branch, template, period):
    def client(quadrant, status=Customer.Status.ACTIVE):
        extra = {}
        if status == Customer.Status.AT_RISK:
            extra = {"at_risk_reason": Customer.AtRiskReason.MANUAL}
        elif status == Customer.Status.CHURNED:
            extra = {"churn_reason": "moved away", "churned_on": date(2026, 2, 1)}
        return CustomerFactory(branch=branch, quadrant=quadrant, status=status, **extra)

    keep = client("high")
    # An older answer (no, 0) is superseded by the latest (yes, 10): (1 + 1 + active 1) / 3 = 1 → loyal, high.
    respond(template, keep, (4,), repurchase="no", recommend=0, when=at(2026, 1, 5))
    respond(template, keep, (4,), repurchase="yes", recommend=10, when=at(2026, 2, 5))
    # (unsure 0.5 + 6/10 + active 1) / 3 = 0.7 → loyal; low value → develop.
    develop = client("low")
    respond(template, develop, (4,), repurchase="unsure", recommend=6, when=at(2026, 1, 5))
    # (no 0 + 5/10 + at risk 0.5) / 3 = 0.33 → not loyal; secondary value (high current value) → win back.
    win_back = client("secondary", Customer.Status.AT_RISK)
    respond(template, win_back, (4,), repurchase="no", recommend=5, when=at(2026, 1, 5))
    # Neither intent question answered: behaviour only, churned 0 → not loyal; potential value → let go.
    let_go = client("potential", Customer.Status.CHURNED)
    respond(template, let_go, (2,), when=at(2026, 1, 5))
    # Exactly 0.6: (no 0 + 8/10 + active 1) / 3 = 0.6 → loyal; high value → keep.
    boundary = client("high")
    respond(template, boundary, (4,), repurchase="no", recommend=8, when=at(2026, 1, 5))
    # Not classified yet (no quadrant): low contribution; (yes 1 + active 1) / 2 = 1 → develop.
    unclassified = client("")
    respond(template, unclassified, (4,), repurchase="yes", when=at(2026, 1, 5))
    # Outside the period: not counted.
    respond(template, client("high"), (4,), repurchase="no", recommend=0, when=at(2025, 12, 31))

    assert (_last_answers_in(gm, period) is None) == (period is JAN_TO_MAR)
    cells = loyalty_contribution(user=gm, filters=period)
    assert cells == {LoyaltyCell.KEEP: 2, LoyaltyCell.DEVELOP: 2, LoyaltyCell.WIN_BACK: 1, LoyaltyCell.LET_GO: 1}


def test_the_customer_keeps_their_latest_answer_whatever_the_order_answers_are_written_in(branch, template):
    client = CustomerFactory(branch=branch, quadrant="high")
    later = respond(template, client, (4,), repurchase="no", recommend=3, when=at(2026, 5, 5))
    respond(template, client, (4,), repurchase="yes", recommend=10, when=at(2026, 1, 5))  # written after, dated before
    client.refresh_from_db()
    assert (client.last_answered_at, client.last_repurchase, client.last_recommend) == (later.answered_at, "no", 3)
    # Re-dated behind the services' back (as the demo data is), then the summaries rebuilt: the other is the latest.
    Response.objects.filter(pk=later.pk).update(answered_at=at(2025, 12, 1))
    csi_summary_rebuild()
    client.refresh_from_db()
    assert (client.last_answered_at, client.last_repurchase, client.last_recommend) == (at(2026, 1, 5), "yes", 10)


def test_a_manager_or_a_filtered_selection_counts_from_the_window(gm, manager, branch, template):
    """The customers' last answers hold every branch's and questionnaire's answers: a selection that leaves some out
    finds each customer's latest among its own."""
    client = CustomerFactory(branch=branch, quadrant="high")
    respond(template, client, (4,), repurchase="yes", recommend=10, when=at(2026, 1, 5))  # (1 + 1 + 1) / 3: keep
    other = make_template("csi-other")
    respond(other, client, (4,), repurchase="no", recommend=0, when=at(2026, 2, 5))  # (0 + 0 + 1) / 3: win back
    assert loyalty_contribution(user=gm, filters=UP_TO_TODAY)[LoyaltyCell.WIN_BACK] == 1
    only_first = CsiFilters(date_from=date(2026, 1, 1), template_code=template.code)
    assert _last_answers_in(gm, only_first) is None and _last_answers_in(manager, UP_TO_TODAY) is None
    assert loyalty_contribution(user=gm, filters=only_first)[LoyaltyCell.KEEP] == 1
    assert loyalty_contribution(user=manager, filters=UP_TO_TODAY)[LoyaltyCell.WIN_BACK] == 1


def test_no_loyalty_cells_for_someone_who_may_not_read_the_figures(frontline, branch, template):
    respond(template, CustomerFactory(branch=branch, quadrant="high"), (4,), repurchase="yes", when=at(2026, 1, 5))
    cells = loyalty_contribution(user=frontline, filters=JAN_TO_MAR)
    assert cells == {LoyaltyCell.KEEP: 0, LoyaltyCell.DEVELOP: 0, LoyaltyCell.WIN_BACK: 0, LoyaltyCell.LET_GO: 0}


def test_the_latest_response_is_the_latest_within_the_filters(gm, branch, template):
    client = CustomerFactory(branch=branch, quadrant="high")
    respond(template, client, (4,), repurchase="yes", recommend=10, when=at(2026, 1, 5))
    respond(template, client, (4,), repurchase="no", recommend=0, when=at(2026, 5, 5))  # after the period
    # In January–March the latest answer is (yes, 10): (1 + 1 + 1) / 3 → keep.
    assert loyalty_contribution(user=gm, filters=JAN_TO_MAR)[LoyaltyCell.KEEP] == 1
    # Over the whole year it is (no, 0): (0 + 0 + 1) / 3 = 0.33 → win back.
    year = CsiFilters(date_from=date(2026, 1, 1), date_to=date(2026, 12, 31))
    assert loyalty_contribution(user=gm, filters=year)[LoyaltyCell.WIN_BACK] == 1


# --- Who sees what -------------------------------------------------------------------------------------------------


def test_a_manager_sees_only_their_branch(gm, manager, frontline, admin_user, branch, other_branch, template):
    bj = CustomerFactory(branch=branch, quadrant="high")
    sh = CustomerFactory(branch=other_branch, quadrant="high")
    respond(template, bj, (5, 5, 5), recommend=10, repurchase="yes", when=at(2026, 1, 10))  # 100
    respond(template, sh, (1, 1, 1), recommend=0, repurchase="no", when=at(2026, 1, 10))  # 0
    assert set(responses_for_user(user=manager).values_list("branch_id", flat=True)) == {branch.pk}
    assert responses_for_user(user=gm).count() == 2
    assert responses_for_user(user=admin_user).count() == 2
    assert responses_for_user(user=frontline).count() == 0  # csi.view: not front-line staff

    assert csi_summary(user=manager, filters=JAN_TO_MAR).csi == pytest.approx(100.0)
    assert csi_summary(user=gm, filters=JAN_TO_MAR).csi == pytest.approx(50.0)  # (300 + 0) / (4 + 4)
    assert [f.label for f in csi_by(user=manager, filters=JAN_TO_MAR, by="branch")] == ["Beijing 北京"]
    assert csi_summary(user=manager, filters=JAN_TO_MAR).nps.score == pytest.approx(100.0)
    assert [i.answers for i in csi_by_item(user=manager, filters=JAN_TO_MAR)] == [1, 1, 1]
    assert loyalty_contribution(user=manager, filters=JAN_TO_MAR) == {
        LoyaltyCell.KEEP: 1, LoyaltyCell.DEVELOP: 0, LoyaltyCell.WIN_BACK: 0, LoyaltyCell.LET_GO: 0,
    }  # fmt: skip
    # Asking for the other branch gives nothing, not the other branch.
    other = CsiFilters(**{**JAN_TO_MAR.__dict__, "branch_id": other_branch.pk})
    assert csi_responses(user=manager, filters=other).count() == 0
    assert csi_summary(user=gm, filters=other).csi == pytest.approx(0.0)


def test_a_manager_without_a_branch_sees_nothing(customer, template):
    nobody = staff(Role.MANAGER, None, username="lost-manager")
    respond(template, customer, (5, 5, 5), when=at(2026, 1, 10))
    assert csi_summary(user=nobody, filters=JAN_TO_MAR).responses == 0


# --- Campaign response rate ----------------------------------------------------------------------------------------


def test_campaign_response_rate(gm, branch, template, django_assert_num_queries):
    def campaign(name):
        return Campaign.objects.create(name=name, template=template, created_by=gm, status=Campaign.Status.SENT)

    sent, silent = campaign("Spring"), campaign("Nobody invited")
    for n, state in enumerate(["answered", "pending", "pending", "cancelled"]):
        Invitation.objects.create(
            campaign=sent, customer=CustomerFactory(branch=branch), salt=f"s{n}", token_hash=f"h{n}",
            state=state, expires_at=timezone.now() + timedelta(days=14),
        )  # fmt: skip
    with django_assert_num_queries(1):
        rates = campaign_response_rate(campaign_ids=[sent.pk, silent.pk])
    # Invited: 3 (the cancelled one does not count); answered 1 → 33.3 %.
    assert rates[sent.pk][:2] == (3, 1)
    assert rates[sent.pk][2] == pytest.approx(33.333, abs=0.001)
    assert rates[silent.pk] == (0, 0, None)


# --- Complaint figures ---------------------------------------------------------------------------------------------


def test_complaint_figures(gm, manager, frontline, frontline_other, branch):
    from tests.complaints.factories import CategoryFactory

    billing = CategoryFactory(code="billing", name_en="Billing", name_zh="账单")
    manner = CategoryFactory(code="service_manner")
    received = at(2026, 2, 10)
    cases = [ComplaintFactory(actor=frontline, category=manner) for _ in range(3)]
    cases.append(ComplaintFactory(actor=frontline, category=billing))
    elsewhere = ComplaintFactory(actor=frontline_other, category=billing)  # another branch
    Complaint.objects.filter(pk__in=[c.pk for c in [*cases, elsewhere]]).update(
        created_at=received, resolution_due_at=at(2026, 2, 20)
    )
    Complaint.objects.filter(pk=cases[0].pk).update(step="closed", closed_at=at(2026, 2, 18), root_cause_group="people")
    Complaint.objects.filter(pk=cases[1].pk).update(step="closed", closed_at=at(2026, 2, 25), root_cause_group="people")
    Complaint.objects.filter(pk=cases[2].pk).update(
        step="closed", closed_at=at(2026, 2, 20), root_cause_group="support"
    )  # closed at the deadline itself: within it
    for case, score in ((cases[0], 5), (cases[1], 2), (cases[0], 4)):  # the first complaint visited twice
        Revisit.objects.create(complaint=case, outcome="resolved", score=score, recorded_by=frontline)
    complaint_summary_rebuild()  # rows written directly: the monthly sums whole months read, as a backfill makes them

    figures = complaint_figures(user=manager, filters=JAN_TO_MAR)
    assert figures.received == 4
    assert figures.by_category == [("service_manner", "Service manner", 3), ("billing", "Billing", 1)]
    assert [(code, n) for code, _name, n in figures.by_root_cause] == [("people", 2), ("", 1), ("support", 1)]
    # Closed 3, of which on or before the deadline 2 → 66.7 %.
    assert (figures.closed, figures.closed_within_sla) == (3, 2)
    assert figures.sla_share == pytest.approx(66.667, abs=0.001)
    # Revisit scores 5, 2 and 4 (each revisit once, the complaints without one add nothing) → 11 / 3.
    assert (figures.revisits, figures.revisit_score) == (3, pytest.approx(11 / 3))
    assert complaint_figures(user=gm, filters=JAN_TO_MAR).received == 5
    assert complaint_figures(user=frontline, filters=JAN_TO_MAR).received == 0  # no csi.view
    empty = complaint_figures(user=gm, filters=CsiFilters(date_from=date(2025, 1, 1), date_to=date(2025, 1, 31)))
    assert (empty.received, empty.sla_share, empty.revisit_score) == (0, None, None)
