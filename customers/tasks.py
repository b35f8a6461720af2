"""Celery tasks of the customers app: ids and dates in, one service call each."""

from datetime import date

from celery import shared_task
from django.contrib.auth import get_user_model

from . import services


@shared_task(name="customers.tasks.classify_customers_task")
def classify_customers_task(as_of: str | None = None, triggered_by_id: int | None = None) -> int:
    """Recompute values, quadrants and tiers, then at-risk flags; returns the classification run's id.

    Safe to run twice: both services recompute from the data (a second run changes nothing but writes its own
    run row), and the settings row they lock makes two runs wait for each other instead of overlapping.
    """
    day = date.fromisoformat(as_of) if as_of else None
    actor = get_user_model().objects.filter(pk=triggered_by_id).first() if triggered_by_id else None
    run = services.customers_classify(actor=actor, as_of=day)
    services.customers_detect_at_risk(as_of=day)
    return run.pk
