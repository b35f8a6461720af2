"""Who may do what with complaints and their children: plans, remedies, attachments, notes, revisits
(see crm_site/org/policy.py). The step or plan status an action needs is the workflow's business."""

import rules

from crm_site.org.access import access_of
from crm_site.org.policy import (
    branch_member,
    has_branch,
    has_role,
    is_general_manager,
    is_manager,
    role_in,
    user_is,
)
from crm_site.org.roles import Role
from customers import rules as customer_rules


def complaint_branch(complaint) -> int:
    return complaint.branch_id


def plan_branch(plan) -> int:
    return plan.complaint.branch_id


def plan_submitter(plan) -> int | None:
    return plan.submitted_by_id


in_branch = branch_member(complaint_branch)
# Who works complaints; also the roles a handler can be chosen from (a query needs them as a list).
WORKER_ROLES = (Role.FRONTLINE, Role.MANAGER)
worker = role_in(*WORKER_ROLES)
supervisor = is_manager | is_general_manager

rules.add_perm("complaint.list", has_role)
rules.add_perm("complaint.view", has_role & in_branch)
rules.add_perm("complaint.create", worker & has_branch)
# Step content, confirmations, plans, the customer's answer, remedies, evidence and revisits.
rules.add_perm("complaint.work", worker & in_branch)
rules.add_perm("complaint.note", (worker | is_general_manager) & in_branch)
for action in ("assign", "extend", "force_close", "reopen", "archive"):
    rules.add_perm(f"complaint.{action}", supervisor & in_branch)
rules.add_perm("approval.list", supervisor)
# 主管批示: the branch's manager, or the general manager (who may step in); nobody decides on their own plan.
not_own_plan = ~user_is(plan_submitter)
rules.add_perm("plan.decide", ((is_manager & branch_member(plan_branch)) | is_general_manager) & not_own_plan)
# 总经理批准: the second approval of a major complaint or a compensation above the threshold.
rules.add_perm("plan.decide_gm", is_general_manager & not_own_plan)


@rules.predicate
def handles_a_complaint_of(user, customer) -> bool:
    """The user's branch handles a complaint of this customer (intake is company-wide)."""
    from .models import Complaint

    branch_id = access_of(user).branch_id
    return branch_id is not None and Complaint.objects.filter(customer_id=customer.pk, branch_id=branch_id).exists()


customer_rules.READ_REASONS.append(handles_a_complaint_of)
