"""The value matrix and A/B/C tiers on hand-computed examples (see customers/classification.py for the rules)."""

from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from customers.classification import months_before, potential_score, value_window
from customers.models import ClassificationChange, Customer, ValueMatrixSettings
from customers.services import customers_classify
from customers.templatetags.customer_tags import change_reason
from tests.factories import CustomerFactory

from .factories import AssessmentFactory, buy

pytestmark = pytest.mark.django_db

AS_OF = date(2026, 6, 30)
IN_WINDOW = date(2026, 3, 1)


def configure(**values):
    ValueMatrixSettings.objects.filter(pk=1).update(**values)


@pytest.fixture(autouse=True)
def absolute_thresholds(db):
    # Each test states the thresholds it relies on; these defaults keep the others out of the way.
    configure(
        value_basis="revenue",
        value_months=12,
        threshold_mode="absolute",
        current_threshold=Decimal("1000"),
        potential_threshold=Decimal("60"),
        weight_share_of_wallet=3,
        weight_growth=3,
        weight_recommendation=2,
        weight_loyalty=2,
        pareto_percent=80,
        tier_a_min_purchases=2,
        tier_b_percent=95,
        tier_b_min_purchases=6,
        tier_b_min_loyalty=8,
        tier_b_min_rating=4,
    )


def fresh(*customers):
    return [Customer.objects.get(pk=c.pk) for c in customers]


def share_before(customer) -> Decimal | None:
    """The Pareto share stored with the customer's latest tier change."""
    return customer.classification_changes.filter(kind="tier").order_by("-changed_at", "-pk").first().sales_share_before


def test_months_before_clamps_to_the_end_of_the_month():
    assert months_before(date(2026, 3, 31), 1) == date(2026, 2, 28)
    assert months_before(date(2024, 3, 31), 1) == date(2024, 2, 29)
    assert months_before(date(2026, 1, 15), 1) == date(2025, 12, 15)
    assert months_before(date(2026, 6, 30), 12) == date(2025, 6, 30)
    assert value_window(AS_OF, 12) == (date(2025, 7, 1), AS_OF)


def test_pareto_tiers_with_ties():
    """Sales 50, 30, 10, 10, 0 (total 100). Bigger customers' share: 0, 50, 80, 80, 100 %.

    Pareto 80 %: A = the first two (they bring exactly 80 %); the tied 10s are both B (80 < 95);
    the customer without sales is C. With 81 % the two tied customers become A together."""
    big, mid, tie1, tie2, none = (CustomerFactory() for _ in range(5))
    buy(big, 25, IN_WINDOW, count=2)
    buy(mid, 15, IN_WINDOW, count=2)
    buy(tie1, 5, IN_WINDOW, count=2)
    buy(tie2, 5, IN_WINDOW, count=2)

    customers_classify(as_of=AS_OF)
    big, mid, tie1, tie2, none = fresh(big, mid, tie1, tie2, none)
    assert [c.tier for c in (big, mid, tie1, tie2, none)] == ["A", "A", "B", "B", "C"]
    assert [share_before(c) for c in (big, mid, tie1, tie2)] == [
        Decimal("0.00"),
        Decimal("50.00"),
        Decimal("80.00"),
        Decimal("80.00"),
    ]
    assert share_before(none) == Decimal("100.00")
    assert (big.window_sales, big.window_purchases) == (Decimal("50.00"), 2)

    configure(pareto_percent=81)
    customers_classify(as_of=AS_OF)
    assert [c.tier for c in fresh(big, mid, tie1, tie2, none)] == ["A", "A", "A", "A", "C"]


