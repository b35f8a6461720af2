import pytest
from django.urls import reverse

from crm_site.org.roles import Role

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("role", "sees_config"),
    [(Role.FRONTLINE, False), (Role.MANAGER, False), (Role.GENERAL_MANAGER, False), (Role.ADMIN, True)],
)
def test_navigation_depends_on_role(client, users_by_role, role, sees_config):
    client.force_login(users_by_role[role])
    response = client.get(reverse("home"))
    assert response.status_code == 200
    urls = [item["url"] for item in response.context["nav_items"]]
    assert reverse("home") in urls
    assert reverse("customers:list") in urls
    assert (reverse("admin:index") in urls) is sees_config
    assert str(Role(role).label) in response.content.decode()


@pytest.mark.parametrize("role", list(Role))
def test_configuration_is_open_only_to_admins(client, users_by_role, role):
    client.force_login(users_by_role[role])
    response = client.get(reverse("admin:org_branch_changelist"))
    if role == Role.ADMIN:
        assert response.status_code == 200
    else:
        assert response.status_code == 302  # The admin site sends non-staff to its login.


def test_admin_cannot_delete_records(client, admin_user, branch):
    client.force_login(admin_user)
    response = client.get(reverse("admin:org_branch_delete", args=[branch.pk]))
    assert response.status_code == 403


def test_user_without_role_is_told_so(client, db):
    from tests.factories import UserFactory

    client.force_login(UserFactory())
    response = client.get(reverse("home"))
    assert response.status_code == 200
    assert response.context["nav_items"] == []
    assert b"has no role yet" in response.content
    assert response.context["customer_count"] == 0
