"""Request benchmark: ``python -m bench.run [--repeat 20] [--q 伟] [--only NAME]``. Run ``python -m bench.generate``
first.

Drives the whole stack (middleware, views, templates, database) through django.test.Client against
whatever DATABASE_URL points at, logged in with force_login as a bench front-line user, the bench general
manager and (approval queue, CSI dashboard) a bench branch manager. For each request: median and p95 wall
time over --repeat runs after two warm-ups, the SQL queries of one run, and the rows the page works on:
customers in the user's scope or matching the search, complaints matching the list's filters, plans
waiting, survey responses in the dashboard's period, complaints in the statistics' period, what the API's
lists match, the rows a CSV export streams (read to the end). Also timed: the SLA scan beat runs every minute
(complaints.schedule) over all open complaints, the first time (recording every job due) and again (nothing new),
each in a transaction rolled back afterwards so that the database is left as it was.
"""

import argparse
import logging
import math
import os
import platform
import statistics
import sys
import time
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import urlencode

from bench import FRONTLINE_USERNAME, GENERAL_MANAGER_USERNAME, MANAGER_USERNAME, setup_django

WARMUPS = 2
SQL_RUNS = 3


@dataclass
class Scenario:
    name: str
    path: str
    client: object
    rows: int | None = None
    status: int | None = 200  # None: any status (healthz: 503 when no worker runs)
    call: Callable[[], object] | None = None  # timed instead of a request (path and client unused)
    setup: Callable[[], object] | None = None  # run before each timed call, in the same rolled-back transaction


@dataclass
class Result:
    scenario: Scenario
    median_ms: float
    p95_ms: float
    queries: int
    sql_ms: float | None = None  # the median, over three more runs, of the time the queries took (as Django sees it)
    slowest: str = ""  # the slowest query of the last of those runs, for --explain


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=20, help="timed runs per request (default 20)")
    parser.add_argument("--q", default="伟", help="the name fragment searched for (default 伟)")
    parser.add_argument(
        "--only", action="append", default=[], help="run only the rows whose name contains this (repeatable)"
    )
    parser.add_argument(
        "--explain", action="store_true", help="print EXPLAIN (ANALYZE, BUFFERS) of each row's slowest query"
    )
    args = parser.parse_args(argv)
    if args.repeat < 1:
        parser.error("--repeat must be 1 or more")
    return args


def p95(samples: list[float]) -> float:
    """Nearest-rank 95th percentile."""
    ordered = sorted(samples)
    return ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]


def measure_call(scenario: Scenario, repeat: int) -> Result:
    """Time a function (not a request): each run in its own transaction, rolled back, so every run starts from the
    same database (a scan that writes rows writes them every time)."""
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext

    def once() -> tuple[float, int]:
        with transaction.atomic():
            if scenario.setup is not None:
                scenario.setup()
            with CaptureQueriesContext(connection) as captured:
                started = time.perf_counter()
                scenario.call()
                elapsed = (time.perf_counter() - started) * 1000
            transaction.set_rollback(True)
        return elapsed, len(captured.captured_queries)

    for _ in range(WARMUPS):
        once()
    runs = [once() for _ in range(repeat)]
    times = [elapsed for elapsed, _queries in runs]
    return Result(scenario, statistics.median(times), p95(times), runs[-1][1])


def schedule_scenarios() -> list[Scenario]:
    """The SLA scan over every open complaint: the first one (every reminder and escalation due is recorded) and
    the one a minute later (all already recorded: what beat pays every minute)."""
    from complaints.models import Complaint
    from complaints.schedule import sla_scan

    rows = Complaint.objects.open().count()
    return [
        Scenario("SLA scan, first (records the jobs due) [beat]", "", None, rows, call=sla_scan),
        Scenario("SLA scan, again (nothing new) [beat]", "", None, rows, call=sla_scan, setup=sla_scan),
    ]


def get(scenario: Scenario):
    """GET the scenario's path; a streamed response (the CSV exports) is read to the end, as a browser would, so
    its time and queries are counted."""
    response = scenario.client.get(scenario.path)
    if response.streaming:
        for _chunk in response.streaming_content:
            pass
    return response


