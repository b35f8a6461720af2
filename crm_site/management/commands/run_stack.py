"""Run the web server, a Celery worker and Celery beat together; one Ctrl-C stops all three."""

import os
import signal
import subprocess
import sys
import time

from django.conf import settings
from django.core.management.base import BaseCommand

from crm_site.demo import DEMO_PASSWORD
from crm_site.demo.org import USERS
from crm_site.services import worker_probe_send


class Command(BaseCommand):
    help = "Start web, worker and beat for local use and the demo."

    def add_arguments(self, parser):
        parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))

    def handle(self, *args, host: str, port: int, **options):
        python = sys.executable
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
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
                f"--schedule={settings.VAR_DIR / 'celerybeat-schedule'}",
            ],
        }
        children: dict[str, subprocess.Popen] = {}
        stopping = False

        def stop(*_):
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        for name, cmd in commands.items():
            # Own process group: the terminal's Ctrl-C reaches us, and we stop the children in order.
            children[name] = subprocess.Popen(cmd, env=env, cwd=settings.BASE_DIR, start_new_session=True)  # noqa: S603 - fixed argv

        # A first round trip through the broker, so /healthz shows the worker answering at once.
        worker_probe_send()
        self._banner(host, port)
        try:
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
            deadline = time.monotonic() + 15
            for child in children.values():
                try:
                    child.wait(timeout=max(0.1, deadline - time.monotonic()))
                except subprocess.TimeoutExpired:
                    child.kill()
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
