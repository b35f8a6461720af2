"""Organisation rules: who may act in a branch, and who configures the system."""

import rules

from .policy import branch_member, is_admin


def branch_itself(branch) -> int:
    return branch.pk


# Create records of this branch (a customer, a visit owner's branch…): staff of it, or a company-wide role.
rules.add_perm("branch.act_in", branch_member(branch_itself))
# The configuration pages (/config/, the Django admin) and the admin's home.
rules.add_perm("config.use", is_admin)
