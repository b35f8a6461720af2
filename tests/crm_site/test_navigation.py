from html.parser import HTMLParser

import pytest
from django.conf import settings
from django.urls import reverse

from crm_site.org.roles import Role

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("role", "sees_config"),
    [(Role.FRONTLINE, False), (Role.MANAGER, False), (Role.GENERAL_MANAGER, False), (Role.ADMIN, True)],
)
def test_navigation_depends_on_role(client, users_by_role, role, sees_config):
    client.force_login(users_by_role[role])
    response = client.get(reverse("home"))
    assert response.status_code == 200
    urls = [item["url"] for item in response.context["nav_items"]]
    assert reverse("home") in urls
    assert reverse("customers:list") in urls
    assert (reverse("admin:index") in urls) is sees_config
    assert str(Role(role).label) in response.content.decode()


@pytest.mark.parametrize("role", list(Role))
def test_configuration_is_open_only_to_admins(client, users_by_role, role):
    client.force_login(users_by_role[role])
    response = client.get(reverse("admin:org_branch_changelist"))
    if role == Role.ADMIN:
        assert response.status_code == 200
    else:
        assert response.status_code == 302  # The admin site sends non-staff to its login.


def test_admin_cannot_delete_records(client, admin_user, branch):
    client.force_login(admin_user)
    response = client.get(reverse("admin:org_branch_delete", args=[branch.pk]))
    assert response.status_code == 403


def test_user_without_role_is_told_so(client, db):
    from tests.factories import UserFactory

    client.force_login(UserFactory())
    response = client.get(reverse("home"))
    assert response.status_code == 200
    assert response.context["nav_items"] == []
    assert b"has no role yet" in response.content
    assert response.context["customer_count"] == 0


def test_admin_configures_complaint_settings(client, admin_user, manager):
    client.force_login(admin_user)
    for name in ("category", "slapolicy", "businesscalendar", "holiday", "cannedphrase", "complaintsettings"):
        assert client.get(reverse(f"admin:complaints_{name}_changelist")).status_code == 200
    client.force_login(manager)
    assert client.get(reverse("admin:complaints_category_changelist")).status_code == 302


def test_home_shows_the_complaint_queue_of_the_role(client, frontline, manager, frontline_other, customer):
    from datetime import timedelta

    from django.utils import timezone

    from complaints.models import Category, Complaint
    from complaints.services import Intake, complaint_create

    category = Category.objects.first()
    complaint = complaint_create(
        actor=frontline,
        intake=Intake(
            customer=customer, channel="phone", occurred_at=timezone.now(), customer_words="x", category=category
        ),
    )
    Complaint.objects.filter(pk=complaint.pk).update(resolution_due_at=timezone.now() - timedelta(hours=1))
    client.force_login(frontline)
    counts = client.get(reverse("home")).context["complaint_counts"]
    assert (counts["open"], counts["mine"], counts["overdue"], counts["approvals"]) == (1, 1, 1, 0)
    client.force_login(manager)
    counts = client.get(reverse("home")).context["complaint_counts"]
    assert (counts["open"], counts["mine"]) == (1, 0)
    client.force_login(frontline_other)
    assert client.get(reverse("home")).context["complaint_counts"]["open"] == 0


NAV_BY_ROLE = {
    Role.FRONTLINE: ["home", "complaints:list", "complaints:create", "customers:list", "customers:visits"],
    Role.MANAGER: [
        "home",
        "complaints:list",
        "complaints:create",
        "complaints:approvals",
        "customers:list",
        "customers:visits",
        "customers:matrix",
        "customers:retention",
        "satisfaction:campaign_list",
        "satisfaction:dashboard",
        "reports:statistics",
    ],
    Role.GENERAL_MANAGER: [
        "home",
        "complaints:list",
        "complaints:approvals",
        "customers:list",
        "customers:visits",
        "customers:matrix",
        "customers:retention",
        "satisfaction:campaign_list",
        "satisfaction:dashboard",
        "reports:statistics",
    ],
    Role.ADMIN: [
        "home",
        "complaints:list",
        "customers:list",
        "customers:matrix",
        "customers:retention",
        "satisfaction:campaign_list",
        "satisfaction:dashboard",
        "reports:statistics",
        "admin:index",
    ],
}


class _NavLinks(HTMLParser):
    """(href, text) of each link in the rendered main navigation."""

    def __init__(self):
        super().__init__()
        self.links: list[list[str]] = []
        self._depth = 0  # Nesting inside <ul data-testid="nav">.
        self._in_link = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "ul" and (self._depth or attrs.get("data-testid") == "nav"):
            self._depth += 1
        elif tag == "a" and self._depth:
            self._in_link = True
            self.links.append([attrs["href"], ""])

    def handle_endtag(self, tag):
        if tag == "ul" and self._depth:
            self._depth -= 1
        elif tag == "a":
            self._in_link = False

    def handle_data(self, data):
        if self._in_link:
            self.links[-1][1] += data


def _rendered_nav(client, language: str) -> list[tuple[str, str]]:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    response = client.get(reverse("home"))
    assert response.status_code == 200
    parser = _NavLinks()
    parser.feed(response.content.decode())
    return [(href, " ".join(text.split())) for href, text in parser.links]


@pytest.mark.parametrize("role", list(Role))
def test_each_role_sees_exactly_its_links_in_english_and_chinese(client, users_by_role, role):
    client.force_login(users_by_role[role])
    expected_hrefs = [reverse(name) for name in NAV_BY_ROLE[role]]

    english = _rendered_nav(client, "en")
    assert [href for href, _ in english] == expected_hrefs
    assert all(label for _, label in english)

    chinese = _rendered_nav(client, "zh-hans")
    assert [href for href, _ in chinese] == expected_hrefs
    untranslated = [label for (_, label), (_, en) in zip(chinese, english, strict=True) if label == en]
    assert untranslated == []
