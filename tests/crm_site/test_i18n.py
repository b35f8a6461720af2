import ast
import os
import shutil
import subprocess
import sys

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


# The same ignores as the Makefile's `messages` target.
MAKEMESSAGES_IGNORES = (".venv/*", "var/*", "static/*", "tests/*", "bench/*")
NOT_SCANNED = shutil.ignore_patterns(".git", ".venv", "var", "static", "tests", "bench", "node_modules", "__pycache__")


def test_catalogue_has_every_string_of_the_code(tmp_path):
    """`make messages` on a copy of the project would add nothing: no new, fuzzy or untranslated msgid.

    Fails when code or templates gained a string the lead has not translated yet; the real locale/
    is never touched.
    """
    project = tmp_path / "project"
    shutil.copytree(settings.BASE_DIR, project, ignore=NOT_SCANNED)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "PYTEST_"))}
    env.update(DJANGO_SETTINGS_MODULE="crm_site.settings.test", CRM_VAR_DIR=str(tmp_path / "var"))
    ignores = [arg for pattern in MAKEMESSAGES_IGNORES for arg in ("-i", pattern)]
    result = subprocess.run(
        [sys.executable, "manage.py", "makemessages", "-l", "zh_Hans", "--no-obsolete", *ignores],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    po = (project / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po").read_text(encoding="utf-8")
    stale = [f"{state}: {msgid!r}" for msgid, state in _po_entries(po) if state != "translated"]
    assert stale == [], "run `make messages` and translate:\n" + "\n".join(stale)


def _po_entries(text: str):
    """(msgid, state) for each live entry of a .po file, state being translated, fuzzy or untranslated."""
    for block in text.split("\n\n"):
        lines = [ln.strip() for ln in block.strip().splitlines()]
        if not lines or all(ln.startswith("#~") for ln in lines if ln):
            continue
        fuzzy = any(ln.startswith("#,") and "fuzzy" in ln for ln in lines)
        fields: dict[str, str] = {}
        current = None
        for ln in lines:
            if ln.startswith("#"):
                continue
            if ln.startswith('"') and current:
                fields[current] += ast.literal_eval(ln)
            else:
                current, _, value = ln.partition(" ")
                fields[current] = ast.literal_eval(value)
        msgid = fields.get("msgid", "")
        if not msgid:  # The header.
            continue
        translations = [v for k, v in fields.items() if k.startswith("msgstr")]
        if fuzzy:
            yield msgid, "fuzzy"
        elif not translations or not all(translations):
            yield msgid, "untranslated"
        else:
            yield msgid, "translated"
