"""Intake rules: who looks at the mails the mailbox could not read (the public pages are open to anyone, with
throttles; their token is their key)."""

import rules

from crm_site.org.policy import is_admin

rules.add_perm("intake.mail_review", is_admin)
