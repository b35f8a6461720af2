"""Fault drill: N due complaint reminders, each e-mailed exactly once while the stack is being broken.

Everything runs on 127.0.0.1 in processes this script starts itself, on free ports, and kills at the end; the
machine's shared PostgreSQL and Redis are never touched:

- a private PostgreSQL cluster (initdb in a temporary directory, run as the ``postgres`` user when we are root),
- a private ``redis-server`` (the broker, and the cache),
- an SMTP server (aiosmtpd) that files each mail it accepts as one file; it takes ``--smtp-delay`` seconds over each
  one before accepting it (a slow relay), so that the run lasts long enough to be broken in the middle,
- two Celery workers (concurrency 2 each) and two beats at once (each with its own ``-s`` file; both use the
  DatabaseScheduler, so both send the job poll).

Then N complaints are seeded through the services, each with its own front-line handler, answered and with its
resolution due in an hour: by complaints/schedule.py's rules each holds one occasion, "resolution due soon". The
beats' complaints scan (every ``SCHEDULE_SCAN_SECONDS``, 2 s here) records the N reminder jobs, whose handlers call
``notify``, which records the N e-mail jobs; while the mails go out, each fault fires at a random moment of its own
stretch of the progress in mails sent (``--seed`` repeats a run; ``--faults`` changes the list): a worker's whole
process group is SIGKILLed three times and started again, Redis is SIGKILLed and started again on its port once, and
PostgreSQL is restarted once (``pg_ctl restart -m fast``). A process that exits by itself is started again after a
second, as the compose file's and the systemd units' restart policies would, and is counted. When the N
notifications exist and every reminder and e-mail job is finished, and after a quiet spell in which any stray
delivery would arrive, the drill checks: exactly N reminder jobs, all done; exactly N mails at the SMTP server, one
per notification (by recipient and by Message-ID), N notifications each with ``emailed_at`` set, no job failed.
The one repeat allowed is the one no program can rule out, and only when the traces prove it: a worker SIGKILLed
after the server accepted the mail and before the job committed (a few ms); the copy has the same Message-ID. It
prints a summary and, for any repeated mail, each delivery of its job (from the trace lines
.ci/fault_drill_worker.py adds to the workers' logs), which one sent each copy, and the faults around.

Run by .ci/run with the project's virtualenv: ``.venv/bin/python .ci/fault_drill.py``. Exits non-zero on failure
(logs kept in the printed directory). ``--help`` lists the knobs.
"""

import argparse
import asyncio
import collections
import contextlib
import email
import email.policy
import itertools
import json
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

KILLED_BETWEEN_SEND_AND_COMMIT = "worker SIGKILLed after the send, before the commit"
ROOT = Path(__file__).resolve().parent.parent
CI_DIR = ROOT / ".ci"
VENV_BIN = ROOT / ".venv" / "bin"
PYTHON = str(VENV_BIN / "python") if (VENV_BIN / "python").exists() else sys.executable
EMAIL_JOB = "notifications.email"
REMINDER_JOBS = "complaints.%"  # the jobs the complaints scan records (LIKE pattern): each calls notify
SCAN_SECONDS = 2  # SCHEDULE_SCAN_SECONDS: how often each beat sends the complaints scan
# The seeded complaints' resolution deadline: inside the due-soon warning (4 h by default), far from overdue.
RESOLUTION_DUE_IN = timedelta(hours=1)
POLL_SECONDS = 2
STALE_SECONDS = 4
DRAIN_TIMEOUT = 180
# After the last job is finished: long enough for a stale claim to be polled and delivered again.
QUIET_SECONDS = STALE_SECONDS + 3 * POLL_SECONDS + 2
SITE_HOST = "drill.invalid"
# Settings of the calling shell that must not reach the drill's processes (.ci/run exports the shared servers').
INHERITED_NOT = ("DJANGO_", "CELERY_", "DATABASE_", "PG", "REDIS_", "EMAIL_", "JOB_", "CONN_", "BROKER_", "LOG_")


def say(message: str) -> None:
    print(f"[fault-drill {time.strftime('%H:%M:%S')}] {message}", flush=True)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def port_open(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
    except OSError:
        return False
    return True


def wait_for(what: str, check, timeout: float, every: float = 0.3):
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        try:
            result = check()
        except Exception as exc:  # noqa: BLE001 - keep trying until the deadline
            result, last = None, exc
        if result:
            return result
        time.sleep(every)
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what} (last error: {last!r})")


def postgres_bin() -> Path:
    """The newest installed PostgreSQL's programs (Debian keeps them out of PATH)."""
    versions = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"), key=lambda p: int(p.parent.parent.name))
    if versions:
        return versions[-1].parent
    found = shutil.which("pg_ctl")
    if not found:
        raise SystemExit("PostgreSQL is not installed (apt-get install postgresql)")
    return Path(found).resolve().parent


# --- the SMTP server (its own process: `fault_drill.py smtp PORT DIR DELAY`) ---------------------------------------


