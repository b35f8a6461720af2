"""Every write of notifications: create them (once per recipient and moment), read them, set preferences."""

from django.db import transaction
from django.utils import timezone

from crm_site.jobs.services import jobs_schedule

from .models import Notification, NotificationPreference
from .registry import KINDS

EMAIL_JOB = "notifications.email"


@transaction.atomic
def notify(*, recipients, kind: str, subject_id: int, params: dict, moment: str) -> list[Notification]:
    """Tell each recipient (users; the inactive are skipped) about ``subject_id`` once: ``moment`` names the
    occasion (e.g. the due time a reminder is for), so the same occasion twice adds nothing. Recipients who want
    mail at once get an e-mail job each (notifications.jobs), sent once. Returns the notifications created now."""
    entry = KINDS[kind]
    people = [user for user in recipients if user is not None and user.is_active]
    if not people:
        return []
    rows = [
        Notification(
            recipient=user,
            kind=kind,
            subject_type=entry.subject_type,
            subject_id=subject_id,
            params=params,
            key=f"{kind}:{subject_id}:{moment}:{user.pk}"[:250],
        )
        for user in people
    ]
    keys = [row.key for row in rows]
    existing = set(Notification.objects.filter(key__in=keys).values_list("key", flat=True))
    Notification.objects.bulk_create([row for row in rows if row.key not in existing], ignore_conflicts=True)
    created = list(Notification.objects.filter(key__in=set(keys) - existing))
    # E-mail at once is the default (a person without a preference row gets it); those who chose otherwise do not.
    no_mail = set(
        NotificationPreference.objects.filter(user__in=[n.recipient_id for n in created])
        .exclude(delivery=NotificationPreference.Delivery.EMAIL)
        .values_list("user_id", flat=True)
    )
    mail = [n for n in created if n.recipient_id not in no_mail]
    jobs_schedule(
        kind=EMAIL_JOB,
        rows=[(f"{EMAIL_JOB}:{n.pk}", {"notification": n.pk}, timezone.now()) for n in mail],
    )
    return created


@transaction.atomic
def notification_mark_read(*, user, notification_ids: list[int] | None = None) -> int:
    """Mark the user's own notifications read (all unread ones without ids); returns how many changed."""
    unread = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if notification_ids is not None:
        unread = unread.filter(pk__in=notification_ids)
    return unread.update(read_at=timezone.now())


@transaction.atomic
def notification_preference_set(*, user, delivery: str, language: str = "") -> NotificationPreference:
    preference, _created = NotificationPreference.objects.select_for_update().get_or_create(user=user)
    preference.delivery = delivery
    preference.language = language
    preference.full_clean()
    preference.save()
    return preference
