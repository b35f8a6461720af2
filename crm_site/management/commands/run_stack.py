"""Run the web server, a Celery worker and Celery beat together; one Ctrl-C stops all three."""

import contextlib
import ctypes
import ctypes.util
import os
import signal
import subprocess
import sys
import time
from collections.abc import Mapping
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand

from crm_site.demo import DEMO_PASSWORD
from crm_site.demo.org import USERS
from crm_site.services import worker_probe_send

PR_SET_PDEATHSIG = 1  # From <linux/prctl.h>.
# After Ctrl-C or a closed terminal: how long web, worker and beat get to stop before they and whatever they
# started are killed. A Celery worker's warm shutdown takes 5-7 s on an idle 2-CPU machine, more under load, and
# beat stopped in the middle of starting may hang. Killing them then loses no more than a crash would.
STOP_GRACE_SECONDS = 8
# After run_stack itself died: nobody is waiting, and everything should be gone within a few seconds.
ORPHAN_GRACE_SECONDS = 5
GUARDIAN = Path(__file__).with_name("_stack_guardian.py")


def _die_with_parent(parent_pid: int):
    """A preexec_fn: the kernel sends the child SIGTERM when run_stack dies, even by SIGKILL (Linux only).

    SIGTERM only starts a graceful stop, and the processes a child forks (the worker's pool) do not get it:
    the guardian (_stack_guardian.py) kills what is left after ORPHAN_GRACE_SECONDS."""
    if not sys.platform.startswith("linux"):
        return None
    libc_name = ctypes.util.find_library("c")
    if libc_name is None:
        return None
    libc = ctypes.CDLL(libc_name, use_errno=True)

    def preexec() -> None:
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
        if os.getppid() != parent_pid:  # The parent died before prctl took effect.
            os.kill(os.getpid(), signal.SIGTERM)

    return preexec


def _kill_group(pgid: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pgid, signal.SIGKILL)


def child_environment(environ: Mapping[str, str]) -> dict[str, str]:
    """Web, worker and beat run like the product: DEBUG off (friendly 404/500 pages, no URL list) unless
    DJANGO_DEBUG is set explicitly; WhiteNoise still serves the static files (settings/base.py)."""
    return {"DJANGO_DEBUG": "false", **environ, "PYTHONUNBUFFERED": "1"}


class Command(BaseCommand):
    help = "Start web, worker and beat for local use and the demo."

    def add_arguments(self, parser):
        parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))

    def handle(self, *args, host: str, port: int, **options):
        python = sys.executable
        env = child_environment(os.environ)
        commands = {
            "web": [python, "manage.py", "runserver", "--noreload", f"{host}:{port}"],
            "worker": [
                python,
                "-m",
                "celery",
                "-A",
                "crm_site",
                "worker",
                "--loglevel=INFO",
                "--concurrency=2",
                "--hostname=worker@%h",
            ],
            "beat": [
                python,
                "-m",
                "celery",
                "-A",
                "crm_site",
                "beat",
                "--loglevel=INFO",
            ],
        }
        children: dict[str, subprocess.Popen] = {}
        stopping = False

        def stop(*_):
            nonlocal stopping
            stopping = True

        # SIGHUP: the terminal was closed. The children are in their own sessions, so only we hear it.
        for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(signum, stop)
        preexec = _die_with_parent(os.getpid())
        # Started first, so that no child runs unguarded; it learns each child's process group through the pipe.
        guardian = subprocess.Popen(  # noqa: S603 - fixed argv
            [python, "-I", str(GUARDIAN), str(ORPHAN_GRACE_SECONDS)], stdin=subprocess.PIPE, start_new_session=True
        )
        try:
            for name, cmd in commands.items():
                # Own session: the terminal's Ctrl-C reaches only us, and we stop the children in order.
                children[name] = subprocess.Popen(  # noqa: S603 - fixed argv
                    cmd, env=env, cwd=settings.BASE_DIR, start_new_session=True, preexec_fn=preexec
                )
                guardian.stdin.write(f"{children[name].pid}\n".encode())
                guardian.stdin.flush()

            # A first round trip through the broker, so /healthz shows the worker answering at once.
            worker_probe_send()
            self._banner(host, port)
            while not stopping:
                for name, child in children.items():
                    if child.poll() is not None:
                        self.stderr.write(f"{name} exited with code {child.returncode}; stopping the others.")
                        stopping = True
                time.sleep(0.5)
        finally:
            for child in children.values():
                if child.poll() is None:
                    child.send_signal(signal.SIGTERM)
            deadline = time.monotonic() + STOP_GRACE_SECONDS
            for name, child in children.items():
                try:
                    child.wait(timeout=max(0.1, deadline - time.monotonic()))
                except subprocess.TimeoutExpired:
                    self.stderr.write(f"{name} did not stop within {STOP_GRACE_SECONDS} s; killing it.")
                    # With its group: what it started (the worker's pool) goes too.
                    _kill_group(child.pid)
                    child.wait()
            guardian.stdin.close()
            guardian.wait()
            self.stdout.write("Stopped web, worker and beat.")

    def _banner(self, host: str, port: int) -> None:
        url = f"http://{'localhost' if host.startswith(('127.', '0.')) else host}:{port}/"
        lines = [
            "",
            "=" * 64,
            f"  CRM is running at {url}",
            f"  Demo logins (password for all: {DEMO_PASSWORD}):",
            *[f"    {username:<11} {role.label}" for username, _, _, role, _, _ in USERS],
            f"  Health: {url}healthz",
            "  Press Ctrl-C once to stop web, worker and beat.",
            "=" * 64,
            "",
        ]
        self.stdout.write("\n".join(str(line) for line in lines))
