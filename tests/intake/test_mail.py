"""Complaints by e-mail, read from a real IMAP server (a private Dovecot, tests/intake/imap_server.py), and the
replies staff send from a complaint.

Expected from the issue: a new mail becomes a complaint (channel "email", unassigned, the sender matched or created
unverified); a subject naming a complaint's number, from that complaint's customer, becomes a message on it; the
same Message-ID is handled once; auto-replies and bounces are ignored; a mail that cannot be read is kept whole for
an admin; an attachment is checked like an upload; a customer-facing note "send by e-mail" goes out once, its
subject "[number] …", and the answer to it threads back.
"""

import imaplib
import shutil
import tempfile
import time
from email.message import EmailMessage
from pathlib import Path

import pytest
from django.core import mail as outbox
from django.urls import reverse

from complaints import services as complaint_services
from complaints.models import Complaint, TimelineEvent
from crm_site.jobs.models import Job
from crm_site.jobs.services import job_run
from customers.models import Customer
from intake.jobs import REPLY_JOB
from intake.mailbox import mailbox_poll
from intake.models import InboundMail, ReplyMail
from intake.tasks import poll_mailbox
from tests.complaints.factories import PNG_BYTES, ComplaintFactory
from tests.factories import CustomerFactory

from .imap_server import ImapServer

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def imap_server():
    # Not under pytest's tmp_path: that is private to this user (0700), and Dovecot's own users must read it.
    root = Path(tempfile.mkdtemp(prefix="crm-dovecot-"))
    server = ImapServer(root).start()
    yield server
    server.stop()
    shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def mailbox(imap_server, settings, branch, other_category):
    """The server's INBOX, emptied, and the settings that point the poll at it."""
    settings.INTAKE_IMAP_HOST, settings.INTAKE_IMAP_PORT = imap_server.host, imap_server.port
    settings.INTAKE_IMAP_SSL, settings.INTAKE_IMAP_STARTTLS = False, False
    settings.INTAKE_IMAP_USER, settings.INTAKE_IMAP_PASSWORD = imap_server.user, imap_server.password
    settings.INTAKE_EMAIL_BRANCH = branch.code
    settings.SITE_URL = "https://crm.example.com"
    client = imaplib.IMAP4(imap_server.host, imap_server.port)
    client.login(imap_server.user, imap_server.password)
    client.select("INBOX")
    client.store("1:*", "+FLAGS", "(\\Deleted)") if client.search(None, "ALL")[1][0] else None
    client.expunge()
    yield Mailbox(client)
    client.logout()


class Mailbox:
    def __init__(self, client):
        self.client = client

    def deliver(self, message) -> None:
        raw = message if isinstance(message, bytes) else message.as_bytes()
        status, _data = self.client.append("INBOX", None, imaplib.Time2Internaldate(time.time()), raw)
        assert status == "OK"

    def unseen(self) -> int:
        self.client.select("INBOX")
        return len(self.client.search(None, "UNSEEN")[1][0].split())


def a_mail(*, sender="Li Na <li.na@example.com>", subject="Broken kettle", body="It broke after a day.", mid="1"):
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = sender, "complaints@crm.example.com", subject
    message["Message-ID"] = f"<{mid}@mail.example.com>"
    message["Date"] = "Mon, 30 Nov 2026 09:00:00 +0800"
    message.set_content(body)
    return message


def test_a_new_mail_becomes_an_unassigned_email_complaint(mailbox, branch):
    mailbox.deliver(a_mail())

    result = mailbox_poll()

    assert (result.fetched, result.new) == (1, 1)
    complaint = Complaint.objects.get()
    assert (complaint.channel, complaint.branch_id, complaint.handler, complaint.first_responder) == (
        "email",
        branch.pk,
        None,
        None,
    )
    assert complaint.customer_words == "Broken kettle\n\nIt broke after a day."
    customer = complaint.customer
    assert (customer.name, customer.email, customer.unverified) == ("Li Na", "li.na@example.com", True)
    record = InboundMail.objects.get()
    assert (record.state, record.message_id, record.complaint) == ("complaint", "<1@mail.example.com>", complaint)
    assert bytes(record.raw) == b""  # read fine: nothing kept beyond the complaint
    assert mailbox.unseen() == 0


