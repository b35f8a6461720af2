"""The admin's home is the state of the configuration, the users and roles, and what changed lately."""

import pytest
from django.contrib.admin.models import CHANGE, LogEntry
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from complaints.models import BusinessCalendar, Severity, SlaPolicy
from crm_site.org.roles import Role
from crm_site.org.services import staff_access_set
from customers.models import Quadrant, QuadrantPolicy
from tests.factories import BranchFactory, UserFactory, staff

pytestmark = pytest.mark.django_db


def test_admin_home_is_about_configuration_not_the_complaint_queue(client, admin_user):
    client.force_login(admin_user)
    response = client.get(reverse("home"))
    assert response.status_code == 200
    assert "complaint_counts" not in response.context
    page = response.content.decode()
    assert 'data-testid="complaint-counts"' not in page
    for card in ("config-status", "users-and-roles", "recent-role-changes", "recent-admin-log", "config-links"):
        assert f'data-testid="{card}"' in page
    assert reverse("admin:auth_user_add") in page


@pytest.mark.parametrize("role", [Role.FRONTLINE, Role.MANAGER, Role.GENERAL_MANAGER])
def test_other_roles_keep_their_work_queue(client, users_by_role, role):
    client.force_login(users_by_role[role])
    response = client.get(reverse("home"))
    assert "complaint_counts" in response.context
    assert 'data-testid="config-status"' not in response.content.decode()


def test_admin_home_says_what_is_missing(client, admin_user, branch, other_branch, frontline, manager, gm):
    # Migrations give an SLA policy per severity, a company calendar and the four quadrant policies.
    SlaPolicy.objects.filter(severity=Severity.MAJOR).delete()
    QuadrantPolicy.objects.filter(quadrant=Quadrant.LOW).delete()
    BusinessCalendar.objects.create(branch=other_branch)
    staff(Role.FRONTLINE, None, username="lost")  # Front-line without a branch: sees nothing.
    UserFactory(username="norole")  # No role and no staff profile.
    UserFactory(username="gone", role=Role.FRONTLINE, is_active=False)
    client.force_login(admin_user)
    response = client.get(reverse("home"))
    config, people = response.context["config"], response.context["staff"]

    assert config["sla_missing"] == 1
    assert [row["severity"] for row in config["sla"] if row["policy"] is None] == [Severity.MAJOR.label]
    assert config["quadrants_missing"] == [Quadrant.LOW.label]
    assert config["branches_without_calendar"] == [branch.name]
    assert config["default_calendar"] is True
    assert config["active_categories"] > 0

    assert {row["label"]: row["count"] for row in people["per_role"]} == {
        Role.FRONTLINE.label: 2,  # frontline and lost; gone is inactive.
        Role.MANAGER.label: 1,
        Role.GENERAL_MANAGER.label: 1,
        Role.ADMIN.label: 1,
    }
    assert (people["active"], people["inactive"]) == (6, 1)
    assert (people["without_role"], people["without_profile"], people["without_branch"]) == (1, 1, 1)

    page = response.content.decode()
    assert "missing: built-in" in page
    assert branch.name in page


def test_admin_home_lists_recent_role_changes_and_configuration_changes(client, admin_user, frontline, branch):
    staff_access_set(actor=admin_user, user=frontline, role=Role.MANAGER)
    client.force_login(admin_user)
    url = reverse("admin:org_branch_change", args=[branch.pk])
    client.post(url, {"code": branch.code, "name": "Beijing Chaoyang 北京朝阳", "address": "", "is_active": "on"})
    response = client.get(reverse("home"))

    [change] = response.context["recent_role_changes"]
    assert (change.user, change.from_display, change.to_display) == (frontline, "Front-line staff", "Manager")
    [entry] = response.context["recent_admin_log"]
    assert (entry.user, entry.object_repr, entry.action_flag) == (admin_user, "Beijing Chaoyang 北京朝阳", CHANGE)
    page = response.content.decode()
    assert "Front-line staff → Manager" in page
    assert url in page


def test_superuser_gets_the_admin_home(client):
    root = UserFactory(username="root", is_superuser=True, is_staff=True)
    client.force_login(root)
    assert 'data-testid="config-status"' in client.get(reverse("home")).content.decode()


