"""The URL walk: every URL pattern of the site, the world's objects that fill its arguments, and the answer the
policy predicts for a request (from the rule the view declares, ``rule_of``, and ``can``; never from the view)."""

import inspect
from dataclasses import dataclass

import pytest
from django.conf import settings
from django.http import Http404
from django.shortcuts import resolve_url
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.views import static

from crm_site.org.policy import can, rule_of

ADMIN_NAMESPACE = "admin"  # the configuration pages under /config/: one entry, governed by rule config.use


@dataclass(frozen=True)
class Route:
    name: str  # "namespace:name"
    route: str
    pattern: URLPattern

    @property
    def namespace(self) -> str:
        return self.name.rpartition(":")[0]


def walk_patterns(patterns, prefix: str = "", namespace: str = ""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = ":".join(part for part in (namespace, pattern.namespace) if part)
            yield from walk_patterns(pattern.url_patterns, prefix + str(pattern.pattern), inner)
        elif isinstance(pattern, URLPattern):
            name = f"{namespace}:{pattern.name}" if namespace else str(pattern.name)
            yield Route(name=name, route=prefix + str(pattern.pattern), pattern=pattern)


def is_admin(route: Route) -> bool:
    return route.namespace.split(":")[0] == ADMIN_NAMESPACE


ALL_ROUTES = list(walk_patterns(get_resolver().url_patterns))
# Django's static/media serving, if the URLconf ever adds it, is not a page of the application.
# The API's catch-all answers the JSON 404 for any other address under /api/: not a page.
API_CATCH_ALL = "api:not_found"
ROUTES = [
    r for r in ALL_ROUTES if not is_admin(r) and r.pattern.callback is not static.serve and r.name != API_CATCH_ALL
]

# Which of branch A's objects fills each URL argument: by namespace, then overrides for one URL name.
ARGUMENTS = {
    "complaints": {
        "pk": "complaint_a",
        "plan_id": "plan_a",
        "remedy_id": "remedy_a",
        "attachment_id": "attachment_a",
    },
    "customers": {"pk": "customer_a", "contact_pk": "contact_a", "plan_pk": "visit_plan_a"},
    "notifications": {"pk": "notification_a"},
    "reports": {"pk": "action_a"},
    "exports": {"pk": "export_a"},
}


class Literal(str):
    """A URL argument that is a fixed string, not a world object (a survey token, a table name)."""


ARGUMENTS_OF_URL = {
    "customer_360": {"pk": "customer_a"},
    **{f"satisfaction:template_{n}": {"pk": "survey_template"} for n in ("detail", "edit", "archive")},
    **{f"satisfaction:campaign_{n}": {"pk": "campaign_a"} for n in ("detail", "send", "close", "links")},
    "satisfaction:response_detail": {"pk": "response_a"},
    "satisfaction:response_record": {"customer_pk": "customer_a"},
    "satisfaction:dashboard_export": {"table": Literal("csi_by_month"), "fmt": Literal("csv")},
    "reports:export": {"table": Literal("by_category"), "fmt": Literal("csv")},
    "satisfaction:response_export": {"fmt": Literal("csv")},
    "complaints:export": {"fmt": Literal("csv")},
    "customers:export": {"fmt": Literal("csv")},
    "customers:visit_export": {"fmt": Literal("csv")},
    # The world's real survey link (an unknown one answers 404 by design: tests/satisfaction/test_answer.py).
    "survey:answer": {"token": "survey_token"},
    "survey:thanks": {"token": "survey_token"},
    # The public complaint pages (intake): branch A's form, and the status link of branch A's complaint.
    "intake:branch_form": {"branch_code": Literal("SA")},
    "intake:filed": {"token": "intake_token"},
    "intake:status": {"token": "intake_token"},
    **{f"intake_staff:{n}": {"pk": "inbound_mail"} for n in ("mail", "mail_review")},
    "customers:import_preview": {"pk": "batch_a"},
    "customers:import_confirm": {"pk": "batch_a"},
    "customers:import_cancel": {"pk": "batch_a"},
    # The REST API (crm_site/api/urls.py).
    **{
        f"api:{n}": {"pk": "complaint_a"}
        for n in (
            "complaint",
            "complaint_step",
            "complaint_advance",
            "complaint_confirm",
            "complaint_plan_submit",
            "complaint_revisit",
            "complaint_assign",
            "complaint_note",
            "complaint_extend",
            "complaint_force_close",
            "complaint_reopen",
            "complaint_archive",
            "complaint_attachments",
        )
    },
    "api:attachment_file": {"pk": "attachment_a"},
    "api:plan_decide": {"pk": "plan_a"},
    "api:plan_response": {"pk": "plan_a"},
    "api:remedy_done": {"pk": "remedy_a"},
    **{f"api:{n}": {"pk": "customer_a"} for n in ("customer", "customer_interactions", "customer_transactions")},
    "api:visit_record": {"pk": "visit_plan_a"},
    "api:survey_template": {"pk": "survey_template"},
    **{f"api:survey_campaign{n}": {"pk": "campaign_a"} for n in ("", "_send", "_close")},
    "api:survey_answer": {"token": "survey_token"},
    "api:token_revoke": {"pk": "api_token_a"},
}


# Customer pages are walked a second time with branch A's other customer, whom branch B does not serve (no
# complaint of theirs is handled there): branch B's staff must not even see it.
UNSERVED = {"customer_a": "customer_a2", "contact_a": "contact_a2", "visit_plan_a": "visit_plan_a2"}


def argument_objects(route: Route, variant: str = "served") -> dict[str, str]:
    """URL argument → the name of the world's object that fills it; fails on an argument nobody mapped."""
    names = {**ARGUMENTS.get(route.namespace, {}), **ARGUMENTS_OF_URL.get(route.name, {})}
    needed = list(route.pattern.pattern.converters)
    missing = [arg for arg in needed if arg not in names]
    if missing:
        pytest.fail(f"{route.name} ({route.route}): no object mapped for URL argument(s) {missing}")
    objects = {arg: names[arg] for arg in needed}
    if variant == "unserved":
        objects = {arg: UNSERVED.get(obj, obj) for arg, obj in objects.items()}
    return objects


def has_variant(route: Route) -> bool:
    return any(obj in UNSERVED for obj in argument_objects(route).values())


POLICY_WRAPPER = "allowed.<locals>.decorator.<locals>.wrapped"


def method_limits(view) -> tuple[frozenset[str] | None, bool]:
    """The HTTP methods the view answers (None: any), and whether another method is refused (405) before the
    policy is asked (require_POST outside ``allowed``) or only after it (inside)."""
    view_class = getattr(view, "view_class", None)
    if view_class is not None:
        # A class-based view answers the methods it both lists and has a handler for (TemplateView: no post).
        return frozenset(m.upper() for m in view_class.http_method_names if hasattr(view_class, m)), True
    methods, before_policy, seen_policy = None, True, False
    layer = view
    while layer is not None:
        code = getattr(layer, "__code__", None)
        if code is not None:
            if code.co_qualname == POLICY_WRAPPER:
                seen_policy = True
            limit = inspect.getclosurevars(layer).nonlocals.get("request_method_list")
            if limit is not None:
                if methods is None:
                    before_policy = not seen_policy
                methods = frozenset(limit) if methods is None else methods & frozenset(limit)
        layer = getattr(layer, "__wrapped__", None)
    return methods, before_policy


def expected_outcome(world, route: Route, user_name: str, method: str, variant: str = "served") -> str:
    """The answer the policy predicts: login, 404, 403, 405 or "runs", from the view's declared rule alone."""
    view = route.pattern.callback
    rule = declared_rule(view, method)
    user = world.user(user_name)
    if user is None and rule.kind != "public":
        # The API's views are exempt from the login redirect: they answer 401 (crm_site/api/permissions.py).
        return "401" if getattr(view, "login_required", True) is False else "login"
    methods, refused_first = method_limits(view)
    method_ok = methods is None or method in methods
    if not method_ok and refused_first:
        return "405"
    if rule.kind == "perm":
        obj = None
        if rule.gate is not None:
            pk = getattr(world, argument_objects(route, variant)[rule.kwarg]).pk
            try:
                obj = rule.gate(user=user, pk=pk)
            except Http404:
                return "404"
        subject = rule.subject(obj) if rule.subject is not None and obj is not None else obj
        if not can(user, rule.perm, subject):
            return "403"
    return "runs" if method_ok else "405"


def declared_rule(view, method: str):
    """The rule the view declares for this method: API views declare one per method (crm_site/api/permissions.py)."""
    by_method = getattr(getattr(view, "view_class", None), "crm_policy_by_method", None)
    return (by_method or {}).get(method) or rule_of(view)


def _url_value(obj):
    return obj if isinstance(obj, str) else obj.pk


def url_for(world, route: Route, variant: str = "served") -> str:
    kwargs = {
        arg: str(obj) if isinstance(obj, Literal) else _url_value(getattr(world, obj))
        for arg, obj in argument_objects(route, variant).items()
    }
    return reverse(route.name, kwargs=kwargs)


def is_login_redirect(response) -> bool:
    """The redirect LoginRequiredMiddleware answers for a page that needs a signed-in user."""
    login = resolve_url(settings.LOGIN_URL)
    return response.status_code == 302 and response["Location"].startswith(login + "?next=")
