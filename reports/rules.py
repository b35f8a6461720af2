"""Who reads the complaint statistics (投诉总结) and works the corrective actions (整改) (see crm_site/org/policy.py).

The statistics are for the people who manage the work: a manager for their branch, the general manager and the admin
for every branch (the figures are scoped in reports/selectors.py). Front-line staff work single cases; the sources
give the summary and the improvement loop to management, so they have no statistics page. A corrective action is
raised by a manager for their branch or by the general manager; its owner (any member of staff) carries it out and
records its progress and result.
"""

import rules

from crm_site.org.policy import branch_member, has_branch, has_role, is_admin, is_general_manager, is_manager, user_is


def action_branch(action) -> int | None:
    return action.branch_id


def action_owner(action) -> int:
    return action.owner_id


readers = is_admin | is_general_manager | is_manager
in_branch = branch_member(action_branch)
is_owner = user_is(action_owner)

rules.add_perm("reports.view", readers)
# The list of actions: readers see their scope, anyone else the actions they own (reports/selectors.py).
rules.add_perm("corrective_action.list", has_role)
rules.add_perm("corrective_action.create", is_general_manager | (is_manager & has_branch))
rules.add_perm("corrective_action.view", (readers & in_branch) | is_owner)
# The cause, owner, due date and description: whoever may raise it there.
rules.add_perm("corrective_action.change", is_general_manager | (is_manager & in_branch))
# Start, finish (with the result) or cancel: also its owner.
rules.add_perm("corrective_action.progress", is_general_manager | (is_manager & in_branch) | is_owner)
