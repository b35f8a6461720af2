"""Test-only, for .ci/fault_drill.py; imported by the drill's workers (``celery worker -I fault_drill_worker``) and
by its seeding step. Not part of the app.

- registers the notification kind the drill sends (the app's own kinds need complaints, branches and staff);
- logs one line when a worker process starts and ends each ``run_job`` delivery, with the job id and the pid, so a
  duplicate mail can be traced to the attempt, the process and the fault that caused it.
"""

import logging
import os

from celery.signals import task_failure, task_postrun, task_prerun

from crm_site.notifications.registry import KINDS, NotificationKind, register

DRILL_KIND = "drill.reminder"
RUN_JOB = "crm_site.jobs.tasks.run_job"
logger = logging.getLogger("fault_drill")


def _gate(*, user, pk):
    return pk  # the drill's subjects are plain numbers: everyone may open them


if DRILL_KIND not in KINDS:
    register(
        NotificationKind(
            kind=DRILL_KIND,
            subject_type="drill",
            title="Fault drill reminder %(n)s",
            url_name="complaints:detail",  # any page that takes an id
            gate=_gate,
            label="Fault drill reminder",
        )
    )


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