def smtp_main(port: int, directory: Path, delay: float) -> None:
    """Accept every mail after ``delay`` seconds and file it as one file (written aside, then renamed in).

    The delay comes before the mail is filed and answered, as a slow relay's checks would: a client that dies
    during it has not handed the mail over (aiosmtpd drops it), so the window in which a mail is accepted but its
    sender does not know is as short as with a real server, and any repeat found is the sender's doing.
    """
    from aiosmtpd.controller import Controller

    (directory / "tmp").mkdir(parents=True, exist_ok=True)
    (directory / "new").mkdir(parents=True, exist_ok=True)
    counter = itertools.count(1)

    class SlowMaildir:
        async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
            await asyncio.sleep(delay)
            number = next(counter)
            received = time.time()
            name = f"{received:.6f}-{number:06d}.eml"
            head = (
                f"X-Drill-Received: {received:.6f}\r\nX-Drill-Peer: {session.peer[0]}:{session.peer[1]}\r\n"
                f"X-Drill-Rcpt: {','.join(envelope.rcpt_tos)}\r\n"
            ).encode()
            (directory / "tmp" / name).write_bytes(head + envelope.original_content)
            os.replace(directory / "tmp" / name, directory / "new" / name)
            message_id = re.search(rb"^Message-ID:\s*(\S+)", envelope.original_content, re.M | re.I)
            print(
                f"{received:.3f} accepted #{number} from {session.peer[1]} to {','.join(envelope.rcpt_tos)} "
                f"{message_id.group(1).decode() if message_id else '-'}",
                flush=True,
            )
            return "250 Message accepted for delivery"

    controller = Controller(SlowMaildir(), hostname="127.0.0.1", port=port)
    controller.start()
    print(f"SMTP on 127.0.0.1:{port}, {delay:.3f} s per mail, filing into {directory}", flush=True)
    threading.Event().wait()


# --- the seeding step (its own process, with the app's settings: `fault_drill.py seed N`) -------------------------


def seed_main(count: int) -> None:
    """N complaints, each with a distinct front-line handler, whose resolution is due within the warning time.

    By complaints/schedule.py's rules each one then holds exactly one occasion for the next hour: "resolution due
    soon" (open, ``now <= resolution_due_at < now + due_soon_hours``), to its handler. The first-response rules need
    a complaint without a first response (each has one: it is walked past Listen by the services), the escalations a
    deadline already past (both are still ahead), the revisit rules the Satisfy step. The scan is left to the beats.
    """
    import django

    django.setup()
    from django.utils import timezone

    from complaints.models import Complaint, EscalationLevel, SlaPolicy
    from complaints.workflow import Step
    from crm_site.jobs.models import Job
    from crm_site.notifications.models import Notification
    from crm_site.org.roles import Role
    from tests.complaints.factories import ComplaintFactory, walk_to
    from tests.factories import BranchFactory, CustomerFactory, staff

    branch = BranchFactory(code="DRILL", name="Fault drill 演练")
    # No password (they never log in): hashing 200 of them would take most of a minute.
    handlers = [
        staff(Role.FRONTLINE, branch, username=f"drill{i:04d}", email=f"drill{i:04d}@example.com", password=None)
        for i in range(1, count + 1)
    ]
    complaints = [
        walk_to(ComplaintFactory(actor=user, customer=CustomerFactory(branch=branch)), Step.SHARE, actor=user)
        for user in handlers
    ]
    now = timezone.now()
    warning = SlaPolicy.objects.get(severity=complaints[0].severity).due_soon_hours
    if not warning > RESOLUTION_DUE_IN.total_seconds() / 3600:
        raise SystemExit(f"the due-soon warning ({warning} h) must exceed {RESOLUTION_DUE_IN} for the drill")
    Complaint.objects.filter(pk__in=[c.pk for c in complaints]).update(
        response_due_at=now + RESOLUTION_DUE_IN / 2, resolution_due_at=now + RESOLUTION_DUE_IN
    )
    # Expected by hand from the rules: one "resolution due soon" each, to its handler, and nothing else.
    held = Complaint.objects.filter(
        pk__in=[c.pk for c in complaints],
        step=Step.SHARE,
        first_responded_at__isnull=False,
        escalation_level=EscalationLevel.NONE,
        resolution_due_at__gte=now,
        handler__email__endswith="@example.com",
    )
    print(
        json.dumps(
            {
                "complaints": len(complaints),
                "handlers": len({c.handler_id for c in complaints}),
                "due_reminders": held.count(),
                "jobs": Job.objects.count(),
                "notifications": Notification.objects.count(),
            }
        )
    )


# --- the drill ---------------------------------------------------------------------------------------------------


class Verdict(AssertionError):
    """The drill ran to the end and found the app sent something other than exactly once."""


@dataclass
class Proc:
    name: str
    argv: list[str]
    popen: subprocess.Popen
    log: Path
    started: float
    incarnation: int


@dataclass
class Event:
    at: float  # seconds since the beats started
    what: str
    detail: str = ""


@dataclass
class Tally:
    kills: int = 0
    worker_restarts: int = 0
    unplanned_exits: list = field(default_factory=list)
    redis_restarts: int = 0
    postgres_restarts: int = 0
    postgres_down_seconds: float = 0.0
    max_queue: int = 0


