"""Each role group holds the model permissions of its role, given after migrate."""

import pytest
from django.contrib.auth.models import Group, Permission

from crm_site.org.roles import ROLE_PERMISSIONS, Role, sync_role_permissions

pytestmark = pytest.mark.django_db

EVERY_ROLE_VIEWS = [
    "customers.view_customer",
    "customers.view_interaction",
    "customers.view_visitplan",
    "complaints.view_complaint",
    "complaints.view_timelineevent",
    "complaints.view_category",
    "complaints.view_cannedphrase",
    "org.view_branch",
]
OVERSIGHT_VIEWS = [
    "customers.view_valuematrixsettings",
    "customers.view_churnepisode",
    "customers.view_classificationrun",
    "complaints.view_slapolicy",
    "complaints.view_complaintsettings",
    "org.view_staffprofile",
]
CONFIGURATION = [
    "org.add_branch",
    "org.change_branch",
    "auth.add_user",
    "complaints.add_category",
    "complaints.change_slapolicy",
    "complaints.change_complaintsettings",
    "customers.change_valuematrixsettings",
    "customers.change_quadrantpolicy",
    "customers.add_tag",
]


def _group_perms(role: Role) -> set[str]:
    perms = Group.objects.get(name=role).permissions.select_related("content_type")
    return {f"{p.content_type.app_label}.{p.codename}" for p in perms}


def test_every_listed_permission_exists():
    existing = {
        f"{app}.{codename}" for app, codename in Permission.objects.values_list("content_type__app_label", "codename")
    }
    for role, names in ROLE_PERMISSIONS.items():
        assert set(names) - existing == set(), f"{role} lists permissions that do not exist"


@pytest.mark.parametrize("role", list(Role))
def test_group_holds_exactly_the_listed_permissions(role):
    assert _group_perms(role) == set(ROLE_PERMISSIONS[role])


def test_frontline_views_daily_work_only(frontline):
    perms = _group_perms(Role.FRONTLINE)
    assert set(EVERY_ROLE_VIEWS) <= perms
    assert perms.isdisjoint(OVERSIGHT_VIEWS)
    assert all(".view_" in name for name in perms)
    assert frontline.has_perm("complaints.view_complaint")
    assert not frontline.has_perm("complaints.change_complaint")


@pytest.mark.parametrize("role", [Role.MANAGER, Role.GENERAL_MANAGER])
def test_managers_also_view_oversight_but_change_nothing(users_by_role, role):
    perms = _group_perms(role)
    assert set(EVERY_ROLE_VIEWS) | set(OVERSIGHT_VIEWS) <= perms
    assert all(".view_" in name for name in perms)
    user = users_by_role[role]
    assert user.has_perm("customers.view_valuematrixsettings")
    assert not user.has_perm("customers.change_valuematrixsettings")


def test_admin_configures_but_deletes_only_holidays(admin_user):
    perms = _group_perms(Role.ADMIN)
    assert set(CONFIGURATION) <= perms
    assert {name for name in perms if ".delete_" in name} == {"complaints.delete_holiday"}
    # Business records are read on the app's pages, through the access gates, not in the admin.
    assert perms.isdisjoint({"complaints.view_complaint", "customers.view_customer"})
    assert admin_user.has_perm("complaints.change_category")


def test_sync_restores_the_listed_permissions():
    group = Group.objects.get(name=Role.FRONTLINE)
    group.permissions.add(Permission.objects.get(codename="delete_customer"))
    group.permissions.remove(Permission.objects.get(codename="view_complaint"))
    sync_role_permissions()
    assert _group_perms(Role.FRONTLINE) == set(ROLE_PERMISSIONS[Role.FRONTLINE])
