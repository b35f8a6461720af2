"""Every URL obeys the policy: the resolver is walked, and every page is tried by every role, GET and POST.

What each request must answer is worked out from the rule the view declares (``rule_of``) and the policy
(``can``), never from the view: nobody signed in → the login page; the gate hides the object → 404; the rule
refuses → 403; otherwise the view runs (any answer but 403, 404 or a crash). Whether the policy itself says the
right thing is ``test_policy_matrix``'s business.
"""

import pytest
from django.conf import settings
from django.http import Http404
from django.shortcuts import resolve_url
from django.urls import reverse

from complaints.selectors import (
    attachment_get_for_user,
    complaint_detail_for_user,
    complaint_get_for_user,
    plan_get_for_user,
    remedy_get_for_user,
)
from crm_site.api.selectors import api_token_get_for_user
from crm_site.exports.selectors import export_get_for_user
from crm_site.notifications.selectors import notification_get_for_user
from crm_site.org.policy import can, rule_of
from customers.selectors import (
    customer_360_for_user,
    customer_get_for_user,
    import_batch_get_for_user,
    visit_plan_get_for_user,
)
from intake.selectors import inbound_mail_get_for_user
from reports.selectors import corrective_action_get_for_user
from satisfaction.staff_selectors import campaign_get_for_user, response_get_for_user, template_get_for_user

from .conftest import WALK_USERS, client_for, post
from .walk import (
    ALL_ROUTES,
    ROUTES,
    argument_objects,
    expected_outcome,
    has_variant,
    is_admin,
    is_login_redirect,
    method_limits,
    url_for,
)

pytestmark = pytest.mark.django_db
# --- Every view declares its rule ---------------------------------------------------------------------------------


def test_the_walk_finds_every_part_of_the_site():
    names = {r.name for r in ROUTES}
    assert {"home", "login", "customer_360", "complaints:plan_decide", "customers:visit_record"} <= names
    assert len(ROUTES) >= 50
    assert any(is_admin(r) for r in ALL_ROUTES)  # the configuration pages are there, walked as one entry below


def test_every_view_declares_a_policy_rule():
    undeclared = [f"{r.name} ({r.route})" for r in ROUTES if rule_of(r.pattern.callback) is None]
    assert undeclared == []


def test_every_url_argument_is_filled_from_the_world():
    for route in ROUTES:
        assert set(argument_objects(route)) == set(route.pattern.pattern.converters)


def test_every_gate_reads_an_argument_of_its_url():
    for route in ROUTES:
        rule = rule_of(route.pattern.callback)
        if rule.gate is not None:
            assert rule.kwarg in route.pattern.pattern.converters, route.name


def test_method_limits_are_read_from_the_views():
    """The introspection behind the 405 expectations, checked against what the view modules say."""
    views = {r.name: r.pattern.callback for r in ROUTES}
    assert method_limits(views["complaints:note"]) == (frozenset({"POST"}), True)
    assert method_limits(views["complaints:attachment"]) == (frozenset({"GET"}), True)
    assert method_limits(views["customers:duplicate_check"]) == (frozenset({"GET"}), True)
    assert method_limits(views["healthz"]) == (frozenset({"GET"}), True)
    assert method_limits(views["customers:edit"]) == (None, True)
    assert "GET" not in method_limits(views["logout"])[0]


