"""Users in /config/: an admin (role group, not a superuser) gives roles, never more; every role change is audited."""

from html.parser import HTMLParser

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.urls import reverse

from crm_site.org.models import RoleChange, StaffProfile
from crm_site.org.roles import Role
from crm_site.org.services import AccessChangeForbidden, staff_access_set
from tests.factories import TEST_PASSWORD, DepartmentFactory, UserFactory

pytestmark = pytest.mark.django_db
User = get_user_model()


class _FormValues(HTMLParser):
    """What a browser would post back for the page's main form: every named field with its current value."""

    def __init__(self):
        super().__init__()
        self.values: list[tuple[str, str]] = []
        self._select: str | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        name = a.get("name")
        if tag == "input" and name and a.get("type") not in ("submit", "button", "file"):
            if a.get("type") in ("checkbox", "radio") and "checked" not in a:
                return
            self.values.append((name, a.get("value") or ("on" if a.get("type") == "checkbox" else "")))
        elif tag == "select" and name:
            self._select = name
        elif tag == "option" and self._select and "selected" in a:
            self.values.append((self._select, a.get("value", "")))

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None


def _form_data(client, url, **changes) -> dict:
    """The page's form as the browser would send it, with ``changes`` applied (a list for several values)."""
    parser = _FormValues()
    parser.feed(client.get(url).content.decode())
    data: dict = {}
    for name, value in parser.values:
        if name == "csrfmiddlewaretoken":
            continue
        data.setdefault(name, []).append(value)
    for name, value in changes.items():
        if value is None:
            data.pop(name, None)
        else:
            data[name] = value if isinstance(value, list) else [value]
    return data


def _groups(user) -> set[str]:
    return set(user.groups.values_list("name", flat=True))


@pytest.fixture
def gm_group(db):
    return Group.objects.get(name=Role.GENERAL_MANAGER)


@pytest.fixture
def auditors(db):
    """A group that is not a role, holding a permission no role has."""
    group = Group.objects.create(name="auditors")
    group.permissions.add(Permission.objects.get(codename="delete_customer"))
    return group


@pytest.fixture
def superuser(db):
    return UserFactory(username="root", is_superuser=True, is_staff=True)


def _add(client, **fields):
    data = {
        "username": "newbie",
        "usable_password": "true",
        "password1": "A-long-pass-2026!",
        "password2": "A-long-pass-2026!",
        "first_name": "New",
        "last_name": "Person",
        "email": "newbie@example.com",
        **fields,
    }
    return client.post(reverse("admin:auth_user_add"), data)


def test_admin_adds_a_staff_member_with_role_branch_and_department_on_one_form(
    client, admin_user, branch, gm_group, auditors
):
    department = DepartmentFactory(name="客服部")
    client.force_login(admin_user)
    page = client.get(reverse("admin:auth_user_add")).content.decode()
    assert all(f'name="{name}"' in page for name in ("username", "password1", "role", "branch", "department"))
    assert all(f'name="{name}"' not in page for name in ("is_superuser", "groups", "user_permissions", "is_staff"))
    response = _add(
        client,
        role=Role.FRONTLINE,
        branch=branch.pk,
        department=department.pk,
        # What the stock form would have taken: none of it may stick.
        is_superuser="on",
        is_staff="on",
        groups=[gm_group.pk, auditors.pk],
        user_permissions=[Permission.objects.get(codename="delete_customer").pk],
    )
    assert response.status_code == 302
    user = User.objects.get(username="newbie")
    assert _groups(user) == {"frontline"}
    assert (user.is_superuser, user.is_staff, user.is_active) == (False, False, True)
    assert not user.user_permissions.exists()
    assert user.check_password("A-long-pass-2026!")
    profile = StaffProfile.objects.get(user=user)
    assert (profile.branch, profile.department) == (branch, department)
    change = RoleChange.objects.get(user=user)
    assert (change.actor, change.kind, change.from_value, change.to_value) == (admin_user, "groups", "", "frontline")


def test_a_frontline_or_manager_login_needs_a_branch(client, admin_user):
    client.force_login(admin_user)
    for role in (Role.FRONTLINE, Role.MANAGER):
        response = _add(client, role=role)
        assert response.status_code == 200
        assert response.context["adminform"].form.errors["branch"]
    assert not User.objects.filter(username="newbie").exists()


def test_a_new_login_needs_a_role(client, admin_user):
    client.force_login(admin_user)
    response = _add(client)
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["role"]
    assert not User.objects.filter(username="newbie").exists()


def test_a_company_wide_role_needs_no_branch_and_admin_gets_into_config(client, admin_user):
    client.force_login(admin_user)
    assert _add(client, role=Role.ADMIN).status_code == 302
    user = User.objects.get(username="newbie")
    assert _groups(user) == {"admin"}
    assert user.is_staff  # The admin role configures in /config/.
    assert StaffProfile.objects.get(user=user).branch is None