def measure(scenario: Scenario, repeat: int) -> Result:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    if scenario.call is not None:
        return measure_call(scenario, repeat)
    for _ in range(WARMUPS):
        response = get(scenario)
        if scenario.status is not None and response.status_code != scenario.status:
            raise SystemExit(
                f"bench.run: {scenario.name}: GET {scenario.path} answered {response.status_code}, "
                f"expected {scenario.status}"
            )
    sql_times = []
    for _ in range(SQL_RUNS):
        with CaptureQueriesContext(connection) as captured:
            get(scenario)
        executed = captured.captured_queries  # read now: the next request clears the connection's log
        sql_times.append(sum(float(q["time"]) for q in executed) * 1000)
    queries = len(executed)
    slowest = max(executed, key=lambda q: float(q["time"]))["sql"] if executed else ""
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        get(scenario)
        times.append((time.perf_counter() - started) * 1000)
    return Result(scenario, statistics.median(times), p95(times), queries, statistics.median(sql_times), slowest)


def complaint_list_rows(user, params: dict[str, str]) -> int:
    """The complaints the list page counts for these parameters, with its default (the open queue)."""
    from complaints.filters import ComplaintFilter
    from complaints.selectors import complaint_list_for_user

    params = dict(params)
    if "step" not in params and not params.get("q"):
        params["step"] = "open"  # as complaints.views.complaint_list does
    return ComplaintFilter(params, queryset=complaint_list_for_user(user=user), user=user).qs.count()


