import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import Max

from complaints.models import Complaint
from crm_site.demo import DEMO_PASSWORD
from crm_site.org.access import role_of
from crm_site.org.roles import Role
from customers.models import Customer
from customers.services import customers_classify

# Each seeds the whole demo (6–9 s): they run with the slow tests, keeping `make test` under two minutes.
pytestmark = [pytest.mark.django_db, pytest.mark.slow]


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
    with pytest.raises(CommandError, match="setup_company"):
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


def test_the_demo_is_seeded_in_the_order_of_real_use():
    call_command("seed_demo", verbosity=0, force=True)
    # Classifying again moves no customer to another quadrant or tier: the matrix page agrees with a fresh run.
    before = {pk: (quadrant, tier) for pk, quadrant, tier in Customer.objects.values_list("pk", "quadrant", "tier")}
    run = customers_classify()
    after = {pk: (quadrant, tier) for pk, quadrant, tier in Customer.objects.values_list("pk", "quadrant", "tier")}
    assert (run.quadrant_changes, run.tier_changes) == (0, 0)
    assert after == before
    quadrants = Customer.objects.exclude(status=Customer.Status.CHURNED).values_list("quadrant", flat=True)
    assert set(quadrants) == {"high", "secondary", "potential", "low"}  # every quadrant shown, none left blank
    # The lost customers were classified while they still bought, and churned after their last purchase.
    churned = Customer.objects.filter(status=Customer.Status.CHURNED).annotate(last_bought=Max("purchases__date"))
    assert churned.exists()
    for customer in churned:
        assert customer.quadrant and customer.churned_on > customer.last_bought
    # Every complaint is due for a first response before its resolution, both after it was received
    # (a backdated complaint's deadlines count from its backdated arrival).
    complaints = list(Complaint.objects.values_list("number", "created_at", "response_due_at", "resolution_due_at"))
    assert len(complaints) > 10
    out_of_order = [
        number for number, created, response, resolution in complaints if not created < response <= resolution
    ]
    assert out_of_order == []