def test_admin_cannot_tick_superuser_or_give_permissions_or_other_groups_on_change(
    client, admin_user, frontline, auditors
):
    client.force_login(admin_user)
    url = reverse("admin:auth_user_change", args=[frontline.pk])
    page = client.get(url).content.decode()
    assert all(f'name="{name}"' in page for name in ("role", "branch", "is_active"))
    assert all(f'name="{name}"' not in page for name in ("is_superuser", "other_groups", "groups", "user_permissions"))
    data = _form_data(
        client,
        url,
        is_superuser="on",
        is_staff="on",
        groups=[auditors.pk],
        other_groups=[auditors.pk],
        user_permissions=[Permission.objects.get(codename="delete_customer").pk],
        first_name="Renamed",
    )
    assert client.post(url, data).status_code == 302
    frontline.refresh_from_db()
    assert frontline.first_name == "Renamed"  # The form was saved…
    assert (frontline.is_superuser, frontline.is_staff) == (False, False)  # …and nothing more was granted.
    assert _groups(frontline) == {"frontline"}
    assert not frontline.user_permissions.exists()
    assert not frontline.has_perm("customers.delete_customer")
    assert not RoleChange.objects.exists()


def test_admin_gives_each_of_the_four_roles_and_every_change_is_audited(client, admin_user, frontline, branch):
    client.force_login(admin_user)
    url = reverse("admin:auth_user_change", args=[frontline.pk])
    for role in (Role.GENERAL_MANAGER, Role.ADMIN, Role.MANAGER):
        assert client.post(url, _form_data(client, url, role=role)).status_code == 302
        frontline.refresh_from_db()
        assert _groups(frontline) == {role}
        assert frontline.is_staff is (role == Role.ADMIN)
    assert client.post(url, _form_data(client, url, is_active=None)).status_code == 302
    frontline.refresh_from_db()
    assert not frontline.is_active

    rows = list(
        RoleChange.objects.filter(user=frontline).order_by("pk").values_list("actor", "kind", "from_value", "to_value")
    )
    assert rows == [
        (admin_user.pk, "groups", "frontline", "general_manager"),
        (admin_user.pk, "groups", "general_manager", "admin"),
        (admin_user.pk, "groups", "admin", "manager"),
        (admin_user.pk, "active", "true", "false"),
    ]


def test_changing_only_the_branch_is_not_a_role_change(client, admin_user, frontline, other_branch):
    client.force_login(admin_user)
    url = reverse("admin:auth_user_change", args=[frontline.pk])
    assert client.post(url, _form_data(client, url, branch=other_branch.pk)).status_code == 302
    assert StaffProfile.objects.get(user=frontline).branch == other_branch
    assert not RoleChange.objects.exists()


def test_admin_cannot_change_own_role_or_deactivate_self(client, admin_user):
    client.force_login(admin_user)
    url = reverse("admin:auth_user_change", args=[admin_user.pk])
    data = _form_data(client, url, role=Role.GENERAL_MANAGER, is_active=None, first_name="Ada")
    assert client.post(url, data).status_code == 302
    admin_user.refresh_from_db()
    assert admin_user.first_name == "Ada"
    assert _groups(admin_user) == {"admin"}
    assert admin_user.is_active
    assert not RoleChange.objects.exists()


def test_admin_resets_a_staff_password_but_cannot_open_a_superusers(client, admin_user, frontline, superuser):
    client.force_login(admin_user)
    new_password = {"usable_password": "true", "password1": "Fresh-pass-2026!", "password2": "Fresh-pass-2026!"}
    url = reverse("admin:auth_user_password_change", args=[frontline.pk])
    assert client.post(url, new_password).status_code == 302
    frontline.refresh_from_db()
    assert frontline.check_password("Fresh-pass-2026!")

    url = reverse("admin:auth_user_password_change", args=[superuser.pk])
    assert client.get(url).status_code in (403, 404)
    assert client.post(url, new_password).status_code in (403, 404)
    superuser.refresh_from_db()
    assert superuser.check_password(TEST_PASSWORD)


def test_admin_sees_a_superuser_read_only_and_cannot_change_them(client, admin_user, superuser):
    client.force_login(admin_user)
    url = reverse("admin:auth_user_change", args=[superuser.pk])
    page = client.get(url)
    assert page.status_code == 200
    assert b'name="username"' not in page.content
    response = client.post(url, {"username": "root", "first_name": "Mallory", "is_active": "", "role": "frontline"})
    assert response.status_code == 403
    superuser.refresh_from_db()
    assert (superuser.first_name, superuser.is_active, superuser.is_superuser) == ("Test", True, True)