def test_the_same_message_id_is_one_complaint(mailbox):
    mailbox.deliver(a_mail())
    mailbox.deliver(a_mail())  # the same mail delivered twice (a resend, a second copy)
    mailbox_poll()
    mailbox.deliver(a_mail())
    mailbox_poll()

    assert Complaint.objects.count() == 1
    assert InboundMail.objects.count() == 1


def test_a_known_sender_is_matched(mailbox, branch):
    known = CustomerFactory(branch=branch, email="li.na@example.com")
    mailbox.deliver(a_mail(sender="LI.NA@EXAMPLE.COM"))
    mailbox_poll()

    assert Complaint.objects.get().customer == known
    assert Customer.objects.count() == 1


def test_a_subject_with_the_number_from_the_customer_threads_onto_the_complaint(mailbox, frontline, branch):
    customer = CustomerFactory(branch=branch, email="li.na@example.com")
    complaint = ComplaintFactory(actor=frontline, customer=customer)
    mailbox.deliver(a_mail(subject=f"Re: [{complaint.number}] About your complaint", body="Thanks, but no.\n> quoted"))

    mailbox_poll()

    assert Complaint.objects.count() == 1
    event = complaint.timeline.get(kind=TimelineEvent.Kind.CUSTOMER_MESSAGE)
    assert (event.note, event.actor, event.is_internal, event.data) == (
        "Thanks, but no.",
        None,
        False,
        {"channel": "email", "files": 0},
    )
    assert InboundMail.objects.get().state == "message"


def test_a_number_from_someone_else_is_kept_for_an_admin_not_threaded(mailbox, frontline, branch):
    complaint = ComplaintFactory(actor=frontline, customer=CustomerFactory(branch=branch, email="owner@example.com"))
    mailbox.deliver(a_mail(sender="intruder@example.com", subject=f"Re: [{complaint.number}]"))

    mailbox_poll()

    assert not complaint.timeline.filter(kind=TimelineEvent.Kind.CUSTOMER_MESSAGE).exists()
    record = InboundMail.objects.get()
    assert record.state == "unparsed" and complaint.number in record.problem
    assert b"intruder@example.com" in bytes(record.raw)


def test_auto_replies_and_bounces_are_ignored(mailbox):
    auto = a_mail(subject="Out of office", mid="auto")
    auto["Auto-Submitted"] = "auto-replied"
    bounce = a_mail(sender="MAILER-DAEMON@mail.example.com", subject="Undelivered Mail Returned", mid="bounce")
    mailbox.deliver(auto)
    mailbox.deliver(bounce)

    mailbox_poll()

    assert not Complaint.objects.exists()
    assert sorted(InboundMail.objects.values_list("state", flat=True)) == ["ignored", "ignored"]
    assert mailbox.unseen() == 0


def test_a_mail_that_cannot_be_read_is_kept_whole_for_an_admin(mailbox, client, admin_user, frontline):
    broken = b"Message-ID: <broken@x>\r\nSubject: help\r\nContent-Type: text/plain\r\n\r\nno sender at all\r\n"
    mailbox.deliver(broken)

    mailbox_poll()

    record = InboundMail.objects.get()
    assert record.state == "unparsed" and b"no sender at all" in bytes(record.raw)
    assert not Complaint.objects.exists()
    client.force_login(admin_user)
    assert "help" in client.get(reverse("intake_staff:mails")).content.decode()
    assert "no sender at all" in client.get(reverse("intake_staff:mail", args=[record.pk])).content.decode()
    client.post(reverse("intake_staff:mail_review", args=[record.pk]))
    record.refresh_from_db()
    assert (record.state, record.reviewed_by) == ("reviewed", admin_user)
    client.force_login(frontline)
    assert client.get(reverse("intake_staff:mails")).status_code == 403


