"""Every write to API tokens: create (the key is returned once, only its hash is kept), revoke, note a use."""

import hashlib
import secrets
from datetime import timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from crm_site.org.policy import require

from .models import ApiToken

KEY_PREFIX = "crm_"
PREFIX_LENGTH = 12
# last_used_at is written at most this often per token: a script's every request must not be a write.
LAST_USED_PRECISION = timedelta(minutes=1)


class TokenError(Exception):
    """A refused token action; ``str(error)`` is the message the user sees."""


def key_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


@transaction.atomic
def api_token_create(*, actor, name: str) -> tuple[ApiToken, str]:
    """A new token of the actor's; returns it with its key, which nobody can see again."""
    require(actor, "api_token.create")
    name = name.strip()
    if not name:
        raise TokenError(_("Give the token a name."))
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(user=actor, name=name, prefix=key[:PREFIX_LENGTH], key_hash=key_hash(key))
    return token, key


@transaction.atomic
def api_token_revoke(*, actor, token_id: int) -> ApiToken:
    """Revoke a token for good (it stays listed, as revoked); revoking twice changes nothing."""
    token = ApiToken.objects.select_for_update().get(pk=token_id)
    require(actor, "api_token.manage", token)
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.revoked_by = actor
        token.save(update_fields=["revoked_at", "revoked_by"])
    return token


def api_token_touch(*, token: ApiToken, now=None) -> None:
    """Note a use, unless one was noted within the last minute (one UPDATE, no lock: the latest write wins)."""
    now = now or timezone.now()
    if token.last_used_at is not None and now - token.last_used_at < LAST_USED_PRECISION:
        return
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    token.last_used_at = now
