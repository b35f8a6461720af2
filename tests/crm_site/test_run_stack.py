"""run_stack takes web, worker and beat down with it: on a closed terminal (SIGHUP) and even when killed.

The stack runs for real, in a temporary var folder on a free port, with SQLite and the filesystem broker.
Children live in their own sessions, so without the fix they outlive run_stack as orphans.
"""

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings

pytestmark = [
    pytest.mark.slow,  # starts web, worker and beat processes: `make test-slow`
    pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc (Linux)"),
]


def _parent_of(pid: int) -> int | None:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # The command name may hold spaces and parentheses: the fields after the last ")" are safe.
    return int(stat.rsplit(")", 1)[1].split()[1])


def _is_running(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def _descendants(root: int) -> set[int]:
    parents = {int(p.name): _parent_of(int(p.name)) for p in Path("/proc").iterdir() if p.name.isdigit()}
    found, frontier = set(), {root}
    while frontier:
        frontier = {pid for pid, ppid in parents.items() if ppid in frontier} - found
        found |= frontier
    return found


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def stack_env(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "CELERY_", "PYTEST_"))}
    env.update(
        DJANGO_SETTINGS_MODULE="crm_site.settings.base",
        CRM_VAR_DIR=str(tmp_path),
        DATABASE_URL=f"sqlite:///{tmp_path / 'crm.sqlite3'}",
        CELERY_BROKER_URL="filesystem://",
    )
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v0"],
        cwd=settings.BASE_DIR,
        env=env,
        check=True,
        timeout=60,
    )
    return env


def _start_stack(env: dict) -> tuple[subprocess.Popen, set[int]]:
    stack = subprocess.Popen(
        [sys.executable, "manage.py", "run_stack", "--port", str(_free_port())],
        cwd=settings.BASE_DIR,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    # Web, worker, beat, and the worker's two pool processes.
    deadline = time.monotonic() + 15
    children: set[int] = set()
    while time.monotonic() < deadline and len(children) < 5:
        assert stack.poll() is None, "run_stack exited on its own"
        time.sleep(0.2)
        children = _descendants(stack.pid)
    assert len(children) >= 3, f"only {len(children)} children started"
    return stack, children


def _survivors(children: set[int], within: float) -> set[int]:
    deadline = time.monotonic() + within
    alive = children
    while alive and time.monotonic() < deadline:
        time.sleep(0.2)
        alive = {pid for pid in alive if _is_running(pid)}
    return alive


@pytest.mark.parametrize("signum", [signal.SIGHUP, signal.SIGKILL], ids=["terminal-closed", "killed"])
def test_no_child_outlives_run_stack(stack_env, signum):
    stack, children = _start_stack(stack_env)
    try:
        stack.send_signal(signum)
        stack.wait(timeout=15)
        alive = _survivors(children, within=10)
    finally:
        for pid in _descendants(stack.pid) | children:
            if _is_running(pid):
                os.kill(pid, signal.SIGKILL)
        if stack.poll() is None:
            stack.kill()
    assert alive == set(), f"orphans left running: {sorted(alive)}"
