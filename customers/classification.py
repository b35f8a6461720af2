"""Value, quadrant, tier and at-risk recomputation as a handful of set-based SQL statements.

Called only by the services ``customers_classify`` and ``customers_detect_at_risk`` (inside their
transaction). Every statement works on the whole customer table at once, so 200,000 customers and
2,000,000 transactions cost a few statements, not a loop per customer. The SQL is the common
subset of SQLite (≥ 3.33: UPDATE … FROM, window functions) and PostgreSQL.

The rules, in words (the tests check them on hand-computed examples):

* Current value: revenue (or margin) of the customer's transactions in the window
  ``(as_of − N months, as_of]``. No transactions: 0.
* Potential value: the latest assessment's four scores (0–10), weighted mean × 10, so 0–100.
  Never assessed: no potential (treated as 0).
* Thresholds: absolute, or "top X % of customers": the threshold is the value of the customer at
  rank ⌈X % × n⌉ in descending order, so customers tied with it are all high. High also needs a
  value above 0.
* Quadrant: high current and high potential: high value; high current only: secondary value;
  high potential only: potential value; neither: low value.
* Tier: "bigger customers' share" is the share of window sales of customers who bought strictly
  more; ties share one rank. A: bigger customers' share < Pareto % (the customers who bring the
  top 80 %) and at least the minimum number of purchases, and, if set, the minimum loyalty intent and
  rating of the latest assessment (a customer never assessed then cannot be A). B: not A and (bigger share < the B %,
  or frequent buyer, or loyal and satisfied by the latest assessment). C: the rest, including
  customers with no transactions.
* Churned customers are not reclassified: they keep the values they had when they left, which is
  what the churn report groups them by.
"""

import calendar
import math
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.db import connection

from .models import (
    ClassificationChange,
    Customer,
    CustomerEvent,
    PotentialAssessment,
    Purchase,
    ValueMatrixSettings,
)


def potential_hundredths(weights: list[int], scores: list[int]) -> int:
    """The potential score in hundredths: the weighted mean of the assessment's 0–10 scores, scaled to 0–100 and
    rounded half up, in whole numbers so that Python and both databases compute exactly the same thing."""
    weight_sum = sum(weights) or 1
    weighted = sum(w * s for w, s in zip(weights, scores, strict=True))
    return (2000 * weighted + weight_sum) // (2 * weight_sum)


# The same formula for the set-based classification; parameters: the four weights, then the weight sum twice.
POTENTIAL_HUNDREDTHS_SQL = (
    "(2000 * (%s * a.share_of_wallet + %s * a.growth + %s * a.recommendation + %s * a.loyalty_intent) + %s) / (2 * %s)"
)


def potential_score(settings: ValueMatrixSettings, assessment) -> Decimal:
    """One customer's potential score (0–100, two decimals), as the classification computes it for everyone."""
    weights = [
        settings.weight_share_of_wallet,
        settings.weight_growth,
        settings.weight_recommendation,
        settings.weight_loyalty,
    ]
    scores = [assessment.share_of_wallet, assessment.growth, assessment.recommendation, assessment.loyalty_intent]
    return Decimal(potential_hundredths(weights, scores)) / 100


WORK = "cust_cls_work"
RESULT = "cust_cls_result"
RISK = "cust_risk_work"
# The note of an automatic move back to active.
RECOVERED_NOTE = "recovered"


def months_before(day: date, months: int) -> date:
    """The same day ``months`` earlier, clamped to the month's end (31 March − 1 month = 28/29 Feb)."""
    total = day.year * 12 + day.month - 1 - months
    year, month = divmod(total, 12)
    month += 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def value_window(as_of: date, months: int) -> tuple[date, date]:
    """The first and last day of the transactions that count: the last ``months`` months up to as_of."""
    return months_before(as_of, months) + timedelta(days=1), as_of


@dataclass
class ClassifyResult:
    classified: int
    current_threshold: Decimal | None
    potential_threshold: Decimal | None
    quadrant_changes: int
    tier_changes: int
    updated: int  # customers whose figures changed


