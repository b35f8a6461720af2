"""Reading the complaints mailbox over IMAP (settings INTAKE_IMAP_*; off while INTAKE_IMAP_HOST is empty).

Each unseen mail is fetched without marking it, handed to ``mail_receive`` (recorded once by Message-ID), and only
then flagged \\Seen: a worker that dies in between fetches it again next time, and the Message-ID makes that a
no-op. A mail larger than INTAKE_MAIL_MAX_BYTES is not downloaded; it is listed for an admin and left on the server.
"""

import contextlib
import email
import imaplib
import logging
import re
import ssl
from dataclasses import dataclass
from email import policy

from django.conf import settings

from .models import InboundMail
from .services import mail_receive

logger = logging.getLogger(__name__)

SIZE_RE = re.compile(rb"RFC822\.SIZE (\d+)")


@dataclass
class PollResult:
    fetched: int = 0
    new: int = 0


def imap_enabled() -> bool:
    return bool(settings.INTAKE_IMAP_HOST)


def _connect() -> imaplib.IMAP4:
    host, port = settings.INTAKE_IMAP_HOST, settings.INTAKE_IMAP_PORT
    timeout = settings.INTAKE_IMAP_TIMEOUT_SECONDS
    if settings.INTAKE_IMAP_SSL:
        client = imaplib.IMAP4_SSL(host, port, ssl_context=ssl.create_default_context(), timeout=timeout)
    else:
        client = imaplib.IMAP4(host, port, timeout=timeout)
        if settings.INTAKE_IMAP_STARTTLS:
            client.starttls(ssl_context=ssl.create_default_context())
    client.login(settings.INTAKE_IMAP_USER, settings.INTAKE_IMAP_PASSWORD)
    return client


def mailbox_poll(*, limit: int | None = None) -> PollResult:
    """Read up to ``limit`` unseen mails (INTAKE_IMAP_BATCH) into complaints and messages."""
    limit = limit or settings.INTAKE_IMAP_BATCH
    result = PollResult()
    client = _connect()
    try:
        status, _data = client.select(settings.INTAKE_IMAP_FOLDER)
        if status != "OK":
            raise imaplib.IMAP4.error(f"cannot open folder {settings.INTAKE_IMAP_FOLDER!r}")
        status, data = client.uid("SEARCH", None, "UNSEEN")
        uids = (data[0] or b"").split()[:limit] if status == "OK" else []
        for uid in uids:
            before = InboundMail.objects.count()
            _fetch_one(client, uid)
            result.fetched += 1
            result.new += InboundMail.objects.count() - before
            client.uid("STORE", uid, "+FLAGS", "(\\Seen)")
    finally:
        with contextlib.suppress(imaplib.IMAP4.error, OSError):
            client.logout()
    return result


def _fetch_one(client: imaplib.IMAP4, uid: bytes) -> InboundMail:
    status, data = client.uid("FETCH", uid, "(RFC822.SIZE)")
    size_match = SIZE_RE.search(data[0] if status == "OK" and data and isinstance(data[0], bytes) else b"")
    size = int(size_match.group(1)) if size_match else 0
    if size > settings.INTAKE_MAIL_MAX_BYTES:
        status, data = client.uid("FETCH", uid, "(BODY.PEEK[HEADER])")
        header = data[0][1] if status == "OK" and data and isinstance(data[0], tuple) else b""
        return _too_large(header, uid, size)
    status, data = client.uid("FETCH", uid, "(BODY.PEEK[])")
    raw = data[0][1] if status == "OK" and data and isinstance(data[0], tuple) else b""
    return mail_receive(raw=raw)


def _too_large(header: bytes, uid: bytes, size: int) -> InboundMail:
    message = email.message_from_bytes(header, policy=policy.default)
    message_id = (message.get("Message-ID") or f"imap-uid:{uid.decode()}").strip()[:255]
    mail, _created = InboundMail.objects.get_or_create(
        message_id=message_id,
        defaults={
            "state": InboundMail.State.UNPARSED,
            "sender": str(message.get("From", ""))[:254],
            "subject": str(message.get("Subject", ""))[:300],
            "raw": header,
            "problem": f"{size} bytes, over the limit of {settings.INTAKE_MAIL_MAX_BYTES}: left in the mailbox",
        },
    )
    return mail
