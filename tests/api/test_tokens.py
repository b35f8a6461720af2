"""API tokens: the key works once issued, is never stored, and stops working when revoked."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from crm_site.api.models import ApiToken
from crm_site.api.services import api_token_create, api_token_revoke, key_hash

from .conftest import api_client
from .test_access import assert_error

pytestmark = pytest.mark.django_db


def get(url, key, scheme="Token"):
    return api_client().get(url, HTTP_AUTHORIZATION=f"{scheme} {key}")


def test_a_token_signs_in_as_its_user(frontline, complaint):
    token, key = api_token_create(actor=frontline, name="script")
    for scheme in ("Token", "Bearer"):
        response = get(reverse("api:complaint", args=[complaint.pk]), key, scheme)
        assert response.status_code == 200, response.content
    token.refresh_from_db()
    assert token.last_used_at is not None


def test_the_key_is_stored_only_as_its_hash(frontline):
    token, key = api_token_create(actor=frontline, name="script")
    row = ApiToken.objects.filter(pk=token.pk).values().get()
    assert key not in [str(v) for v in row.values()]
    assert row["key_hash"] == key_hash(key) and len(row["key_hash"]) == 64
    assert key.startswith(row["prefix"]) and len(row["prefix"]) == 12


def test_a_revoked_token_is_refused(frontline, admin_user):
    token, key = api_token_create(actor=frontline, name="script")
    api_token_revoke(actor=admin_user, token_id=token.pk)
    assert_error(get(reverse("api:complaints"), key), 401, "not_authenticated")
    token.refresh_from_db()
    assert token.revoked_by == admin_user


def test_a_deactivated_users_token_and_a_wrong_key_are_refused(frontline):
    token, key = api_token_create(actor=frontline, name="script")
    frontline.is_active = False
    frontline.save(update_fields=["is_active"])
    assert_error(get(reverse("api:complaints"), key), 401, "not_authenticated")
    assert_error(get(reverse("api:complaints"), key + "x"), 401, "not_authenticated")


def test_last_used_is_written_at_most_once_a_minute(frontline, django_assert_num_queries):
    token, key = api_token_create(actor=frontline, name="script")
    recent = timezone.now() - timedelta(seconds=30)
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=recent)
    get(reverse("api:visits"), key)
    token.refresh_from_db()
    assert token.last_used_at == recent  # used 30 s ago: not written again
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=recent - timedelta(minutes=1))
    get(reverse("api:visits"), key)
    token.refresh_from_db()
    assert token.last_used_at > recent


def test_the_tokens_page_shows_a_new_key_once(client, frontline):
    client.force_login(frontline)
    url = reverse("api:tokens")
    assert "You have no API tokens yet." in client.get(url).content.decode()
    page = client.post(url, {"name": "ERP sync"}).content.decode()
    token = ApiToken.objects.get(user=frontline)
    assert "Copy its key now" in page
    key = page.split('user-select-all">')[1].split("<")[0]
    assert key_hash(key) == token.key_hash
    again = client.get(url).content.decode()
    assert key not in again and token.prefix in again


def test_revoking_asks_first_and_only_the_owner_or_an_admin_may(client, frontline, manager, admin_user):
    token, _key = api_token_create(actor=frontline, name="script")
    url = reverse("api:token_revoke", args=[token.pk])
    client.force_login(manager)
    assert client.get(url).status_code == 404  # someone else's token does not exist for them
    assert client.post(url).status_code == 404
    client.force_login(frontline)
    assert "Revoke “script”?" in client.get(url).content.decode()
    token.refresh_from_db()
    assert token.revoked_at is None  # asking revokes nothing
    response = client.post(url, follow=True)
    assert "revoked: its key no longer works" in response.content.decode()
    token.refresh_from_db()
    assert token.revoked_by == frontline
    other, _ = api_token_create(actor=manager, name="mine")
    client.force_login(admin_user)
    client.post(reverse("api:token_revoke", args=[other.pk]))
    other.refresh_from_db()
    assert other.revoked_by == admin_user