def test_a_may_also_need_loyalty_and_rating():
    """Sales 50, 30, 10, 10 (total 100), Pareto 81 %: by share all four are A (bigger share 0, 50, 80, 80 %).

    Latest assessments (loyalty, rating): big (9, 5), mid never assessed, tie1 (7, 4), tie2 (10, no rating).
    A needs loyalty ≥ 7: mid is not A (no assessment), the rest are. A also needs rating ≥ 4: tie2, tied with
    tie1 on sales, drops to B (no rating) while tie1 (exactly 7 and 4) stays A. Both unset: all four A again."""
    big, mid, tie1, tie2 = (CustomerFactory() for _ in range(4))
    for customer, amount in ((big, 25), (mid, 15), (tie1, 5), (tie2, 5)):
        buy(customer, amount, IN_WINDOW, count=2)
    AssessmentFactory(customer=big, loyalty_intent=9, rating=5)
    AssessmentFactory(customer=tie1, loyalty_intent=7, rating=4)
    AssessmentFactory(customer=tie2, loyalty_intent=10, rating=None)
    configure(pareto_percent=81, tier_a_min_loyalty=7)
    customers_classify(as_of=AS_OF)
    assert [c.tier for c in fresh(big, mid, tie1, tie2)] == ["A", "B", "A", "A"]
    configure(tier_a_min_rating=4)
    customers_classify(as_of=AS_OF)
    assert [c.tier for c in fresh(big, mid, tie1, tie2)] == ["A", "B", "A", "B"]
    assert [share_before(c) for c in fresh(tie1, tie2)] == [Decimal("80.00"), Decimal("80.00")]  # tied
    configure(tier_a_min_loyalty=None, tier_a_min_rating=None)
    customers_classify(as_of=AS_OF)
    assert [c.tier for c in fresh(big, mid, tie1, tie2)] == ["A", "A", "A", "A"]


def test_a_rating_minimum_alone():
    """Sales 60, 40 (Pareto 80 %: both A by share, bigger share 0 and 60 %); rating ≥ 5 keeps only the 5."""
    rated_5, rated_4 = CustomerFactory(), CustomerFactory()
    buy(rated_5, 30, IN_WINDOW, count=2)
    buy(rated_4, 20, IN_WINDOW, count=2)
    AssessmentFactory(customer=rated_5, loyalty_intent=0, rating=5)
    AssessmentFactory(customer=rated_4, loyalty_intent=10, rating=4)
    configure(tier_a_min_rating=5)
    customers_classify(as_of=AS_OF)
    assert [c.tier for c in fresh(rated_5, rated_4)] == ["A", "B"]


def test_a_needs_repeat_purchases_and_b_takes_frequent_or_loyal_customers():
    one_big_order = CustomerFactory()
    buy(one_big_order, 900, IN_WINDOW)  # 90 % of sales, but a single purchase
    frequent = CustomerFactory()
    buy(frequent, 1, IN_WINDOW, count=6)  # 6 small purchases: share before 90 %... but frequent
    loyal = CustomerFactory()
    AssessmentFactory(customer=loyal, loyalty_intent=8, rating=4)
    lukewarm = CustomerFactory()
    AssessmentFactory(customer=lukewarm, loyalty_intent=8, rating=3)
    rest = CustomerFactory()
    buy(rest, 94, IN_WINDOW)  # share before: 90 %… below 95 %, so B by share

    customers_classify(as_of=AS_OF)
    one_big_order, frequent, loyal, lukewarm, rest = fresh(one_big_order, frequent, loyal, lukewarm, rest)
    assert one_big_order.tier == "B"
    assert rest.tier == "B" and share_before(rest) == Decimal("90.00")
    assert frequent.tier == "B" and share_before(frequent) == Decimal("99.40")
    assert loyal.tier == "B"
    assert lukewarm.tier == "C"


def test_empty_history_is_low_value_tier_c_with_a_first_history_row():
    customer = CustomerFactory()
    run = customers_classify(as_of=AS_OF)
    customer.refresh_from_db()
    assert (customer.quadrant, customer.tier) == ("low", "C")
    assert customer.current_value == 0 and customer.potential_score is None
    assert customer.window_purchases == 0 and customer.last_purchase_on is None
    changes = {c.kind: (c.from_value, c.to_value) for c in customer.classification_changes.all()}
    assert changes == {"quadrant": ("", "low"), "tier": ("", "C")}
    assert run.customers_classified == 1 and run.current_threshold == Decimal("1000.00")


