"""HTTP throughput: ``python -m bench.http [--duration 10] [--connections 8] [--workers 2]``.

Starts gunicorn (``--workers`` sync workers, the production count, DEBUG off) on 127.0.0.1 against the database
``DATABASE_URL`` points at, logs in the bench users by creating their sessions, and drives the busiest pages with
``wrk`` (``apt-get install wrk``): the complaint list (the open queue, newest first), one complaint, the home page,
as front-line and as general manager. Prints requests per second, wrk's mean and 99th-percentile latency, and the
largest resident memory (RSS) of a gunicorn worker seen during the runs. Run ``python -m bench.generate`` first.
"""

import argparse
import logging
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from bench import FRONTLINE_USERNAME, GENERAL_MANAGER_USERNAME, setup_django

ROOT = Path(__file__).resolve().parent.parent


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.http", description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=int, default=10, help="seconds per wrk run (default 10)")
    parser.add_argument("--connections", type=int, default=8, help="wrk connections (default 8)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (default 2)")
    return parser.parse_args(argv)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def session_cookie(username: str) -> str:
    from django.contrib.auth import get_user_model
    from django.test import Client

    client = Client()
    client.force_login(get_user_model().objects.get(username=username))
    return client.cookies["sessionid"].value


def targets() -> list[tuple[str, str, str]]:
    """(name, path, username) for each run."""
    from django.contrib.auth import get_user_model

    from bench.data import bench_complaints
    from complaints.selectors import complaint_list_for_user

    frontline = get_user_model().objects.get(username=FRONTLINE_USERNAME)
    mine = complaint_list_for_user(user=frontline).filter(pk__in=bench_complaints().values("pk"))
    pk = mine.order_by("pk").values_list("pk", flat=True)[mine.count() // 2]
    return [
        ("complaint list p1 (open) [frontline]", "/complaints/", FRONTLINE_USERNAME),
        ("complaint list p1 (open) [gm]", "/complaints/", GENERAL_MANAGER_USERNAME),
        ("complaint detail [frontline]", f"/complaints/{pk}/", FRONTLINE_USERNAME),
        ("home [frontline]", "/", FRONTLINE_USERNAME),
        ("home [gm]", "/", GENERAL_MANAGER_USERNAME),
    ]


def rss_mb(pids: list[int]) -> float:
    largest = 0
    for pid in pids:
        try:
            status = Path(f"/proc/{pid}/status").read_text()
        except OSError:
            continue
        match = re.search(r"VmRSS:\s+(\d+) kB", status)
        if match:
            largest = max(largest, int(match.group(1)))
    return largest / 1024


def worker_pids(master: int) -> list[int]:
    children = Path(f"/proc/{master}/task/{master}/children")
    return [int(p) for p in children.read_text().split()] if children.exists() else []


def wrk(url: str, cookie: str, duration: int, connections: int) -> dict:
    out = subprocess.run(
        ["wrk", "-t2", f"-c{connections}", f"-d{duration}s", "--latency", "-H", f"Cookie: sessionid={cookie}", url],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    non_2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    mean = re.search(r"Latency\s+([\d.]+)(us|ms|s)", out)
    p99 = re.search(r"99%\s+([\d.]+)(us|ms|s)", out)

    def ms(match) -> float:
        value, unit = float(match.group(1)), match.group(2)
        return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value

    return {"rate": rate, "mean": ms(mean), "p99": ms(p99), "errors": int(non_2xx.group(1)) if non_2xx else 0}


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if shutil.which("wrk") is None:
        print("bench.http: wrk is not installed (apt-get install wrk)", file=sys.stderr)
        return 1
    os.environ["DJANGO_DEBUG"] = "false"
    setup_django()
    logging.getLogger("axes").setLevel(logging.WARNING)  # one "successful login" line per session made
    from django.db import connection

    cookies = {name: session_cookie(name) for name in (FRONTLINE_USERNAME, GENERAL_MANAGER_USERNAME)}
    runs = targets()
    connection.close()
    port = free_port()
    env = {**os.environ, "DJANGO_DEBUG": "false", "GUNICORN_BIND": f"127.0.0.1:{port}", "LOG_LEVEL": "WARNING"}
    env["GUNICORN_WORKERS"] = str(args.workers)
    log = tempfile.NamedTemporaryFile(prefix="bench-http-", suffix=".log", delete=False)  # noqa: SIM115
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", "deploy/gunicorn.conf.py", "--access-logfile", "/dev/null"]
        + ["crm_site.wsgi"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=log,  # gunicorn's own log and one access line per request: kept out of the table
    )
    peak = 0.0
    sampling = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not sampling.wait(0.2):
            peak = max(peak, rss_mb(worker_pids(server.pid)))

    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.1)
        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        print(
            f"gunicorn {args.workers} sync workers, DEBUG off | wrk -t2 -c{args.connections} -d{args.duration}s "
            f"| {os.cpu_count()} cores, load {os.getloadavg()[0]:.1f}"
        )
        print(f"{'request':40} | {'req/s':>7} | {'mean ms':>7} | {'p99 ms':>7} | non-2xx")
        print("-" * 41 + "+" + "-" * 9 + "+" + "-" * 9 + "+" + "-" * 9 + "+" + "-" * 8)
        for name, path, username in runs:
            wrk(base + path, cookies[username], 2, args.connections)  # warm both workers
            r = wrk(base + path, cookies[username], args.duration, args.connections)
            print(f"{name:40} | {r['rate']:7.1f} | {r['mean']:7.1f} | {r['p99']:7.1f} | {r['errors']}")
        sampling.set()
        print(f"largest worker RSS during the runs: {peak:.0f} MB (gunicorn's log: {log.name})")
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
    return 0


if __name__ == "__main__":
    sys.exit(main())
