import pytest
from django.conf import settings
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_language_switch_turns_the_ui_chinese_and_back(client, frontline):
    client.force_login(frontline)
    response = client.post(reverse("set_language"), {"language": "zh-hans", "next": reverse("home")}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("home")
    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "zh-hans"
    page = response.content.decode()
    assert '<html lang="zh-hans">' in page
    assert "客户" in page  # "Customers" in the navigation
    assert "退出登录" in page  # "Log out"

    response = client.post(reverse("set_language"), {"language": "en", "next": reverse("home")}, follow=True)
    page = response.content.decode()
    assert '<html lang="en">' in page
    assert "Log out" in page


def test_login_page_is_translated_for_anonymous_users(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    page = client.get(reverse("login")).content.decode()
    assert "登录" in page


def test_anonymous_user_can_switch_language_on_the_login_page(client):
    response = client.post(reverse("set_language"), {"language": "zh-hans", "next": reverse("login")}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("login")
    assert '<html lang="zh-hans">' in response.content.decode()


def test_unknown_language_is_ignored(client, frontline):
    client.force_login(frontline)
    client.post(reverse("set_language"), {"language": "xx", "next": reverse("home")})
    assert '<html lang="en">' in client.get(reverse("home")).content.decode()


def test_every_catalogue_entry_is_translated():
    """The committed Chinese catalogue has no empty or fuzzy entry, and its .mo is newer than the .po."""
    po = settings.BASE_DIR / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
    mo = po.with_suffix(".mo")
    assert mo.exists()
    text = po.read_text(encoding="utf-8")
    assert "#, fuzzy" not in text.split("\n\n", 1)[1]
    entries = text.split("\n\n")[1:]
    untranslated = [e for e in entries if e.strip() and not e.lstrip().startswith("#~") and _is_empty(e)]
    assert untranslated == []


def _is_empty(entry: str) -> bool:
    lines = [ln for ln in entry.splitlines() if not ln.startswith("#")]
    msgstr_at = [i for i, ln in enumerate(lines) if ln.startswith("msgstr")]
    for i in msgstr_at:
        value = lines[i].split(" ", 1)[1]
        continuation = [ln for ln in lines[i + 1 :] if ln.startswith('"')]
        if value == '""' and not any(c != '""' for c in continuation[:1]):
            return True
    return False
