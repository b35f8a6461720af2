"""Background work recorded as rows first (``Job``); the broker only carries "look at row N".

Why: a broker message is not a record (measured here, ../shared/NOTES.md): a worker killed mid-task leaves its
message unacknowledged in Redis for the visibility timeout, a Redis restart can make the worker exit, and a late
ack delivers a message again. So the row is the truth: ``job_run`` does the work and marks the row done in one
transaction (a second delivery finds it done), and ``jobs_poll`` sends again what no message finished.
"""

import logging
import socket
import time
import uuid
from collections.abc import Callable
from contextvars import ContextVar
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, InterfaceError, OperationalError, connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from crm_site.org.policy import can

from .models import Job
from .workflow import JOB_ALLOWED, JobState

logger = logging.getLogger(__name__)

Handler = Callable[[Job], dict | None]
RETRY_DELAY_CAP = timedelta(hours=1)
# The outside effects (mails) of the job being run in this thread: see job_outside_effect_done.
_OUTSIDE_EFFECTS: ContextVar[list | None] = ContextVar("job_outside_effects", default=None)
HANDLERS: dict[str, Handler] = {}
KIND_LABELS: dict[str, str] = {}  # what the admin's list calls each kind, in the reader's language


class JobError(Exception):
    """A refused request about a job (not allowed, not in a state to retry), with a message for the user."""


def job_handler(kind: str, label=None) -> Callable[[Handler], Handler]:
    """Register the function that does a kind of job: it gets the row and returns a small JSON-able result.

    It runs inside the transaction that marks the job done, so it must do its writes through the ORM (rolled
    back with the job if the worker dies) and leave side effects outside the database to ``on_commit``.
    """

    def register(func: Handler) -> Handler:
        HANDLERS[kind] = func
        KIND_LABELS[kind] = label or kind
        return func

    return register


def _move(job: Job, to: str) -> None:
    if to not in JOB_ALLOWED[job.state]:
        raise JobError(_("A job that is %(state)s cannot become %(to)s.") % {"state": job.state, "to": to})
    job.state = to


def job_enqueue(
    *,
    kind: str,
    payload: dict | None = None,
    actor=None,
    actor_id: int | None = None,
    key: str | None = None,
    due_at=None,
) -> Job:
    """Record the work, then (once committed) ask a worker for it; with ``due_at`` in the future, the poll sends
    it when due. With a ``key``, asking twice gives one row (the first)."""
    if kind not in HANDLERS:
        raise ValueError(f"No handler for job kind {kind!r}")
    with transaction.atomic():
        if key is not None:
            existing = Job.objects.filter(key=key).first()
            if existing is not None:
                existing.dispatched = None  # Already recorded: its own message, or the poll, takes care of it.
                return existing
        try:
            with transaction.atomic():
                job = Job.objects.create(
                    kind=kind,
                    payload=payload or {},
                    created_by_id=actor.pk if actor else actor_id,
                    key=key,
                    due_at=due_at,
                )
        except IntegrityError:  # Another process recorded the same key a moment ago.
            existing = Job.objects.get(key=key)
            existing.dispatched = None
            return existing
        job.dispatched = None  # Known once the transaction commits (see job_dispatch).
        if due_at is None or due_at <= timezone.now():

            def dispatch() -> None:
                job.dispatched = job_dispatch(job_id=job.pk)

            transaction.on_commit(dispatch)
    return job


def jobs_schedule(*, kind: str, rows: list[tuple[str, dict, object]]) -> int:
    """Record many keyed jobs at once, ``rows`` of (key, payload, due_at); keys already there are left as they
    are (one statement, however many rows; safe from two schedulers at once). Returns how many were new.
    The poll sends each when due."""
    if kind not in HANDLERS:
        raise ValueError(f"No handler for job kind {kind!r}")
    if not rows:
        return 0
    keys = [key for key, _payload, _due in rows]
    before = Job.objects.filter(key__in=keys).count()
    Job.objects.bulk_create(
        [Job(kind=kind, key=key, payload=payload, due_at=due) for key, payload, due in rows],
        ignore_conflicts=True,
        batch_size=1000,
    )
    return Job.objects.filter(key__in=keys).count() - before


def jobs_cancel(*, keys: list[str] | None = None, key_prefix: str | None = None) -> int:
    """Cancel pending jobs (what they were about changed); in the caller's transaction. Returns how many."""
    pending = Job.objects.filter(state=JobState.PENDING)
    if keys is not None:
        pending = pending.filter(key__in=keys)
    elif key_prefix:
        pending = pending.filter(key__startswith=key_prefix)
    else:
        raise ValueError("Name the keys or a key prefix to cancel")
    return pending.update(state=JobState.CANCELLED, finished_at=timezone.now())


def job_dispatch(*, job_id: int) -> bool:
    """Send "look at row N". False when the broker cannot be reached: the row waits and the poll sends it later."""
    return jobs_dispatch(job_ids=[job_id]) == 1