class Drill:
    def __init__(self, tmp: Path, args: argparse.Namespace):
        self.tmp = tmp
        self.args = args
        self.n = args.n
        self.rng = random.Random(args.seed)
        self.pg_bin = postgres_bin()
        self.pg_root = tmp / "pg"
        self.pg_port = free_port()
        self.redis_port = free_port()
        self.smtp_port = free_port()
        self.maildir = tmp / "mail"
        self.procs: dict[str, Proc] = {}
        self.incarnations: collections.Counter = collections.Counter()
        self.logs: list[Path] = []
        self.events: list[Event] = []
        self.tally = Tally()
        self.t0 = time.monotonic()
        self.t0_wall = time.time()
        self.killed_at: dict[str, float] = {}  # log name (worker1.2) -> wall-clock time it was SIGKILLed
        self.pg_started = False
        self.pg_restarts: list[tuple[float, float]] = []  # wall-clock (began, back)
        self.restarts: list[tuple[float, str]] = []  # (when, name): processes to start again
        self.db_url = f"postgres://postgres@127.0.0.1:{self.pg_port}/crm_drill"
        self.env = {
            **{k: v for k, v in os.environ.items() if not k.startswith(INHERITED_NOT)},
            "DJANGO_SETTINGS_MODULE": "crm_site.settings.base",
            "SITE_URL": f"http://{SITE_HOST}:8000",  # the Message-IDs' domain
            "LOG_FORMAT": "text",  # the traces are read back
            "LOG_LEVEL": "INFO",
            "DJANGO_DEBUG": "false",
            "DATABASE_URL": self.db_url,
            "CELERY_BROKER_URL": f"redis://127.0.0.1:{self.redis_port}/0",
            "EMAIL_URL": f"smtp://127.0.0.1:{self.smtp_port}",
            "JOB_POLL_SECONDS": str(POLL_SECONDS),
            "JOB_STALE_SECONDS": str(STALE_SECONDS),
            "SCHEDULE_SCAN_SECONDS": str(SCAN_SECONDS),
            "WORKER_PROBE_INTERVAL_SECONDS": "5",
            "CRM_VAR_DIR": str(tmp / "var"),
            "PYTHONPATH": os.pathsep.join([str(ROOT), str(CI_DIR)]),
            "PYTHONUNBUFFERED": "1",
        }

    # --- processes -------------------------------------------------------------------------------------------

    def now(self) -> float:
        return time.monotonic() - self.t0

    def event(self, what: str, detail: str = "", at: float | None = None) -> None:
        at = self.now() if at is None else at
        self.events.append(Event(at, what, detail))
        say(f"t={at:6.1f}s {what} {detail}".rstrip())

    def start(self, name: str, argv: list[str], env: dict | None = None) -> Proc:
        self.incarnations[name] += 1
        number = self.incarnations[name]
        log = self.tmp / f"{name}.{number}.log"
        self.logs.append(log)
        handle = open(log, "ab")  # noqa: SIM115 - lives as long as the process
        popen = subprocess.Popen(  # noqa: S603 - fixed argv
            argv, cwd=ROOT, env=env or self.env, stdout=handle, stderr=subprocess.STDOUT, start_new_session=True
        )
        handle.close()
        proc = Proc(name, argv, popen, log, time.monotonic(), number)
        self.procs[name] = proc
        return proc

    def kill(self, name: str, sig: int = signal.SIGKILL) -> Proc | None:
        """Signal the process's whole group (the worker's pool children too, as `docker kill` does)."""
        proc = self.procs.pop(name, None)
        if proc is None:
            return None
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.popen.pid, sig)
        try:
            proc.popen.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.popen.pid, signal.SIGKILL)
            proc.popen.wait(timeout=10)
        return proc

    def run(self, argv: list[str], *, user_postgres: bool = False, timeout: float = 300) -> str:
        if user_postgres and os.geteuid() == 0:  # PostgreSQL refuses to run as root
            argv = ["runuser", "-u", "postgres", "--", *argv]
        result = subprocess.run(argv, cwd=ROOT, env=self.env, capture_output=True, text=True, timeout=timeout)  # noqa: S603
        if result.returncode != 0:
            raise AssertionError(f"{' '.join(argv)} failed ({result.returncode}):\n{result.stdout}\n{result.stderr}")
        return result.stdout

    # --- the servers -----------------------------------------------------------------------------------------

    def pg_ctl(self, *action: str, timeout: float = 60) -> None:
        options = f"-p {self.pg_port} -k {self.pg_root / 'sock'} -c listen_addresses=127.0.0.1 -c fsync=off"
        self.run(
            [str(self.pg_bin / "pg_ctl"), "-D", str(self.pg_root / "data"), "-l", str(self.pg_root / "postgres.log"),
             "-w", "-t", str(int(timeout)), "-o", options, *action],
            user_postgres=True, timeout=timeout + 30,
        )  # fmt: skip

    def start_postgres(self) -> None:
        (self.pg_root / "sock").mkdir(parents=True)
        if os.geteuid() == 0:
            self.tmp.chmod(0o755)  # the postgres user must reach its directory
            shutil.chown(self.pg_root, "postgres", "postgres")
            shutil.chown(self.pg_root / "sock", "postgres", "postgres")
        self.logs.append(self.pg_root / "postgres.log")
        self.run(
            [str(self.pg_bin / "initdb"), "-D", str(self.pg_root / "data"), "-U", "postgres", "-A", "trust",
             "-E", "UTF8", "--locale=C.UTF-8", "--no-sync"],
            user_postgres=True,
        )  # fmt: skip
        self.pg_ctl("start")
        self.pg_started = True
        self.run([str(self.pg_bin / "createdb"), "-h", "127.0.0.1", "-p", str(self.pg_port), "-U", "postgres",
                  "crm_drill"])  # fmt: skip

    def stop_postgres(self) -> None:
        if not self.pg_started:
            return
        try:
            self.pg_ctl("stop", "-m", "immediate", timeout=20)
        except Exception:  # noqa: BLE001 - fall back to the pid file
            pid_file = self.pg_root / "data" / "postmaster.pid"
            if pid_file.exists():
                with contextlib.suppress(ProcessLookupError, ValueError):
                    os.kill(int(pid_file.read_text().split()[0]), signal.SIGKILL)

    def start_redis(self) -> None:
        self.start(
            "redis",
            ["redis-server", "--bind", "127.0.0.1", "--port", str(self.redis_port), "--save", "", "--appendonly", "no"],
        )
        wait_for("redis", lambda: port_open(self.redis_port), 20)

    def start_smtp(self) -> None:
        self.start("smtp", [PYTHON, str(Path(__file__)), "smtp", str(self.smtp_port), str(self.maildir),
                            str(self.args.smtp_delay)])  # fmt: skip
        wait_for("the SMTP server", lambda: port_open(self.smtp_port), 20)

    def start_worker(self, name: str) -> None:
        self.start(
            name,
            [str(VENV_BIN / "celery"), "-A", "crm_site", "worker", "-l", "INFO", "-c", "2", "-n", f"drill-{name}@%h",
             "-I", "fault_drill_worker"],
        )  # fmt: skip

    def start_beat(self, name: str) -> None:
        self.start(name, [str(VENV_BIN / "celery"), "-A", "crm_site", "beat", "-l", "INFO",
                          "-s", str(self.tmp / f"{name}-schedule")])  # fmt: skip

    def ready(self, proc: Proc) -> bool:
        return " ready." in proc.log.read_text(errors="replace")

    # --- the database, directly ------------------------------------------------------------------------------

    def sql(self, query: str, *params):
        import psycopg2

        conn = psycopg2.connect(self.db_url, connect_timeout=3)
        try:
            with conn.cursor() as cur:
                cur.execute(query, params)
                return cur.fetchall()
        finally:
            conn.close()

    def unfinished_jobs(self) -> int | None:
        """Reminder and e-mail jobs not yet finished (None while PostgreSQL is away)."""
        try:
            return self.sql(
                "SELECT count(*) FROM jobs_job WHERE (kind = %s OR kind LIKE %s) AND state IN ('pending', 'running')",
                EMAIL_JOB,
                REMINDER_JOBS,
            )[0][0]
        except Exception:  # noqa: BLE001 - PostgreSQL may be restarting
            return None

    def notification_count(self) -> int | None:
        try:
            return self.sql("SELECT count(*) FROM notifications_notification")[0][0]
        except Exception:  # noqa: BLE001 - PostgreSQL may be restarting
            return None

    def drained(self) -> bool:
        """All N notifications exist (the scans found every reminder, each reminder notified) and every reminder
        and e-mail job is finished. (Before the first scan there are no jobs at all: not drained.)"""
        notifications = self.notification_count()
        return notifications is not None and notifications >= self.n and self.unfinished_jobs() == 0

    def queue_length(self) -> int:
        out = subprocess.run(  # noqa: S603
            [shutil.which("redis-cli") or "redis-cli", "-h", "127.0.0.1", "-p", str(self.redis_port), "llen", "celery"],
            capture_output=True, text=True, timeout=5,
        )  # fmt: skip
        try:
            return int(out.stdout.strip())
        except ValueError:
            return 0

    def polls_sent(self, beat: str) -> int:
        return sum(
            log.read_text(errors="replace").count("Sending due task jobs-poll")
            for log in self.logs
            if log.name.startswith(f"{beat}.") and log.exists()
        )

    def mails(self) -> list[Path]:
        return sorted((self.maildir / "new").glob("*.eml"))

    # --- the faults ------------------------------------------------------------------------------------------

    def kill_a_worker(self) -> bool:
        up = [p for p in self.procs.values() if p.name.startswith("worker") and self.ready(p)]
        up = [p for p in up if time.monotonic() - p.started > 3]
        if not up:
            return False
        victim = self.rng.choice(sorted(up, key=lambda p: p.name))
        children = self.group_members(victim.popen.pid)
        running = self.unfinished_running()
        self.kill(victim.name)
        self.killed_at[victim.log.stem] = time.time()
        self.tally.kills += 1
        delay = round(self.rng.uniform(0.5, 3.0), 1)
        self.event(
            f"SIGKILL {victim.name}#{victim.incarnation}",
            f"(pids {children}; up {time.monotonic() - victim.started:.0f} s; jobs running now {running}; "
            f"{len(self.mails())} mails so far; back in {delay} s)",
        )
        self.restarts.append((time.monotonic() + delay, victim.name))
        return True

    def unfinished_running(self) -> object:
        try:
            return self.sql("SELECT count(*) FROM jobs_job WHERE kind = %s AND state = 'running'", EMAIL_JOB)[0][0]
        except Exception:  # noqa: BLE001
            return "?"

    @staticmethod
    def group_members(pgid: int) -> list[int]:
        members = []
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[2]) == pgid:
                members.append(int(stat.parent.name))
        return sorted(members)

    def restart_redis(self) -> None:
        queued = self.queue_length()
        self.kill("redis")
        self.start_redis()
        self.tally.redis_restarts += 1
        self.event("Redis SIGKILLed and started again, empty", f"({queued} messages were queued; "
                   f"{len(self.mails())} mails so far)")  # fmt: skip

    def restart_postgres(self) -> None:
        began, running = self.now(), self.unfinished_running()
        self.pg_ctl("restart", "-m", "fast")
        took = self.now() - began
        self.pg_restarts.append((self.t0_wall + began, self.t0_wall + began + took))
        self.tally.postgres_restarts += 1
        self.tally.postgres_down_seconds += took
        self.event(
            "PostgreSQL restarted (pg_ctl restart -m fast)",
            f"(took {took:.1f} s; jobs running before {running}; {len(self.mails())} mails so far)",
            at=began,
        )

    def supervise(self) -> None:
        """Start again what we stopped (when due) and what exited by itself (as a restart policy would)."""
        for due, name in list(self.restarts):
            if time.monotonic() >= due:
                self.restarts.remove((due, name))
                if name.startswith("beat"):
                    self.start_beat(name)
                else:
                    self.start_worker(name)
                    self.tally.worker_restarts += 1
                self.event(f"started {name} again", f"(#{self.incarnations[name]})")
        for proc in list(self.procs.values()):
            code = proc.popen.poll()
            if code is None:
                continue
            if proc.name == "smtp":
                raise AssertionError(f"the SMTP server exited ({code}): see {proc.log}")
            self.procs.pop(proc.name)
            tail = " | ".join(proc.log.read_text(errors="replace").strip().splitlines()[-3:])[-400:]
            self.tally.unplanned_exits.append(f"{proc.name}#{proc.incarnation} rc={code}")
            self.event(f"{proc.name}#{proc.incarnation} EXITED BY ITSELF (rc {code})", f"last lines: {tail}")
            if proc.name == "redis":
                self.start_redis()
            else:
                self.restarts.append((time.monotonic() + 1.0, proc.name))

    # --- the run ---------------------------------------------------------------------------------------------

    def plan(self) -> list[tuple[int, str]]:
        """The faults in a random order, each at a random point of its own share of the progress (5-80 % of N)."""
        faults = list(self.args.faults)
        self.rng.shuffle(faults)
        share = 0.75 / len(faults)
        return [
            (int(self.n * self.rng.uniform(0.05 + share * i, 0.05 + share * (i + 1))), fault)
            for i, fault in enumerate(faults)
        ]

    def main(self) -> None:
        say(
            f"seed {self.args.seed}; N={self.n}; private PostgreSQL :{self.pg_port} ({self.pg_bin}), redis "
            f":{self.redis_port}, SMTP :{self.smtp_port} ({self.args.smtp_delay} s per mail); files in {self.tmp}"
        )
        self.start_postgres()
        self.start_redis()
        self.start_smtp()
        self.run([PYTHON, "manage.py", "migrate", "--noinput"])
        seeded = json.loads(self.run([PYTHON, str(Path(__file__)), "seed", str(self.n)]).strip().splitlines()[-1])
        say(f"seeded: {seeded}")
        # N complaints with N handlers, each with one reminder due; nothing recorded yet: the beats' scans do that.
        expected = {"complaints": self.n, "handlers": self.n, "due_reminders": self.n, "jobs": 0, "notifications": 0}
        assert seeded == expected, seeded

        for name in ("worker1", "worker2"):
            self.start_worker(name)
        wait_for("both workers ready", lambda: all(self.ready(self.procs[w]) for w in ("worker1", "worker2")), 90)
        self.t0, self.t0_wall = time.monotonic(), time.time()
        for name in ("beat1", "beat2"):
            self.start_beat(name)
        self.event("two workers ready; two beats started at once")

        plan = self.plan()
        say("plan: " + ", ".join(f"{fault} after {at} mails" for at, fault in plan))
        drained_at = fire_at = None
        while drained_at is None:
            if self.now() > DRAIN_TIMEOUT:
                raise AssertionError(
                    f"not drained within {DRAIN_TIMEOUT} s: {self.notification_count()} notifications, "
                    f"{self.unfinished_jobs()} reminder and e-mail jobs unfinished, {len(self.mails())} mails, "
                    f"faults not yet done: {plan}"
                )
            self.supervise()
            sent = len(self.mails())
            if plan and sent >= plan[0][0] and fire_at is None:
                # A random moment after the threshold, so a fault is not timed by a mail's arrival.
                fire_at = time.monotonic() + self.rng.uniform(0, 1.0)
            if plan and fire_at is not None and time.monotonic() >= fire_at:
                fault = plan[0][1]
                done = True
                if fault == "kill":
                    done = self.kill_a_worker()
                elif fault == "redis":
                    self.restart_redis()
                else:
                    self.restart_postgres()
                if done:
                    plan.pop(0)
                    fire_at = None
            self.tally.max_queue = max(self.tally.max_queue, self.queue_length())
            if not plan and not self.restarts and self.drained():
                drained_at = self.now()
                break
            if plan and self.drained():
                raise AssertionError(f"all jobs finished before the faults {plan}: raise --smtp-delay or N")
            time.sleep(0.2)
        self.event("every reminder and e-mail job finished", f"({len(self.mails())} mails)")
        quiet_until = time.monotonic() + QUIET_SECONDS
        while time.monotonic() < quiet_until:  # a stray delivery of a stale claim would show up here
            self.supervise()
            time.sleep(0.5)
        self.event("quiet spell over", f"({len(self.mails())} mails)")
        self.check(drained_at)

    # --- the verdict -----------------------------------------------------------------------------------------

    def check(self, drained_at: float) -> None:
        mails = []
        for path in self.mails():
            message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
            mails.append(
                {
                    "file": path.name,
                    "to": str(message["X-Drill-Rcpt"]),
                    "message_id": str(message["Message-ID"]),
                    "received": float(message["X-Drill-Received"]),
                    "peer": str(message["X-Drill-Peer"]),
                }
            )
        notifications = self.sql(
            "SELECT n.id, u.email, n.emailed_at FROM notifications_notification n "
            "JOIN auth_user u ON u.id = n.recipient_id ORDER BY n.id"
        )
        jobs = self.sql(
            "SELECT id, state, attempts, (payload->>'notification')::bigint, last_error FROM jobs_job WHERE kind = %s",
            EMAIL_JOB,
        )
        reminders = self.sql(
            "SELECT id, kind, state, attempts, last_error FROM jobs_job WHERE kind LIKE %s", REMINDER_JOBS
        )
        deliveries = self.sql(
            "SELECT count(*) FROM django_celery_results_taskresult WHERE task_name = 'crm_site.jobs.tasks.run_job'"
        )[0][0]
        by_address = collections.Counter(m["to"] for m in mails)
        by_message_id = collections.Counter(m["message_id"] for m in mails)
        addresses = {address for _id, address, _at in notifications}
        repeated = {a: c for a, c in by_address.items() if c > 1}
        missing = sorted(addresses - set(by_address))
        strangers = sorted(set(by_address) - addresses)
        unstamped = [nid for nid, _a, at in notifications if at is None]
        failed = [(jid, attempts, err[:200]) for jid, state, attempts, _n, err in jobs if state == "failed"]
        not_done = collections.Counter(state for _j, state, _a, _n, _e in jobs if state != "done")
        kinds = collections.Counter(kind for _j, kind, _s, _a, _e in reminders)
        reminders_not_done = [(jid, kind, state, (err or "")[:200]) for jid, kind, state, _a, err in reminders
                              if state != "done"]  # fmt: skip
        attempts = collections.Counter(attempts for _j, _s, attempts, _n, _e in jobs)
        expected_ids = {f"<notification-{nid}@{SITE_HOST}>" for nid, _a, _at in notifications}
        # How long a mail is at the server before its job commits (the window in which a kill repeats it).
        by_job = self.deliveries()
        job_of_address = {address: next((j for j, _s, _a, n, _e in jobs if n == nid), None)
                          for nid, address, _at in notifications}  # fmt: skip
        windows = sorted(
            sender["end"] - m["received"]
            for m in mails
            if (sender := self.sender_of(m["received"], by_job.get(job_of_address.get(m["to"]), [])))
            and "result=done" in sender["outcome"]
        )
        busy = sorted(d["end"] - d["start"] for ds in by_job.values() for d in ds if "result=done" in d["outcome"])

        tally = self.tally
        rows = [
            ("notifications (N)", self.n),
            ("notification rows", len(notifications)),
            ("mails at the SMTP server", len(mails)),
            ("distinct recipients / Message-IDs", f"{len(by_address)} / {len(by_message_id)}"),
            ("repeated mails (notifications)", f"{sum(repeated.values()) - len(repeated)} ({len(repeated)})"),
            ("notifications never mailed", len(missing)),
            ("emailed_at not set", len(unstamped)),
            ("reminder jobs (by kind)", f"{len(reminders)} ({', '.join(f'{k}: {v}' for k, v in kinds.items())})"),
            ("reminder jobs not done", len(reminders_not_done)),
            ("e-mail jobs failed / not done", f"{len(failed)} / {sum(not_done.values())}"),
            ("attempts per job (histogram)", ", ".join(f"{k}: {v}" for k, v in sorted(attempts.items()))),
            ("mail at the server -> its job done", _quantiles(windows)),
            ("a delivery that sent (start -> done)", _quantiles(busy)),
            ("run_job deliveries (results stored)", f"{deliveries} ({deliveries / max(len(jobs), 1):.1f} per job)"),
            ("longest Redis queue seen", self.tally.max_queue),
            ("job polls sent by each beat", " / ".join(str(self.polls_sent(b)) for b in ("beat1", "beat2"))),
            ("workers SIGKILLed / started again", f"{self.tally.kills} / {self.tally.worker_restarts}"),
            ("Redis restarts", self.tally.redis_restarts),
            ("PostgreSQL restarts (time taken)", f"{tally.postgres_restarts} ({tally.postgres_down_seconds:.1f} s)"),
            ("processes that exited by themselves", ", ".join(self.tally.unplanned_exits) or "none"),
            ("time to drain (from the beats' start)", f"{drained_at:.1f} s"),
        ]  # fmt: skip
        causes: collections.Counter = collections.Counter()
        if repeated:
            print()
            causes = self.explain(repeated, mails, notifications, jobs, by_job)
            rows.insert(5, ("  of which, by cause", "; ".join(f"{c}: {n}" for c, n in causes.items()) or "?"))
        # The one repeat no program can rule out: the mail server accepted the mail, and the worker was SIGKILLed
        # before the job's transaction committed (a few ms; no SMTP server takes part in our transactions). The
        # copy carries the same Message-ID, so mail readers show it once. Every other repeat is a failure.
        unavoidable = causes.get(KILLED_BETWEEN_SEND_AND_COMMIT, 0)
        repeats = sum(repeated.values()) - len(repeated)
        width = max(len(label) for label, _v in rows)
        print("\n" + "\n".join(f"  {label:<{width}}  {value}" for label, value in rows) + "\n", flush=True)
        problems = []
        if len(notifications) != self.n:
            problems.append(f"{len(notifications)} notification rows, not {self.n}")
        if len(mails) != self.n + unavoidable:
            problems.append(f"{len(mails)} mails at the SMTP server, not {self.n} (+{unavoidable} explained)")
        if repeats != unavoidable:
            problems.append(
                f"{repeats - unavoidable} repeated mail(s) not explained by a kill between send and commit: "
                f"{sorted(repeated.items())[:10]}; causes {dict(causes)}"
            )
        if sum(c - 1 for c in by_message_id.values() if c > 1) != unavoidable:
            problems.append("a Message-ID arrived more than once, other than after a kill between send and commit")
        if set(by_message_id) != expected_ids:
            problems.append(
                f"Message-IDs are not one per notification: {sorted(set(by_message_id) ^ expected_ids)[:5]}"
            )
        if missing or strangers:
            problems.append(f"never mailed: {missing[:10]}; mailed to no notification's recipient: {strangers[:10]}")
        if unstamped:
            problems.append(f"{len(unstamped)} notifications without emailed_at: {unstamped[:10]}")
        if failed or not_done:
            problems.append(f"jobs failed: {failed[:5]}; not done: {dict(not_done)}")
        if len(reminders) != self.n:
            problems.append(f"{len(reminders)} reminder jobs, not {self.n}: {dict(kinds)}")
        if reminders_not_done:
            problems.append(f"reminder jobs not done: {reminders_not_done[:5]}")
        if problems:
            raise Verdict("; ".join(problems))

    def deliveries(self) -> dict[int, list[dict]]:
        """Every delivery of each job to a worker process, from the trace lines: start, end, outcome (or killed)."""
        trace = re.compile(r"^(\S+Z) .* drill-trace (start|end|raised) job=(\d+) pid=(\d+) task=(\S+)(.*)$")
        by_task: dict[str, dict] = {}
        for log in self.logs:
            if not log.name.startswith("worker") or not log.exists():
                continue
            for line in log.read_text(errors="replace").splitlines():
                match = trace.match(line)
                if not match:
                    continue
                stamp, kind, job, pid, task, rest = match.groups()
                at = datetime.strptime(stamp, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC).timestamp()
                entry = by_task.setdefault(
                    task, {"job": int(job), "log": log.stem, "pid": pid, "start": at, "end": None, "outcome": ""}
                )
                if kind == "end":
                    entry["end"] = at
                    entry["outcome"] = entry["outcome"] or rest.strip()
                elif kind == "raised":
                    entry["outcome"] = rest.strip()
        by_job: dict[int, list[dict]] = collections.defaultdict(list)
        for entry in sorted(by_task.values(), key=lambda e: e["start"]):
            if entry["end"] is None:
                killed = self.killed_at.get(entry["log"])
                entry["end"] = killed or float("inf")
                entry["outcome"] = (
                    f"no end: the process was SIGKILLed at t={killed - self.t0_wall:.2f}s" if killed else "no end line"
                )
            by_job[entry["job"]].append(entry)
        return by_job

    @staticmethod
    def sender_of(received: float, deliveries: list[dict]) -> dict | None:
        """The delivery that was running when a copy arrived (one that found the job taken or done sent nothing)."""
        senders = [
            d for d in deliveries if d["start"] <= received <= d["end"] + 0.05 and "result=skipped" not in d["outcome"]
        ]
        return senders[-1] if senders else None

    def explain(
        self, repeated: dict, mails: list, notifications: list, jobs: list, by_job: dict
    ) -> collections.Counter:
        """For each repeated mail: its job, each delivery and what became of it, which delivery sent each copy, and
        the faults around. Returns how many repeats each cause made."""
        job_of = {n: (jid, state, attempts) for jid, state, attempts, n, _e in jobs}
        notification_of = {address: nid for nid, address, _at in notifications}
        causes: collections.Counter = collections.Counter()
        for address, count in sorted(repeated.items()):
            nid = notification_of.get(address)
            jid, state, attempts = job_of.get(nid, ("?", "?", "?"))
            print(f"  REPEATED: notification {nid} ({address}) mailed {count} times; job {jid} {state}, "
                  f"{attempts} attempts")  # fmt: skip
            deliveries = by_job.get(jid, [])
            for d in deliveries:
                end = "…" if d["end"] == float("inf") else f"{d['end'] - self.t0_wall:.2f}s"
                print(
                    f"    delivery {d['log']} pid {d['pid']}: t={d['start'] - self.t0_wall:.2f}s-{end} {d['outcome']}"
                )
            copies = sorted(m["received"] for m in mails if m["to"] == address)
            for received in copies:
                sender = self.sender_of(received, deliveries)
                what = f"sent by {sender['log']} pid {sender['pid']}" if sender else "sender not found in the traces"
                print(f"    copy received at t={received - self.t0_wall:.2f}s, {what}")
                if sender is not None and "result=done" not in sender["outcome"]:
                    outcome = sender["outcome"]
                    pg_down = any(sender["start"] - 1 <= start <= sender["end"] for start, _end in self.pg_restarts)
                    if "SIGKILL" in outcome:
                        cause = KILLED_BETWEEN_SEND_AND_COMMIT
                    elif pg_down:
                        cause = "PostgreSQL restarted after the send, before the commit"
                    else:
                        cause = f"the delivery did not commit ({outcome})"
                    causes[cause] += 1
                    print(f"      -> this copy's delivery did not commit: {cause}")
            first, last = copies[0] - self.t0_wall, copies[-1] - self.t0_wall
            for e in self.events:
                if first - 5 <= e.at <= last + 0.5 and not e.what.startswith("started"):
                    print(f"    fault at t={e.at:.2f}s: {e.what}")
        return causes


