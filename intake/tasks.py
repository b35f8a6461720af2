import logging

from celery import shared_task

from .mailbox import imap_enabled, mailbox_poll

logger = logging.getLogger(__name__)


@shared_task(ignore_result=True)
def poll_mailbox() -> dict:
    """Beat runs this every INTAKE_IMAP_POLL_SECONDS while IMAP is configured; safe to run twice (Message-ID)."""
    if not imap_enabled():
        return {"skipped": "IMAP not configured"}
    result = mailbox_poll()
    return {"fetched": result.fetched, "new": result.new}
