import pytest
from django.contrib.auth.models import Group

from crm_site.org.access import (
    access_of,
    can_access_branch,
    has_role,
    role_of,
    scope_to_user_branch,
    sees_all_branches,
)
from crm_site.org.roles import Role
from customers.models import Customer
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_each_role_sees_its_own_branch_or_all(frontline, manager, gm, admin_user, customer, other_customer):
    all_customers = Customer.objects.all()
    assert set(scope_to_user_branch(all_customers, frontline)) == {customer}
    assert set(scope_to_user_branch(all_customers, manager)) == {customer}
    assert set(scope_to_user_branch(all_customers, gm)) == {customer, other_customer}
    assert set(scope_to_user_branch(all_customers, admin_user)) == {customer, other_customer}


def test_other_branch_staff_see_only_theirs(frontline_other, customer, other_customer):
    assert set(scope_to_user_branch(Customer.objects.all(), frontline_other)) == {other_customer}


def test_can_access_branch(frontline, gm, branch, other_branch):
    assert can_access_branch(frontline, branch.pk)
    assert not can_access_branch(frontline, other_branch.pk)
    assert not can_access_branch(frontline, None)
    assert can_access_branch(gm, other_branch.pk)


def test_user_without_role_or_branch_sees_nothing(customer):
    nobody = UserFactory()
    assert role_of(nobody) is None
    assert not scope_to_user_branch(Customer.objects.all(), nobody).exists()
    assert not can_access_branch(nobody, customer.branch_id)


def test_branch_role_without_branch_sees_nothing(customer):
    lost = UserFactory(role=Role.FRONTLINE)
    assert role_of(lost) == Role.FRONTLINE
    assert not scope_to_user_branch(Customer.objects.all(), lost).exists()


def test_widest_role_wins_and_superuser_is_admin(frontline):
    frontline.groups.add(Group.objects.get(name=Role.MANAGER))
    assert role_of(frontline) == Role.MANAGER
    root = UserFactory(is_superuser=True)
    assert role_of(root) == Role.ADMIN
    assert sees_all_branches(root)


def test_inactive_user_has_no_access(frontline):
    frontline.is_active = False
    assert access_of(frontline).role is None
    assert not has_role(frontline, Role.FRONTLINE)


def test_access_is_read_once_per_user_object(frontline, django_assert_num_queries):
    with django_assert_num_queries(1):  # role groups and staff profile in one query
        access_of(frontline)
        access_of(frontline)
        role_of(frontline)
        sees_all_branches(frontline)


def test_role_groups_exist_with_admin_permissions():
    names = set(Group.objects.values_list("name", flat=True))
    assert {r.value for r in Role} <= names
    admin_perms = set(Group.objects.get(name=Role.ADMIN).permissions.values_list("content_type__app_label", "codename"))
    assert ("org", "change_branch") in admin_perms
    frontline_codenames = Group.objects.get(name=Role.FRONTLINE).permissions.values_list("codename", flat=True)
    assert all(codename.startswith("view_") for codename in frontline_codenames)  # tests/org/test_roles.py