def test_quadrants_with_absolute_thresholds_and_the_potential_formula():
    """Weights 3/3/2/2: scores 10,10,5,5 give (30+30+10+10)×10/10 = 80; scores 0,0,10,10 give 40."""
    high, secondary, potential, low, edge = (CustomerFactory() for _ in range(5))
    buy(high, 1500, IN_WINDOW)
    buy(secondary, 1500, IN_WINDOW)
    buy(potential, 500, IN_WINDOW)
    buy(low, 500, IN_WINDOW)
    buy(edge, 1000, IN_WINDOW)  # exactly the threshold: high
    for c in (high, potential):
        AssessmentFactory(customer=c, share_of_wallet=10, growth=10, recommendation=5, loyalty_intent=5)
    AssessmentFactory(customer=secondary, share_of_wallet=0, growth=0, recommendation=10, loyalty_intent=10)
    AssessmentFactory(customer=edge, share_of_wallet=6, growth=6, recommendation=6, loyalty_intent=6)  # exactly 60

    customers_classify(as_of=AS_OF)
    high, secondary, potential, low, edge = fresh(high, secondary, potential, low, edge)
    assert [c.quadrant for c in (high, secondary, potential, low, edge)] == [
        "high",
        "secondary",
        "potential",
        "low",
        "high",
    ]
    assert high.potential_score == Decimal("80.00")
    assert secondary.potential_score == Decimal("40.00")
    assert low.potential_score is None
    settings = ValueMatrixSettings.current()
    assert potential_score(settings, high.latest_assessment) == Decimal("80.00")


def test_top_percent_thresholds_include_ties_at_the_boundary():
    """Current values 50, 40, 30, 30, 10. Top 40 %: rank ⌈0.4×5⌉ = 2 → threshold 40 → two high.
    Top 60 %: rank 3 → threshold 30 → four high, because the two 30s are tied."""
    customers = [CustomerFactory() for _ in range(5)]
    for c, amount in zip(customers, [50, 40, 30, 30, 10], strict=True):
        buy(c, amount, IN_WINDOW)
    configure(threshold_mode="percentile", current_top_percent=40, potential_top_percent=40)
    run = customers_classify(as_of=AS_OF)
    assert run.current_threshold == Decimal("40.00")
    assert run.potential_threshold is None or run.potential_threshold == 0  # nobody assessed: nobody high
    assert [c.quadrant for c in fresh(*customers)] == ["secondary", "secondary", "low", "low", "low"]

    configure(current_top_percent=60)
    run = customers_classify(as_of=AS_OF)
    assert run.current_threshold == Decimal("30.00")
    assert [c.quadrant for c in fresh(*customers)] == ["secondary", "secondary", "secondary", "secondary", "low"]


def test_current_value_from_margin_and_the_window_edges():
    customer = CustomerFactory()
    buy(customer, 1000, date(2025, 7, 1), margin="300")  # first day of the window: counts
    buy(customer, 5000, date(2025, 6, 30), margin="900")  # one day before: does not
    buy(customer, 7000, date(2026, 7, 1), margin="1000")  # after as_of: does not
    configure(value_basis="margin", current_threshold=Decimal("250"))
    customers_classify(as_of=AS_OF)
    customer.refresh_from_db()
    assert customer.current_value == Decimal("300.00")
    assert customer.window_sales == Decimal("1000.00")  # tiers always use revenue
    assert customer.window_purchases == 1
    assert customer.last_purchase_on == date(2025, 7, 1)
    assert customer.quadrant == "secondary"


