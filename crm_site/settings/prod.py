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
# Links in e-mails; empty (as compose passes it when unset): https:// and the first allowed host name.
SITE_URL = env("SITE_URL", default="") or (f"https://{ALLOWED_HOSTS[0].lstrip('.')}" if ALLOWED_HOSTS else "")

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
        "Set REDIS_URL (e.g. redis://redis-host:6379/1), or use a Redis broker: the throttles count, and the sessions "
        "are read, in a cache that every web process shares."
    )

# HTTPS ends at the reverse proxy (deploy/Caddyfile), which sets X-Forwarded-Proto and passes Host on. The app
# port must be reachable from the proxy only (compose.yaml publishes just the proxy), or anyone could claim https.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
# /healthz is probed over plain HTTP from inside the host or cluster.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]

# HTTP_TRIAL=true: an internal trial over plain HTTP, on purpose and visibly: cookies without Secure, no HSTS, no
# redirect, and a red warning on every page (templates/base.html). Never for real use: passwords and customer
# data cross the network unencrypted.
HTTP_TRIAL = env.bool("HTTP_TRIAL", default=False)
if HTTP_TRIAL:
    SECURE_SSL_REDIRECT = False
    SECURE_HSTS_SECONDS = 0
    SESSION_COOKIE_SECURE = False
    CSRF_COOKIE_SECURE = False
else:
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    # Browsers then refuse plain HTTP for this host (and its subdomains) for a year. Preload only marks the header
    # as eligible: nothing reaches the browsers' built-in list unless someone submits the domain to it.
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
    SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
# The collected, hashed files only (the image runs collectstatic), read once at start.
WHITENOISE_USE_FINDERS = False
WHITENOISE_AUTOREFRESH = False
