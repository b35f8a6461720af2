"""Celery tasks of the customers app: ids and dates in, one service call each."""

from datetime import date

from celery import shared_task
from django.contrib.auth import get_user_model

from . import services


@shared_task(name="customers.tasks.recompute_customers_task")
def recompute_customers_task(as_of: str | None = None, triggered_by_id: int | None = None) -> int:
    """The recomputation (services.customers_recompute); returns the classification run's id.

    Safe to run twice: every step recomputes from the data (a second run changes nothing but writes its own run
    row), and the settings row the steps lock makes two runs wait for each other instead of overlapping.
    """
    day = date.fromisoformat(as_of) if as_of else None
    actor = get_user_model().objects.filter(pk=triggered_by_id).first() if triggered_by_id else None
    return services.customers_recompute(actor=actor, as_of=day).run.pk


# Messages queued before the rename still name the old task.
classify_customers_task = shared_task(name="customers.tasks.classify_customers_task")(recompute_customers_task.run)
