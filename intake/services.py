"""What customers send in themselves: a complaint from the public form, a message on the status page, a mail.

No staff member acts here: the complaint and customer services are called without an actor (complaints.services
SELF_SERVICE_CHANNELS; customers.services.customer_match_or_create_unverified), and each mail is recorded once,
by its Message-ID, whatever becomes of it; a mail that cannot be read is kept whole for an admin.
"""

import contextlib
import email
import hashlib
import logging
import re
from dataclasses import dataclass
from datetime import datetime
from email import policy
from email.message import EmailMessage
from email.utils import getaddresses, parsedate_to_datetime

from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.html import strip_tags
from django.utils.translation import gettext as _

from complaints.models import Category, Channel, Complaint
from complaints.services import Intake, complaint_create, complaint_customer_message, upload_check
from complaints.workflow import WorkflowError
from crm_site.org.models import Branch
from crm_site.org.policy import require
from customers.services import customer_match_or_create_unverified
from customers.workflow import CustomerError

from .models import InboundMail

logger = logging.getLogger(__name__)

# The visitor's words: enough for a long story, not for a flood.
TEXT_MAX_CHARS = 5000
MAX_FILES = 5
# A complaint's number as complaints.services.complaint_number_next writes it; replies carry it in the subject.
NUMBER_RE = re.compile(r"\bTS-\d{4}-\d{6}\b")
# The category a complaint gets before staff file it (the visitor is not asked to classify their own complaint).
DEFAULT_CATEGORY = "other"

# A customer record's "source" is data read by staff in either language, written in both like the demo's names.
SOURCE_WEB = "网上投诉表单 Web complaint form"
SOURCE_EMAIL = "投诉邮箱 Complaint e-mail"


class IntakeError(Exception):
    """A refused submission; ``str(error)`` is the sentence the visitor sees."""


def _category() -> Category:
    category = Category.objects.filter(code=DEFAULT_CATEGORY).first() or Category.objects.filter(is_active=True).first()
    if category is None:
        raise IntakeError(_("Complaints cannot be received at the moment. Please call us instead."))
    return category


@dataclass
class WebComplaint:
    name: str
    what_happened: str
    phone: str = ""
    email: str = ""
    occurred_at: datetime | None = None
    location: str = ""
    request: str = ""


@transaction.atomic
def web_complaint_submit(*, branch_id: int, data: WebComplaint, files=()) -> Complaint:
    """A visitor's complaint from the public form: matched to the customer by phone or e-mail (or a new record
    marked unverified), in the Listen step, unassigned in the branch's queue. All or nothing."""
    if not Branch.objects.filter(pk=branch_id, is_active=True).exists():
        raise IntakeError(_("Choose a branch."))
    if not data.what_happened.strip():
        raise IntakeError(_("Tell us what happened."))
    if len(files) > MAX_FILES:
        raise IntakeError(_("Add at most %(count)d photos.") % {"count": MAX_FILES})
    try:
        customer, _created = customer_match_or_create_unverified(
            name=data.name, phone=data.phone, email=data.email, branch_id=branch_id, source=SOURCE_WEB
        )
        intake = Intake(
            customer=customer,
            channel=Channel.WEB,
            occurred_at=data.occurred_at or timezone.now(),
            customer_words=data.what_happened.strip()[:TEXT_MAX_CHARS],
            customer_request=data.request.strip()[:TEXT_MAX_CHARS],
            location=data.location.strip()[:200],
            category=_category(),
        )
        return complaint_create(actor=None, intake=intake, files=files, branch_id=branch_id)
    except (CustomerError, WorkflowError) as error:
        raise IntakeError(str(error)) from error


def status_message_add(*, complaint_id: int, text: str, files=()):
    """The customer's message (and photos) from the status page, onto the complaint's timeline."""
    if len(files) > MAX_FILES:
        raise IntakeError(_("Add at most %(count)d photos.") % {"count": MAX_FILES})
    try:
        return complaint_customer_message(
            complaint_id=complaint_id, text=text.strip()[:TEXT_MAX_CHARS], files=files, channel=Channel.WEB
        )
    except WorkflowError as error:
        raise IntakeError(str(error)) from error


