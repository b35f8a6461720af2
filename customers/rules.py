"""Who may do what with customers, their contacts, visit plans and imports (see crm_site/org/policy.py).

Customer data is one record for the whole company, but a customer belongs to a branch: its staff work the
record; other branches read it only when they serve the customer (``READ_REASONS``, which apps that serve
customers extend, e.g. complaints: handling one of the customer's complaints)."""

import rules
from django.db.models import Q

from crm_site.org.access import access_of
from crm_site.org.policy import (
    branch_member,
    has_role,
    is_admin,
    is_frontline,
    is_general_manager,
    is_manager,
    user_is,
)
from crm_site.org.roles import Role


def customer_branch(customer) -> int:
    return customer.branch_id


def customer_account_manager(customer) -> int | None:
    return customer.account_manager_id


def plan_branch(plan) -> int:
    return plan.customer.branch_id


def plan_owner(plan) -> int | None:
    return plan.owner_id


def branch_itself(branch) -> int:
    return branch.pk


def batch_creator(batch) -> int | None:
    return batch.created_by_id


customer_in_branch = branch_member(customer_branch)
supervisor = is_manager | is_general_manager
# The staff offered as account managers and visit owners (the general manager may own one, but is not offered).
ACCOUNT_MANAGER_ROLES = (Role.FRONTLINE, Role.MANAGER)
contact_staff = is_frontline | is_manager | is_general_manager
analyst = is_manager | is_general_manager | is_admin

# Reasons another branch may read a customer, added by the apps that serve customers: predicates (user, customer).
READ_REASONS: list[rules.Predicate] = []


@rules.predicate
def served_by_users_branch(user, customer) -> bool:
    return customer is not None and any(reason.test(user, customer) for reason in READ_REASONS)


rules.add_perm("customer.list", has_role)
rules.add_perm("customer.view", has_role & (customer_in_branch | served_by_users_branch))
rules.add_perm("customer.create", contact_staff)
# Edit the record, its contacts, status, assessment and visit plan. Full phone numbers go with it: the least that
# lets people work (the account manager and the branch's supervisors); others see 138****1234.
customer_change = customer_in_branch & (supervisor | (is_frontline & user_is(customer_account_manager)))
rules.add_perm("customer.change", customer_change)
rules.add_perm("customer.see_phone", customer_change)
# Clear the "unverified" mark of a record the public form or an e-mail created: whoever may edit the record.
rules.add_perm("customer.verify", customer_change)


def see_phone_filter(user) -> Q:
    """``customer.see_phone`` as a filter, for searches that must not match digits the user cannot see.
    It must say the same as the rule; tests/security checks that it does, customer by customer."""
    access = access_of(user)
    in_branch = Q() if access.company_wide else Q(branch_id=access.branch_id)
    if access.role is None or (access.branch_id is None and not access.company_wide):
        return Q(pk__in=[])
    if supervisor.test(user):
        return in_branch
    if is_frontline.test(user):
        return in_branch & Q(account_manager_id=user.pk)
    return Q(pk__in=[])


# Be a customer's account manager or a visit plan's owner (the object is the customer's branch).
rules.add_perm("customer.own", contact_staff & branch_member(branch_itself))
rules.add_perm("customer.log_interaction", contact_staff & customer_in_branch)
# Plan owners record their visits; the branch's supervisors may record them for their team.
rules.add_perm("visitplan.record", branch_member(plan_branch) & (supervisor | (is_frontline & user_is(plan_owner))))
rules.add_perm("visit.list", contact_staff)
rules.add_perm("customer.transfer", supervisor)
rules.add_perm("importbatch.create", analyst)
# An uploaded file is its uploader's alone: others' batches do not exist for them.
rules.add_perm("importbatch.view", user_is(batch_creator))
rules.add_perm("importbatch.use", analyst & user_is(batch_creator))
rules.add_perm("matrix.view", analyst)
rules.add_perm("retention.view", analyst)
rules.add_perm("classification.run", is_general_manager | is_admin)