def jobs_dispatch(*, job_ids: list[int]) -> int:
    """Send "look at row N" for each id over one connection; return how many were sent (0 with the broker down).

    One quick connection attempt, not kombu's default retries (~6 s): a user's request must not hang on a broker
    that is down, and nothing is lost by giving up, since the rows wait for the poll.
    """
    from crm_site.celery import app

    from .tasks import run_job

    sent = 0
    try:
        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, interval_start=0, interval_step=0.2, timeout=3)
            for job_id in job_ids:
                run_job.apply_async((job_id,), connection=conn, retry=False)
                sent += 1
    except Exception:  # noqa: BLE001 - any broker failure means "later", never a failed request
        logger.warning(
            "Broker unreachable: %d job(s) stay queued for the next poll", len(job_ids) - sent, exc_info=True
        )
    return sent


def job_run(*, job_id: int, worker: str | None = None) -> str:
    """Do a job once: claim it, then do the work and mark it done in one transaction.

    Returns what happened: "done", "failed", "retry" (it raised and will be tried again), or "skipped" (unknown,
    already finished, or being worked on by someone else right now: a second message changes nothing).
    """
    token = uuid.uuid4()
    worker = (worker or socket.gethostname())[:200]
    # 1. The claim commits on its own, so an attempt counts even when the process dies in the middle of it.
    with transaction.atomic():
        # SKIP LOCKED: a row being worked on is locked by that worker's transaction (PostgreSQL; on SQLite the
        # database's single writer does the same by making us wait).
        job = (
            Job.objects.select_for_update(skip_locked=True)
            .filter(pk=job_id, state__in=[JobState.PENDING, JobState.RUNNING])
            .first()
        )
        if job is None:
            return "skipped"
        now = timezone.now()
        if job.state == JobState.PENDING and job.due_at and job.due_at > now:
            return "skipped"  # not yet: the poll sends it when it is due
        if (
            job.state == JobState.PENDING
            and job.attempts
            and job.claimed_at
            and job.claimed_at > now - job_retry_delay(job.attempts)
        ):
            return "skipped"  # it raised a moment ago: a queued copy of its message waits for the back-off too
        if job.state == JobState.RUNNING and job.claimed_at and job.claimed_at > now - settings.JOB_STALE_AFTER:
            # Claimed a moment ago by another delivery, which is about to lock it: leave it to that one.
            return "skipped"
        if job.state == JobState.RUNNING and job.attempts >= settings.JOB_MAX_ATTEMPTS:
            # Every attempt so far died with its worker (killed, out of memory): stop and show it to an admin.
            _move(job, JobState.FAILED)
            job.finished_at = timezone.now()
            job.last_error = _("The worker stopped during each of %(n)s attempts.") % {"n": job.attempts}
            job.save(update_fields=["state", "finished_at", "last_error"])
            return "failed"
        _move(job, JobState.RUNNING)
        job.attempts += 1
        job.claimed_at = now
        job.claimed_by = worker
        job.claim_token = token
        job.save(update_fields=["state", "attempts", "claimed_at", "claimed_by", "claim_token"])
    # 2. The work and "done" together: if the worker dies here, both roll back and the poll sends it again.
    effects: list[Callable[[], None]] = []
    watching = _OUTSIDE_EFFECTS.set(effects)
    try:
        with transaction.atomic():
            job = (
                Job.objects.select_for_update(skip_locked=True)
                .filter(pk=job_id, state=JobState.RUNNING, claim_token=token)
                .first()
            )
            if job is None:  # Another delivery claimed it after us and does it.
                return "skipped"
            result = HANDLERS[job.kind](job) or {}
            _move(job, JobState.DONE)
            job.finished_at = timezone.now()
            job.result = result
            job.last_error = ""
            job.save(update_fields=["state", "finished_at", "result", "last_error"])
    except (OperationalError, InterfaceError) as exc:
        if effects:
            # The database went away after something left the building (a mail): record it once it is back,
            # rather than roll back and do it again.
            logger.warning("Job %s: database lost after its outside effect (%s); recording it again", job_id, exc)
            return _job_record_effects(job_id=job_id, token=token, effects=effects)
        logger.exception("Job %s (%s) failed on attempt by %s", job_id, getattr(job, "kind", "?"), worker)
        return _job_record_failure(job_id=job_id, token=token, error=f"{exc.__class__.__name__}: {exc}")
    except Exception as exc:
        logger.exception("Job %s (%s) failed on attempt by %s", job_id, getattr(job, "kind", "?"), worker)
        return _job_record_failure(job_id=job_id, token=token, error=f"{exc.__class__.__name__}: {exc}")
    finally:
        _OUTSIDE_EFFECTS.reset(watching)
    return "done"


def job_outside_effect_done(record: Callable[[], None]) -> None:
    """Say, from a handler, that something outside the database has just happened (a mail went out), and how to
    record it (``record`` re-applies the handler's own writes, e.g. stamping ``emailed_at``).

    If the database connection is then lost before the job's transaction commits (PostgreSQL restarted, the
    network dropped), ``job_run`` reconnects and calls ``record`` and marks the job done in a new transaction,
    instead of rolling back and sending again. (A worker killed in that moment still repeats it: no mail server
    takes part in our transactions. The e-mails' stable Message-ID lets the receiver tell a repeat.)"""
    effects = _OUTSIDE_EFFECTS.get()
    if effects is not None:
        effects.append(record)


