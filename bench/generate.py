"""Synthetic benchmark data: ``python -m bench.generate [--customers 20000] [--complaints 50000] [--answers N]
[--transactions N] [--reset | --remove]``.

Writes to whatever DATABASE_URL points at (the SQLite dev file by default). Creates BRANCHES branches
(codes BN-01 …), per branch front-line staff and a manager, one general manager and one admin (usernames
bench_…, in the role groups the data migration made, each with a staff profile), a few tags (BN-…),
N customers (codes BN-0000001 …) with their transactions (10 each unless --transactions says otherwise) and M
complaints on them (numbers TS-<year>-9NNNNNN, with timelines, plans and remedies; four departments BN-…), and
three years of satisfaction surveys (a questionnaire bench-csi,
monthly campaigns per branch, about 25 answers per customer unless --answers says otherwise; every revisit is
also a survey answer). Refuses when bench data exists unless --reset is given; --reset and
--remove delete bench rows only, in one transaction.
"""

import argparse
import sys
import time

from bench import setup_django


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.generate", description=__doc__.split("\n\n")[0])
    parser.add_argument("--customers", type=int, default=20000, help="how many customers (default 20000)")
    parser.add_argument(
        "--complaints", type=int, default=50000, help="how many complaints on the bench customers (default 50000)"
    )
    parser.add_argument(
        "--answers",
        type=int,
        default=None,
        help="how many survey answers over three years (default 25 per customer: 500000 for 20000 customers)",
    )
    parser.add_argument(
        "--transactions",
        type=int,
        default=None,
        help="how many customer transactions over two years (default 10 per customer: 200000 for 20000 customers)",
    )
    parser.add_argument("--seed", type=int, default=2026, help="random seed, for the same data every time")
    action = parser.add_mutually_exclusive_group()
    action.add_argument("--reset", action="store_true", help="replace existing bench data")
    action.add_argument("--remove", action="store_true", help="only remove the bench data")
    action.add_argument(
        "--reuse", action="store_true", help="keep the bench data there is (exit 0); generate only when there is none"
    )
    args = parser.parse_args(argv)
    if args.customers < 0:
        parser.error("--customers must be 0 or more")
    if args.complaints < 0:
        parser.error("--complaints must be 0 or more")
    if args.transactions is not None and args.transactions < 0:
        parser.error("--transactions must be 0 or more")
    if args.answers is not None and args.answers < 0:
        parser.error("--answers must be 0 or more")
    if args.answers and not args.customers and not args.remove:
        parser.error("--answers needs customers to survey: pass --customers > 0 (or --answers 0)")
    if args.complaints and not args.customers and not args.remove:
        parser.error("--complaints needs customers to file them on: pass --customers > 0 (or --complaints 0)")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    setup_django()
    from django.db import connection, transaction

    from bench import data

    started = time.perf_counter()
    print(f"database: {connection.vendor} {connection.settings_dict['NAME']}")
    if args.reuse and data.bench_customers().exists():
        print(f"reusing the bench data there: {data.bench_complaints().count()} complaints")
        return 0
    try:
        if args.remove:
            with transaction.atomic():
                removed = data.remove()
            made = None
        else:
            removed, made = data.generate_in_transaction(
                customers=args.customers,
                complaints=args.complaints,
                answers=args.answers,
                transactions=args.transactions,
                seed=args.seed,
                reset=args.reset,
            )
    except data.BenchDataError as exc:
        print(f"bench.generate: {exc}", file=sys.stderr)
        return 1
    if removed.any:
        print(f"removed: {removed}")
    if made is not None:
        vacuumed = time.perf_counter()
        data.analyze(compact=removed.any)
        if connection.vendor == "postgresql":
            print(f"VACUUM{' FULL' if removed.any else ''} and ANALYZE: {time.perf_counter() - vacuumed:.1f} s")
        print(f"created: {made}")
    print(f"done in {time.perf_counter() - started:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
