"""Production: no default secret, HTTPS only, hashed static files. Passes `check --deploy`.

No silent fallback either: the SQLite file and the filesystem broker of base.py are for one machine,
so production refuses to start without DATABASE_URL and CELERY_BROKER_URL.
"""

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import CACHES, env

DEBUG = False
SECRET_KEY = env("DJANGO_SECRET_KEY")  # No default: refuse to start without one.
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS")

for _name, _example in (
    ("DATABASE_URL", "postgres://crm:PASSWORD@db-host:5432/crm"),
    ("CELERY_BROKER_URL", "redis://redis-host:6379/0"),
):
    if not env.str(_name, default=""):
        raise ImproperlyConfigured(
            f"Set the {_name} environment variable (e.g. {_example}): production does not fall back to "
            "SQLite or the filesystem broker."
        )
if CACHES["default"]["BACKEND"] != "django.core.cache.backends.redis.RedisCache":
    raise ImproperlyConfigured(
        "Set REDIS_URL (e.g. redis://redis-host:6379/1), or use a Redis broker: the throttles count in a cache "
        "that every web process shares."
    )

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=True)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
# /healthz is probed over plain HTTP from inside the cluster.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
# The collected, hashed files only (the image runs collectstatic), read once at start.
WHITENOISE_USE_FINDERS = False
WHITENOISE_AUTOREFRESH = False