def _job_record_effects(*, job_id: int, token: uuid.UUID, effects: list[Callable[[], None]]) -> str:
    deadline = time.monotonic() + settings.JOB_RECORD_RETRY_SECONDS
    while True:
        try:
            connection.close()  # the broken one; the next query opens a new connection
            with transaction.atomic():
                job = (
                    Job.objects.select_for_update().filter(pk=job_id, state=JobState.RUNNING, claim_token=token).first()
                )
                if job is None:
                    return "skipped"
                for record in effects:
                    record()
                _move(job, JobState.DONE)
                job.finished_at = timezone.now()
                job.result = {"recorded_after_reconnect": True}
                job.last_error = ""
                job.save(update_fields=["state", "finished_at", "result", "last_error"])
            return "done"
        except (OperationalError, InterfaceError):
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)


@transaction.atomic
def _job_record_failure(*, job_id: int, token: uuid.UUID, error: str) -> str:
    job = Job.objects.select_for_update().filter(pk=job_id, state=JobState.RUNNING, claim_token=token).first()
    if job is None:
        return "skipped"
    last = job.attempts >= settings.JOB_MAX_ATTEMPTS
    _move(job, JobState.FAILED if last else JobState.PENDING)
    job.last_error = error[:2000]
    job.finished_at = timezone.now() if last else None
    job.save(update_fields=["state", "last_error", "finished_at"])
    return "failed" if last else "retry"


def job_retry_delay(attempts: int) -> timedelta:
    """How long a job that raised waits before the next attempt: doubling from the poll's staleness, capped."""
    base = settings.JOB_STALE_AFTER.total_seconds()
    return min(timedelta(seconds=base * 2 ** max(attempts - 1, 0)), RETRY_DELAY_CAP)


def jobs_due(*, now) -> Q:
    """The rows no message finished, as one condition (so a limit counts due rows only):

    - queued and never started for longer than the staleness (its message was lost, or the broker was down);
    - queued again after raising, once its back-off has passed;
    - running, but claimed longer ago than the staleness (its worker died, or is still at it: see jobs_poll).
    """
    stale = now - settings.JOB_STALE_AFTER
    # Never started: lost after the staleness, or a scheduled one whose moment came (sent at once by the poll).
    due = Q(state=JobState.PENDING, attempts=0, due_at__isnull=True, created_at__lte=stale)
    due |= Q(state=JobState.PENDING, attempts=0, due_at__lte=now)
    attempts = 1
    while job_retry_delay(attempts) < RETRY_DELAY_CAP:
        due |= Q(state=JobState.PENDING, attempts=attempts, claimed_at__lte=now - job_retry_delay(attempts))
        attempts += 1
    due |= Q(state=JobState.PENDING, attempts__gte=attempts, claimed_at__lte=now - RETRY_DELAY_CAP)
    due |= Q(state=JobState.RUNNING) & (Q(claimed_at__lte=stale) | Q(claimed_at__isnull=True))
    return due


def jobs_poll(*, now=None, limit: int = 100) -> list[int]:
    """Send again the jobs no message finished (``jobs_due``); return their ids.

    Queued rows are only read, never locked, so a worker starting one is not turned away. Running rows are locked
    with SKIP LOCKED for a moment: a live worker holds its row's lock while it works (PostgreSQL), so only rows
    whose worker died are sent again. (On SQLite, which has no row locks, a stale running row is sent again even if
    its worker is alive; job_run then waits for it and finds it done.)
    """
    now = now or timezone.now()
    due_rows = Job.objects.filter(jobs_due(now=now)).order_by("pk")
    queued = list(due_rows.filter(state=JobState.PENDING).values_list("pk", flat=True)[:limit])
    with transaction.atomic():
        orphaned = list(
            due_rows.filter(state=JobState.RUNNING)
            .select_for_update(skip_locked=True)
            .values_list("pk", flat=True)[: max(limit - len(queued), 0)]
        )
    due = sorted(queued + orphaned)
    if due:
        jobs_dispatch(job_ids=due)  # With the broker down, the next poll tries again.
    return due


@transaction.atomic
def job_retry(*, job: Job, actor) -> Job:
    """An admin sends a failed job again, from the start of its attempts."""
    if not can(actor, "job.retry", job):
        raise JobError(_("You are not allowed to retry background jobs."))
    job = Job.objects.select_for_update().get(pk=job.pk)
    if job.state != JobState.FAILED:
        raise JobError(
            _("Only a failed job can be retried; this one is %(state)s.") % {"state": job.get_state_display()}
        )
    _move(job, JobState.PENDING)
    job.attempts = 0
    job.claimed_at = None
    job.finished_at = None
    job.save(update_fields=["state", "attempts", "claimed_at", "finished_at"])
    transaction.on_commit(lambda: job_dispatch(job_id=job.pk))
    return job
