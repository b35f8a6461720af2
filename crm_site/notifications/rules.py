"""Notifications are their recipient's alone: everyone signed in reads their own and sets their preferences."""

import rules

from crm_site.org.policy import has_role, user_is


def recipient(notification) -> int:
    return notification.recipient_id


rules.add_perm("notification.list", has_role)
# One notification: its recipient's alone.
rules.add_perm("notification.view", has_role & user_is(recipient))
