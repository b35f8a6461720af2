"""403, 404 and 500 answer with the app's friendly pages, in the user's language, and log one line."""

import json
import logging
import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.urls import reverse

from crm_site.management.commands.run_stack import child_environment

pytestmark = pytest.mark.django_db


def test_forbidden_page_is_friendly(client, frontline):
    client.force_login(frontline)
    response = client.get(reverse("complaints:approvals"))  # Managers only.
    assert response.status_code == 403
    assert "403.html" in [t.name for t in response.templates]
    page = response.content.decode()
    assert "You are not allowed to do this" in page
    assert f'href="{reverse("home")}"' in page


def test_not_found_page_is_friendly_and_translated(client, frontline):
    client.force_login(frontline)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    page = response.content.decode()
    assert '<html lang="zh-hans">' in page
    assert "页面不存在" in page  # "Page not found"


@pytest.fixture
def broken_home(client, frontline, monkeypatch):
    def boom(user):
        raise RuntimeError("broken on purpose")

    monkeypatch.setattr("crm_site.views.home_context_for", boom)
    client.force_login(frontline)
    client.raise_request_exception = False
    return client


@pytest.mark.parametrize(
    ("language", "heading"), [("en", "Something went wrong"), ("zh-hans", "出错了")], ids=["en", "zh-hans"]
)
def test_server_error_page_is_friendly_in_the_users_language(broken_home, language, heading):
    broken_home.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    response = broken_home.get(reverse("home"))
    assert response.status_code == 500
    page = response.content.decode()
    assert f'<html lang="{language}">' in page
    assert f'<h1 class="display-6">{heading}</h1>' in page  # Once, not "出错了 · 出错了".
    assert "broken on purpose" not in page


class _Records(logging.Handler):
    def __init__(self):
        super().__init__()
        self.records: list[logging.LogRecord] = []

    def emit(self, record):
        self.records.append(record)


def test_forbidden_is_logged_once_without_a_traceback(client, frontline):
    django_logger = logging.getLogger("django")
    # Django's own config would add a second console handler and propagate to the root's.
    assert django_logger.propagate is False
    ours = [type(h) for h in django_logger.handlers if not type(h).__module__.startswith("_pytest")]
    assert ours == [logging.StreamHandler]
    captured = _Records()
    django_logger.addHandler(captured)
    try:
        client.force_login(frontline)
        client.get(reverse("complaints:approvals"))
    finally:
        django_logger.removeHandler(captured)
    forbidden = [r for r in captured.records if r.getMessage().startswith("Forbidden")]
    assert len(forbidden) == 1
    assert forbidden[0].exc_info is None


# What `make run` starts: manage.py's default settings, in the environment run_stack gives its children.
MAKE_RUN_PROBE = """
import json
import django
django.setup()
from django.conf import settings
from django.test import Client
client = Client()
missing = client.get("/no-such-page/")
static = client.get("/static/css/app.css")
print(json.dumps({
    "debug": settings.DEBUG,
    "missing": [missing.status_code, missing.content.decode()],
    "static": [static.status_code, (b"".join(static) if static.streaming else static.content).decode()],
}))
"""


@pytest.mark.parametrize(("debug", "friendly"), [(None, True), ("true", False)], ids=["make-run", "DJANGO_DEBUG=true"])
def test_make_run_shows_the_friendly_404_and_serves_static_files(tmp_path, debug, friendly):
    """`make run` is the demo: it should look like the product, not like Django's debug page with every URL."""
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "CELERY_", "PYTEST_"))}
    environ.update(CRM_VAR_DIR=str(tmp_path), DATABASE_URL=f"sqlite:///{tmp_path / 'crm.sqlite3'}")
    if debug is not None:  # a developer who wants the technical pages asks for them
        environ["DJANGO_DEBUG"] = debug
    result = subprocess.run(
        [sys.executable, "-c", MAKE_RUN_PROBE],
        cwd=settings.BASE_DIR,
        env={**child_environment(environ), "DJANGO_SETTINGS_MODULE": "crm_site.settings.base"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    probe = json.loads(result.stdout.strip().splitlines()[-1])
    assert probe["debug"] is not friendly
    status, page = probe["missing"]
    assert status == 404
    assert ("Page not found" in page and "It does not exist" in page) is friendly
    assert ("Using the URLconf defined in" in page) is not friendly
    status, css = probe["static"]
    assert status == 200
    assert css == (settings.BASE_DIR / "static" / "css" / "app.css").read_text()
