"""The satisfaction app's background jobs (crm_site/jobs): one invitation e-mail per job, sent once."""

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from crm_site.jobs.services import job_handler, jobs_schedule
from crm_site.notifications.mail import send_once

from .models import Invitation
from .services import invitation_link

EMAIL_INVITATION = "satisfaction.email_invitation"


def email_invitation_mail(invitation: Invitation, *, kind: str, stamp) -> None:
    """Render and send an invitation's mail (``kind``: "survey_invitation" or "survey_reminder") once."""
    with translation.override(settings.LANGUAGE_CODE):
        context = {
            "invitation": invitation,
            "link": invitation_link(invitation),
            "template": invitation.campaign.template,
        }
        subject = " ".join(render_to_string(f"emails/{kind}.subject.txt", context).split())
        body = render_to_string(f"emails/{kind}.txt", context)
    send_once(to=invitation.customer.email, subject=subject, body=body, name=f"{kind}-{invitation.pk}", stamp=stamp)


@job_handler(EMAIL_INVITATION, label=_("E-mail a survey invitation"))
def email_invitation(job) -> dict:
    """E-mail one invitation unless it was e-mailed already, answered, cancelled, or its customer has no address."""
    invitation = (
        Invitation.objects.select_for_update(of=("self",))
        .select_related("customer", "campaign__template")
        .filter(pk=job.payload["invitation"], emailed_at__isnull=True, state=Invitation.State.PENDING)
        .exclude(customer__email="")
        .first()
    )
    if invitation is None:
        return {"emailed": 0}

    def stamp() -> None:
        Invitation.objects.filter(pk=invitation.pk, emailed_at__isnull=True).update(emailed_at=timezone.now())

    email_invitation_mail(invitation, kind="survey_invitation", stamp=stamp)
    return {"emailed": 1}


@job_handler("satisfaction.email_invitations", label=_("E-mail survey invitations"))
def email_invitations(job) -> dict:
    """Rows queued before invitations were mailed one job each: hand each unsent invitation its own job."""
    pending = (
        Invitation.objects.filter(campaign_id=job.payload["campaign"], emailed_at__isnull=True)
        .exclude(customer__email="")
        .values_list("pk", flat=True)
    )
    rows = [(f"{EMAIL_INVITATION}:{pk}", {"invitation": pk}, timezone.now()) for pk in pending]
    return {"scheduled": jobs_schedule(kind=EMAIL_INVITATION, rows=rows)}