def complaint_scenarios(clients: dict, users: dict) -> list[Scenario]:
    """List (open queue p1 and last page, overdue, major by severity, number search), detail, approvals."""
    from django.db.models import Count

    from bench.data import bench_complaints
    from complaints.selectors import approval_queue_for_user, complaint_list_for_user
    from complaints.views import PAGE_SIZE
    from complaints.workflow import Step
    from crm_site import pagination

    frontline = users["frontline"]
    mine = complaint_list_for_user(user=frontline).filter(pk__in=bench_complaints().values("pk"))
    numbers = list(mine.order_by("number").values_list("number", flat=True))
    if not numbers:
        return []  # generated with --complaints 0
    # A number fragment ("2026-9012"): about a hundred complaints company-wide, a tenth of them in BN-01.
    fragment = numbers[len(numbers) // 2][3:-2]
    # A two-character name fragment (a given name), and the full phone of a customer with complaints.
    busy = mine.order_by("pk").select_related("customer")[len(numbers) // 3].customer
    name_q, phone = busy.name[-2:], busy.phone
    # A closed complaint, closed after a satisfied revisit, with a plan and six timeline events.
    closed = list(
        mine.filter(step=Step.CLOSED, closed_without_satisfaction=False, plans__isnull=False)
        .annotate(events=Count("timeline", distinct=True))
        .filter(events=6)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    result = []
    for label in ("frontline", "gm"):
        user, client = users[label], clients[label]
        queue = complaint_list_rows(user, {})
        last = max(1, math.ceil(min(queue, pagination.DEFAULT_CAP) / PAGE_SIZE))  # the last page the list offers
        filtered = [
            ("due=overdue", {"due": "overdue"}),
            ("severity=major sort=-severity_rank", {"severity": "major", "sort": "-severity_rank"}),
        ]
        result += [
            Scenario(f"complaint list p1 (open) [{label}]", "/complaints/", client, queue),
            Scenario(f"complaint list p{last} (last) [{label}]", f"/complaints/?page={last}", client, queue),
        ]
        for name, params in filtered:
            path = f"/complaints/?{urlencode(params)}"
            result.append(Scenario(f"complaint list {name} [{label}]", path, client, complaint_list_rows(user, params)))
        for shown, q in ((fragment, fragment), (name_q, name_q), ("<full phone>", phone)):
            path = f"/complaints/?{urlencode({'q': q})}"
            rows = complaint_list_rows(user, {"q": q})
            result.append(Scenario(f"complaint search q={shown} [{label}]", path, client, rows))
    if closed:
        pk = closed[len(closed) // 2]
        for label in ("frontline", "gm"):
            result.append(Scenario(f"complaint detail (closed) [{label}]", f"/complaints/{pk}/", clients[label], 1))
    waiting = approval_queue_for_user(user=users["manager"]).count()
    result.append(Scenario("approvals [manager]", "/complaints/approvals/", clients["manager"], waiting))
    result += write_scenarios(clients["frontline"], frontline, mine)
    return result


def write_scenarios(client, frontline, mine) -> list[Scenario]:
    """The two POSTs staff make most: registering a complaint for a known customer, and saving the Listen step
    (with its move to Share). Each run is rolled back (measure_call), so every run writes the same rows."""
    from django.utils import timezone

    from complaints.models import Category
    from complaints.workflow import Step

    listening = mine.filter(step=Step.LISTEN, handler=frontline).order_by("pk").first()
    customer_pk = mine.order_by("pk").values_list("customer_id", flat=True).first()
    occurred = timezone.localtime() - timedelta(hours=2)
    intake = {
        "customer": customer_pk,
        "channel": "phone",
        "occurred_at": occurred.strftime("%Y-%m-%dT%H:%M"),
        "customer_words": "热水器漏水，第三次报修了 The water heater leaks again",
        "customer_request": "上门维修",
        "category": Category.objects.filter(is_active=True).order_by("pk").values_list("pk", flat=True).first(),
        "severity": "general",
        "priority": "normal",
    }

    def post(path: str, data: dict) -> None:
        response = client.post(path, data)
        if response.status_code != 302:
            raise SystemExit(f"bench.run: POST {path} answered {response.status_code}, expected 302")

    result = [Scenario("intake POST [frontline]", "", client, 1, call=lambda: post("/complaints/new/", intake))]
    if listening is not None:
        step = {
            "version": listening.version,
            "customer_words": listening.customer_words,
            "key_points": "漏水，第三次",
            "advance": "1",
        }
        path = f"/complaints/{listening.pk}/step/"
        result.append(Scenario("Listen step POST + advance [frontline]", "", client, 1, call=lambda: post(path, step)))
    return result


def dashboard_rows(user, params: dict[str, str]) -> int:
    """The survey responses the CSI dashboard's figures cover for these parameters (its period, the user's scope)."""
    from django.utils import timezone

    from satisfaction.dashboard_forms import DashboardFilterForm
    from satisfaction.selectors import csi_responses

    form = DashboardFilterForm(params or None, company_wide=True)  # the branch filter is not used here
    return csi_responses(user=user, filters=form.selection(today=timezone.localdate()).current).count()


def dashboard_scenarios(clients: dict, users: dict) -> list[Scenario]:
    """The CSI dashboard (default last 6 months, and the last 12) as general and branch manager; one CSV export."""
    result = []
    for label in ("gm", "manager"):
        for name, params in (("6 months (default)", {}), ("12 months", {"period": "12"})):
            path = "/satisfaction/dashboard/" + (f"?{urlencode(params)}" if params else "")
            result.append(
                Scenario(f"CSI dashboard {name} [{label}]", path, clients[label], dashboard_rows(users[label], params))
            )
    path = "/satisfaction/dashboard/export/csi_by_month.csv"
    result.append(Scenario("CSI export csi_by_month.csv [gm]", path, clients["gm"], dashboard_rows(users["gm"], {})))
    return result


def report_rows(user, params: dict[str, str]) -> int:
    """The complaints the statistics page's figures cover for these parameters (its period, the user's scope)."""
    from django.utils import timezone

    from reports.forms import ReportFilterForm
    from reports.selectors import filter_choices, report_complaints

    form = ReportFilterForm(params or None, choices=filter_choices(user=user))
    return report_complaints(user=user, filters=form.filters(today=timezone.localdate(), branch_id=None)).count()


def report_scenarios(clients: dict, users: dict) -> list[Scenario]:
    """The complaint statistics (default last 12 months, and 24) as general and branch manager; one CSV export
    (the Pareto); the corrective actions list (rows: the actions the manager sees; the generator makes none)."""
    from reports.selectors import ActionFilters, corrective_action_list

    result = []
    for label in ("gm", "manager"):
        for name, params in (("12 months (default)", {}), ("24 months", {"period": "24"})):
            path = "/reports/" + (f"?{urlencode(params)}" if params else "")
            rows = report_rows(users[label], params)
            result.append(Scenario(f"complaint statistics {name} [{label}]", path, clients[label], rows))
    rows = report_rows(users["gm"], {})
    result.append(Scenario("statistics export pareto.csv [gm]", "/reports/export/pareto.csv", clients["gm"], rows))
    actions = corrective_action_list(user=users["manager"], filters=ActionFilters()).count()  # the list's default
    result.append(Scenario("corrective actions [manager]", "/reports/actions/", clients["manager"], actions))
    return result


def api_scenarios(clients: dict, users: dict) -> list[Scenario]:
    """The REST API as the general manager (session auth: force_login): the complaint list (every step, newest
    first, one cursor page of 25) unfiltered and filtered, one complaint, the customer list, the Pareto figure;
    and the complaint list's CSV export (the open queue, every row streamed)."""
    from bench.data import bench_complaints
    from complaints.filters import ComplaintFilter
    from complaints.selectors import complaint_list_for_user
    from customers.selectors import customer_list_for_user

    gm, client = users["gm"], clients["gm"]
    mine = complaint_list_for_user(user=gm)

    def api_complaints(params: dict[str, str]) -> int:
        return ComplaintFilter(params, queryset=mine, user=gm).qs.count()  # the API: every step unless step=

    result = [Scenario("API complaints [gm]", "/api/v1/complaints/", client, api_complaints({}))]
    params = {"step": "open", "severity": "major"}
    path = f"/api/v1/complaints/?{urlencode(params)}"
    result.append(Scenario("API complaints step=open severity=major [gm]", path, client, api_complaints(params)))
    pk = bench_complaints().order_by("pk").values_list("pk", flat=True)[bench_complaints().count() // 2]
    result.append(Scenario("API complaint detail [gm]", f"/api/v1/complaints/{pk}/", client, 1))
    customers = customer_list_for_user(user=gm).count()
    result.append(Scenario("API customers [gm]", "/api/v1/customers/", client, customers))
    rows = report_rows(gm, {})
    result.append(Scenario("API statistics/pareto (12 months) [gm]", "/api/v1/statistics/pareto/", client, rows))
    rows = complaint_list_rows(gm, {})
    result.append(Scenario("complaint export.csv (open) [gm]", "/complaints/export.csv", client, rows))
    return result


def scenarios(q: str) -> list[Scenario]:
    from django.contrib.auth import get_user_model
    from django.db.models import Count
    from django.test import Client

    from customers.selectors import customer_list_for_user
    from customers.views import PAGE_SIZE

    names = {FRONTLINE_USERNAME: "frontline", GENERAL_MANAGER_USERNAME: "gm", MANAGER_USERNAME: "manager"}
    users = {names[u.username]: u for u in get_user_model().objects.filter(username__in=names)}
    if len(users) != len(names):
        raise SystemExit("bench.run: no bench users here: run `python -m bench.generate` first (same DATABASE_URL)")
    frontline, gm = users["frontline"], users["gm"]
    clients = {}
    for label, user in users.items():
        clients[label] = Client()
        clients[label].force_login(user)  # never client.login: no password, no axes lockout
    anonymous = Client()

    in_scope = {
        label: customer_list_for_user(user=user).count() for label, user in (("frontline", frontline), ("gm", gm))
    }
    found = {
        label: customer_list_for_user(user=user, search=q).count()
        for label, user in (("frontline", frontline), ("gm", gm))
    }
    if not in_scope["frontline"]:
        raise SystemExit("bench.run: the bench front-line user sees no customers: generate with --customers > 0")
    # A customer of the front-line user's branch with no complaints, from the middle of the list; and the
    # one with the most complaints (the 360 page shows the latest ten).
    visible = customer_list_for_user(user=frontline).order_by("code")
    quiet = list(visible.filter(complaints__isnull=True).values_list("pk", flat=True))
    customer_pk = quiet[len(quiet) // 2] if quiet else visible.values_list("pk", flat=True)[in_scope["frontline"] // 2]
    busiest = (
        visible.annotate(filed=Count("complaints")).filter(filed__gt=0).order_by("-filed", "code").values("pk", "filed")
    ).first()

    result = []
    for label in ("frontline", "gm"):
        result.append(Scenario(f"home [{label}]", "/", clients[label], in_scope[label]))
    for label in ("frontline", "gm"):
        last = max(1, math.ceil(in_scope[label] / PAGE_SIZE))
        client = clients[label]
        result += [
            Scenario(f"customer list p1 [{label}]", "/customers/", client, in_scope[label]),
            Scenario(f"customer search q={q} [{label}]", f"/customers/?{urlencode({'q': q})}", client, found[label]),
            Scenario(f"customer list p{last} (last) [{label}]", f"/customers/?page={last}", client, in_scope[label]),
        ]
    result += [
        # /customers/<pk>/ is the access gate that redirects to the 360 page; both are measured.
        Scenario("customer detail (302) [frontline]", f"/customers/{customer_pk}/", clients["frontline"], 1, 302),
        Scenario("customer 360 [frontline]", f"/customers/{customer_pk}/360/", clients["frontline"], 1),
    ]
    if busiest:
        result.append(
            Scenario(
                f"customer 360 ({busiest['filed']} complaints) [frontline]",
                f"/customers/{busiest['pk']}/360/",
                clients["frontline"],
                1,
            )
        )
    result += complaint_scenarios(clients, users)
    result += dashboard_scenarios(clients, users)
    result += report_scenarios(clients, users)
    result += api_scenarios(clients, users)
    result += schedule_scenarios()
    # 200 with a Celery worker running, 503 without one (the bench runs none): timed either way.
    result.append(Scenario("healthz [anonymous]", "/healthz", anonymous, status=None))
    return result


def header(repeat: int) -> str:
    import django
    from django.conf import settings
    from django.db import connection

    from bench.data import bench_complaints, bench_customers
    from complaints.models import Complaint
    from customers.models import Customer

    connection.ensure_connection()
    if connection.vendor == "postgresql":
        version = f"PostgreSQL {connection.pg_version // 10000}.{connection.pg_version % 10000}"
    elif connection.vendor == "sqlite":
        import sqlite3

        version = f"SQLite {sqlite3.sqlite_version}"
    else:
        version = connection.vendor
    return (
        f"DB {connection.vendor} ({version}, {connection.settings_dict['NAME']}) | "
        f"customers {Customer.objects.count()} (bench {bench_customers().count()}) | "
        f"complaints {Complaint.objects.count()} (bench {bench_complaints().count()}) | "
        f"Python {platform.python_version()} | Django {django.get_version()} | DEBUG {settings.DEBUG} | "
        f"{os.cpu_count()} cores | {WARMUPS} warm-ups + {repeat} runs each"
    )


def display_width(text: str) -> int:
    """Columns a terminal gives the text: CJK characters take two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def table(results: list[Result]) -> str:
    rows = [("name", "median ms", "p95 ms", "queries", "SQL ms", "rows in scope")]
    for r in results:
        rows.append(
            (
                r.scenario.name,
                f"{r.median_ms:.1f}",
                f"{r.p95_ms:.1f}",
                str(r.queries),
                "-" if r.sql_ms is None else f"{r.sql_ms:.1f}",
                "-" if r.scenario.rows is None else str(r.scenario.rows),
            )
        )
    widths = [max(display_width(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = []
    for n, row in enumerate(rows):
        name = row[0] + " " * (widths[0] - display_width(row[0]))
        lines.append(" | ".join([name] + [cell.rjust(w) for cell, w in zip(row[1:], widths[1:], strict=True)]))
        if n == 0:
            lines.append("-+-".join("-" * width for width in widths))
    return "\n".join(lines)


def explain(results: list[Result]) -> None:
    """EXPLAIN ANALYZE of each row's slowest query (PostgreSQL), for "where the time goes"."""
    from django.db import connection

    for r in results:
        if not r.slowest or connection.vendor != "postgresql":
            continue
        with connection.cursor() as cursor:
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + r.slowest)
            plan = "\n".join(line for (line,) in cursor.fetchall())
        print(f"\n== {r.scenario.name}: slowest query\n{r.slowest}\n{plan}")


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    setup_django()
    logging.getLogger("axes").setLevel(logging.WARNING)  # one "successful login" line per force_login
    print(header(args.repeat))
    chosen = [s for s in scenarios(args.q) if not args.only or any(part in s.name for part in args.only)]
    results = [measure(scenario, args.repeat) for scenario in chosen]
    print(table(results))
    if args.explain:
        explain(results)
    for scenario in {id(r.scenario.client): r.scenario for r in results if r.scenario.client}.values():
        scenario.client.logout()  # drop the bench sessions
    return 0


if __name__ == "__main__":
    sys.exit(main())
