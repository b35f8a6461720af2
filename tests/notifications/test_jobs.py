"""Notification e-mails: one per notification for those who want mail at once, sent once, in the reader's
language, against a real SMTP server; the daily digest for those who want one.

Expected values come from the task: the link is SITE_URL + the notification's open URL; the Message-ID is the
same for every sending of one notification; the language is the recipient's preference, else LANGUAGE_CODE; a
notification already e-mailed, or a recipient without an address, is skipped without error; the digest lists the
unread notifications since the previous digest, and sends nothing when there are none.
"""

import email
import socket
import threading
from datetime import timedelta
from email import policy

import pytest
from aiosmtpd.controller import Controller
from django.core import mail
from django.utils import timezone

from crm_site.jobs.models import Job
from crm_site.jobs.services import job_run
from crm_site.notifications.jobs import DIGEST_JOB, digests_schedule
from crm_site.notifications.models import Notification, NotificationPreference
from crm_site.notifications.services import EMAIL_JOB
from crm_site.notifications.tasks import schedule_digests
from tests.complaints.factories import ComplaintFactory

from . import OTHER_KIND, kinds_registered, tell

pytestmark = pytest.mark.django_db

SITE = "https://crm.example.com"


@pytest.fixture(autouse=True)
def kinds():
    with kinds_registered():
        yield


@pytest.fixture(autouse=True)
def site(settings):
    settings.SITE_URL = SITE + "/"  # a trailing slash, as people write it
    settings.DEFAULT_FROM_EMAIL = "crm@crm.example.com"


class Inbox:
    """What a real SMTP server received: each message parsed, with its envelope recipients."""

    def __init__(self):
        self.messages = []
        self._lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        message = email.message_from_bytes(envelope.content, policy=policy.default)
        with self._lock:
            self.messages.append((list(envelope.rcpt_tos), message))
        return "250 Message accepted for delivery"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp(settings):
    """A real SMTP server on 127.0.0.1, and Django's SMTP backend pointed at it."""
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = controller.port
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_USE_SSL = False
    settings.EMAIL_TIMEOUT = 5
    yield inbox
    controller.stop()


@pytest.fixture
def complaint(frontline, customer):
    return ComplaintFactory(actor=frontline, customer=customer)


def prefer(user, delivery: str, language: str = "") -> None:
    NotificationPreference.objects.update_or_create(user=user, defaults={"delivery": delivery, "language": language})


def email_job(notification) -> Job:
    return Job.objects.get(kind=EMAIL_JOB, payload__notification=notification.pk)


def subject_of(message) -> str:
    """The Subject as a mail client shows it (Django folds a long encoded one onto a second line; the space
    left after unfolding is not part of it)."""
    return message["Subject"].strip()


def body_of(message) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


# --- One notification, one mail -------------------------------------------------------------------------------------


def test_the_mail_arrives_once_in_the_recipients_language_with_its_link(smtp, frontline, complaint):
    prefer(frontline, "email", "zh-hans")
    notification = tell(frontline, complaint)
    assert job_run(job_id=email_job(notification).pk) == "done"

    assert len(smtp.messages) == 1
    (recipients, message) = smtp.messages[0]
    assert recipients == [frontline.email]
    assert message["From"] == "crm@crm.example.com"
    assert subject_of(message) == f"通知：投诉 {complaint.number} 已登记。"
    assert message["Message-ID"] == f"<notification-{notification.pk}@crm.example.com>"
    body = body_of(message)
    assert f"投诉 {complaint.number} 已登记。" in body
    assert f"{SITE}/notifications/{notification.pk}/" in body.split()
    assert f"{SITE}/notifications/preferences/" in body.split()
    notification.refresh_from_db()
    assert notification.emailed_at is not None


def test_without_a_language_preference_the_site_language_is_used(smtp, settings, frontline, complaint):
    assert settings.LANGUAGE_CODE == "en"
    notification = tell(frontline, complaint)  # no preference row: e-mail at once, by default
    assert job_run(job_id=email_job(notification).pk) == "done"
    ((_to, message),) = smtp.messages
    assert subject_of(message) == f"Notification: Complaint {complaint.number} registered."
    assert body_of(message).startswith(f"Hello {frontline.get_full_name()},")
    assert f"Complaint {complaint.number} registered." in body_of(message)


def test_a_job_run_twice_sends_one_mail(smtp, frontline, complaint):
    notification = tell(frontline, complaint)
    job = email_job(notification)
    assert job_run(job_id=job.pk) == "done"
    assert job_run(job_id=job.pk) == "skipped"
    assert len(smtp.messages) == 1


def test_a_second_job_for_an_e_mailed_notification_sends_nothing(smtp, frontline, complaint):
    notification = tell(frontline, complaint)
    assert job_run(job_id=email_job(notification).pk) == "done"
    emailed_at = Notification.objects.get(pk=notification.pk).emailed_at
    again = Job.objects.create(kind=EMAIL_JOB, payload={"notification": notification.pk})
    assert job_run(job_id=again.pk) == "done"
    assert len(smtp.messages) == 1
    assert Notification.objects.get(pk=notification.pk).emailed_at == emailed_at


def test_a_recipient_without_an_address_is_skipped_without_error(smtp, frontline, complaint):
    frontline.email = ""
    frontline.save(update_fields=["email"])
    notification = tell(frontline, complaint)
    job = email_job(notification)
    assert job_run(job_id=job.pk) == "done"
    assert smtp.messages == []
    job.refresh_from_db()
    assert job.last_error == ""
    assert Notification.objects.get(pk=notification.pk).emailed_at is None


