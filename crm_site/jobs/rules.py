"""Background jobs: the admin sees them (failed ones above all) and sends a failed one again."""

import rules

from crm_site.org.policy import is_admin

rules.add_perm("job.view", is_admin)
rules.add_perm("job.retry", is_admin)
