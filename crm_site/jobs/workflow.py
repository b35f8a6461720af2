"""A background job's lifecycle, on one screen."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class JobState(models.TextChoices):
    PENDING = "pending", _("Queued")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


# pending → running when a worker starts it; running → done when its work commits; running → pending when it
# raised and may try again; running → failed after the last attempt; failed → pending when an admin retries.
# A running job whose worker died stays running until the poll starts it again (running → running).
JOB_ALLOWED: dict[str, set[str]] = {
    JobState.PENDING: {JobState.RUNNING},
    JobState.RUNNING: {JobState.DONE, JobState.PENDING, JobState.FAILED, JobState.RUNNING},
    JobState.FAILED: {JobState.PENDING},
    JobState.DONE: set(),
}
