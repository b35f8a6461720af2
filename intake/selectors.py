from django.db.models import QuerySet

from complaints.models import Complaint, TimelineEvent
from crm_site.org.policy import visible_or_404

from .models import InboundMail

# What a customer reads of the timeline: what we told them and what they wrote; never internal rows, never who.
CUSTOMER_KINDS = (TimelineEvent.Kind.NOTE, TimelineEvent.Kind.CUSTOMER_MESSAGE)


def status_events(complaint: Complaint) -> list[dict]:
    """The conversation on the status page, as plain dicts (no actor reaches the template)."""
    rows = (
        complaint.timeline.filter(is_internal=False, kind__in=CUSTOMER_KINDS)
        .order_by("created_at", "pk")
        .values("kind", "note", "data", "created_at")
    )
    return [
        {
            "from_customer": row["kind"] == TimelineEvent.Kind.CUSTOMER_MESSAGE,
            "text": row["note"],
            "files": (row["data"] or {}).get("files", 0),
            "at": row["created_at"],
        }
        for row in rows
    ]


def unread_mails() -> QuerySet[InboundMail]:
    """Mails the mailbox could not read, newest first, for an admin (the list reads no raw bytes)."""
    return InboundMail.objects.filter(state=InboundMail.State.UNPARSED).defer("raw").order_by("-received_at", "-pk")


def inbound_mail_get_for_user(*, user, pk: int) -> InboundMail:
    return visible_or_404(user, "intake.mail_review", InboundMail.objects.filter(pk=pk).first())
