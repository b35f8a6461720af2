"""A real `celery worker` process, on the configured broker, answers a task enqueued after commit.

With the defaults it is the filesystem broker and SQLite; in CI's second run it is Redis and
PostgreSQL. Nothing is mocked: the worker opens the same test database this test writes to.
"""

import os
import subprocess
import sys
import time

import pytest
from django.conf import settings
from django.db import connection, transaction

from crm_site.models import WorkerProbe
from crm_site.services import worker_probe_send


def _database_url_of_test_db() -> str:
    db = connection.settings_dict
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{db['NAME']}"
    user = db.get("USER") or ""
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    auth = f"{user}{password}@" if user else ""
    return f"postgres://{auth}{db.get('HOST') or '127.0.0.1'}:{db.get('PORT') or 5432}/{db['NAME']}"


@pytest.fixture
def worker_process():
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "crm_site.settings.test", "DATABASE_URL": _database_url_of_test_db()}
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "crm_site",
            "worker",
            "--pool=solo",
            "--loglevel=INFO",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            f"--hostname=test-{os.getpid()}@%h",
        ],
        cwd=settings.BASE_DIR,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    yield proc
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()


@pytest.mark.slow  # starts a worker process: `make test-slow`
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_task_enqueued_after_commit_runs_in_a_real_worker_and_writes(worker_process):
    with transaction.atomic():
        probe = worker_probe_send()
        # Not sent before the commit: the worker could not see the row yet.
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        probe.refresh_from_db()
        if probe.answered_at is not None:
            break
        assert worker_process.poll() is None, worker_process.stdout.read()
        time.sleep(0.5)
    assert probe.answered_at is not None, "no worker answered within 90 s"
    assert probe.answered_by
    # The worker also sent a probe of its own as it started (so /healthz is not "down" until beat's first one),
    # and answered it once.
    deadline = time.monotonic() + 30
    while not WorkerProbe.objects.exclude(pk=probe.pk).filter(answered_at__isnull=False).exists():
        assert time.monotonic() < deadline, "the worker sent no start-up probe"
        time.sleep(0.5)
    assert WorkerProbe.objects.exclude(pk=probe.pk).count() == 1


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_nothing_is_enqueued_when_the_transaction_rolls_back(django_capture_on_commit_callbacks):
    class Boom(Exception):
        pass

    with pytest.raises(Boom), transaction.atomic():
        worker_probe_send()
        raise Boom
    assert not WorkerProbe.objects.exists()
