"""run_stack takes web, worker and beat down with it: on a closed terminal (SIGHUP) and even when killed.

The stack runs for real, in a temporary var folder on a free port, with SQLite and the filesystem broker.
Children live in their own sessions, so without the fix they outlive run_stack as orphans. Those sessions also
say what must be gone: the processes the children start (the worker's pool) are in them too, however late started.
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


def _stat(pid: int) -> list[str] | None:
    """State, parent, process group, session, ... of a process; None once it is gone."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # The command name may hold spaces and parentheses: the fields after the last ")" are safe.
    return stat.rsplit(")", 1)[1].split()


def _parent_of(pid: int) -> int | None:
    stat = _stat(pid)
    return int(stat[1]) if stat else None


def _session_of(pid: int) -> int | None:
    stat = _stat(pid)
    return int(stat[3]) if stat else None


def _is_running(pid: int) -> bool:
    stat = _stat(pid)
    return stat is not None and stat[0] != "Z"


def _pids() -> list[int]:
    return [int(p.name) for p in Path("/proc").iterdir() if p.name.isdigit()]


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace").strip()
    except OSError:
        return "?"


def _descendants(root: int) -> set[int]:
    parents = {pid: _parent_of(pid) for pid in _pids()}
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
        timeout=180,  # Setup, not what is tested: a loaded machine took more than 60 s.
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
    # Web, worker, beat, run_stack's guardian, and the worker's two pool processes.
    deadline = time.monotonic() + 15
    children: set[int] = set()
    while time.monotonic() < deadline and len(children) < 6:
        assert stack.poll() is None, "run_stack exited on its own"
        time.sleep(0.2)
        children = _descendants(stack.pid)
    assert len(children) >= 3, f"only {len(children)} children started"
    return stack, children


def _in_sessions(sessions: set[int]) -> set[int]:
    return {pid for pid in _pids() if _session_of(pid) in sessions and _is_running(pid)}


def _survivors(sessions: set[int], within: float) -> dict[int, str]:
    """The processes still running in the stack's sessions after `within` seconds, with their command lines."""
    deadline = time.monotonic() + within
    alive = _in_sessions(sessions)
    while alive and time.monotonic() < deadline:
        time.sleep(0.2)
        alive = _in_sessions(sessions)
    return {pid: _cmdline(pid) for pid in alive}


@pytest.mark.parametrize("signum", [signal.SIGHUP, signal.SIGKILL], ids=["terminal-closed", "killed"])
def test_no_child_outlives_run_stack(stack_env, signum):
    stack, children = _start_stack(stack_env)
    sessions = {_session_of(pid) for pid in children} - {None, _session_of(os.getpid())}
    try:
        stack.send_signal(signum)
        stack.wait(timeout=15)
        survivors = _survivors(sessions, within=10)
    finally:
        for pid in _descendants(stack.pid) | _in_sessions(sessions):
            if _is_running(pid):
                os.kill(pid, signal.SIGKILL)
        if stack.poll() is None:
            stack.kill()
    assert survivors == {}, f"orphans left running 10 s after run_stack exited: {survivors}"
