"""The satisfaction app's background jobs (crm_site/jobs)."""

from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from crm_site.jobs.services import job_handler

from .models import Invitation
from .services import _token_for

EMAIL_INVITATIONS = "satisfaction.email_invitations"


@job_handler(EMAIL_INVITATIONS, label=_("E-mail survey invitations"))
def email_invitations(job) -> dict:
    """E-mail each not-yet-mailed invitation of the campaign to customers with an address, once each: the row's
    ``emailed_at`` is set in the job's transaction, so a job run again sends only what was not sent."""
    base = getattr(settings, "SITE_URL", "").rstrip("/")
    sent = 0
    pending = (
        Invitation.objects.select_for_update()
        .select_related("customer", "campaign__template")
        .filter(campaign_id=job.payload["campaign"], emailed_at__isnull=True, state=Invitation.State.PENDING)
        .exclude(customer__email="")
    )
    for invitation in pending:
        link = base + reverse("survey:answer", args=[_token_for(invitation)])
        with translation.override(settings.LANGUAGE_CODE):
            context = {"invitation": invitation, "link": link, "template": invitation.campaign.template}
            subject = render_to_string("emails/survey_invitation.subject.txt", context).strip()
            body = render_to_string("emails/survey_invitation.txt", context)
        send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [invitation.customer.email])
        Invitation.objects.filter(pk=invitation.pk).update(emailed_at=timezone.now())
        sent += 1
    return {"emailed": sent}
