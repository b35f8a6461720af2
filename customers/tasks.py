"""Celery tasks of the customers app: ids and dates in, one service call each."""

from celery import shared_task

from crm_site.jobs.services import job_enqueue

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
