"""Notifications: what the scheduled work tells people (a complaint due soon, an escalation, a visit overdue…).

A notification names its subject by type and id; what it says is rendered when read, in the reader's language,
from the kind's entry in ``registry.KINDS``, and it links to its subject only through that subject's access gate.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Notification(models.Model):
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="notifications", verbose_name=_("recipient")
    )
    kind = models.CharField(_("kind"), max_length=60)
    subject_type = models.CharField(_("about"), max_length=30)
    subject_id = models.BigIntegerField()
    params = models.JSONField(default=dict, blank=True)
    # One notification per recipient and moment: a scheduler that runs twice, or twice at once, adds nothing.
    key = models.CharField(max_length=250, unique=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    emailed_at = models.DateTimeField(_("e-mailed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["recipient", "-created_at"], name="ntf_recipient_idx"),
            models.Index(fields=["recipient"], name="ntf_unread_idx", condition=models.Q(read_at__isnull=True)),
        ]

    def __str__(self) -> str:
        return f"{self.kind} → {self.recipient_id}"


class NotificationPreference(models.Model):
    class Delivery(models.TextChoices):
        IN_APP = "in_app", _("In the app only")
        EMAIL = "email", _("In the app and by e-mail, at once")
        DIGEST = "digest", _("In the app, and a daily e-mail digest")

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="notification_preference"
    )
    delivery = models.CharField(_("delivery"), max_length=10, choices=Delivery.choices, default=Delivery.EMAIL)
    language = models.CharField(_("language of e-mails"), max_length=10, choices=settings.LANGUAGES, blank=True)
    last_digest_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("notification preference")
        verbose_name_plural = _("notification preferences")

    def __str__(self) -> str:
        return f"{self.user_id}: {self.delivery}"
