from django.db.models import Q, QuerySet

from crm_site.org.policy import can, visible_or_404

from .models import ApiToken


def api_tokens_for_user(*, user) -> QuerySet[ApiToken]:
    """The user's own tokens, newest first; an admin also sees everyone's active tokens (to revoke a leaked one)."""
    qs = ApiToken.objects.select_related("user", "revoked_by")
    if can(user, "config.use"):
        return qs.filter(Q(user=user) | Q(revoked_at__isnull=True))
    return qs.filter(user=user)


def api_token_get_for_user(*, user, pk: int) -> ApiToken:
    """The access gate for one token (rule api_token.manage): unknown and forbidden both raise 404."""
    return visible_or_404(user, "api_token.manage", ApiToken.objects.select_related("user").filter(pk=pk).first())
