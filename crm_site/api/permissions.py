"""The API asks the same policy as the pages (crm_site/org/policy.py), through the same declarations.

Each API view declares one rule per HTTP method (``rules = {"GET": allowed_rule("complaint.view", gate=...)}``):
the gate loads the object from the URL (404 for unknown and forbidden alike), then ``can`` decides (403). The
declared rules are also what ``tests/security`` walks (``crm_policy`` for ``rule_of``, ``crm_policy_by_method``).
"""

from django.contrib.auth.decorators import login_not_required
from rest_framework import exceptions
from rest_framework.permissions import BasePermission
from rest_framework.views import APIView

from crm_site.org.policy import POLICY_ATTR, ViewRule, can

PUBLIC = ViewRule("public")
SIGNED_IN = ViewRule("signed_in")


def allowed_rule(perm: str, *, gate=None, kwarg: str = "pk", subject=None) -> ViewRule:
    """The declaration ``@allowed(perm, gate=..., kwarg=..., subject=...)`` makes for a page."""
    return ViewRule("perm", perm=perm, gate=gate, kwarg=kwarg, subject=subject)


class PolicyPermission(BasePermission):
    """Runs the view's declared rule for the request's method; the object its gate loaded is ``view.subject``."""

    def has_permission(self, request, view) -> bool:
        rule = view.rule_for(request.method)
        if rule is None:
            return True  # a method the view does not answer: 405 comes next
        if rule.kind == "public":
            return True
        user = request.user
        if not (user and user.is_authenticated):
            raise exceptions.NotAuthenticated()
        obj = None
        if rule.gate is not None:
            obj = rule.gate(user=user, pk=view.kwargs[rule.kwarg])  # Http404 → the JSON 404
            view.subject = obj
        if rule.kind == "perm" and not can(user, rule.perm, rule.subject(obj) if rule.subject and obj else obj):
            raise exceptions.PermissionDenied()
        return True


class PolicyView(APIView):
    """An API view that declares its rules. Anonymous requests get the JSON 401, never the login page's redirect,
    so the view is exempt from LoginRequiredMiddleware and DRF signs the request in (session or token)."""

    rules: dict[str, ViewRule] = {}
    subject = None
    metadata_class = None  # no OPTIONS description: the schema describes every operation
    login_redirect = False  # True for a page a browser opens (the docs): the login page rather than a 401

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if cls.rules:
            setattr(cls, POLICY_ATTR, cls.rules.get("GET") or next(iter(cls.rules.values())))
            cls.crm_policy_by_method = dict(cls.rules)

    @classmethod
    def as_view(cls, **initkwargs):
        view = login_not_required(super().as_view(**initkwargs))  # DRF's views are exempt already; ours say so
        if cls.login_redirect:
            view.login_required = True  # LoginRequiredMiddleware sends an anonymous browser to the login page
        return view

    def rule_for(self, method: str) -> ViewRule | None:
        if method in ("HEAD", "OPTIONS"):
            method = "GET"
        return self.rules.get(method)

    def get_permissions(self):
        return [*super().get_permissions(), PolicyPermission()]
