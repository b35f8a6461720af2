"""/config/jobs/job/: the admin sees background jobs and sends failed ones again; nobody else gets in, nobody edits."""

import uuid
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from crm_site.jobs.models import Job

pytestmark = pytest.mark.django_db

LIST = "/config/jobs/job/"


def _job(state: str, error: str = "") -> Job:
    finished = state in ("done", "failed")
    return Job.objects.create(
        kind="tests.admin",
        state=state,
        attempts=5 if state == "failed" else (1 if state != "pending" else 0),
        claimed_at=None if state == "pending" else timezone.now() - timedelta(hours=1),
        finished_at=timezone.now() - timedelta(hours=1) if finished else None,
        last_error=error,
    )


def _retry_selected(client, jobs):
    return client.post(LIST, {"action": "retry_selected", "_selected_action": [job.pk for job in jobs]}, follow=True)


def test_the_list_is_where_the_url_says():
    assert reverse("admin:jobs_job_changelist") == LIST


def test_an_admin_sees_the_jobs_and_a_failed_jobs_page(client, admin_user):
    failed = _job("failed", error="SMTPServerDisconnected: the mail server hung up")
    token = uuid.uuid4()
    Job.objects.filter(pk=failed.pk).update(claim_token=token)
    _job("done")
    client.force_login(admin_user)
    listing = client.get(LIST)
    assert listing.status_code == 200
    assert listing.context["cl"].result_count == 2
    page = client.get(reverse("admin:jobs_job_change", args=[failed.pk]))
    assert page.status_code == 200
    assert "SMTPServerDisconnected: the mail server hung up" in page.content.decode()
    assert str(token) not in page.content.decode()  # the claim token is the workers' business


@pytest.mark.parametrize("who", ["gm", "manager", "frontline"])
def test_nobody_but_the_admin_gets_in(client, request, who):
    failed = _job("failed")
    client.force_login(request.getfixturevalue(who))
    assert client.get(LIST).status_code != 200
    assert client.get(reverse("admin:jobs_job_change", args=[failed.pk])).status_code != 200


def test_a_gm_marked_as_staff_is_still_kept_out(client, gm):
    gm.is_staff = True
    gm.save(update_fields=["is_staff"])
    client.force_login(gm)
    assert client.get(LIST).status_code != 200


def test_retry_selected_sends_the_failed_ones_again_and_leaves_the_others(
    client, admin_user, sent, django_capture_on_commit_callbacks
):
    failed = [_job("failed", error="RuntimeError: boom"), _job("failed", error="RuntimeError: boom")]
    others = [_job("done"), _job("pending")]
    before = {job.pk: Job.objects.filter(pk=job.pk).values().get() for job in others}
    client.force_login(admin_user)
    with django_capture_on_commit_callbacks(execute=True):
        response = _retry_selected(client, failed + others)
    assert response.status_code == 200
    notes = [str(m) for m in response.context["messages"]]
    assert notes == ["2 jobs queued again.", "2 selected jobs were not failed and were left as they are."]
    for job in failed:
        job.refresh_from_db()
        assert (job.state, job.attempts, job.finished_at) == ("pending", 0, None)
    assert sorted(sent) == sorted(job.pk for job in failed)
    assert {job.pk: Job.objects.filter(pk=job.pk).values().get() for job in others} == before


def test_retry_selected_says_it_in_the_singular(client, admin_user, sent, django_capture_on_commit_callbacks):
    failed, done = _job("failed"), _job("done")
    client.force_login(admin_user)
    with django_capture_on_commit_callbacks(execute=True):
        response = _retry_selected(client, [failed, done])
    notes = [str(m) for m in response.context["messages"]]
    assert notes == ["1 job queued again.", "1 selected job was not failed and was left as it is."]
    assert sent == [failed.pk]


def test_a_gm_cannot_use_the_retry_action(client, gm, sent, django_capture_on_commit_callbacks):
    failed = _job("failed")
    client.force_login(gm)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(LIST, {"action": "retry_selected", "_selected_action": [failed.pk]})
    assert response.status_code != 200
    failed.refresh_from_db()
    assert failed.state == "failed"
    assert sent == []


def test_jobs_cannot_be_added_changed_or_deleted_here(client, admin_user):
    failed = _job("failed")
    client.force_login(admin_user)
    assert client.get(reverse("admin:jobs_job_add")).status_code == 403
    assert client.get(reverse("admin:jobs_job_delete", args=[failed.pk])).status_code == 403
    assert client.post(reverse("admin:jobs_job_delete", args=[failed.pk]), {"post": "yes"}).status_code == 403
    actions = [name for name, _label in client.get(LIST).context["action_form"].fields["action"].choices]
    assert "retry_selected" in actions
    assert "delete_selected" not in actions
    client.post(LIST, {"action": "delete_selected", "_selected_action": [failed.pk], "post": "yes"})
    page = client.get(reverse("admin:jobs_job_change", args=[failed.pk]))
    assert b'name="_save"' not in page.content  # a view page, no form to save
    client.post(reverse("admin:jobs_job_change", args=[failed.pk]), {"state": "done"})
    failed.refresh_from_db()
    assert failed.state == "failed"
