"""What came in through the mailbox, one row per Message-ID (so a mail fetched twice is handled once), and the
customer-facing notes mailed out, one row per note (so a reply is sent once)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from complaints.models import Complaint, TimelineEvent


class InboundMail(models.Model):
    class State(models.TextChoices):
        COMPLAINT = "complaint", _("New complaint")
        MESSAGE = "message", _("Message on a complaint")
        IGNORED = "ignored", _("Ignored (auto-reply or bounce)")
        UNPARSED = "unparsed", _("Could not be read: waiting for an admin")
        REVIEWED = "reviewed", _("Looked at by an admin")

    # The sender's Message-ID, or for a mail without one a digest of its bytes ("sha256:…").
    message_id = models.CharField(_("Message-ID"), max_length=255, unique=True)
    state = models.CharField(_("state"), max_length=20, choices=State.choices)
    sender = models.CharField(pgettext_lazy("mail", "From"), max_length=254, blank=True)
    subject = models.CharField(_("subject"), max_length=300, blank=True)
    complaint = models.ForeignKey(
        Complaint,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="inbound_mails",
        verbose_name=_("complaint"),
    )
    # The whole mail as received, kept only when it could not be read, so that nothing is lost.
    raw = models.BinaryField(_("mail as received"), blank=True, default=b"")
    problem = models.TextField(_("problem"), blank=True)
    received_at = models.DateTimeField(_("received at"), default=timezone.now)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("reviewed by"),
    )
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("incoming mail")
        verbose_name_plural = _("incoming mails")
        ordering = ["-received_at", "-pk"]
        indexes = [
            # The admin's list of mails waiting to be looked at.
            models.Index(fields=["-received_at"], name="intake_unparsed_idx", condition=Q(state="unparsed")),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(state__in=["complaint", "message"]) | Q(complaint__isnull=False),
                name="intake_mail_read_has_complaint",
            ),
        ]

    def __str__(self) -> str:
        return self.message_id


class ReplyMail(models.Model):
    """A customer-facing note mailed to the customer; the unique note makes it one mail, whatever retries."""

    note = models.OneToOneField(
        TimelineEvent, on_delete=models.PROTECT, related_name="reply_mail", verbose_name=_("note")
    )
    to = models.EmailField(_("to"))
    message_id = models.CharField(_("Message-ID"), max_length=255)
    sent_at = models.DateTimeField(_("sent at"), default=timezone.now)

    class Meta:
        verbose_name = _("reply by e-mail")
        verbose_name_plural = _("replies by e-mail")
        ordering = ["-sent_at"]

    def __str__(self) -> str:
        return f"{self.note_id} → {self.to}"
