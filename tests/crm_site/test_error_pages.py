"""403, 404 and 500 answer with the app's friendly pages, in the user's language, and log one line."""

import logging

import pytest
from django.conf import settings
from django.urls import reverse

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
