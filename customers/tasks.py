"""Celery tasks of the customers app: ids and dates in, one service call each."""

from celery import shared_task

from crm_site.jobs.services import job_enqueue

from . import schedule
from .jobs import RECOMPUTE


@shared_task(name="customers.tasks.recompute_customers_task")
def recompute_customers_task(as_of: str | None = None, triggered_by_id: int | None = None) -> int:
    """Record a recomputation as a job (crm_site/jobs), which a worker then runs once; returns the job's id.

    A schedule sends this with ``as_of``: one job per day however often the message arrives.
    """
    key = f"{RECOMPUTE}:{as_of}" if as_of else None
    return job_enqueue(kind=RECOMPUTE, payload={"as_of": as_of}, actor_id=triggered_by_id, key=key).pk


# Messages queued before the rename still name the old task.
classify_customers_task = shared_task(name="customers.tasks.classify_customers_task")(recompute_customers_task.run)


@shared_task(name="customers.tasks.scan_visits", ignore_result=True)
def scan_visits() -> int:
    """Every minute, from beat: record the visit reminders due now (customers.schedule); returns how many."""
    return schedule.visits_scan()


@shared_task(name="customers.tasks.nightly_recompute", ignore_result=True)
def nightly_recompute() -> int:
    """At night, from beat: record today's recomputation as one job (a second beat adds nothing); its id."""
    return schedule.nightly_recompute_schedule().pk
