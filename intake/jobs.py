"""A customer-facing note e-mailed to the customer (complaints.services.complaint_add_note with send_by_email):
one keyed job per note, sent once with a stable Message-ID and recorded as a ReplyMail (see
crm_site/notifications/jobs.py for why the mail is sent inside the job's transaction)."""

import re

from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from complaints.models import TimelineEvent
from crm_site.jobs.services import job_enqueue, job_handler
from crm_site.notifications.mail import message_id, send_once, site_url

from .models import ReplyMail
from .tokens import status_token

REPLY_JOB = "intake.reply_email"
CJK = re.compile(r"[\u4e00-\u9fff]")


def reply_note_queue(event: TimelineEvent) -> None:
    """Called by complaint_add_note inside its transaction: the job row is written with the note."""
    job_enqueue(kind=REPLY_JOB, payload={"note": event.pk}, actor_id=event.actor_id, key=f"{REPLY_JOB}:{event.pk}")


def reply_language(text: str) -> str:
    """The customer has no language on record: the note is written in theirs, so the mail's frame follows it."""
    return "zh-hans" if CJK.search(text) else settings.LANGUAGE_CODE


def reply_subject(number: str) -> str:
    """The number first, in brackets: the customer's answer keeps it, and mail_receive threads it back."""
    return f"[{number}] " + str(_("About your complaint"))


@job_handler(REPLY_JOB, label=_("E-mail a note to the customer"))
def email_reply(job) -> dict:
    event = (
        TimelineEvent.objects.select_for_update(of=("self",))
        .select_related("complaint__customer")
        .filter(pk=job.payload.get("note"), kind=TimelineEvent.Kind.NOTE, is_internal=False)
        .first()
    )
    if event is None:
        return {"skipped": "no such customer-facing note"}
    if ReplyMail.objects.filter(note_id=event.pk).exists():
        return {"skipped": "already e-mailed"}
    complaint = event.complaint
    to = complaint.customer.email
    if not to:
        return {"skipped": "the customer has no address"}
    language = reply_language(event.note)
    with translation.override(language):
        context = {
            "complaint": complaint,
            "text": event.note,
            "status_link": site_url() + reverse("intake:status", kwargs={"token": status_token(complaint)}),
        }
        subject = reply_subject(complaint.number)
        body = render_to_string("emails/complaint_reply.txt", context)
    name = f"complaint-reply-{event.pk}"

    def stamp() -> None:
        ReplyMail.objects.get_or_create(note_id=event.pk, defaults={"to": to, "message_id": message_id(name)})

    send_once(to=to, subject=subject, body=body, name=name, stamp=stamp)
    return {"emailed": event.pk, "language": language}
