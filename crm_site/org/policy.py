"""The access policy: one registry of named rules ("may this user do this action on this object"), asked by
views, services, tasks, templates and navigation alike.

Each app declares its rules in its own ``rules.py`` (``complaints.work_complaint``, ``customers.change_customer``
…) with the building blocks below; ``rules`` (django-rules) keeps them in one table, which
``tests/security`` checks against a hand-written matrix of the domain's rules. A rule says *who* may act
(role, branch, ownership); *when* (a complaint's step, a plan's status) is the workflow's business.

Views declare their rule with one of the decorators at the bottom, so the URL walk in ``tests/security`` can
find, for every URL pattern, the rule that guards it: ``public``, ``signed_in``, ``allowed(perm)`` for pages
without an object, and ``allowed(perm, gate=...)`` for pages of one object, which the gate loads (404 when the
user may not even see it) before the rule is asked (403 when the user may see it but not do this).
"""

from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps

import rules
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied
from django.http import Http404

from .access import access_of
from .roles import Role


def role_in(*roles: Role) -> rules.Predicate:
    allowed = frozenset(roles)
    names = "|".join(sorted(allowed))

    @rules.predicate(name=f"role in {names}")
    def check(user) -> bool:
        return access_of(user).role in allowed

    return check


is_frontline = role_in(Role.FRONTLINE)
is_manager = role_in(Role.MANAGER)
is_general_manager = role_in(Role.GENERAL_MANAGER)
is_admin = role_in(Role.ADMIN)
has_role = role_in(*Role)


@rules.predicate
def is_company_wide(user) -> bool:
    return access_of(user).company_wide


def branch_member(branch_of: Callable) -> rules.Predicate:
    """The object belongs to the user's branch, or the user's role spans every branch."""

    @rules.predicate(name=f"in the user's branch ({branch_of.__name__})")
    def check(user, obj) -> bool:
        access = access_of(user)
        if access.role is None or obj is None:
            return False
        if access.company_wide:
            return True
        return access.branch_id is not None and branch_of(obj) == access.branch_id

    return check


def user_is(user_id_of: Callable) -> rules.Predicate:
    """The user is the person this attribute of the object names (owner, submitter, creator…)."""

    @rules.predicate(name=f"user is {user_id_of.__name__}")
    def check(user, obj) -> bool:
        return obj is not None and user.pk is not None and user_id_of(obj) == user.pk

    return check


@rules.predicate
def has_branch(user) -> bool:
    return access_of(user).branch_id is not None


def can(user, perm: str, obj=None) -> bool:
    """Ask the policy. Unknown rule names raise, so a typo cannot quietly answer no (or yes)."""
    if not rules.perm_exists(perm):
        raise KeyError(f"No access rule named {perm!r}")
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    return rules.has_perm(perm, user, obj)


def require(user, perm: str, obj=None) -> None:
    """For services and tasks: raise PermissionDenied unless the policy allows it."""
    if not can(user, perm, obj):
        raise PermissionDenied(perm)


def visible_or_404(user, perm: str, obj):
    """The heart of every gate: the object if the policy lets the user see it; unknown and forbidden both 404."""
    if obj is None or not can(user, perm, obj):
        raise Http404
    return obj


# --- View declarations: every URL pattern's view carries one ---------------------------------------------------


@dataclass(frozen=True)
class ViewRule:
    kind: str  # "public", "signed_in", "perm"
    perm: str = ""
    gate: Callable | None = None  # loads the object from the URL (404 when invisible)
    kwarg: str = "pk"
    subject: Callable | None = None


POLICY_ATTR = "crm_policy"


def _mark(view, rule: ViewRule):
    setattr(view, POLICY_ATTR, rule)
    return view


def public(view):
    """Anyone, signed in or not (the login page, the language switch, the health check)."""
    return _mark(login_not_required(view), ViewRule("public"))


def signed_in(view):
    """Any signed-in user, whatever the role (home, password change, log out)."""
    return _mark(view, ViewRule("signed_in"))


def allowed(
    perm: str,
    *,
    gate: Callable | None = None,
    kwarg: str = "pk",
    as_: str | None = None,
    subject: Callable | None = None,
):
    """The view runs only if the policy allows ``perm``: on the object the gate loads from URL argument
    ``kwarg`` (passed to the view as ``as_``), or on nothing for pages without an object. ``subject`` picks
    what the rule is asked about, for a child object whose parent's rule decides (a plan's complaint)."""

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            obj = None
            if gate is not None:
                obj = gate(user=request.user, pk=kwargs.pop(kwarg))
            if not can(request.user, perm, subject(obj) if subject and obj is not None else obj):
                raise PermissionDenied
            if gate is not None:
                kwargs[as_ or kwarg] = obj
            return view(request, *args, **kwargs)

        return _mark(wrapped, ViewRule("perm", perm=perm, gate=gate, kwarg=kwarg, subject=subject))

    return decorator


def rule_of(view) -> ViewRule | None:
    """The rule a resolved view declared (class-based views: on the class or the view function)."""
    rule = getattr(view, POLICY_ATTR, None)
    if rule is None and hasattr(view, "view_class"):
        rule = getattr(view.view_class, POLICY_ATTR, None)
    return rule
