"""manage.py setup_company: a company's starting configuration from a file or arguments, safe to run twice."""

import io
from datetime import date, time

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from complaints.models import BusinessCalendar, Holiday
from crm_site.org.models import Branch, Department, RoleChange, StaffProfile
from crm_site.org.policy import can
from crm_site.org.roles import Role

pytestmark = pytest.mark.django_db
User = get_user_model()

STRONG = "Harbour-lantern-7731"
OTHER_STRONG = "Maple-orbit-5820"

ADMIN = """
[admin]
username = "it-admin"
email = "it@example.com"
first_name = "Wei"
last_name = "Li"
"""
BRANCHES = """
[[branches]]
code = "BJ01"
name = "北京朝阳店 Beijing Chaoyang"
address = "北京市朝阳区建国路 88 号"

[[branches]]
code = "SH01"
name = "上海浦东店 Shanghai Pudong"
"""
COMPANY = f"""
departments = ["客服部 Customer service", "工程部 Engineering", "物业部 Property management"]
{ADMIN}
[calendar]
working_days = "1,2,3,4,5,6"
day_starts = "08:30"
day_ends = "17:30"
{BRANCHES}
[branches.calendar]
working_days = [1, 2, 3, 4, 5, 6, 7]
day_ends = "20:00"

[[holidays]]
date = 2026-10-01
name = "国庆节 National Day"

[[holidays]]
date = "2026-06-19"
name = "端午节 Dragon Boat Festival"
branch = "SH01"
"""


def _run(*args) -> str:
    out = io.StringIO()
    call_command("setup_company", *[str(a) for a in args], stdout=out)
    return out.getvalue()


def _counts() -> dict[str, int]:
    models = (Branch, Department, BusinessCalendar, Holiday, User, Group, StaffProfile, RoleChange)
    return {model.__name__: model.objects.count() for model in models}


@pytest.fixture
def company_file(tmp_path):
    path = tmp_path / "company.toml"
    path.write_text(COMPANY, encoding="utf-8")
    return path


@pytest.fixture
def admin_password(monkeypatch):
    monkeypatch.setenv("SETUP_ADMIN_PASSWORD", STRONG)
    return STRONG


def _assert_is_the_admin(client, username: str, password: str) -> None:
    user = User.objects.get(username=username)
    assert user.check_password(password)
    assert set(user.groups.values_list("name", flat=True)) == {Role.ADMIN}
    assert not user.is_superuser
    assert can(user, "config.use")
    change = RoleChange.objects.get(user=user)
    assert (change.kind, change.from_value, change.to_value) == (RoleChange.Kind.GROUPS, "", Role.ADMIN)
    assert change.actor is None  # made from the command line, not by a login
    assert user.staff_profile.branch is None
    response = client.post(reverse("login"), {"username": username, "password": password}, follow=True)
    assert response.context["user"] == user
    assert client.get(reverse("admin:index")).status_code == 200


def test_a_file_sets_up_the_whole_company(client, company_file, admin_password):
    _run("--file", company_file)

    assert {b.code: (b.name, b.address) for b in Branch.objects.all()} == {
        "BJ01": ("北京朝阳店 Beijing Chaoyang", "北京市朝阳区建国路 88 号"),
        "SH01": ("上海浦东店 Shanghai Pudong", ""),
    }
    assert set(Department.objects.values_list("name", flat=True)) == {
        "客服部 Customer service",
        "工程部 Engineering",
        "物业部 Property management",
    }
    company = BusinessCalendar.objects.get(branch=None)
    assert (company.weekdays, company.day_starts, company.day_ends) == ({1, 2, 3, 4, 5, 6}, time(8, 30), time(17, 30))
    # Shanghai's own calendar: what it gives, and the company's start of day that it leaves out.
    shanghai = BusinessCalendar.objects.get(branch__code="SH01")
    assert (shanghai.weekdays, shanghai.day_starts, shanghai.day_ends) == (set(range(1, 8)), time(8, 30), time(20))
    assert not BusinessCalendar.objects.filter(branch__code="BJ01").exists()
    assert set(Holiday.objects.values_list("date", "name", "branch__code")) == {
        (date(2026, 10, 1), "国庆节 National Day", None),
        (date(2026, 6, 19), "端午节 Dragon Boat Festival", "SH01"),
    }
    admin = User.objects.get(username="it-admin")
    assert (admin.email, admin.first_name, admin.last_name) == ("it@example.com", "Wei", "Li")
    _assert_is_the_admin(client, "it-admin", STRONG)


def test_arguments_set_up_a_company(client, admin_password):
    out = _run(
        "--admin-username",
        "boss",
        "--admin-email",
        "boss@example.com",
        "--branch",
        "GZ01=广州天河店 Guangzhou Tianhe",
        "--branch",
        "SZ-2=深圳 Shenzhen",
        "--department",
        "客服部 Customer service",
        "--department",
        "销售部 Sales",
        "--working-days",
        "1,2,3,4,5",
        "--day-starts",
        "10:00",
        "--day-ends",
        "19:00",
    )

    assert dict(Branch.objects.values_list("code", "name")) == {
        "GZ01": "广州天河店 Guangzhou Tianhe",
        "SZ-2": "深圳 Shenzhen",
    }
    assert set(Department.objects.values_list("name", flat=True)) == {"客服部 Customer service", "销售部 Sales"}
    company = BusinessCalendar.objects.get(branch=None)
    assert (company.weekdays, company.day_starts, company.day_ends) == ({1, 2, 3, 4, 5}, time(10), time(19))
    _assert_is_the_admin(client, "boss", STRONG)
    assert "boss" in out and "/config/" in out  # the next steps name the login and where to go


