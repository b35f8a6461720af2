"""A large Excel export is prepared by a background job, with the owner's access at run time, and downloaded from
"My exports" by its owner alone, until it expires."""

from datetime import timedelta
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone

from crm_site.exports.models import ExportAudit, ExportState
from crm_site.jobs.models import Job
from crm_site.jobs.services import job_run
from crm_site.notifications.models import Notification
from crm_site.notifications.registry import render_title
from tests.factories import CustomerFactory

from .conftest import MASKED, PHONE, column, xlsx_rows

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def small_threshold(settings, tmp_path):
    settings.EXPORT_INLINE_MAX_ROWS = 2
    settings.EXPORT_FILE_DAYS = 3
    settings.MEDIA_ROOT = tmp_path


def ask(client, user, fmt="xlsx", **query):
    client.force_login(user)
    return client.get(reverse("customers:export", args=[fmt]), query)


def test_above_the_threshold_an_excel_export_becomes_a_job(client, shop, colleague):
    response = ask(client, colleague)
    # Branch BJ has 4 customers (BJ0001-BJ0004): more than 2, so it goes to the background.
    assert response.status_code == 302 and response["Location"] == reverse("exports:mine")
    audit = ExportAudit.objects.get()
    assert (audit.user, audit.kind, audit.format, audit.row_count, audit.state) == (
        colleague,
        "customers",
        "xlsx",
        4,
        ExportState.PREPARING,
    )
    job = Job.objects.get(pk=audit.job_id)
    assert job.kind == "export.build" and job.payload["export_id"] == audit.pk
    page = client.get(reverse("exports:mine")).content.decode()
    assert "Your export of 4 rows is being prepared; you will be notified when it is ready." in page
    assert "being prepared" in page

    # Meanwhile one more customer joins branch BJ and one joins SH: the job reads the list when it runs.
    CustomerFactory(branch=shop["managed"].branch, code="BJ0005")
    CustomerFactory(branch=shop["far"].branch, code="SH0002")
    assert job_run(job_id=job.pk) == "done"
    audit.refresh_from_db()
    assert audit.state == ExportState.READY and audit.row_count == 5
    assert audit.expires_at == audit.finished_at + timedelta(days=3)
    path = Path(audit.file_name)
    assert not path.is_absolute() and path.parts[0] == "exports"  # under MEDIA_ROOT, which has no URL

    notification = Notification.objects.get(recipient=colleague, kind="export.ready")
    assert notification.subject_id == audit.pk
    assert render_title(notification) == "Your export of 5 rows (Customers) is ready to download"

    page = client.get(reverse("exports:mine")).content.decode()
    assert reverse("exports:download", args=[audit.pk]) in page
    download = client.get(reverse("exports:download", args=[audit.pk]))
    assert download.status_code == 200
    rows = xlsx_rows(b"".join(download.streaming_content))
    assert sorted(column(rows, "Code")) == ["BJ0001", "BJ0002", "BJ0003", "BJ0004", "BJ0005"]
    # The colleague is not BJ0001's account manager: its phone is masked in the file as on screen.
    text = "\n".join(str(cell) for row in rows for cell in row)
    assert MASKED in text and PHONE not in text
    assert ExportAudit.objects.count() == 1  # one audit row for the whole export


def test_the_job_applies_the_filters_above_the_threshold(client, shop, gm, other_branch, settings):
    settings.EXPORT_INLINE_MAX_ROWS = 0
    ask(client, gm, branch=other_branch.pk)
    audit = ExportAudit.objects.get()
    assert audit.state == ExportState.PREPARING and audit.filters == {"branch": str(other_branch.pk)}
    assert job_run(job_id=audit.job_id) == "done"
    download = client.get(reverse("exports:download", args=[audit.pk]))
    assert column(xlsx_rows(b"".join(download.streaming_content)), "Code") == ["SH0001"]


@pytest.mark.parametrize("other", ["frontline", "manager", "gm", "admin_user", "manager_other"])
def test_only_the_owner_downloads(client, request, shop, colleague, other):
    ask(client, colleague)
    audit = ExportAudit.objects.get()
    assert job_run(job_id=audit.job_id) == "done"
    client.force_login(request.getfixturevalue(other))
    assert client.get(reverse("exports:download", args=[audit.pk])).status_code == 404
    assert reverse("exports:download", args=[audit.pk]) not in client.get(reverse("exports:mine")).content.decode()


def test_an_expired_file_is_not_downloaded(client, shop, colleague):
    ask(client, colleague)
    audit = ExportAudit.objects.get()
    job_run(job_id=audit.job_id)
    ExportAudit.objects.filter(pk=audit.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    response = client.get(reverse("exports:download", args=[audit.pk]))
    assert response.status_code == 302 and response["Location"] == reverse("exports:mine")
    assert "This export has expired; export the list again." in client.get(reverse("exports:mine")).content.decode()


def test_a_file_not_ready_is_not_downloaded(client, shop, colleague):
    ask(client, colleague)
    audit = ExportAudit.objects.get()
    response = client.get(reverse("exports:download", args=[audit.pk]))
    assert response.status_code == 302
    assert "This export is not ready yet." in client.get(reverse("exports:mine")).content.decode()


def test_csv_streams_whatever_its_size(client, shop, colleague):
    response = ask(client, colleague, fmt="csv")
    assert response.status_code == 200 and response.streaming
    assert len(b"".join(response.streaming_content).decode().splitlines()) == 1 + 4
    audit = ExportAudit.objects.get()
    assert audit.state == ExportState.DELIVERED and audit.job_id is None and audit.row_count == 4


def test_running_the_job_twice_changes_nothing(client, shop, colleague):
    ask(client, colleague)
    audit = ExportAudit.objects.get()
    job_run(job_id=audit.job_id)
    first = ExportAudit.objects.get().file_name
    assert job_run(job_id=audit.job_id) == "skipped"
    assert ExportAudit.objects.get().file_name == first
    assert Notification.objects.filter(kind="export.ready").count() == 1


def test_my_exports_lists_only_mine(client, shop, colleague, frontline):
    ask(client, colleague, fmt="csv")
    ask(client, frontline, fmt="csv")
    client.force_login(colleague)
    page = client.get(reverse("exports:mine"))
    assert [entry["export"].user for entry in page.context["entries"]] == [colleague]
