"""The navigation bar: which links each role sees (a context processor)."""

from dataclasses import dataclass

from django.urls import NoReverseMatch, reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from .org.access import access_of
from .org.roles import Role

ALL = frozenset(Role)


@dataclass(frozen=True)
class NavItem:
    label: str | Promise
    url_name: str
    icon: str
    roles: frozenset


NAV_ITEMS = [
    NavItem(_("Home"), "home", "house", ALL),
    NavItem(_("Complaints"), "complaints:list", "chat-left-text", ALL),
    NavItem(_("New complaint"), "complaints:create", "plus-circle", frozenset({Role.FRONTLINE, Role.MANAGER})),
    NavItem(_("Approvals"), "complaints:approvals", "check2-square", frozenset({Role.MANAGER, Role.GENERAL_MANAGER})),
    NavItem(_("Customers"), "customers:list", "people", ALL),
    # Customer capabilities (value matrix, visits…) add their items below this line.
    NavItem(
        _("Visits"),
        "customers:visits",
        "calendar-check",
        frozenset({Role.FRONTLINE, Role.MANAGER, Role.GENERAL_MANAGER}),
    ),
    NavItem(
        _("Value matrix"),
        "customers:matrix",
        "grid-3x3-gap",
        frozenset({Role.MANAGER, Role.GENERAL_MANAGER, Role.ADMIN}),
    ),
    NavItem(
        _("Retention"), "customers:retention", "graph-down", frozenset({Role.MANAGER, Role.GENERAL_MANAGER, Role.ADMIN})
    ),
    NavItem(_("Configuration"), "admin:index", "gear", frozenset({Role.ADMIN})),
]


def nav_for(user) -> list[dict]:
    role = access_of(user).role
    items = []
    for item in NAV_ITEMS:
        if role not in item.roles:
            continue
        try:
            url = reverse(item.url_name)
        except NoReverseMatch:  # A capability not installed yet.
            continue
        items.append({"label": item.label, "url": url, "icon": item.icon, "url_name": item.url_name})
    return items


def navigation(request) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": [], "user_role": None}
    access = access_of(user)
    return {
        "nav_items": nav_for(user),
        "user_role": access.role,
        "user_role_label": Role(access.role).label if access.role else _("No role"),
    }
