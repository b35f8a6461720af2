"""Exports: everyone signed in with a role sees their own exports and downloads their own files, nobody else's.

Who may export a list is that list's own rule (the export view declares the list page's rule), and what the
export holds is what that list shows the user (the same selector, the same filters).
"""

import rules

from crm_site.org.policy import has_role, is_admin, user_is


def owner(export) -> int:
    return export.user_id


rules.add_perm("export.list", has_role)
rules.add_perm("export.download", has_role & user_is(owner))
# The audit of everyone's exports, read-only in /config/.
rules.add_perm("export.audit", is_admin)