# --- Mail ------------------------------------------------------------------------------------------------------

AUTO_SENDERS = re.compile(r"^(mailer-daemon|postmaster|no-?reply|bounces?)(\+.*)?@", re.IGNORECASE)


def _is_automatic(message: EmailMessage) -> bool:
    """An auto-reply (out of office), a bounce or a list mail: answering it would start a mail loop (RFC 3834)."""
    auto = (message.get("Auto-Submitted") or "no").strip().lower()
    precedence = (message.get("Precedence") or "").strip().lower()
    _name, sender = (getaddresses([message.get("From", "")]) or [("", "")])[0]
    return (
        auto != "no"
        or precedence in {"bulk", "junk", "list", "auto_reply"}
        or any(message.get(h) for h in ("X-Autoreply", "X-Autorespond", "X-Auto-Response-Suppress"))
        or message.get_content_type() == "multipart/report"
        or (message.get("Return-Path") or "").strip() == "<>"
        or bool(AUTO_SENDERS.match(sender or ""))
    )


def _message_id(message: EmailMessage, raw: bytes) -> str:
    found = (message.get("Message-ID") or "").strip()
    return found[:255] if found else "sha256:" + hashlib.sha256(raw).hexdigest()


def _body_text(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain", "html"))
    if part is None:
        return ""
    text = part.get_content()
    if part.get_content_type() == "text/html":
        text = strip_tags(text)
    # What the customer wrote, without the quoted mail they answer (lines starting with ">").
    lines = [line for line in text.splitlines() if not line.startswith(">")]
    return "\n".join(lines).strip()


def _attachments(message: EmailMessage) -> tuple[list, list[str]]:
    """The attachments checked as uploads are (content, size); the refused ones' names with the reason."""
    accepted, refused = [], []
    for part in message.iter_attachments():
        name = (part.get_filename() or "attachment")[:200]
        try:
            content = part.get_payload(decode=True) or b""
        except Exception:  # noqa: BLE001 - a broken attachment is refused, the mail is still read
            refused.append(f"{name}: {_('could not be read')}")
            continue
        uploaded = SimpleUploadedFile(name, content)
        try:
            upload_check(uploaded)
        except WorkflowError as error:
            refused.append(str(error))
            continue
        if len(accepted) >= MAX_FILES:
            refused.append(f"{name}: {_('too many attachments')}")
            continue
        accepted.append(uploaded)
    return accepted, refused


def _email_branch() -> Branch | None:
    code = settings.INTAKE_EMAIL_BRANCH
    branches = Branch.objects.filter(is_active=True)
    return (branches.filter(code=code).first() if code else None) or branches.order_by("code").first()


def _record(message_id: str, **fields) -> InboundMail:
    return InboundMail.objects.create(message_id=message_id, **fields)


def mail_receive(*, raw: bytes) -> InboundMail:
    """One mail from the mailbox, recorded once by its Message-ID (fetched again, it is the row already there):
    a new complaint, a message on the complaint whose number the subject names, ignored (auto-reply, bounce), or
    kept whole for an admin when it cannot be read."""
    try:
        message = email.message_from_bytes(raw, policy=policy.default)
        message_id = _message_id(message, raw)
    except Exception:  # noqa: BLE001 - whatever the mail is, it is kept
        message, message_id = None, "sha256:" + hashlib.sha256(raw).hexdigest()
    existing = InboundMail.objects.filter(message_id=message_id).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            return _mail_handle(message, message_id, raw)
    except IntegrityError:  # the same mail handled by another worker a moment ago
        return InboundMail.objects.get(message_id=message_id)
    except Unreadable as error:
        return _keep(message, message_id, raw, str(error))
    except Exception as error:  # noqa: BLE001 - never lost: kept whole, with what went wrong, for an admin
        logger.warning("Mail %s could not be read", message_id, exc_info=True)
        return _keep(message, message_id, raw, f"{type(error).__name__}: {error}")


def _keep(message: EmailMessage | None, message_id: str, raw: bytes, problem: str) -> InboundMail:
    """The mail, whole, for an admin (the list shows its sender and subject when they can be read at all)."""
    existing = InboundMail.objects.filter(message_id=message_id).first()
    if existing is not None:
        return existing
    sender = subject = ""
    if message is not None:
        with contextlib.suppress(Exception):
            subject = " ".join(str(message.get("Subject", "")).split())[:300]
            sender = str(message.get("From", ""))[:254]
    return _record(
        message_id, state=InboundMail.State.UNPARSED, raw=raw, sender=sender, subject=subject, problem=problem[:2000]
    )


class Unreadable(Exception):
    pass


def _mail_handle(message: EmailMessage | None, message_id: str, raw: bytes) -> InboundMail:
    if message is None:
        raise Unreadable(_("not a mail"))
    subject = " ".join(str(message.get("Subject", "")).split())[:300]
    name, sender = (getaddresses([str(message.get("From", ""))]) or [("", "")])[0]
    sender = sender.strip().lower()
    if _is_automatic(message):
        return _record(message_id, state=InboundMail.State.IGNORED, sender=sender[:254], subject=subject)
    if "@" not in sender:
        raise Unreadable(_("no sender address"))
    text = _body_text(message)[:TEXT_MAX_CHARS]
    files, refused = _attachments(message)
    problem = "\n".join(refused)
    number = NUMBER_RE.search(subject)
    if number:
        complaint = Complaint.objects.select_related("customer").filter(number=number.group(0)).first()
        # Only the complaint's own customer threads onto it: a number is easy to guess, an address is checked.
        if complaint is None or complaint.customer.email.lower() != sender:
            raise Unreadable(
                _("the subject names %(number)s, which is not a complaint of this sender") % {"number": number.group(0)}
            )
        complaint_customer_message(
            complaint_id=complaint.pk,
            text=text or subject,
            files=files,
            channel=Channel.EMAIL,
            data={"refused_files": refused} if refused else None,
        )
        return _record(
            message_id,
            state=InboundMail.State.MESSAGE,
            sender=sender,
            subject=subject,
            complaint=complaint,
            problem=problem,
        )
    branch = _email_branch()
    if branch is None:
        raise Unreadable(_("no branch receives e-mailed complaints"))
    if not (text or subject):
        raise Unreadable(_("the mail says nothing"))
    try:
        occurred_at = min(parsedate_to_datetime(message["Date"]), timezone.now()) if message["Date"] else None
    except (TypeError, ValueError):
        occurred_at = None
    customer, _created = customer_match_or_create_unverified(
        name=(name or sender.split("@")[0])[:200], email=sender, branch_id=branch.pk, source=SOURCE_EMAIL
    )
    words = f"{subject}\n\n{text}".strip() if subject and subject not in text else text
    complaint = complaint_create(
        actor=None,
        intake=Intake(
            customer=customer,
            channel=Channel.EMAIL,
            occurred_at=occurred_at or timezone.now(),
            customer_words=words[:TEXT_MAX_CHARS],
            category=_category(),
        ),
        files=files,
        branch_id=branch.pk,
    )
    return _record(
        message_id,
        state=InboundMail.State.COMPLAINT,
        sender=sender,
        subject=subject,
        complaint=complaint,
        problem=problem,
    )


@transaction.atomic
def inbound_mail_review(*, actor, mail_id: int) -> InboundMail:
    """An admin has looked at a mail the mailbox could not read (and dealt with it by hand): off the list, kept."""
    require(actor, "intake.mail_review")
    mail = InboundMail.objects.select_for_update().get(pk=mail_id)
    if mail.state != InboundMail.State.UNPARSED:
        raise IntakeError(_("This mail was already dealt with."))
    mail.state, mail.reviewed_by, mail.reviewed_at = InboundMail.State.REVIEWED, actor, timezone.now()
    mail.save(update_fields=["state", "reviewed_by", "reviewed_at"])
    return mail
