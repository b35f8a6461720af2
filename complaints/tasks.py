"""Celery tasks of the complaints app: thin, each calls one scan of complaints.schedule."""

from celery import shared_task

from . import schedule


@shared_task(name="complaints.tasks.scan_complaints", ignore_result=True)
def scan_complaints() -> int:
    """Every minute, from beat: record the SLA reminders, escalations and revisit reminders due now; how many."""
    return schedule.complaints_scan()
