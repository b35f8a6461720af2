"""Two tasks carry every background job: "look at row N", and the poll that finds rows no message finished."""

import socket

from celery import shared_task

from . import services


@shared_task(name="crm_site.jobs.tasks.run_job", acks_late=True, reject_on_worker_lost=True)
def run_job(job_id: int) -> str:
    return services.job_run(job_id=job_id, worker=socket.gethostname())


@shared_task(name="crm_site.jobs.tasks.poll_jobs", ignore_result=True)
def poll_jobs() -> int:
    return len(services.jobs_poll())
