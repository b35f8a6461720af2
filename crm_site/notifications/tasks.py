"""The daily digest: beat asks once a day, and the jobs it records (one per person and day) do the mailing."""

from celery import shared_task

from .jobs import digests_schedule


@shared_task(name="crm_site.notifications.tasks.schedule_digests", ignore_result=True)
def schedule_digests() -> int:
    return digests_schedule()
