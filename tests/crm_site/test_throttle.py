"""Throttles beyond login: the live look-ups and wrong old passwords on the change-password form.

The limits are the ones agreed for issue 8: 60 look-ups a minute per user, 5 wrong old passwords per
15 minutes per user; a person typing never meets them, a script does.
"""

import re
from types import SimpleNamespace

import pytest
from django.core.cache import cache
from django.urls import reverse
from redis.exceptions import ConnectionError as RedisConnectionError

from tests.factories import TEST_PASSWORD

from .test_settings_prod import SECRET, _manage

pytestmark = pytest.mark.django_db

LOOKUPS_PER_MINUTE = 60
WRONG_PASSWORDS_PER_15_MINUTES = 5
NEW_PASSWORD = "Quite-new-pass-77"


@pytest.fixture
def clock(monkeypatch):
    """django-ratelimit's clock, stopped: the test decides when a window ends. Counts start from zero."""
    now = SimpleNamespace(value=1_900_000_000.0)
    monkeypatch.setattr("django_ratelimit.core.time", SimpleNamespace(time=lambda: now.value))
    cache.clear()
    yield now
    cache.clear()


def _search(client, q):
    return client.get(reverse("complaints:customer_search"), {"q": q}, HTTP_HX_REQUEST="true")


def test_the_intake_search_answers_429_with_a_short_note_after_60_a_minute(client, clock, frontline, manager, customer):
    client.force_login(frontline)
    for _ in range(LOOKUPS_PER_MINUTE):
        assert _search(client, customer.name).status_code == 200
    response = _search(client, customer.name)
    assert response.status_code == 429
    page = response.content.decode()
    assert "Too many searches; wait a minute." in page
    assert customer.name not in page
    assert 1 <= int(response["Retry-After"]) <= 60

    client.force_login(manager)  # counted per user: a colleague is not held back
    assert _search(client, customer.name).status_code == 200

    client.force_login(frontline)
    clock.value += 61  # the next minute
    response = _search(client, customer.name)
    assert response.status_code == 200
    assert list(response.context["results"]) == [customer]


def test_the_duplicate_check_answers_429_after_60_a_minute(client, clock, frontline, customer):
    client.force_login(frontline)
    url = reverse("customers:duplicate_check")
    for _ in range(LOOKUPS_PER_MINUTE):
        assert client.get(url, {"phone": customer.phone}).status_code == 200
    response = client.get(url, {"phone": customer.phone})
    assert response.status_code == 429
    assert "Too many searches; wait a minute." in response.content.decode()
    assert customer.name not in response.content.decode()


def test_a_forbidden_user_does_not_spend_the_look_up_allowance(client, clock, gm, customer):
    client.force_login(gm)  # the general manager does not register complaints
    for _ in range(LOOKUPS_PER_MINUTE + 5):
        assert _search(client, customer.name).status_code == 403


def test_one_character_asks_for_a_second_one(client, clock, frontline, customer):
    client.force_login(frontline)
    assert customer.name == "王伟"
    response = _search(client, "王")  # would match every 王 in the company
    assert response.status_code == 200
    assert list(response.context["results"]) == []
    assert "Type at least 2 characters." in response.content.decode()
    assert customer.name not in response.content.decode()

    response = _search(client, "王伟")
    assert list(response.context["results"]) == [customer]
    assert "Type at least 2 characters." not in response.content.decode()
    # A full code and a full phone are longer than two characters anyway.
    assert list(_search(client, customer.code).context["results"]) == [customer]
    assert list(_search(client, customer.phone).context["results"]) == [customer]


def test_an_empty_search_shows_nothing(client, clock, frontline):
    client.force_login(frontline)
    response = _search(client, "  ")
    assert response.status_code == 200
    assert response.content.decode().strip() == ""


def test_look_ups_still_answer_when_the_throttle_cache_is_down(client, clock, frontline, customer, monkeypatch):
    def down(*args, **kwargs):
        raise RedisConnectionError("Connection refused")

    monkeypatch.setattr(cache, "add", down)
    client.force_login(frontline)
    response = _search(client, customer.name)
    assert response.status_code == 200
    assert list(response.context["results"]) == [customer]


def _change_password(client, old, new1=NEW_PASSWORD, new2=NEW_PASSWORD):
    return client.post(reverse("password_change"), {"old_password": old, "new_password1": new1, "new_password2": new2})


def _old_password_errors(response) -> list[str]:
    assert response.status_code == 200  # the form again, with its error: not a bare 403
    return [str(e) for e in response.context["form"].errors.get("old_password", [])]


def test_after_5_wrong_old_passwords_even_the_right_one_is_refused_for_15_minutes(client, clock, frontline):
    client.force_login(frontline)
    for n in range(WRONG_PASSWORDS_PER_15_MINUTES):
        errors = _old_password_errors(_change_password(client, f"guess-{n}"))
        assert errors and "incorrectly" in errors[0]
    response = _change_password(client, TEST_PASSWORD)
    errors = _old_password_errors(response)
    assert len(errors) == 1
    assert re.fullmatch(r"Too many wrong passwords\. Try again in ([1-9]|1[0-5]) minutes?\.", errors[0])
    assert 'data-testid="locked-out"' not in response.content.decode()
    frontline.refresh_from_db()
    assert frontline.check_password(TEST_PASSWORD)

    clock.value += 15 * 60 + 1
    response = _change_password(client, TEST_PASSWORD)
    assert response.status_code == 302
    frontline.refresh_from_db()
    assert frontline.check_password(NEW_PASSWORD)


def test_only_wrong_old_passwords_count(client, clock, frontline):
    client.force_login(frontline)
    for _ in range(WRONG_PASSWORDS_PER_15_MINUTES + 2):  # right old password, new ones that differ
        response = _change_password(client, TEST_PASSWORD, new2="Something-else-88")
        assert _old_password_errors(response) == []
        assert "new_password2" in response.context["form"].errors
    for n in range(WRONG_PASSWORDS_PER_15_MINUTES - 1):
        _change_password(client, f"guess-{n}")
    assert _change_password(client, TEST_PASSWORD).status_code == 302


def test_wrong_old_passwords_are_counted_per_user(client, clock, frontline, manager):
    client.force_login(frontline)
    for n in range(WRONG_PASSWORDS_PER_15_MINUTES + 1):
        _change_password(client, f"guess-{n}")
    client.force_login(manager)
    assert _change_password(client, TEST_PASSWORD).status_code == 302


def test_production_counts_in_redis():
    result = _manage("diffsettings", DJANGO_SECRET_KEY=SECRET)
    assert result.returncode == 0, result.stderr
    assert "'BACKEND': 'django.core.cache.backends.redis.RedisCache'" in result.stdout


def test_production_refuses_a_per_process_throttle_cache():
    result = _manage("check", DJANGO_SECRET_KEY=SECRET, CELERY_BROKER_URL="amqp://guest@rabbit.invalid:5672//")
    assert result.returncode != 0
    assert "Set REDIS_URL" in result.stderr
    result = _manage(
        "check",
        DJANGO_SECRET_KEY=SECRET,
        CELERY_BROKER_URL="amqp://guest@rabbit.invalid:5672//",
        REDIS_URL="redis://redis.invalid:6379/1",
    )
    assert result.returncode == 0, result.stderr
