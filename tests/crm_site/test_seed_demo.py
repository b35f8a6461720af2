import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError

from crm_site.demo import DEMO_PASSWORD
from crm_site.org.access import role_of
from crm_site.org.roles import Role
from customers.models import Customer

pytestmark = pytest.mark.django_db


def test_seed_demo_is_idempotent_and_gives_every_user_a_role():
    call_command("seed_demo", verbosity=0, force=True)
    users = {u.username: u for u in get_user_model().objects.all()}
    customers = Customer.objects.count()
    call_command("seed_demo", verbosity=0, force=True)
    assert get_user_model().objects.count() == len(users)
    assert Customer.objects.count() == customers

    expected = {
        "frontline": Role.FRONTLINE,
        "frontline2": Role.FRONTLINE,
        "manager": Role.MANAGER,
        "gm": Role.GENERAL_MANAGER,
        "admin": Role.ADMIN,
    }
    for username, role in expected.items():
        user = users[username]
        assert role_of(user) == role
        assert user.check_password(DEMO_PASSWORD)
    assert users["frontline"].staff_profile.branch != users["frontline2"].staff_profile.branch
    assert users["gm"].staff_profile.branch is None


def test_seed_demo_refuses_to_run_with_debug_off_unless_forced(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="--force"):
        call_command("seed_demo", verbosity=0)
    assert not get_user_model().objects.exists()


def test_seed_demo_runs_with_debug_on(settings):
    settings.DEBUG = True
    call_command("seed_demo", verbosity=0)
    assert get_user_model().objects.filter(username="admin").exists()


def test_demo_customers_have_chinese_and_english_names():
    call_command("seed_demo", verbosity=0, force=True)
    names = list(Customer.objects.values_list("name", flat=True))
    assert any(any("\u4e00" <= ch <= "\u9fff" for ch in n) for n in names)
    assert any(n.isascii() for n in names)
    assert Customer.objects.values("branch").distinct().count() >= 2