def _quantiles(seconds: list[float]) -> str:
    if not seconds:
        return "-"
    pick = lambda q: seconds[min(int(q * len(seconds)), len(seconds) - 1)] * 1000  # noqa: E731
    return f"median {pick(0.5):.0f} ms, p95 {pick(0.95):.0f} ms, max {seconds[-1] * 1000:.0f} ms"


def faults_list(text: str) -> list[str]:
    faults = [f.strip() for f in text.split(",") if f.strip()]
    if not faults or set(faults) - {"kill", "redis", "postgres"}:
        raise argparse.ArgumentTypeError("faults are kill, redis and postgres, e.g. kill,kill,kill,redis,postgres")
    return faults


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--n", type=int, default=int(os.environ.get("DRILL_N", 200)), help="complaints, each with one reminder to send"
    )
    parser.add_argument("--seed", type=int, default=int(os.environ.get("DRILL_SEED", random.randrange(10**6))))
    parser.add_argument("--smtp-delay", type=float, default=float(os.environ.get("DRILL_SMTP_DELAY", 0.25)),
                        help="seconds the SMTP server takes over each mail (to make the run last)")  # fmt: skip
    parser.add_argument("--faults", type=faults_list, default=faults_list("kill,kill,kill,redis,postgres"),
                        help="comma-separated faults, each once, in a random order: kill, redis, postgres")  # fmt: skip
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory even when all is well")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="crm-fault-drill-"))
    drill = Drill(tmp, args)
    ok = False
    try:
        drill.main()
        ok = True
        say(f"each of the {args.n} notifications was e-mailed exactly once (seed {args.seed})")
    except Verdict as exc:  # the evidence is printed above
        say(f"FAILED (seed {args.seed}): {exc}")
    except Exception as exc:  # noqa: BLE001 - report, show the logs, fail
        say(f"FAILED (seed {args.seed}): {exc}")
        for log in drill.logs:
            if log.exists() and not log.name.startswith("smtp"):
                print(f"\n----- {log.name} (last 25 lines) -----")
                print("\n".join(log.read_text(errors="replace").splitlines()[-25:]))
    finally:
        for name in list(drill.procs):
            drill.kill(name)
        drill.stop_postgres()
        if ok and not args.keep:
            shutil.rmtree(tmp, ignore_errors=True)
        else:
            print(f"(files kept in {tmp})")
    return 0 if ok else 1


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "smtp":
        smtp_main(int(sys.argv[2]), Path(sys.argv[3]), float(sys.argv[4]))
    elif len(sys.argv) > 1 and sys.argv[1] == "seed":
        seed_main(int(sys.argv[2]))
    else:
        sys.exit(main())
