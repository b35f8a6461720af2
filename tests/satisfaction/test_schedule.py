"""The survey reminder (satisfaction/schedule.py): one e-mail to each customer who has not answered a campaign, halfway
through the link's validity (7 days after the invitation's e-mail for a 14-day link); never to those who answered (by
link or on the phone), never for a closed campaign or an expired link, never twice. Times are Asia/Shanghai."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.core import mail
from django.urls import reverse

from crm_site.jobs.models import Job
from crm_site.jobs.services import job_run
from crm_site.jobs.workflow import JobState
from satisfaction import schedule, services
from satisfaction.jobs import EMAIL_INVITATION
from satisfaction.models import Invitation
from satisfaction.services import AnswerData
from tests.factories import CustomerFactory
from tests.satisfaction.test_services import answer_on_phone, items_of, make_campaign, make_questionnaire

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
SENT = datetime(2026, 6, 1, 10, 0, tzinfo=SHANGHAI)
HALFWAY = timedelta(days=7)
SECOND = timedelta(seconds=1)


@pytest.fixture
def survey(time_machine, gm, branch):
    """A campaign sent at SENT to four customers, its links (valid 14 days) e-mailed at once."""
    time_machine.move_to(SENT, tick=False)
    template = make_questionnaire(gm)
    customers = {
        name: CustomerFactory(branch=branch, name=name, email=f"{name}@example.com" if name != "no_mail" else "")
        for name in ("silent", "by_link", "by_phone", "no_mail")
    }
    campaign = make_campaign(gm, template, picked=list(customers.values()), link_valid_days=14)
    services.campaign_send(actor=gm, campaign_id=campaign.pk)
    for job in Job.objects.filter(kind=EMAIL_INVITATION):
        job_run(job_id=job.pk)
    mail.outbox.clear()
    invitations = {i.customer.name: i for i in Invitation.objects.filter(campaign=campaign).select_related("customer")}
    return {"campaign": campaign, "template": template, "customers": customers, "invitations": invitations}


def answer_by_link(survey, name: str, actor) -> None:
    token = services.invitation_link_token(actor=actor, invitation=survey["invitations"][name])
    item = items_of(survey["template"])[0]
    services.response_submit(token=token, data=AnswerData(scores={item.pk: 4}))


def run_pending() -> list[str]:
    pending = Job.objects.filter(kind=schedule.REMIND, state=JobState.PENDING).order_by("pk")
    return [job_run(job_id=pk) for pk in pending.values_list("pk", flat=True)]


def reminded() -> list[str]:
    return sorted(address for message in mail.outbox for address in message.to)


def test_one_reminder_halfway_through_the_link_to_those_who_have_not_answered(time_machine, survey, gm):
    answer_by_link(survey, "by_link", gm)
    answer_on_phone(gm, survey["customers"]["by_phone"], survey["template"], campaign=survey["campaign"])
    time_machine.move_to(SENT + HALFWAY - SECOND, tick=False)
    assert schedule.reminders_scan() == 0
    time_machine.move_to(SENT + HALFWAY, tick=False)
    assert schedule.reminders_scan() == 1
    assert schedule.reminders_scan() == 0  # a second scan, or a second beat
    assert run_pending() == ["done"]
    assert reminded() == ["silent@example.com"]
    message = mail.outbox[0]
    token = services.invitation_link_token(actor=gm, invitation=survey["invitations"]["silent"])
    link = settings.SITE_URL.rstrip("/") + reverse("survey:answer", args=[token])
    assert message.subject == "Reminder: a few questions from us: Annual survey"
    assert link in message.body and "until 2026-06-15" in message.body
    time_machine.move_to(SENT + HALFWAY + timedelta(days=3), tick=False)
    assert schedule.reminders_scan() == 0
    assert run_pending() == []
    assert len(mail.outbox) == 1  # once


def test_answering_after_the_reminder_was_recorded_cancels_it(time_machine, survey, gm):
    time_machine.move_to(SENT + HALFWAY, tick=False)
    assert schedule.reminders_scan() == 3  # everyone with an address
    answer_by_link(survey, "by_link", gm)
    answer_on_phone(gm, survey["customers"]["by_phone"], survey["template"], campaign=survey["campaign"])
    states = dict(Job.objects.filter(kind=schedule.REMIND).values_list("payload__invitation", "state"))
    assert states == {
        survey["invitations"]["silent"].pk: JobState.PENDING,
        survey["invitations"]["by_link"].pk: JobState.CANCELLED,
        survey["invitations"]["by_phone"].pk: JobState.CANCELLED,
    }
    run_pending()
    assert reminded() == ["silent@example.com"]


def test_the_reminder_checks_again_before_it_is_sent(time_machine, survey):
    time_machine.move_to(SENT + HALFWAY, tick=False)
    schedule.reminders_scan()
    # Answered without the cancel reaching the job (its worker had already claimed it): nothing is sent.
    Invitation.objects.filter(pk=survey["invitations"]["silent"].pk).update(state=Invitation.State.ANSWERED)
    run_pending()
    assert reminded() == ["by_link@example.com", "by_phone@example.com"]


def test_closing_the_campaign_cancels_its_reminders(time_machine, survey, gm):
    time_machine.move_to(SENT + HALFWAY, tick=False)
    schedule.reminders_scan()
    services.campaign_close(actor=gm, campaign_id=survey["campaign"].pk)
    assert set(Job.objects.filter(kind=schedule.REMIND).values_list("state", flat=True)) == {JobState.CANCELLED}
    assert run_pending() == []
    assert reminded() == []


def test_no_reminder_once_the_link_expired(time_machine, survey):
    time_machine.move_to(SENT + timedelta(days=14), tick=False)  # the links' last moment has passed
    assert schedule.reminders_scan() == 0