def test_attachments_are_checked_like_uploads(mailbox):
    message = a_mail()
    message.add_attachment(PNG_BYTES, maintype="image", subtype="png", filename="kettle.png")
    message.add_attachment(b"MZ\x90\x00 a program", maintype="image", subtype="jpeg", filename="photo.jpg")
    mailbox.deliver(message)

    mailbox_poll()

    complaint = Complaint.objects.get()
    assert list(complaint.attachments.values_list("original_name", "content_type")) == [("kettle.png", "image/png")]
    assert "“photo.jpg” is not an accepted file type" in InboundMail.objects.get().problem


def test_a_reply_goes_out_once_with_the_number_and_the_answer_threads_back(mailbox, frontline, branch):
    customer = CustomerFactory(branch=branch, email="li.na@example.com")
    complaint = ComplaintFactory(actor=frontline, customer=customer)
    note = complaint_services.complaint_add_note(
        actor=frontline,
        complaint_id=complaint.pk,
        text="A new kettle is on its way.",
        customer_facing=True,
        send_by_email=True,
    )
    job = Job.objects.get(kind=REPLY_JOB)

    assert job_run(job_id=job.pk) == "done"
    Job.objects.filter(pk=job.pk).update(state="pending")  # delivered again after a restart
    job_run(job_id=job.pk)

    (sent,) = outbox.outbox
    assert sent.to == ["li.na@example.com"]
    assert sent.subject == f"[{complaint.number}] About your complaint"
    assert sent.extra_headers["Message-ID"] == f"<complaint-reply-{note.pk}@crm.example.com>"
    assert "A new kettle is on its way." in sent.body
    assert ReplyMail.objects.get().note == note

    mailbox.deliver(a_mail(subject=f"Re: {sent.subject}", body="Received it, thank you.", mid="answer"))
    mailbox_poll()
    assert complaint.timeline.get(kind=TimelineEvent.Kind.CUSTOMER_MESSAGE).note == "Received it, thank you."


def test_only_a_customer_facing_note_is_sent_by_email(frontline, branch):
    complaint = ComplaintFactory(actor=frontline, customer=CustomerFactory(branch=branch, email="a@example.com"))
    with pytest.raises(complaint_services.WorkflowError, match="Only a note told to the customer"):
        complaint_services.complaint_add_note(
            actor=frontline, complaint_id=complaint.pk, text="internal", send_by_email=True
        )
    assert not Job.objects.filter(kind=REPLY_JOB).exists()


def test_the_poll_does_nothing_while_imap_is_not_configured(settings, db):
    settings.INTAKE_IMAP_HOST = ""
    assert poll_mailbox() == {"skipped": "IMAP not configured"}


def test_a_mail_over_the_size_cap_is_listed_for_an_admin_and_not_downloaded(mailbox, settings):
    settings.INTAKE_MAIL_MAX_BYTES = 1000
    mailbox.deliver(a_mail(body="x" * 2000, mid="big"))

    mailbox_poll()

    record = InboundMail.objects.get()
    assert (record.state, record.message_id, record.subject) == ("unparsed", "<big@mail.example.com>", "Broken kettle")
    assert "over the limit of 1000" in record.problem
    assert b"x" * 100 not in bytes(record.raw)  # the header only
    assert not Complaint.objects.exists()


def test_the_beat_task_reads_the_mailbox_when_configured(mailbox):
    mailbox.deliver(a_mail(mid="task-1"))
    mailbox.deliver(a_mail(mid="task-2", sender="wang@example.com"))

    assert poll_mailbox() == {"fetched": 2, "new": 2}
    assert poll_mailbox() == {"fetched": 0, "new": 0}  # everything seen; a second run adds nothing
    assert Complaint.objects.count() == 2