# --- Every gate hides exactly what its rule hides --------------------------------------------------------------
# The walk predicts a 404 by calling the view's gate, so each gate is checked here against the rule it stands for:
# (gate, rule, the world's objects it loads, what the rule is asked about).
GATES = [
    (complaint_get_for_user, "complaint.view", ["complaint_a", "complaint_a2", "complaint_b", "complaint_x"], None),
    (complaint_detail_for_user, "complaint.view", ["complaint_a", "complaint_a2", "complaint_b", "complaint_x"], None),
    (plan_get_for_user, "complaint.view", ["plan_a", "plan_b", "plan_by_manager_a", "plan_by_gm"], "complaint"),
    (remedy_get_for_user, "complaint.view", ["remedy_a", "remedy_b"], "plan.complaint"),
    (attachment_get_for_user, "complaint.view", ["attachment_a", "attachment_b"], "complaint"),
    (customer_get_for_user, "customer.view", ["customer_a", "customer_a2", "customer_b", "customer_b2"], None),
    (customer_360_for_user, "customer.view", ["customer_a", "customer_a2", "customer_b", "customer_b2"], None),
    (visit_plan_get_for_user, "customer.view", ["visit_plan_a", "visit_plan_a2", "visit_plan_b"], "customer"),
    (import_batch_get_for_user, "importbatch.view", ["batch_a", "batch_b", "batch_gm", "batch_admin"], None),
    (template_get_for_user, "survey.design", ["survey_template"], None),
    (campaign_get_for_user, "campaign.view", ["campaign_a", "campaign_company"], None),
    (response_get_for_user, "response.view", ["response_a", "response_b"], None),
    (notification_get_for_user, "notification.view", ["notification_a"], None),
    (api_token_get_for_user, "api_token.manage", ["api_token_a"], None),
    (export_get_for_user, "export.download", ["export_a"], None),
    (corrective_action_get_for_user, "corrective_action.view", ["action_a", "action_b", "action_company"], None),
    (inbound_mail_get_for_user, "intake.mail_review", ["inbound_mail"], None),
]


def test_every_gate_of_a_view_is_checked_below():
    used = {rule_of(r.pattern.callback).gate for r in ROUTES} - {None}
    assert used - {gate for gate, *_ in GATES} == set()


@pytest.mark.parametrize(("gate", "perm", "objects", "parent"), GATES, ids=[g.__name__ for g, *_ in GATES])
def test_every_gate_hides_exactly_what_its_rule_hides(rollback, gate, perm, objects, parent):
    world = rollback
    wrong = []
    for user_name, user in world.users.items():
        for name in objects:
            obj = getattr(world, name)
            subject = obj
            for attr in parent.split(".") if parent else ():
                subject = getattr(subject, attr)
            try:
                gate(user=user, pk=obj.pk)
                shown = True
            except Http404:
                shown = False
            if shown != can(user, perm, subject):
                wrong.append((user_name, name, f"gate shows: {shown}"))
        with pytest.raises(Http404):
            gate(user=user, pk=2**62)  # no such row
    assert wrong == []


# --- Every role, every page, GET and POST -------------------------------------------------------------------------

CASES = [
    (route, variant, user, method)
    for route in ROUTES
    for variant in (("served", "unserved") if has_variant(route) else ("served",))
    for user in WALK_USERS
    for method in ("GET", "POST")
]


@pytest.mark.parametrize(
    ("route", "variant", "user_name", "method"),
    CASES,
    ids=[f"{r.name}{'' if v == 'served' else '(unserved)'}-{u}-{m}" for r, v, u, m in CASES],
)
def test_every_page_obeys_the_policy(rollback, route, variant, user_name, method):
    world = rollback
    expected = expected_outcome(world, route, user_name, method, variant)
    client = client_for(world.user(user_name))
    url = url_for(world, route, variant)
    # (No response.close(): the test client has closed it; closing again would close the database connection.)
    response = client.get(url) if method == "GET" else post(client, url)
    got = response.status_code
    where = f"{method} {url} as {user_name}: expected {expected}, got {got}"
    if expected == "login":
        assert is_login_redirect(response), where
    elif expected in ("401", "403", "404", "405"):
        assert got == int(expected), where
    else:
        assert got < 500 and got not in (403, 404, 405), where
        assert not is_login_redirect(response), where


# --- The configuration pages (the Django admin): one entry, rule config.use -------------------------------------


@pytest.mark.parametrize("user_name", WALK_USERS)
@pytest.mark.parametrize(
    "path", ["config/", "config/auth/user/", "config/complaints/category/", "config/api/apitoken/"]
)
def test_the_configuration_pages_obey_config_use(rollback, user_name, path):
    world = rollback
    user = world.user(user_name)
    url = "/" + path
    response = client_for(user).get(url)
    if user is None:  # the admin sends to its own login page (its views are exempt from LoginRequiredMiddleware)
        assert response.status_code == 302
        assert response["Location"].startswith((reverse("admin:login") + "?next=", resolve_url(settings.LOGIN_URL)))
    elif can(user, "config.use"):
        assert response.status_code == 200
    else:
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("admin:login") + "?next=")
