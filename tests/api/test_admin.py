"""API tokens in /config/: every user's, found by user, revoked through the service; never added, edited or
deleted there."""

import pytest
from django.urls import reverse

from crm_site.api.models import ApiToken
from crm_site.api.services import api_token_create

pytestmark = pytest.mark.django_db

CHANGELIST = "admin:api_apitoken_changelist"


@pytest.fixture
def tokens(frontline, manager):
    return {
        "frontline": api_token_create(actor=frontline, name="ERP sync")[0],
        "manager": api_token_create(actor=manager, name="Reporting")[0],
    }


def test_the_list_shows_every_users_tokens_and_is_searched_by_user(client, admin_user, tokens):
    client.force_login(admin_user)
    page = client.get(reverse(CHANGELIST))
    assert page.status_code == 200
    shown = list(page.context["cl"].result_list)
    assert shown == [tokens["manager"], tokens["frontline"]]  # newest first
    text = page.content.decode()
    for label in ("User", "Key starts with", "Created at", "Last used", "Revoked at"):
        assert label in text
    assert tokens["frontline"].prefix in text and tokens["frontline"].key_hash not in text
    found = client.get(reverse(CHANGELIST), {"q": "frontline"}).context["cl"].result_list
    assert list(found) == [tokens["frontline"]]


def test_revoke_selected_goes_through_the_service(client, admin_user, tokens):
    client.force_login(admin_user)
    selected = [tokens["frontline"].pk]
    response = client.post(
        reverse(CHANGELIST), {"action": "revoke_selected", "_selected_action": selected}, follow=True
    )
    assert "1 token revoked: its key no longer works." in response.content.decode()
    revoked = ApiToken.objects.get(pk=tokens["frontline"].pk)
    assert revoked.revoked_by == admin_user and revoked.revoked_at is not None
    assert ApiToken.objects.get(pk=tokens["manager"].pk).revoked_at is None
    when = revoked.revoked_at
    response = client.post(
        reverse(CHANGELIST), {"action": "revoke_selected", "_selected_action": selected}, follow=True
    )
    assert "The selected tokens were revoked already." in response.content.decode()
    assert ApiToken.objects.get(pk=revoked.pk).revoked_at == when  # revoking twice changes nothing


def test_no_add_no_change_no_delete(client, admin_user, tokens):
    client.force_login(admin_user)
    token = tokens["frontline"]
    assert client.get(reverse("admin:api_apitoken_add")).status_code == 403
    change = reverse("admin:api_apitoken_change", args=[token.pk])
    page = client.get(change)
    assert page.status_code == 200 and 'name="name"' not in page.content.decode()  # read-only
    client.post(change, {"name": "renamed", "key_hash": "0" * 64})
    token.refresh_from_db()
    assert (token.name, token.key_hash) == ("ERP sync", tokens["frontline"].key_hash)
    assert client.post(reverse("admin:api_apitoken_delete", args=[token.pk]), {"post": "yes"}).status_code == 403
    actions = client.get(reverse(CHANGELIST)).context["action_form"].fields["action"].choices
    assert [name for name, _label in actions if name] == ["revoke_selected"]
    assert ApiToken.objects.count() == 2


def test_only_admins_see_the_tokens(client, manager, tokens):
    manager.is_staff = True  # even a staff flag does not open /config/ without rule config.use
    manager.save(update_fields=["is_staff"])
    client.force_login(manager)
    response = client.get(reverse(CHANGELIST))
    assert response.status_code == 302 and response["Location"].startswith(reverse("admin:login"))
