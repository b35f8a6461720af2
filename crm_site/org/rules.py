"""Organisation rules: who may act in a branch, who configures the system, and who changes whose login."""

import rules

from .policy import branch_member, is_admin, user_is


@rules.predicate
def is_superuser(user) -> bool:
    return user.is_superuser


@rules.predicate
def login_is_superuser(user, login) -> bool:
    return login is not None and login.is_superuser


def login_itself(login) -> int:
    return login.pk


def branch_itself(branch) -> int:
    return branch.pk


# Create records of this branch (a customer, a visit owner's branch…): staff of it, or a company-wide role.
rules.add_perm("branch.act_in", branch_member(branch_itself))
# The configuration pages (/config/, the Django admin) and the admin's home.
rules.add_perm("config.use", is_admin)
# Logins (staff accounts) in /config/: an admin edits anyone's name, password, branch; a superuser's only a superuser.
rules.add_perm("login.change", is_superuser | (is_admin & ~login_is_superuser))
# Their role and whether they may log in: not one's own (another admin does it), so nobody raises themselves.
rules.add_perm("login.change_access", is_superuser | (is_admin & ~login_is_superuser & ~user_is(login_itself)))
# More than a role (superuser, other groups, single permissions): superusers only.
rules.add_perm("login.grant_beyond_role", is_superuser)
# /healthz's details (which part is down, when the worker last answered): admins, besides the local network.
rules.add_perm("health.details", is_admin)
