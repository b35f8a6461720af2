"""Notification e-mails (crm_site/jobs): one job per notification for people who want mail at once, and one
digest job per person and day for those who want a daily summary.

Exactly once, as far as mail allows: the handler sends inside the job's transaction and then stamps the row
(``emailed_at``, ``last_digest_at``), so a job run again, or a second job for the same notification, sends
nothing. If the transaction fails after the mail left (the worker dies between the two), the retry sends it
again with the same Message-ID, which tells the receiver it is a repeat; the other order (stamp, then send after
commit) would lose the mail instead.
"""

from datetime import date, datetime, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from crm_site.jobs.services import job_handler, jobs_schedule

from .mail import send_once, site_url
from .models import Notification, NotificationPreference
from .registry import render_title
from .services import EMAIL_JOB

DIGEST_JOB = "notifications.digest"
# The first digest someone gets looks back this far (later ones: to the previous digest).
FIRST_DIGEST_COVERS = timedelta(days=1)


def _language_of(preference: NotificationPreference | None) -> str:
    return (preference.language if preference else "") or settings.LANGUAGE_CODE


def _site() -> str:
    return site_url()


def _open_link(notification: Notification) -> str:
    return _site() + reverse("notifications:open", args=[notification.pk])


@job_handler(EMAIL_JOB, label=_("E-mail a notification"))
def email_notification(job) -> dict:
    """E-mail one notification to its recipient, in their language, unless it has been e-mailed already, they
    have no address, they no longer want mail at once, or they have read it in the app in the meantime."""
    notification = (
        Notification.objects.select_for_update(of=("self",))
        .select_related("recipient")
        .filter(pk=job.payload.get("notification"))
        .first()
    )
    if notification is None:
        return {"skipped": "no such notification"}
    if notification.emailed_at is not None:
        return {"skipped": "already e-mailed"}
    recipient = notification.recipient
    if not recipient.is_active or not recipient.email:
        return {"skipped": "recipient inactive or without an address"}
    if notification.read_at is not None:
        return {"skipped": "already read"}
    preference = NotificationPreference.objects.filter(user_id=recipient.pk).first()
    if preference is not None and preference.delivery != NotificationPreference.Delivery.EMAIL:
        return {"skipped": "no mail wanted"}
    language = _language_of(preference)
    with translation.override(language):
        context = {
            "recipient": recipient,
            "title": render_title(notification),
            "link": _open_link(notification),
            "preferences_link": _site() + reverse("notifications:preferences"),
            "notification": notification,
        }
        subject = " ".join(render_to_string("emails/notification.subject.txt", context).split())
        body = render_to_string("emails/notification.txt", context)

    def stamp() -> None:
        Notification.objects.filter(pk=notification.pk, emailed_at__isnull=True).update(emailed_at=timezone.now())

    send_once(to=recipient.email, subject=subject, body=body, name=f"notification-{notification.pk}", stamp=stamp)
    return {"emailed": notification.pk, "language": language}


def _digest_key(user_id: int, day: date) -> str:
    return f"{DIGEST_JOB}:{user_id}:{day.isoformat()}"


def digests_schedule(*, now: datetime | None = None) -> int:
    """Record today's digest job for everyone who asked for a daily digest and can receive mail (row first,
    keyed per person and day: a second run the same day adds nothing). Returns how many were new."""
    now = now or timezone.now()
    day = timezone.localdate(now)
    users = (
        get_user_model()
        .objects.filter(notification_preference__delivery=NotificationPreference.Delivery.DIGEST, is_active=True)
        .exclude(email="")
        .values_list("pk", flat=True)
    )
    return jobs_schedule(
        kind=DIGEST_JOB,
        rows=[(_digest_key(pk, day), {"user": pk, "day": day.isoformat()}, now) for pk in users],
    )


@job_handler(DIGEST_JOB, label=_("E-mail a daily notification digest"))
def email_digest(job) -> dict:
    """One mail listing the person's unread notifications since their previous digest (the last day, for a
    first one), if they still want a digest and there is something to say."""
    preference = (
        NotificationPreference.objects.select_for_update(of=("self",))
        .select_related("user")
        .filter(user_id=job.payload.get("user"))
        .first()
    )
    if preference is None or preference.delivery != NotificationPreference.Delivery.DIGEST:
        return {"skipped": "no digest wanted"}
    user = preference.user
    if not user.is_active or not user.email:
        return {"skipped": "recipient inactive or without an address"}
    day = date.fromisoformat(job.payload["day"])
    # The digest of a day covers what came before the job was due, whenever the worker gets to it.
    until = min(job.due_at or timezone.now(), timezone.now())
    since = preference.last_digest_at or until - FIRST_DIGEST_COVERS
    unread = list(
        Notification.objects.filter(
            recipient_id=user.pk, read_at__isnull=True, created_at__gt=since, created_at__lte=until
        ).order_by("created_at", "pk")
    )
    if not unread:
        return {"skipped": "nothing unread"}
    language = _language_of(preference)
    with translation.override(language):
        context = {
            "recipient": user,
            "day": day,
            "count": len(unread),
            "items": [{"title": render_title(n), "link": _open_link(n), "created_at": n.created_at} for n in unread],
            "list_link": _site() + reverse("notifications:list"),
            "preferences_link": _site() + reverse("notifications:preferences"),
        }
        subject = " ".join(render_to_string("emails/notification_digest.subject.txt", context).split())
        body = render_to_string("emails/notification_digest.txt", context)

    def stamp() -> None:
        NotificationPreference.objects.filter(pk=preference.pk).update(last_digest_at=until)

    send_once(
        to=user.email, subject=subject, body=body, name=f"notification-digest-{user.pk}-{day.isoformat()}", stamp=stamp
    )
    return {"emailed": len(unread), "language": language}
