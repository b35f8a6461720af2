"""Satisfaction rules: who designs surveys, sends campaigns, records phone answers and reads the CSI dashboards.

The dashboards and answer lists are scoped by branch in satisfaction/selectors.py (a manager sees their branch's
responses only); the rules say who may open them at all.
"""

import rules

from crm_site.org.policy import branch_member, has_branch, is_admin, is_general_manager, is_manager
from customers.rules import contact_staff, customer_in_branch


def campaign_branch(campaign) -> int | None:
    return campaign.branch_id


def response_branch(response) -> int:
    return response.branch_id


@rules.predicate
def company_wide_campaign(user, campaign) -> bool:
    return campaign is not None and campaign.branch_id is None


# Questionnaires are the company's: the admin and the general manager design them.
rules.add_perm("survey.design", is_admin | is_general_manager)
# Campaigns: the general manager and the admin for any segment, a branch manager for their branch's customers.
# (A manager without a branch has no customers to survey: their campaign would silently be company-wide.)
rules.add_perm("campaign.create", is_admin | is_general_manager | (is_manager & has_branch))
rules.add_perm(
    "campaign.view",
    is_admin | is_general_manager | (is_manager & ~company_wide_campaign & branch_member(campaign_branch)),
)
rules.add_perm(
    "campaign.send",
    is_admin | is_general_manager | (is_manager & ~company_wide_campaign & branch_member(campaign_branch)),
)
# Answers given on the phone are recorded by the staff who call the customer (as for interactions).
rules.add_perm("response.record", contact_staff & customer_in_branch)
# The CSI dashboards and the answers: admins and the general manager (every branch), managers (their branch).
rules.add_perm("csi.view", is_admin | is_general_manager | is_manager)
# One answer set: the readers of the CSI, a manager only for their branch's answers.
rules.add_perm("response.view", is_admin | is_general_manager | (is_manager & branch_member(response_branch)))