def _t(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def _num(value):
    """A threshold as a query parameter: SQLite compares text with numbers as text, so send floats there."""
    if value is None:
        return None
    return float(value) if connection.vendor == "sqlite" else Decimal(value)


def _dt(value):
    return connection.ops.adapt_datetimefield_value(value)


def _d(value: date) -> str:
    return value.isoformat()


def _drop(cursor, *names: str) -> None:
    for name in names:
        cursor.execute(f"DROP TABLE IF EXISTS {name}")  # noqa: S608 - constant names


def _top_threshold(cursor, column: str, top_percent: int, count: int) -> Decimal | None:
    """Value of the customer at rank ⌈top % × n⌉ (descending): the "top X %" threshold."""
    if count == 0:
        return None
    rank = max(1, math.ceil(top_percent * count / 100))
    cursor.execute(
        f"SELECT {column} FROM {WORK} ORDER BY {column} DESC LIMIT 1 OFFSET %s",  # noqa: S608
        [rank - 1],
    )
    row = cursor.fetchone()
    return None if row is None or row[0] is None else Decimal(str(row[0])).quantize(Decimal("0.01"))


def classify(*, settings: ValueMatrixSettings, as_of: date, run_id: int, now) -> ClassifyResult:
    customer, purchase, assessment = _t(Customer), _t(Purchase), _t(PotentialAssessment)
    change = _t(ClassificationChange)
    start, end = value_window(as_of, settings.value_months)
    basis = "margin" if settings.value_basis == ValueMatrixSettings.Basis.MARGIN else "revenue"
    weights = [
        settings.weight_share_of_wallet,
        settings.weight_growth,
        settings.weight_recommendation,
        settings.weight_loyalty,
    ]
    weight_sum = sum(weights) or 1
    with connection.cursor() as cursor:
        _drop(cursor, WORK, RESULT)
        # 1. Per customer: window sales and margin, purchases, last purchase, potential score.
        cursor.execute(
            f"""
            CREATE TEMP TABLE {WORK} AS
            WITH agg AS (
                SELECT customer_id,
                       SUM(CASE WHEN date >= %s THEN amount ELSE 0 END) AS revenue,
                       SUM(CASE WHEN date >= %s THEN margin ELSE 0 END) AS margin,
                       SUM(CASE WHEN date >= %s THEN 1 ELSE 0 END) AS purchases,
                       MAX(date) AS last_on
                FROM {purchase}
                WHERE date <= %s
                GROUP BY customer_id
            )
            SELECT c.id AS id,
                   c.quadrant AS old_quadrant,
                   c.tier AS old_tier,
                   ROUND(COALESCE(agg.revenue, 0), 2) AS sales,
                   ROUND(COALESCE(agg.{basis}, 0), 2) AS current_value,
                   COALESCE(agg.purchases, 0) AS purchases,
                   agg.last_on AS last_on,
                   CASE WHEN a.id IS NULL THEN NULL
                        ELSE ROUND(({POTENTIAL_HUNDREDTHS_SQL}) / 100.0, 2)
                   END AS potential,
                   a.loyalty_intent AS loyalty,
                   a.rating AS rating
            FROM {customer} c
            LEFT JOIN agg ON agg.customer_id = c.id
            LEFT JOIN {assessment} a ON a.id = c.latest_assessment_id
            WHERE c.status <> %s
            """,  # noqa: S608 - table names from the models, values as parameters
            [_d(start), _d(start), _d(start), _d(end), *weights, weight_sum, weight_sum, Customer.Status.CHURNED],
        )
        cursor.execute(f"SELECT COUNT(*) FROM {WORK}")  # noqa: S608
        count = cursor.fetchone()[0]
        # 2. Thresholds.
        if settings.threshold_mode == ValueMatrixSettings.ThresholdMode.PERCENTILE:
            current_threshold = _top_threshold(cursor, "current_value", settings.current_top_percent, count)
            potential_threshold = _top_threshold(
                cursor, "COALESCE(potential, 0)", settings.potential_top_percent, count
            )
        else:
            current_threshold, potential_threshold = settings.current_threshold, settings.potential_threshold
        high_current = "(current_value > 0 AND current_value >= %s)" if current_threshold is not None else "(1 = 0)"
        high_potential = (
            "(COALESCE(potential, 0) > 0 AND COALESCE(potential, 0) >= %s)"
            if potential_threshold is not None
            else "(1 = 0)"
        )
        quadrant_sql = (
            f"CASE WHEN {high_current} AND {high_potential} THEN 'high' "
            f"WHEN {high_current} THEN 'secondary' WHEN {high_potential} THEN 'potential' ELSE 'low' END"
        )
        quadrant_params = [
            _num(v)
            for v in (current_threshold, potential_threshold, current_threshold, potential_threshold)
            if v is not None
        ]
        # A may also ask for loyalty intent and a rating (of the latest assessment); unset minimums add nothing.
        a_extra, a_extra_params = "", []
        for column, minimum in (("loyalty", settings.tier_a_min_loyalty), ("rating", settings.tier_a_min_rating)):
            if minimum is not None:
                a_extra += f" AND {column} >= %s"  # no assessment (NULL): not A
                a_extra_params.append(minimum)
        tier_sql = f"""
            CASE WHEN sales > 0 AND sales_before * 100 < %s * total_sales AND purchases >= %s{a_extra} THEN 'A'
                 WHEN (sales > 0 AND sales_before * 100 < %s * total_sales)
                      OR purchases >= %s
                      OR (loyalty >= %s AND rating >= %s) THEN 'B'
                 ELSE 'C' END
        """
        tier_params = [
            settings.pareto_percent,
            settings.tier_a_min_purchases,
            *a_extra_params,
            settings.tier_b_percent,
            max(1, settings.tier_b_min_purchases),
            settings.tier_b_min_loyalty,
            settings.tier_b_min_rating,
        ]
        # 3. Pareto ranks (sales of the customers who bought strictly more; ties share a rank), then the
        # new quadrant and tier next to the old ones.
        cursor.execute(
            f"""
            CREATE TEMP TABLE {RESULT} AS
            SELECT ranked.*,
                   {quadrant_sql} AS quadrant,
                   {tier_sql} AS tier,
                   CASE WHEN total_sales > 0 THEN ROUND(sales_before * 100.0 / total_sales, 2) END AS share_before
            FROM (
                SELECT w.*,
                       SUM(sales) OVER () AS total_sales,
                       SUM(sales) OVER (ORDER BY sales DESC RANGE BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)
                         - SUM(sales) OVER (PARTITION BY sales) AS sales_before
                FROM {WORK} w
            ) ranked
            """,  # noqa: S608
            [*quadrant_params, *tier_params],
        )
        if connection.vendor == "postgresql":
            cursor.execute(f"ANALYZE {RESULT}")
        # 5. History: every change of quadrant or tier, with the figures that caused it.
        changes = {}
        for kind, column in (
            (ClassificationChange.Kind.QUADRANT, "quadrant"),
            (ClassificationChange.Kind.TIER, "tier"),
        ):
            cursor.execute(
                f"""
                INSERT INTO {change} (customer_id, run_id, kind, from_value, to_value, changed_at,
                                      current_value, potential_score, sales_share_before, window_purchases)
                SELECT id, %s, %s, old_{column}, {column}, %s, current_value, potential, share_before, purchases
                FROM {RESULT}
                WHERE old_{column} <> {column}
                """,  # noqa: S608
                [run_id, kind, _dt(now)],
            )
            changes[kind] = cursor.rowcount
        # 6. The customers whose figures changed, in one statement (unchanged rows are not rewritten, so a
        # nightly rerun writes little). The Pareto share moves with every sale of anyone, so it is kept only in
        # the history rows, with the tier change it explains.
        distinct = "IS DISTINCT FROM" if connection.vendor == "postgresql" else "IS NOT"
        pairs = [
            ("current_value", "current_value"),
            ("potential_score", "potential"),
            ("window_sales", "sales"),
            ("window_purchases", "purchases"),
            ("last_purchase_on", "last_on"),
            ("quadrant", "quadrant"),
            ("tier", "tier"),
        ]
        assignments = ", ".join(f"{column} = r.{source}" for column, source in pairs)
        changed = " OR ".join(f"{customer}.{column} {distinct} r.{source}" for column, source in pairs)
        cursor.execute(
            f"""
            UPDATE {customer} SET {assignments}, classified_at = %s
            FROM {RESULT} r
            WHERE {customer}.id = r.id AND ({changed})
            """,  # noqa: S608
            [_dt(now)],
        )
        updated = cursor.rowcount
        _drop(cursor, WORK, RESULT)
    return ClassifyResult(
        classified=count,
        current_threshold=current_threshold,
        potential_threshold=potential_threshold,
        quadrant_changes=changes[ClassificationChange.Kind.QUADRANT],
        tier_changes=changes[ClassificationChange.Kind.TIER],
        updated=updated,
    )


@dataclass
class AtRiskResult:
    flagged: int
    recovered: int


def detect_at_risk(*, settings: ValueMatrixSettings, as_of: date, now) -> AtRiskResult:
    """Active customers who stopped buying or spend much less become at risk; detected ones who recovered, active.

    No purchase: a customer who bought before but not in the last N days (one who never bought has not
    stopped). Falling spend: the last M months' spend is at most (100 − drop) % of the M months before,
    which spent something.
    """
    customer, purchase, event = _t(Customer), _t(Purchase), _t(CustomerEvent)
    cutoff = as_of - timedelta(days=settings.at_risk_after_days)
    middle = months_before(as_of, settings.spend_window_months)
    earliest = months_before(as_of, 2 * settings.spend_window_months)
    Status, Reason = Customer.Status, Customer.AtRiskReason
    with connection.cursor() as cursor:
        _drop(cursor, RISK)
        cursor.execute(
            f"""
            CREATE TEMP TABLE {RISK} AS
            WITH agg AS (
                SELECT customer_id,
                       MAX(date) AS last_on,
                       SUM(CASE WHEN date > %s THEN amount ELSE 0 END) AS recent,
                       SUM(CASE WHEN date > %s AND date <= %s THEN amount ELSE 0 END) AS previous
                FROM {purchase}
                WHERE date <= %s
                GROUP BY customer_id
            )
            SELECT c.id AS id, c.status AS old_status, c.at_risk_reason AS old_reason,
                   CASE WHEN agg.last_on IS NOT NULL AND agg.last_on < %s THEN %s
                        WHEN agg.previous > 0 AND agg.recent * 100 <= agg.previous * %s THEN %s
                        ELSE '' END AS reason
            FROM {customer} c
            LEFT JOIN agg ON agg.customer_id = c.id
            WHERE c.status = %s OR (c.status = %s AND c.at_risk_reason IN (%s, %s))
            """,  # noqa: S608
            [
                _d(middle),
                _d(earliest),
                _d(middle),
                _d(as_of),
                _d(cutoff),
                Reason.NO_PURCHASE,
                100 - settings.spend_drop_percent,
                Reason.FALLING_SPEND,
                Status.ACTIVE,
                Status.AT_RISK,
                Reason.NO_PURCHASE,
                Reason.FALLING_SPEND,
            ],
        )
        flag = f"old_status = '{Status.ACTIVE}' AND reason <> ''"
        recover = f"old_status = '{Status.AT_RISK}' AND reason = ''"
        cursor.execute(
            f"""
            INSERT INTO {event} (customer_id, kind, actor_id, from_value, to_value, note, created_at)
            SELECT id, %s, NULL, old_status, CASE WHEN {flag} THEN %s ELSE %s END,
                   CASE WHEN {flag} THEN reason ELSE %s END, %s
            FROM {RISK} WHERE ({flag}) OR ({recover})
            """,  # noqa: S608
            [CustomerEvent.Kind.STATUS, Status.AT_RISK, Status.ACTIVE, RECOVERED_NOTE, _dt(now)],
        )
        cursor.execute(
            f"""
            UPDATE {customer} SET status = %s, at_risk_reason = r.reason, updated_at = %s
            FROM {RISK} r WHERE {customer}.id = r.id AND r.old_status = %s AND r.reason <> ''
            """,  # noqa: S608
            [Status.AT_RISK, _dt(now), Status.ACTIVE],
        )
        flagged = cursor.rowcount
        cursor.execute(
            f"""
            UPDATE {customer} SET status = %s, at_risk_reason = '', updated_at = %s
            FROM {RISK} r WHERE {customer}.id = r.id AND r.old_status = %s AND r.reason = ''
            """,  # noqa: S608
            [Status.ACTIVE, _dt(now), Status.AT_RISK],
        )
        recovered = cursor.rowcount
        _drop(cursor, RISK)
    return AtRiskResult(flagged=flagged, recovered=recovered)
