"""Sending one e-mail from a background job, the same way everywhere: a Message-ID that is the same each time
the mail is sent (so a receiver can tell a repeat), and, once the server accepted it, the job told so
(``job_outside_effect_done``) so that a lost database connection records the mail instead of sending it again."""

from collections.abc import Callable
from urllib.parse import urlsplit

from django.conf import settings
from django.core.mail import EmailMessage

from crm_site.jobs.services import job_outside_effect_done


def site_url() -> str:
    return settings.SITE_URL.rstrip("/")


def message_id(name: str) -> str:
    """A Message-ID that is the same every time this mail is sent (make_msgid adds a time and a random number)."""
    domain = urlsplit(site_url()).hostname or "localhost"
    return f"<{name}@{domain}>"


def send_once(*, to: str, subject: str, body: str, name: str, stamp: Callable[[], None]) -> None:
    """Send the mail named ``name`` from inside a job's handler, then record it with ``stamp`` (e.g. setting
    ``emailed_at``): a retry after a lost connection stamps instead of resending."""
    EmailMessage(
        subject=subject,
        body=body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[to],
        headers={"Message-ID": message_id(name)},
    ).send()
    job_outside_effect_done(stamp)
    stamp()
