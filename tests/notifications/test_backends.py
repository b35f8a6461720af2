"""The signed-in user of each request is loaded with their role, branch and unread count in one query."""

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from crm_site.notifications.backends import SignedInBackend
from crm_site.notifications.context_processors import notification_bell
from crm_site.notifications.models import Notification
from crm_site.org.access import Access, access_of
from crm_site.org.roles import Role
from tests.factories import UserFactory, staff

pytestmark = pytest.mark.django_db


def _loaded(user):
    """The user as a request gets them, and the number of queries that took."""
    with CaptureQueriesContext(connection) as queries:
        loaded = SignedInBackend().get_user(user.pk)
    return loaded, len(queries)


def test_the_user_comes_with_role_branch_and_department_in_one_query(branch, manager):
    loaded, queries = _loaded(manager)
    assert queries == 1
    with CaptureQueriesContext(connection) as later:
        access = access_of(loaded)
    assert access == Access(role=Role.MANAGER, branch_id=branch.pk, department_id=None)
    assert len(later) == 0


def test_the_widest_role_wins_and_a_superuser_is_an_admin(branch):
    both = staff(Role.FRONTLINE, branch, username="both")
    both.groups.add(Group.objects.get(name=Role.GENERAL_MANAGER))
    root = UserFactory(username="root", is_superuser=True)  # no role group, no staff profile
    assert access_of(_loaded(both)[0]) == Access(role=Role.GENERAL_MANAGER, branch_id=branch.pk, department_id=None)
    assert access_of(_loaded(root)[0]) == Access(role=Role.ADMIN, branch_id=None, department_id=None)


def test_a_user_without_a_role_has_none_and_an_inactive_one_is_not_loaded(branch):
    assert access_of(_loaded(UserFactory(username="nobody"))[0]).role is None
    inactive = staff(Role.MANAGER, branch, username="gone", is_active=False)
    assert _loaded(inactive)[0] is None


def test_the_bell_reads_the_unread_count_loaded_with_the_user(frontline, manager):
    for n in range(3):
        Notification.objects.create(recipient=frontline, kind="k", subject_type="complaint", subject_id=1, key=f"f{n}")
    Notification.objects.filter(key="f0").update(read_at=timezone.now())
    Notification.objects.create(recipient=manager, kind="k", subject_type="complaint", subject_id=1, key="m")
    request = RequestFactory().get("/")
    request.user, _queries = _loaded(frontline)
    with CaptureQueriesContext(connection) as queries:
        bell = notification_bell(request)["notification_bell"]
        unread = bell["unread"]
    assert (unread, len(queries)) == (2, 0)
    request.user, _queries = _loaded(manager)
    assert notification_bell(request)["notification_bell"]["unread"] == 1
    request.user, _queries = _loaded(staff(Role.FRONTLINE, None, username="quiet"))
    assert notification_bell(request)["notification_bell"]["unread"] == 0


def test_each_user_gets_their_own_row_from_the_reused_query(branch, manager, frontline):
    """The user query is built once per process and reused with each request's key: every key reads its own user,
    a key in the session as text reads the same user, and one that is no user's (or no key at all) reads none."""
    first, second = _loaded(manager)[0], _loaded(frontline)[0]
    assert (first.username, access_of(first).role) == ("manager", Role.MANAGER)
    assert (second.username, access_of(second).role) == ("frontline", Role.FRONTLINE)
    assert SignedInBackend().get_user(str(manager.pk)).username == "manager"  # sessions store the key as text
    assert SignedInBackend().get_user(frontline.pk + manager.pk + 1000) is None
    assert SignedInBackend().get_user("not-a-key") is None
