import pytest
from django.test import override_settings
from django.urls import reverse

from tests.factories import TEST_PASSWORD

pytestmark = pytest.mark.django_db


def test_anonymous_user_is_sent_to_login(client):
    response = client.get(reverse("customers:list"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_login_with_right_password_lands_on_home(client, frontline):
    response = client.post(reverse("login"), {"username": "frontline", "password": TEST_PASSWORD}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("home")
    assert response.context["user"].username == "frontline"


def test_login_with_wrong_password_shows_error_and_stays_anonymous(client, frontline):
    response = client.post(reverse("login"), {"username": "frontline", "password": "wrong"})
    assert response.status_code == 200
    assert not response.context["user"].is_authenticated
    assert response.context["form"].errors


def test_logout_needs_post_and_ends_the_session(client, frontline):
    client.force_login(frontline)
    assert client.get(reverse("logout")).status_code == 405
    response = client.post(reverse("logout"))
    assert response.status_code == 302
    assert client.get(reverse("home")).status_code == 302


@override_settings(AXES_FAILURE_LIMIT=3)
def test_login_is_throttled_after_repeated_failures(client, frontline):
    for _ in range(3):
        client.post(reverse("login"), {"username": "frontline", "password": "wrong"})
    # Even the right password is refused while locked out.
    response = client.post(reverse("login"), {"username": "frontline", "password": TEST_PASSWORD})
    assert response.status_code == 429
    assert b'data-testid="locked-out"' in response.content
    assert not client.get(reverse("home")).wsgi_request.user.is_authenticated


def test_password_change_requires_the_old_password(client, frontline):
    client.force_login(frontline)
    response = client.post(
        reverse("password_change"),
        {"old_password": "nope", "new_password1": "Quite-new-pass-77", "new_password2": "Quite-new-pass-77"},
    )
    assert response.status_code == 200
    assert "old_password" in response.context["form"].errors
    frontline.refresh_from_db()
    assert frontline.check_password(TEST_PASSWORD)


def test_csrf_is_enforced_on_login(frontline):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    response = client.post(reverse("login"), {"username": "frontline", "password": TEST_PASSWORD})
    assert response.status_code == 403
