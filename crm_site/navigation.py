"""The navigation bar: a link shows when the access policy lets the user open its page (a context processor).

A link's rule is the one its view declares (crm_site/org/policy.py), so the bar cannot offer a page the
view would refuse, nor hide one it would open."""

from dataclasses import dataclass

from django.conf import settings
from django.urls import NoReverseMatch, resolve, reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from .org.access import access_of
from .org.policy import can, rule_of
from .org.roles import Role


@dataclass(frozen=True)
class NavItem:
    label: str | Promise
    url_name: str
    icon: str
    perm: str | None = None  # for pages whose view declares no rule of ours (the Django admin)


NAV_ITEMS = [
    NavItem(_("Home"), "home", "house"),
    NavItem(_("Complaints"), "complaints:list", "chat-left-text"),
    NavItem(_("New complaint"), "complaints:create", "plus-circle"),
    NavItem(_("Approvals"), "complaints:approvals", "check2-square"),
    NavItem(_("Customers"), "customers:list", "people"),
    NavItem(_("Visits"), "customers:visits", "calendar-check"),
    NavItem(_("Value matrix"), "customers:matrix", "grid-3x3-gap"),
    NavItem(_("Retention"), "customers:retention", "graph-down"),
    NavItem(_("Satisfaction"), "satisfaction:campaign_list", "emoji-smile"),
    NavItem(_("CSI"), "satisfaction:dashboard", "speedometer2"),
    NavItem(_("Complaint statistics"), "reports:statistics", "bar-chart-line"),
    NavItem(_("Configuration"), "admin:index", "gear", perm="config.use"),
]


def may_open(user, url: str, perm: str | None = None) -> bool:
    """Whether the policy lets the user open this page (one without an object in its URL)."""
    if perm is not None:
        return can(user, perm)
    rule = rule_of(resolve(url).func)
    if rule is None or rule.gate is not None:
        return False
    return rule.kind != "perm" or can(user, rule.perm)


def nav_for(user) -> list[dict]:
    if access_of(user).role is None:
        return []  # Their home page says they have no role yet; nothing else would open.
    items = []
    for item in NAV_ITEMS:
        try:
            url = reverse(item.url_name)
        except NoReverseMatch:  # A capability not installed yet.
            continue
        if not may_open(user, url, item.perm):
            continue
        items.append({"label": item.label, "url": url, "icon": item.icon, "url_name": item.url_name})
    return items


def navigation(request) -> dict:
    user = getattr(request, "user", None)
    # A plain-HTTP trial says so on every page, the login page first (settings/prod.py).
    http_trial = settings.HTTP_TRIAL
    if user is None or not user.is_authenticated:
        return {"nav_items": [], "user_role": None, "http_trial": http_trial}
    access = access_of(user)
    return {
        "http_trial": http_trial,
        "nav_items": nav_for(user),
        "user_role": access.role,
        "user_role_label": Role(access.role).label if access.role else _("No role"),
    }