def test_running_twice_creates_nothing_new_and_keeps_the_admin_password(company_file, admin_password, monkeypatch):
    _run("--file", company_file)
    before = _counts()
    monkeypatch.setenv("SETUP_ADMIN_PASSWORD", OTHER_STRONG)

    out = _run("--file", company_file)

    assert _counts() == before
    admin = User.objects.get(username="it-admin")
    assert admin.check_password(STRONG)
    assert not admin.check_password(OTHER_STRONG)
    assert "password not changed" in out
    assert "Created" not in out


def test_reset_admin_password_sets_the_new_one_and_nothing_else(company_file, admin_password, monkeypatch):
    _run("--file", company_file)
    before = _counts()
    monkeypatch.setenv("SETUP_ADMIN_PASSWORD", OTHER_STRONG)

    _run("--file", company_file, "--reset-admin-password")

    assert _counts() == before
    admin = User.objects.get(username="it-admin")
    assert admin.check_password(OTHER_STRONG)
    assert not admin.check_password(STRONG)


def test_a_second_run_updates_what_changed_and_adds_what_is_new(company_file, admin_password):
    _run("--file", company_file)
    company_file.write_text(
        COMPANY.replace("北京朝阳店 Beijing Chaoyang", "北京国贸店 Beijing Guomao").replace(
            '"物业部 Property management"]', '"物业部 Property management", "财务部 Finance"]'
        ),
        encoding="utf-8",
    )

    out = _run("--file", company_file)

    assert Branch.objects.count() == 2
    assert Branch.objects.get(code="BJ01").name == "北京国贸店 Beijing Guomao"
    assert Department.objects.count() == 4
    assert "Updated" in out and "BJ01" in out


def test_without_a_password_one_is_made_up_and_shown_once(monkeypatch):
    monkeypatch.delenv("SETUP_ADMIN_PASSWORD", raising=False)
    monkeypatch.setattr("sys.stdin", io.StringIO())  # not a terminal: nobody to ask

    out = _run("--admin-username", "boss", "--admin-email", "boss@example.com")

    admin = User.objects.get(username="boss")
    shown = [word for word in out.split() if admin.check_password(word)]
    assert len(shown) == 1
    assert "change it at the first login" in out


def test_an_existing_login_keeps_its_password_and_gets_the_admin_role(admin_password):
    existing = User.objects.create_user("boss", "boss@old.example.com", OTHER_STRONG)

    out = _run("--admin-username", "boss", "--admin-email", "boss@example.com")

    existing.refresh_from_db()
    assert existing.check_password(OTHER_STRONG)
    assert existing.email == "boss@old.example.com"
    assert set(existing.groups.values_list("name", flat=True)) == {Role.ADMIN}
    assert RoleChange.objects.filter(user=existing, kind=RoleChange.Kind.GROUPS, to_value=Role.ADMIN).count() == 1
    assert "password not changed" in out


def test_superuser_only_when_asked(admin_password):
    _run("--admin-username", "boss", "--admin-email", "boss@example.com", "--superuser")

    admin = User.objects.get(username="boss")
    assert admin.is_superuser
    assert RoleChange.objects.filter(user=admin, kind=RoleChange.Kind.SUPERUSER, to_value="true").exists()


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("=oops", "company.toml"),
        (ADMIN + 'nickname = "Wei"\n' + BRANCHES, "admin.nickname"),
        (ADMIN + 'password = "x"\n' + BRANCHES, "admin.password"),
        (ADMIN.replace('username = "it-admin"', "") + BRANCHES, "admin.username"),
        (ADMIN + BRANCHES.replace('"SH01"', '"SH 01"'), "branches[2].code"),
        (ADMIN + '[calendar]\nworking_days = "1,2,8"\n' + BRANCHES, "calendar.working_days"),
        (ADMIN + '[calendar]\nday_starts = "18:00"\nday_ends = "09:00"\n' + BRANCHES, "calendar.day_ends"),
        # Refused after the branches are written: the whole run is undone.
        (ADMIN + BRANCHES + '[branches.calendar]\nday_ends = "08:00"\n', "branches[2].calendar.day_ends"),
        (ADMIN + BRANCHES + '[[holidays]]\ndate = "2026-02-30"\nname = "x"\n', "holidays[1].date"),
        (ADMIN + BRANCHES + '[[holidays]]\ndate = 2026-10-01\nname = "x"\nbranch = "GZ01"\n', "holidays[1].branch"),
        (ADMIN.replace("it@example.com", "not-an-address") + BRANCHES, "admin.email"),
    ],
)
def test_an_invalid_file_changes_nothing_and_names_the_key(tmp_path, admin_password, text, key):
    path = tmp_path / "company.toml"
    path.write_text('departments = ["客服部 Customer service"]\n' + text, encoding="utf-8")
    before = _counts()

    with pytest.raises(CommandError) as refused:
        _run("--file", path)

    assert key in str(refused.value)
    assert _counts() == before


def test_an_unreadable_file_is_named(tmp_path, admin_password):
    with pytest.raises(CommandError, match="missing.toml"):
        _run("--file", tmp_path / "missing.toml")


def test_a_weak_password_is_refused_with_the_validators_message(company_file, monkeypatch):
    monkeypatch.setenv("SETUP_ADMIN_PASSWORD", "password")
    before = _counts()

    with pytest.raises(CommandError) as refused:
        _run("--file", company_file)

    assert "SETUP_ADMIN_PASSWORD" in str(refused.value)
    assert "This password is too common." in str(refused.value)
    assert _counts() == before


def test_seed_demo_refusal_points_to_setup_company(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="setup_company"):
        call_command("seed_demo", verbosity=0)