def test_a_notification_read_before_its_mail_goes_is_not_mailed(smtp, frontline, complaint):
    notification = tell(frontline, complaint)
    Notification.objects.filter(pk=notification.pk).update(read_at=timezone.now())
    assert job_run(job_id=email_job(notification).pk) == "done"
    assert smtp.messages == []


def test_someone_who_turned_mail_off_meanwhile_gets_none(smtp, frontline, complaint):
    notification = tell(frontline, complaint)
    prefer(frontline, "in_app")
    assert job_run(job_id=email_job(notification).pk) == "done"
    assert smtp.messages == []


def test_a_server_that_refuses_leaves_the_mail_to_send_again(settings, frontline, complaint):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = free_port()  # nobody listens there
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_TIMEOUT = 2
    notification = tell(frontline, complaint)
    job = email_job(notification)
    assert job_run(job_id=job.pk) == "retry"
    job.refresh_from_db()
    assert job.state == "pending"
    assert "Connection" in job.last_error or "refused" in job.last_error.lower()
    assert Notification.objects.get(pk=notification.pk).emailed_at is None


def test_digest_and_in_app_people_get_no_mail_at_once(frontline, manager, complaint):
    prefer(frontline, "digest")
    prefer(manager, "in_app")
    tell(frontline, complaint)
    tell(manager, complaint)
    assert not Job.objects.filter(kind=EMAIL_JOB).exists()


# --- The daily digest ---------------------------------------------------------------------------------------------


def test_digests_are_recorded_once_per_person_and_day_for_those_who_want_one(frontline, manager, gm, admin_user):
    prefer(frontline, "digest")
    prefer(manager, "email")
    prefer(gm, "digest")
    gm.email = ""
    gm.save(update_fields=["email"])  # no address: nothing to mail
    now = timezone.now()
    assert digests_schedule(now=now) == 1
    assert schedule_digests() == 0  # the beat task, again the same day
    (job,) = Job.objects.filter(kind=DIGEST_JOB)
    day = timezone.localdate(now).isoformat()
    assert job.payload == {"user": frontline.pk, "day": day}
    assert job.key == f"{DIGEST_JOB}:{frontline.pk}:{day}"
    assert digests_schedule(now=now + timedelta(days=1)) == 1  # tomorrow's


def test_the_digest_lists_the_unread_notifications_since_the_last_one(frontline, complaint):
    prefer(frontline, "digest")
    last = timezone.now() - timedelta(hours=20)
    NotificationPreference.objects.filter(user=frontline).update(last_digest_at=last)
    before = tell(frontline, complaint, "before")  # in the previous digest
    Notification.objects.filter(pk=before.pk).update(created_at=last - timedelta(hours=1))
    read = tell(frontline, complaint, "read")
    Notification.objects.filter(pk=read.pk).update(read_at=timezone.now())
    first = tell(frontline, complaint, "first")
    second = tell(frontline, complaint, "second", kind=OTHER_KIND)
    digests_schedule()
    job = Job.objects.get(kind=DIGEST_JOB)

    assert job_run(job_id=job.pk) == "done"
    (message,) = mail.outbox
    assert message.to == [frontline.email]
    day = timezone.localdate().isoformat()
    assert message.subject == f"Your notifications for {day}: 2 unread"
    assert message.extra_headers["Message-ID"] == f"<notification-digest-{frontline.pk}-{day}@crm.example.com>"
    links = [line.strip() for line in message.body.splitlines() if line.strip().startswith(SITE)]
    assert links == [
        f"{SITE}/notifications/{first.pk}/",
        f"{SITE}/notifications/{second.pk}/",
        f"{SITE}/notifications/",
        f"{SITE}/notifications/preferences/",
    ]
    assert f"Complaint {complaint.number} registered." in message.body
    assert "You have 2 unread notifications since your last digest:" in message.body
    preference = NotificationPreference.objects.get(user=frontline)
    assert preference.last_digest_at > last

    # The next day, nothing new: no mail.
    digests_schedule(now=timezone.now() + timedelta(days=1))
    tomorrow = Job.objects.filter(kind=DIGEST_JOB, state="pending").get()
    Job.objects.filter(pk=tomorrow.pk).update(due_at=timezone.now())
    assert job_run(job_id=tomorrow.pk) == "done"
    assert len(mail.outbox) == 1


def test_a_first_digest_covers_the_last_day_in_the_readers_language(frontline, complaint):
    prefer(frontline, "digest", "zh-hans")
    old = tell(frontline, complaint, "old")
    Notification.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=3))
    recent = tell(frontline, complaint, "recent")
    digests_schedule()
    assert job_run(job_id=Job.objects.get(kind=DIGEST_JOB).pk) == "done"
    (message,) = mail.outbox
    assert message.subject == f"{timezone.localdate().isoformat()} 的通知：1 条未读"
    assert f"{SITE}/notifications/{recent.pk}/" in message.body
    assert f"{SITE}/notifications/{old.pk}/" not in message.body
    assert f"投诉 {complaint.number} 已登记。" in message.body


def test_no_digest_for_someone_who_no_longer_wants_one(frontline, complaint):
    prefer(frontline, "digest")
    tell(frontline, complaint)
    digests_schedule()
    prefer(frontline, "email")
    assert job_run(job_id=Job.objects.get(kind=DIGEST_JOB).pk) == "done"
    assert mail.outbox == []