def _grow(admin_user, n: int) -> None:
    """n more of everything the admin home counts or lists."""
    for i in range(n):
        new_branch = BranchFactory()
        user = staff(Role.FRONTLINE, new_branch if i % 2 else None)
        UserFactory()
        staff_access_set(actor=admin_user, user=user, role=Role.MANAGER)
        staff_access_set(actor=admin_user, user=user, role=Role.MANAGER, is_active=False)
        LogEntry.objects.log_actions(
            user_id=admin_user.pk, queryset=[new_branch], action_flag=CHANGE, change_message="", single_object=True
        )


def test_admin_home_query_count_does_not_grow_with_the_data(client, admin_user, django_assert_num_queries):
    _grow(admin_user, 1)
    client.force_login(admin_user)
    home = reverse("home")
    client.get(home)  # Warm up: the session and per-process caches.
    with CaptureQueriesContext(connection) as small:
        client.get(home)

    _grow(admin_user, 25)
    with django_assert_num_queries(len(small.captured_queries)):
        response = client.get(home)
    assert len(response.context["recent_role_changes"]) == 8
    assert len(response.context["recent_admin_log"]) == 8
    assert response.context["config"]["branches_without_calendar_count"] == 26
    assert len(response.context["config"]["branches_without_calendar"]) == 10


def test_admin_home_points_to_failed_background_jobs(client, admin_user):
    from crm_site.jobs.models import Job

    client.force_login(admin_user)
    assert b'data-testid="failed-jobs"' not in client.get("/").content
    Job.objects.create(kind="customers.recompute", state="failed", attempts=5, last_error="boom")
    Job.objects.create(kind="customers.recompute", state="pending")  # waiting is not a failure
    page = client.get("/").content.decode()
    assert 'data-testid="failed-jobs"' in page
    assert "1 background job failed after every attempt." in page
    assert "/config/jobs/job/?state__exact=failed" in page


def test_admin_home_points_to_incoming_mails_nobody_could_read(client, admin_user):
    from intake.models import InboundMail

    client.force_login(admin_user)
    InboundMail.objects.create(message_id="<ok@x>", state=InboundMail.State.IGNORED)
    assert b'data-testid="mails-to-review"' not in client.get("/").content
    InboundMail.objects.create(message_id="<bad@x>", state=InboundMail.State.UNPARSED, raw=b"garbage")
    InboundMail.objects.create(message_id="<bad2@x>", state=InboundMail.State.UNPARSED, raw=b"garbage")
    page = client.get("/").content.decode()
    assert "2 incoming mails could not be read and wait for you." in page
    assert reverse("intake_staff:mails") in page


def test_home_pages_lead_to_the_satisfaction_dashboard(client, admin_user, gm, manager, frontline, branch):
    from satisfaction.models import Dimension, Response, SurveyItem, SurveyTemplate
    from satisfaction.services import AnswerData, _response_write
    from tests.factories import CustomerFactory

    template = SurveyTemplate.objects.create(code="home", name_en="Home", name_zh="首页")
    weights_scores = [(2, 5), (1, 3)]  # CSI = (2×100 + 1×50) / 3 = 83.3
    items = [
        SurveyItem.objects.create(
            template=template, dimension=Dimension.objects.first(), text_en="x", text_zh="x", weight=weight
        )
        for weight, _score in weights_scores
    ]
    _response_write(
        template=template,
        customer=CustomerFactory(branch=branch),
        source=Response.Source.PHONE,
        data=AnswerData(
            scores={item.pk: score for item, (_w, score) in zip(items, weights_scores, strict=True)}, recommend=10
        ),
        branch_id=branch.pk,
    )
    for user in (admin_user, gm, manager):
        client.force_login(user)
        page = client.get("/").content.decode()
        assert 'data-testid="home-csi"' in page, user
        assert "83.3" in page and "NPS 100" in page and "/satisfaction/dashboard/" in page
    client.force_login(frontline)  # front-line staff do not read the CSI
    assert 'data-testid="home-csi"' not in client.get("/").content.decode()


def test_the_admin_sees_and_changes_the_schedules_in_config(client, admin_user, gm):
    from django_celery_beat.models import IntervalSchedule, PeriodicTask

    client.force_login(admin_user)
    assert client.get("/config/django_celery_beat/periodictask/").status_code == 200
    every_minute = IntervalSchedule.objects.create(every=60, period=IntervalSchedule.SECONDS)
    task = PeriodicTask.objects.create(name="probe", task="crm_site.tasks.send_worker_probe", interval=every_minute)
    assert client.get(f"/config/django_celery_beat/periodictask/{task.pk}/change/").status_code == 200
    client.force_login(gm)  # the general manager runs the business, not the servers
    assert client.get("/config/django_celery_beat/periodictask/").status_code != 200