def test_superuser_keeps_full_rights_and_is_audited_too(client, superuser, manager, auditors):
    client.force_login(superuser)
    url = reverse("admin:auth_user_change", args=[manager.pk])
    page = client.get(url).content.decode()
    assert all(f'name="{name}"' in page for name in ("role", "is_superuser", "other_groups", "user_permissions"))
    perm = Permission.objects.get(codename="delete_customer")
    data = _form_data(client, url, is_superuser="on", other_groups=[auditors.pk], user_permissions=[perm.pk])
    assert client.post(url, data).status_code == 302
    manager.refresh_from_db()
    assert (manager.is_superuser, manager.is_staff) == (True, True)
    assert _groups(manager) == {"manager", "auditors"}
    assert list(manager.user_permissions.all()) == [perm]
    rows = set(RoleChange.objects.filter(user=manager).values_list("actor", "kind", "from_value", "to_value"))
    assert rows == {
        (superuser.pk, "groups", "manager", "manager,auditors"),
        (superuser.pk, "superuser", "false", "true"),
    }


def test_an_admin_keeps_the_groups_only_a_superuser_gives(client, admin_user, frontline, auditors):
    frontline.groups.add(auditors)
    client.force_login(admin_user)
    url = reverse("admin:auth_user_change", args=[frontline.pk])
    assert client.post(url, _form_data(client, url, role=Role.MANAGER)).status_code == 302
    assert _groups(frontline) == {"manager", "auditors"}


def test_the_service_refuses_more_than_a_role_to_a_non_superuser(admin_user, frontline, superuser, auditors):
    """The rule holds for any caller, not only the admin's forms."""
    attempts = [
        {"user": frontline, "role": Role.FRONTLINE, "is_superuser": True},
        {"user": frontline, "role": Role.FRONTLINE, "other_groups": [auditors]},
        {"user": superuser, "role": Role.FRONTLINE},
        {"user": superuser, "role": None, "is_active": False},
        {"user": admin_user, "role": Role.GENERAL_MANAGER},
        {"user": admin_user, "role": Role.ADMIN, "is_active": False},
    ]
    for attempt in attempts:
        with pytest.raises(AccessChangeForbidden):
            staff_access_set(actor=admin_user, **attempt)
    frontline.refresh_from_db()
    superuser.refresh_from_db()
    assert (_groups(frontline), frontline.is_superuser) == ({"frontline"}, False)
    assert (superuser.is_active, superuser.is_superuser) == (True, True)
    assert not RoleChange.objects.exists()


def test_the_audit_is_in_config_and_read_only(client, admin_user, frontline):
    staff_access_set(actor=admin_user, user=frontline, role=Role.MANAGER)
    change = RoleChange.objects.get()
    client.force_login(admin_user)
    listing = client.get(reverse("admin:org_rolechange_changelist"))
    assert listing.status_code == 200
    row = listing.content.decode()
    assert '<td class="field-from_display">Front-line staff</td>' in row
    assert '<td class="field-to_display">Manager</td>' in row
    assert client.get(reverse("admin:org_rolechange_add")).status_code == 403
    detail = reverse("admin:org_rolechange_change", args=[change.pk])
    assert client.post(detail, {"kind": "superuser", "to_value": "true"}).status_code == 403
    assert client.get(reverse("admin:org_rolechange_delete", args=[change.pk])).status_code == 403
    change.refresh_from_db()
    assert (change.kind, change.to_value) == ("groups", "manager")


def test_the_user_page_shows_its_role_history(client, admin_user, frontline):
    staff_access_set(actor=admin_user, user=frontline, role=Role.MANAGER)
    client.force_login(admin_user)
    page = client.get(reverse("admin:auth_user_change", args=[frontline.pk])).content.decode()
    assert "Front-line staff" in page and "Manager" in page


def test_the_user_list_shows_each_role_and_branch(client, admin_user, frontline, manager, gm, branch):
    client.force_login(admin_user)
    page = client.get(reverse("admin:auth_user_changelist")).content.decode()
    for label in ("Front-line staff", "Manager", "General manager", "Administrator"):
        assert f'<td class="field-role">{label}</td>' in page
    assert page.count(f'<td class="field-branch">{branch.name}</td>') == 2


def test_the_add_user_page_says_what_it_does_in_both_languages(client, admin_user):
    client.force_login(admin_user)
    url = reverse("admin:auth_user_add")
    assert "a login, a role and a branch" in client.get(url).content.decode()
    chinese = client.get(url, headers={"accept-language": "zh-hans"}).content.decode()
    assert "为新员工设置登录账号、职务和服务网点" in chinese
    assert "After you’ve created a user" not in chinese  # Django's own sentence, untranslated in its catalogue
