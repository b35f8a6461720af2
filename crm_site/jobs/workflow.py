"""A background job's lifecycle, on one screen."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class JobState(models.TextChoices):
    PENDING = "pending", _("Queued")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")
    # What a scheduled job was about changed (the complaint closed, the survey was answered): it is not sent.
    CANCELLED = "cancelled", _("Cancelled")


# pending → cancelled when what it is about changed before it was due;
# pending → running when a worker starts it (not before its due time);
# running → done when its work commits; running → pending when it raised and may try again;
# running → failed after the last attempt; failed → pending when an admin retries.
# A running job whose worker died stays running until the poll starts it again (running → running).
JOB_ALLOWED: dict[str, set[str]] = {
    JobState.PENDING: {JobState.RUNNING, JobState.CANCELLED},
    JobState.RUNNING: {JobState.DONE, JobState.PENDING, JobState.FAILED, JobState.RUNNING},
    JobState.FAILED: {JobState.PENDING},
    JobState.DONE: set(),
    JobState.CANCELLED: set(),
}
