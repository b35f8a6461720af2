"""Who may manage API tokens (see crm_site/org/policy.py): everyone their own; admins anyone's (to revoke them)."""

import rules

from crm_site.org.policy import has_role, is_admin, user_is


def token_owner(token) -> int:
    return token.user_id


# Create and list one's own tokens: any signed-in user with a role (the API shows them what their pages show).
rules.add_perm("api_token.create", has_role)
# See and revoke a token: its owner, or an admin (a leaked key, a leaver).
rules.add_perm("api_token.manage", user_is(token_owner) | is_admin)
# The API's documentation and schema: anyone with a role.
rules.add_perm("api.docs", has_role)
