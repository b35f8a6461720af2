"""Scheduled work of the satisfaction app: one reminder to each customer who has not answered a campaign yet.

A scan (every minute, from beat: satisfaction.tasks) finds the invitations whose reminder is due and records one
job per invitation, keyed by it (``services.reminder_key``): an invitation is reminded once, however often the
scan runs, by however many schedulers. The job's handler checks again, under a lock, that the invitation is still
unanswered, open and mailable, and then e-mails the reminder.
"""

from datetime import timedelta

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from crm_site.jobs.services import job_handler
from customers.schedule import schedule_new

from .jobs import email_invitation_mail
from .models import Campaign, Invitation
from .services import reminder_key

REMIND = "satisfaction.remind_invitation"


def remind_after(link_valid_days: int) -> timedelta:
    """A reminder goes out halfway through the link's validity, counted from the invitation's e-mail."""
    return timedelta(hours=12 * link_valid_days)


def _unanswered(now) -> Q:
    """Invitations a reminder makes sense for: e-mailed, not answered, the campaign still out, the link valid."""
    return (
        Q(state=Invitation.State.PENDING, campaign__status=Campaign.Status.SENT, emailed_at__isnull=False)
        & Q(expires_at__gt=now)
        & ~Q(customer__email="")
    )


def reminders_scan(*, now=None) -> int:
    """Record the reminder job of each invitation whose moment has come; one query per campaign still out (their
    reminder time differs with their link validity). Returns how many jobs are new."""
    now = now or timezone.now()
    created = 0
    for campaign_id, valid_days in Campaign.objects.filter(status=Campaign.Status.SENT).values_list(
        "pk", "link_valid_days"
    ):
        due = (
            Invitation.objects.filter(
                _unanswered(now), campaign_id=campaign_id, emailed_at__lte=now - remind_after(valid_days)
            )
            .order_by()
            .values_list("pk", flat=True)
        )
        rows = [(reminder_key(campaign_id=campaign_id, invitation_id=pk), {"invitation": pk}) for pk in due.iterator()]
        created += schedule_new(kind=REMIND, rows=rows, now=now)
    return created


@job_handler(REMIND, label=_("Remind a customer of an unanswered survey"))
def remind_invitation(job) -> dict:
    """E-mail the reminder if the invitation is still unanswered and open. Sent inside the job's transaction, as the
    invitations are (satisfaction.jobs): a mail server that refuses is tried again by the job's retries, and the
    job's row, done once, keeps a redelivered message or a second scheduler from sending it again."""
    now = timezone.now()
    invitation = (
        Invitation.objects.select_for_update(of=("self",))
        .filter(_unanswered(now), pk=job.payload["invitation"])
        .select_related("customer", "campaign__template")
        .first()
    )
    if invitation is None:
        return {"emailed": 0, "reason": "answered, closed or expired"}
    # The job's own row says it was sent; a lost connection after the send records it instead of resending.
    email_invitation_mail(invitation, kind="survey_reminder", stamp=lambda: None)
    return {"emailed": 1}
