"""Tests: fast hashing, plain static storage, and a broker of their own."""

from .base import *  # noqa: F403
from .base import CELERY_BROKER_URL, VAR_DIR, env

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
MEDIA_ROOT = VAR_DIR / "test-media"
LANGUAGE_CODE = "en"
# Each test process counts its own throttles, even when the broker is Redis: xdist workers and other runs
# sharing one Redis would count each other's requests for users with the same id.
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

if CELERY_BROKER_URL.startswith("filesystem://"):
    # Apart from the folders a running `make run` worker reads.
    _broker_dir = VAR_DIR / env("CRM_TEST_BROKER_DIR", default="test-celery-broker")
    for _sub in ("queue", "processed", "control"):
        (_broker_dir / _sub).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir / "queue"),
        "data_folder_out": str(_broker_dir / "queue"),
        "processed_folder": str(_broker_dir / "processed"),
        # Without it kombu writes its broadcast exchange into ./control of the working directory.
        "control_folder": str(_broker_dir / "control"),
        "store_processed": False,
    }
