"""Benchmark: value/tier classification and at-risk detection on a large generated dataset (PostgreSQL).

    createdb -h 127.0.0.1 -U postgres crm_bench_classify
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/crm_bench_classify \\
        .venv/bin/python -m bench.classify --customers 200000 --transactions 2000000

The data is generated set-based (INSERT … SELECT generate_series), so generating 2,000,000 transactions
takes seconds. Transactions are skewed (a power law over customers and amounts), so the Pareto tiers and
the quadrants come out uneven as in real life. The script refuses to touch a database whose name does not
contain "bench"; with --reset it truncates the customer tables of that bench database first.
"""

import argparse
import os
import sys
import time
from contextlib import contextmanager
from datetime import timedelta

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "crm_site.settings.base")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from crm_site.org.models import Branch  # noqa: E402
from customers.models import (  # noqa: E402
    ClassificationChange,
    ClassificationRun,
    Customer,
    CustomerEvent,
    PotentialAssessment,
    Purchase,
    ValueMatrixSettings,
    VisitPlan,
)
from customers.services import (  # noqa: E402
    customers_classify,
    customers_detect_at_risk,
    visit_plans_schedule_defaults,
)

BRANCHES = 10
MANAGERS = 50
CODE_PREFIX = "BX"


def table(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


@contextmanager
def measured(rows: list, step: str):
    """Time a step and count its SQL statements; the block may set result["rows"]."""
    result = {"rows": ""}
    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        yield result
        seconds = time.perf_counter() - started
    statements = [q for q in queries.captured_queries if not q["sql"].startswith(("SAVEPOINT", "RELEASE"))]
    rows.append((step, seconds, len(statements), result["rows"]))
    print(f"  {step}: {seconds:.2f} s", file=sys.stderr)


def ensure_people() -> tuple[list[int], list[int]]:
    from django.contrib.auth import get_user_model

    branches = [
        Branch.objects.get_or_create(code=f"BENCH{i:02d}", defaults={"name": f"Bench branch {i:02d}"})[0].pk
        for i in range(BRANCHES)
    ]
    User = get_user_model()
    managers = [
        User.objects.get_or_create(username=f"bench-am-{i:03d}", defaults={"first_name": f"AM {i:03d}"})[0].pk
        for i in range(MANAGERS)
    ]
    return branches, managers


def reset() -> None:
    """Empty the customer tables (and what refers to them) of the bench database."""
    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {table(Customer)}, {table(ClassificationRun)} CASCADE")


def generate(*, customers: int, transactions: int, rows: list) -> None:
    branches, managers = ensure_people()
    now = timezone.now()
    today = timezone.localdate()
    customer = table(Customer)
    with connection.cursor() as cursor:
        cursor.execute("SELECT setseed(0.4242)")
        with measured(rows, f"generate {customers:,} customers") as result:
            cursor.execute(
                f"""
                INSERT INTO {customer} (code, name, kind, company_name, phone, phone_e164, email, address, branch_id,
                    account_manager_id, status, churn_reason, at_risk_reason, source, current_value, window_sales,
                    window_purchases, quadrant, tier, created_at, updated_at)
                SELECT %s || lpad(g::text, 9, '0'),
                       'Bench customer ' || g,
                       CASE WHEN g %% 7 = 0 THEN 'company' ELSE 'individual' END,
                       '', '13' || lpad(((g::bigint * 7919) %% 1000000000)::text, 9, '0'),
                       '+8613' || lpad(((g::bigint * 7919) %% 1000000000)::text, 9, '0'), '', '',  -- every 13x is valid
                       (%s::bigint[])[1 + g %% %s],
                       CASE WHEN g %% 10 = 0 THEN NULL ELSE (%s::bigint[])[1 + g %% %s] END,
                       'active', '', '', 'bench', 0, 0, 0, '', '',
                       %s::timestamptz - (g %% 1000) * interval '1 day', %s
                FROM generate_series(1, %s) AS g
                """,  # noqa: S608
                [CODE_PREFIX, branches, len(branches), managers, len(managers), now, now, customers],
            )
            result["rows"] = f"{cursor.rowcount:,}"
        cursor.execute(f"SELECT min(id), max(id) FROM {customer} WHERE code LIKE %s", [CODE_PREFIX + "%"])  # noqa: S608
        first_id, last_id = cursor.fetchone()
        span = last_id - first_id + 1
        with measured(rows, f"generate {transactions:,} transactions") as result:
            # A power law over customers (a few buy a lot) and over amounts (a few orders are big), 24 months.
            cursor.execute(
                f"""
                INSERT INTO {table(Purchase)} (customer_id, date, amount, margin, product, reference, created_at)
                SELECT customer_id, day, amount, round(amount * (0.1 + 0.3 * random())::numeric, 2),
                       product, '', %s
                FROM (
                    SELECT %s + floor(%s * power(random(), 2.5))::bigint AS customer_id,
                           %s::date - floor(random() * 730)::int AS day,
                           round((20 + 4980 * power(random(), 4))::numeric, 2) AS amount,
                           'P-' || (g %% 50) AS product
                    FROM generate_series(1, %s) AS g
                ) AS t
                """,  # noqa: S608
                [now, first_id, span, today, transactions],
            )
            result["rows"] = f"{cursor.rowcount:,}"
        with measured(rows, "generate potential assessments (60 %)") as result:
            cursor.execute(
                f"""
                INSERT INTO {table(PotentialAssessment)} (customer_id, share_of_wallet, growth, recommendation,
                    loyalty_intent, rating, notes, assessed_by_id, assessed_at)
                SELECT id, floor(random() * 11)::int, floor(random() * 11)::int, floor(random() * 11)::int,
                       floor(random() * 11)::int, 1 + floor(random() * 5)::int, '', %s, %s
                FROM {customer} WHERE code LIKE %s AND random() < 0.6
                """,  # noqa: S608
                [managers[0], now, CODE_PREFIX + "%"],
            )
            result["rows"] = f"{cursor.rowcount:,}"
            cursor.execute(
                f"""
                UPDATE {customer} SET latest_assessment_id = a.id
                FROM {table(PotentialAssessment)} a WHERE a.customer_id = {customer}.id
                """  # noqa: S608
            )
    vacuum(rows, "VACUUM ANALYZE the generated tables")


def vacuum(rows: list, step: str) -> None:
    """What autovacuum does between two nightly runs; the generator's mass updates leave dead rows behind."""
    with measured(rows, step), connection.cursor() as cursor:
        for model in (Customer, Purchase, PotentialAssessment, ClassificationChange, CustomerEvent, VisitPlan):
            cursor.execute(f"VACUUM ANALYZE {table(model)}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--customers", type=int, default=200_000)
    parser.add_argument("--transactions", type=int, default=2_000_000)
    parser.add_argument("--reset", action="store_true", help="Empty the customer tables of the bench database first.")
    parser.add_argument("--mode", choices=["percentile", "absolute"], default="percentile")
    args = parser.parse_args()

    if connection.vendor != "postgresql":
        print("This benchmark runs on PostgreSQL: set DATABASE_URL=postgres://…/crm_bench_classify", file=sys.stderr)
        return 2
    name = connection.settings_dict["NAME"]
    if "bench" not in name:
        print(f"Refusing to use database {name!r}: its name must contain 'bench'.", file=sys.stderr)
        return 2
    call_command("migrate", verbosity=0)
    ValueMatrixSettings.objects.filter(pk=1).update(threshold_mode=args.mode)

    rows: list = []
    existing = Customer.objects.count()
    if existing and args.reset:
        reset()
        existing = 0
    if existing == 0:
        generate(customers=args.customers, transactions=args.transactions, rows=rows)
    elif existing != args.customers:
        print(f"The database has {existing:,} customers; run with --reset to regenerate.", file=sys.stderr)
        return 2
    else:
        print("Reusing the generated data (use --reset to regenerate).", file=sys.stderr)

    purchases = Purchase.objects.count()
    first = "classify: first run" if not ClassificationRun.objects.exists() else "classify: again"
    with measured(rows, first) as result:
        run = customers_classify()
        result["rows"] = f"{run.customers_classified:,} customers, {run.quadrant_changes + run.tier_changes:,} changes"
    vacuum(rows, "VACUUM ANALYZE (autovacuum's job between runs)")
    with measured(rows, "classify: same day again (nothing changed)") as result:
        run = customers_classify()
        result["rows"] = f"{run.settings_snapshot['updated']:,} rows rewritten"
    with measured(rows, "classify: next day (the window moves)") as result:
        run = customers_classify(as_of=timezone.localdate() + timedelta(days=1))
        result["rows"] = (
            f"{run.settings_snapshot['updated']:,} rows rewritten, {run.quadrant_changes + run.tier_changes:,} changes"
        )
    with measured(rows, "detect at risk") as result:
        risk = customers_detect_at_risk()
        result["rows"] = f"{risk.flagged:,} flagged, {risk.recovered:,} recovered"
    with measured(rows, "default visit plans") as result:
        result["rows"] = f"{visit_plans_schedule_defaults():,} plans"

    counts = dict(
        Customer.objects.exclude(quadrant="").values_list("quadrant").annotate(n=django.db.models.Count("pk"))
    )
    tiers = dict(Customer.objects.exclude(tier="").values_list("tier").annotate(n=django.db.models.Count("pk")))
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        version = cursor.fetchone()[0]
    print()
    print(
        f"PostgreSQL {version} · {Customer.objects.count():,} customers · {purchases:,} transactions · "
        f"thresholds: {args.mode} (current ≥ {run.current_threshold}, potential ≥ {run.potential_threshold})"
    )
    width = max(len(r[0]) for r in rows)
    print(f"{'step'.ljust(width)} | {'seconds':>8} | {'SQL statements':>14} | result")
    print(f"{'-' * width}-+-{'-' * 8}-+-{'-' * 14}-+-{'-' * 30}")
    for step, seconds, statements, result in rows:
        print(f"{step.ljust(width)} | {seconds:8.2f} | {statements:14d} | {result}")
    print()
    print("quadrants: " + ", ".join(f"{q} {n:,}" for q, n in sorted(counts.items())))
    print("tiers:     " + ", ".join(f"{t} {n:,}" for t, n in sorted(tiers.items())))
    return 0


if __name__ == "__main__":
    sys.exit(main())
