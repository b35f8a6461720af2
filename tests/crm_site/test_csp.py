"""The Content-Security-Policy header, and pages that keep to it: no inline script, handler or style.

The policy (issue 8): scripts and styles from our own origin only, images also as data: URLs, no plugins,
no framing, forms and <base> to our own origin.
"""

import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib import admin
from django.urls import NoReverseMatch, reverse

from crm_site.org.roles import Role
from tests.complaints.factories import ComplaintFactory
from tests.factories import staff

pytestmark = pytest.mark.django_db

EXPECTED_POLICY = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'"],
    "img-src": ["'self'", "data:"],
    "object-src": ["'none'"],
    "base-uri": ["'self'"],
    "form-action": ["'self'"],
    "frame-ancestors": ["'none'"],
}


def _policy(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    directives = [d.split() for d in header.split(";") if d.strip()]
    return {d[0]: d[1:] for d in directives}


@pytest.mark.parametrize("url", ["/accounts/login/", "/no-such-page/"], ids=["login", "not-found"])
def test_anonymous_pages_carry_the_policy(client, url):
    assert _policy(client.get(url)) == EXPECTED_POLICY


def test_signed_in_pages_and_the_admin_carry_the_policy(client, admin_user):
    client.force_login(admin_user)
    for url in ("/", "/config/"):
        response = client.get(url)
        assert response.status_code == 200
        assert _policy(response) == EXPECTED_POLICY


class _InlineCode(HTMLParser):
    """Collects what the policy would block: inline <script> and <style>, on*= handlers, style= attributes."""

    def __init__(self):
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag, attrs):
        names = dict(attrs)
        if tag == "script" and "src" not in names and names.get("type") != "application/json":
            self.found.append(f"inline <script {attrs}>")
        if tag == "style":
            self.found.append("<style> element")
        for name, _ in attrs:
            if name.startswith("on") or name == "style":
                self.found.append(f"<{tag} {name}=…>")


def _inline_code(html: str) -> list[str]:
    parser = _InlineCode()
    parser.feed(html)
    return parser.found


def test_the_scanner_sees_what_the_policy_blocks():
    html = '<script>x()</script><a onclick="x()">a</a><div style="color: red"></div><style>p{}</style>'
    assert len(_inline_code(html)) == 4
    assert _inline_code('<script id="d" type="application/json">{}</script><script src="/s.js"></script>') == []


def test_no_template_has_inline_code():
    for path in sorted((settings.BASE_DIR / "templates").rglob("*.html")):
        source = Path(path).read_text()
        # Template tags may sit inside a tag's attributes: blank them out before parsing the HTML.
        html = re.sub(r"{%.*?%}|{{.*?}}|{#.*?#}", "", source, flags=re.S)
        assert _inline_code(html) == [], path


@pytest.fixture
def pages(branch, customer, frontline, manager):
    complaint = ComplaintFactory(actor=frontline, customer=customer)
    return [
        reverse("home"),
        reverse("complaints:list"),
        reverse("complaints:create"),
        reverse("complaints:approvals"),
        reverse("complaints:detail", args=[complaint.pk]),
        reverse("customers:list"),
        reverse("customers:create"),
        reverse("customers:edit", args=[customer.pk]),
        reverse("customer_360", args=[customer.pk]),
        reverse("customers:visits"),
        reverse("customers:transfer"),
        reverse("customers:import"),
        reverse("customers:matrix"),
        reverse("customers:retention"),
        reverse("password_change"),
    ]


def test_rendered_pages_have_no_inline_code(client, manager, pages):
    client.force_login(manager)
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        assert _inline_code(response.content.decode()) == [], url


def test_admin_pages_have_no_inline_code(client, db):
    client.force_login(staff(Role.ADMIN, None, username="root", is_staff=True, is_superuser=True))
    scanned = 0
    for model in admin.site._registry:
        for view in ("changelist", "add"):
            try:
                url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}")
            except NoReverseMatch:
                continue
            response = client.get(url)
            if response.status_code == 403:  # e.g. no adding of timeline rows
                continue
            assert response.status_code == 200, url
            assert _inline_code(response.content.decode()) == [], url
            scanned += 1
    assert scanned >= 20


def test_htmx_keeps_to_the_policy_and_shows_the_throttle_note(client, frontline):
    client.force_login(frontline)
    html = client.get(reverse("home")).content.decode()
    match = re.search(r"<meta name=\"htmx-config\" content='([^']*)'>", html)
    assert match, "no htmx-config meta tag"
    config = json.loads(match.group(1))
    assert config["includeIndicatorStyles"] is False  # its <style> element would be refused
    # htmx applies the first rule whose pattern matches; by default a 4xx is not swapped in.
    first_for_429 = next(rule for rule in config["responseHandling"] if re.search(rule["code"], "429"))
    assert first_for_429["swap"] is True
    first_for_200 = next(rule for rule in config["responseHandling"] if re.search(rule["code"], "200"))
    assert first_for_200["swap"] is True
    first_for_404 = next(rule for rule in config["responseHandling"] if re.search(rule["code"], "404"))
    assert first_for_404["swap"] is False
