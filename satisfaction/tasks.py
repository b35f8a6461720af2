"""Celery tasks of the satisfaction app: thin, each calls one scan of satisfaction.schedule."""

from celery import shared_task

from . import schedule


@shared_task(name="satisfaction.tasks.scan_reminders", ignore_result=True)
def scan_reminders() -> int:
    """Every minute, from beat: record the survey reminders due now; returns how many."""
    return schedule.reminders_scan()
