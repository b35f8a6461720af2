import os
import subprocess
import sys

import pytest
from django.conf import settings

SECRET = "x7!Qm2#vLr9@pT4$wZ8^kN1&bY6*cH3(dJ5)eF0-gS_hU+iA=oP"
# `check --deploy` connects to neither: the URLs only have to be well formed.
PROD_ENV = {
    "DJANGO_SETTINGS_MODULE": "crm_site.settings.prod",
    "ALLOWED_HOSTS": "crm.example.com",
    "DATABASE_URL": "postgres://crm:unused@db.invalid:5432/crm",
    "CELERY_BROKER_URL": "redis://redis.invalid:6379/0",
}
INHERITED_BUT_NOT_WANTED = ("DJANGO_SECRET_KEY", "DJANGO_ALLOW_ASYNC_UNSAFE", "DATABASE_URL", "CELERY_BROKER_URL")


def _manage(*args: str, without: tuple[str, ...] = (), **extra_env: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in INHERITED_BUT_NOT_WANTED}
    env.update(PROD_ENV, **extra_env)
    for name in without:
        env.pop(name)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_prod_refuses_to_start_without_a_secret_key():
    result = _manage("check")
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stderr


def test_prod_passes_the_deploy_check_with_nothing_silenced():
    result = _manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DJANGO_SECRET_KEY=SECRET,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues (0 silenced)" in result.stdout


@pytest.mark.parametrize("name", ["DATABASE_URL", "CELERY_BROKER_URL"])
def test_prod_refuses_to_fall_back_to_sqlite_or_the_filesystem_broker(name):
    result = _manage("check", without=(name,), DJANGO_SECRET_KEY=SECRET)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert f"Set the {name} environment variable" in result.stderr
