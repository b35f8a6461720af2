"""Test-only, for .ci/fault_drill.py; imported by the drill's workers (``celery worker -I fault_drill_worker``).
Not part of the app.

Logs one line when a worker process starts and ends each ``run_job`` delivery (the complaints' reminder jobs and
the e-mail jobs alike), with the job id and the pid, so a duplicate mail can be traced to the attempt, the process
and the fault that caused it.
"""

import logging
import os

from celery.signals import task_failure, task_postrun, task_prerun

RUN_JOB = "crm_site.jobs.tasks.run_job"
logger = logging.getLogger("fault_drill")


def _job_id(args) -> object:
    return args[0] if args else "?"


@task_prerun.connect
def _started(task_id=None, task=None, args=None, **kwargs) -> None:
    if task is not None and task.name == RUN_JOB:
        logger.info("drill-trace start job=%s pid=%s task=%s", _job_id(args), os.getpid(), task_id)


@task_postrun.connect
def _ended(task_id=None, task=None, args=None, retval=None, state=None, **kwargs) -> None:
    if task is not None and task.name == RUN_JOB:
        logger.info(
            "drill-trace end job=%s pid=%s task=%s state=%s result=%s",
            _job_id(args),
            os.getpid(),
            task_id,
            state,
            retval,
        )


@task_failure.connect
def _failed(task_id=None, exception=None, args=None, sender=None, **kwargs) -> None:
    if sender is not None and sender.name == RUN_JOB:
        logger.info(
            "drill-trace raised job=%s pid=%s task=%s error=%s: %s",
            _job_id(args),
            os.getpid(),
            task_id,
            exception.__class__.__name__,
            str(exception).replace("\n", " ")[:300],
        )