def test_history_keeps_every_change_with_its_figures_and_only_changes():
    customer = CustomerFactory()
    buy(customer, 600, IN_WINDOW)
    customers_classify(as_of=AS_OF)
    assert customer.classification_changes.count() == 2  # first classification: quadrant and tier

    classified_at = Customer.objects.get(pk=customer.pk).classified_at
    rerun = customers_classify(as_of=AS_OF)
    assert (rerun.quadrant_changes, rerun.tier_changes) == (0, 0)
    assert rerun.settings_snapshot["updated"] == 0  # unchanged customers are not rewritten
    assert Customer.objects.get(pk=customer.pk).classified_at == classified_at
    assert customer.classification_changes.count() == 2

    buy(customer, 600, IN_WINDOW)  # a second purchase: 1200 crosses 1000, and two purchases make A
    run = customers_classify(as_of=AS_OF)
    assert (run.quadrant_changes, run.tier_changes) == (1, 1)
    assert customer.classification_changes.get(run=run, kind="tier").from_value == "B"
    change = customer.classification_changes.get(run=run, kind="quadrant")
    assert (change.from_value, change.to_value) == ("low", "secondary")
    assert change.current_value == Decimal("1200.00") and change.window_purchases == 2
    assert change.changed_at is not None
    reason = change_reason(change)
    assert "1200" in reason and "1000" in reason


def test_churned_customers_keep_the_classification_they_had():
    customer = CustomerFactory()
    buy(customer, 2000, IN_WINDOW)
    customers_classify(as_of=AS_OF)
    Customer.objects.filter(pk=customer.pk).update(status="churned", churn_reason="moved", churned_on=AS_OF)
    run = customers_classify(as_of=date(2028, 1, 1))  # the purchase is long out of the window
    customer.refresh_from_db()
    assert customer.quadrant == "secondary" and customer.current_value == Decimal("2000.00")
    assert run.customers_classified == 0
    assert not ClassificationChange.objects.filter(run=run).exists()


@pytest.mark.parametrize("mode", ["absolute", "percentile"])
def test_classification_is_set_based_the_query_count_does_not_grow_with_customers(mode):
    configure(threshold_mode=mode)

    def make(n):
        for i in range(n):
            c = CustomerFactory()
            buy(c, 100 + i, IN_WINDOW, count=1 + i % 3)
            if i % 2:
                AssessmentFactory(customer=c, growth=i % 11)

    make(3)
    with CaptureQueriesContext(connection) as small:
        customers_classify(as_of=AS_OF)
    make(40)
    with CaptureQueriesContext(connection) as large:
        run = customers_classify(as_of=AS_OF)
    assert run.customers_classified == 43
    assert len(large.captured_queries) == len(small.captured_queries)
    assert len(large.captured_queries) <= 20


@pytest.mark.parametrize(
    ("weights", "scores", "expected"),
    [
        # 10 × 1 / 16 = 0.625: half up gives 0.63 (the old Python rounding gave 0.62, the database 0.63).
        ((1, 15, 0, 0), (1, 0, 0, 0), Decimal("0.63")),
        # 10 × (2 + 0) / 3 = 6.666…: 6.67.
        ((1, 1, 1, 0), (1, 1, 0, 0), Decimal("6.67")),
        # 10 × (3·7 + 3·5 + 2·9 + 2·4) / 10 = 62: no rounding.
        ((3, 3, 2, 2), (7, 5, 9, 4), Decimal("62.00")),
    ],
)
def test_the_assessment_and_the_classification_agree_on_the_potential_score(manager, weights, scores, expected):
    """The score shown when an assessment is recorded is the one the set-based classification stores."""
    from customers.services import assessment_record

    configure(
        weight_share_of_wallet=weights[0],
        weight_growth=weights[1],
        weight_recommendation=weights[2],
        weight_loyalty=weights[3],
    )
    customer = CustomerFactory(branch=manager.staff_profile.branch)
    assessment_record(
        actor=manager,
        customer_id=customer.pk,
        share_of_wallet=scores[0],
        growth=scores[1],
        recommendation=scores[2],
        loyalty_intent=scores[3],
    )
    customer.refresh_from_db()
    assert customer.potential_score == expected
    customers_classify(as_of=AS_OF)
    customer.refresh_from_db()
    assert customer.potential_score == expected
