"""Settings shared by every environment, read from the environment (django-environ).

The defaults here are for development and the demo: an SQLite file and a filesystem Celery broker
under ``var/``, so the whole stack (web, worker, beat) runs with no server installed.
"""

from datetime import timedelta
from pathlib import Path

import environ
from celery.schedules import crontab
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from crm_site.logs import FORMATS, formatters

BASE_DIR = Path(__file__).resolve().parent.parent.parent
env = environ.Env()
if (BASE_DIR / ".env").is_file():
    environ.Env.read_env(BASE_DIR / ".env")

VAR_DIR = Path(env("CRM_VAR_DIR", default=str(BASE_DIR / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)

SECRET_KEY = env("DJANGO_SECRET_KEY", default="dev-only-insecure-key-change-me-0123456789abcdefghijklmnop")
# On for `manage.py runserver`; `make run` (run_stack) turns it off unless DJANGO_DEBUG is set, so the demo
# shows the friendly error pages, not the technical ones with the URL list.
DEBUG = env.bool("DJANGO_DEBUG", default=True)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_htmx",
    "django_filters",
    "django_celery_beat",
    "django_celery_results",
    "axes",
    "csp",
    "rest_framework",
    "drf_spectacular",
    # Ours, bottom layer first.
    "crm_site.org",
    "crm_site.jobs",
    "crm_site.notifications",
    "customers",
    "complaints",
    "satisfaction",
    "intake",
    "reports",
    "crm_site.exports",
    "crm_site.api",
    "crm_site",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Every view needs a login unless it is marked @login_not_required (login, healthz, survey links).
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Axes last: it turns a locked-out login into a clear page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "crm_site.urls"
WSGI_APPLICATION = "crm_site.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "crm_site.navigation.navigation",
                "crm_site.notifications.context_processors.notification_bell",
            ],
        },
    },
]

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'crm.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Web, worker and beat share one file: wait for locks, take the write lock up front, allow
    # readers during writes.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    # A file, not memory, so that a real Celery worker process can open the test database too.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test_crm.sqlite3")}
    # The covering indexes (INCLUDE) serve the dashboards on PostgreSQL; SQLite keeps the key columns only.
    SILENCED_SYSTEM_CHECKS = ["models.W040"]
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    # Per session, for the app's queries only: no JIT (it compiled a list query for 120-220 ms to save a few; the
    # app runs short queries over indexes) and enough memory that a report's sort or hash stays off disk
    # (bench/README.md), and joins planned in the order the ORM writes them: from the table the query is about out
    # to its related rows. A list query joins seven tables; searching every join order took the planner 12 ms to
    # find the plan it runs in 0.6 ms, in the written order it takes 2.5 ms. No parallel workers: on two cores
    # they take the CPU the other requests need (the home page's open-queue counts: 20 ms parallel, 7 ms not).
    # PG_JIT / PG_WORK_MEM / PG_JOIN_COLLAPSE_LIMIT / PG_PARALLEL_WORKERS change them.
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = (
        f"-c jit={env.str('PG_JIT', default='off')} -c work_mem={env.str('PG_WORK_MEM', default='16MB')} "
        f"-c join_collapse_limit={env.int('PG_JOIN_COLLAPSE_LIMIT', default=1)} "
        f"-c max_parallel_workers_per_gather={env.int('PG_PARALLEL_WORKERS', default=0)}"
    )

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    # Django's ModelBackend, loading each request's user with their role, branch and unread count in one query.
    "crm_site.notifications.backends.SignedInBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Login throttling (django-axes): lock a username from one address after repeated failures.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_VERBOSE = False

LANGUAGE_CODE = env("LANGUAGE_CODE", default="en")
LANGUAGES = [("en", _("English")), ("zh-hans", _("Simplified Chinese"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env("TIME_ZONE", default="Asia/Shanghai")
PHONE_DEFAULT_REGION = env("PHONE_DEFAULT_REGION", default="CN")  # how a number without +country code is read
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "staticfiles"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_ROOT = Path(env("MEDIA_ROOT", default=str(VAR_DIR / "media")))
# No MEDIA_URL: uploaded evidence is served only through permission-checked views.
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# WhiteNoise serves static files straight from the source folders, so the demo needs no collectstatic even
# with DEBUG off (prod.py serves the collected, hashed copies instead).
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True

EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="crm@localhost")
# The address customers reach the site at, for links in e-mails (survey invitations).
SITE_URL = env("SITE_URL", default="http://localhost:8000")

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False  # htmx reads the token from the page, not the cookie.
X_FRAME_OPTIONS = "DENY"
# Content-Security-Policy (django-csp): scripts and styles only from our own static files, so an injected
# <script> or on*= attribute does not run. Templates keep no inline scripts or style attributes (a
# json_script data island is not executed); htmx's indicator <style> is off in base.html's htmx-config.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],  # Bootstrap draws its icons in forms as data: SVGs
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

# Celery: the embedded default is kombu's filesystem transport, which a real worker in another
# process can read; with CELERY_BROKER_URL=redis://... the same code uses Redis.
# "localhost" only so that kombu does not warn "No hostname was supplied" on every connection; it is not used.
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default="filesystem://localhost/")
if CELERY_BROKER_URL.startswith("filesystem://"):
    _broker_dir = VAR_DIR / "celery-broker"
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
elif CELERY_BROKER_URL.startswith("redis"):
    # Measured here (../shared/NOTES.md): an unacknowledged message comes back only after the visibility timeout,
    # and a timeout shorter than a task delivers it again while it runs. Work is recorded as Job rows first, so a
    # message that comes back finds its row done; a lost one is sent again by the poll (JOB_STALE_SECONDS) long
    # before this timeout. The restore settings make the sweep for such messages run every 2 s, not every 100 s.
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "visibility_timeout": env.int("BROKER_VISIBILITY_TIMEOUT_SECONDS", default=900),
        "unacked_restore_interval": 2,
        "unacked_restore_throttle": 1,
        "socket_connect_timeout": 3,
        "health_check_interval": 10,
    }
CELERY_BROKER_CONNECTION_TIMEOUT = 3
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A worker that loses the broker keeps trying to reconnect (the default gives up after 100 tries and exits).
CELERY_BROKER_CONNECTION_MAX_RETRIES = None
# Tasks that lost their broker connection finish their database work; their rows say they are done.
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = False
CELERY_RESULT_BACKEND = "django-db"
CELERY_RESULT_EXTENDED = True
# The Job rows are the record of background work; task results are not kept. (Storing them also made the worker's
# main process write to the database when it dropped an expired message, and exit when PostgreSQL had restarted.)
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
# Celery's own logging would replace ours (UTC times, JSON when asked); LOGGING below covers the worker too.
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
# /healthz answers 503 when no worker answered a probe within two intervals; a worker sends one when it starts.
WORKER_PROBE_INTERVAL = timedelta(seconds=env.int("WORKER_PROBE_INTERVAL_SECONDS", default=60))
# Background jobs (crm_site/jobs): a job nobody finished is sent again after this long, with doubling back-off
# after errors, and marked failed for an admin after this many attempts.
JOB_STALE_AFTER = timedelta(seconds=env.int("JOB_STALE_SECONDS", default=60))
JOB_POLL_INTERVAL = timedelta(seconds=env.int("JOB_POLL_SECONDS", default=30))
JOB_MAX_ATTEMPTS = env.int("JOB_MAX_ATTEMPTS", default=5)
# How long a job keeps trying to record an outside effect (a mail sent) when the database went away meanwhile.
JOB_RECORD_RETRY_SECONDS = env.int("JOB_RECORD_RETRY_SECONDS", default=60)
# Exports (crm_site/exports): an Excel file of more rows than this is built by a background job, whose file the
# owner downloads from "My exports" (stored under MEDIA_ROOT/exports, never served directly) until it expires.
EXPORT_INLINE_MAX_ROWS = env.int("EXPORT_INLINE_MAX_ROWS", default=5000)
EXPORT_FILE_DAYS = env.int("EXPORT_FILE_DAYS", default=3)
# How often beat runs the scans that find the reminders and escalations due now (SLA times are to the minute).
SCHEDULE_SCAN_INTERVAL = timedelta(seconds=env.int("SCHEDULE_SCAN_SECONDS", default=60))
# A probe or poll message older than its interval is dropped, not piled up while no worker runs
# (django-celery-beat reads "expire_seconds", not Celery's "expires").
CELERY_BEAT_SCHEDULE = {
    "worker-probe": {
        "task": "crm_site.tasks.send_worker_probe",
        "schedule": WORKER_PROBE_INTERVAL.total_seconds(),
        "options": {"expire_seconds": int(WORKER_PROBE_INTERVAL.total_seconds())},
    },
    "jobs-poll": {
        "task": "crm_site.jobs.tasks.poll_jobs",
        "schedule": JOB_POLL_INTERVAL.total_seconds(),
        "options": {"expire_seconds": int(JOB_POLL_INTERVAL.total_seconds())},
    },
    # Records one digest job per person and day (keyed, so a late or repeated run adds nothing); the poll sends them.
    "notifications-digest": {
        "task": "crm_site.notifications.tasks.schedule_digests",
        "schedule": crontab(hour=env.int("NOTIFICATION_DIGEST_HOUR", default=8), minute=0),
    },
    # The scans record one keyed job per reminder or escalation that is due (schedule.py of complaints, customers,
    # satisfaction): run twice, by two beats, or again after a restart, they add nothing; the poll sends the jobs.
    **{
        name: {
            "task": task,
            "schedule": SCHEDULE_SCAN_INTERVAL.total_seconds(),
            "options": {"expire_seconds": int(SCHEDULE_SCAN_INTERVAL.total_seconds())},
        }
        for name, task in (
            ("complaints-scan", "complaints.tasks.scan_complaints"),
            ("visits-scan", "customers.tasks.scan_visits"),
            ("survey-reminders-scan", "satisfaction.tasks.scan_reminders"),
        )
    },
    # Values, tiers and at-risk flags every night at 02:30 local time (CELERY_TIMEZONE); one job per day.
    "customers-nightly-recompute": {
        "task": "customers.tasks.nightly_recompute",
        "schedule": crontab(hour=2, minute=30),
    },
}

# Complaints by e-mail (intake/mailbox.py): a mailbox read over IMAP, off while INTAKE_IMAP_HOST is empty. New mails
# become complaints of INTAKE_EMAIL_BRANCH (a branch code; empty: the first active branch).
INTAKE_IMAP_HOST = env("INTAKE_IMAP_HOST", default="")
INTAKE_IMAP_PORT = env.int("INTAKE_IMAP_PORT", default=993)
INTAKE_IMAP_SSL = env.bool("INTAKE_IMAP_SSL", default=True)
INTAKE_IMAP_STARTTLS = env.bool("INTAKE_IMAP_STARTTLS", default=False)
INTAKE_IMAP_USER = env("INTAKE_IMAP_USER", default="")
INTAKE_IMAP_PASSWORD = env("INTAKE_IMAP_PASSWORD", default="")
INTAKE_IMAP_FOLDER = env("INTAKE_IMAP_FOLDER", default="INBOX")
INTAKE_IMAP_BATCH = env.int("INTAKE_IMAP_BATCH", default=50)
INTAKE_IMAP_TIMEOUT_SECONDS = env.int("INTAKE_IMAP_TIMEOUT_SECONDS", default=30)
INTAKE_IMAP_POLL = timedelta(seconds=env.int("INTAKE_IMAP_POLL_SECONDS", default=60))
INTAKE_MAIL_MAX_BYTES = env.int("INTAKE_MAIL_MAX_BYTES", default=25 * 1024 * 1024)
INTAKE_EMAIL_BRANCH = env("INTAKE_EMAIL_BRANCH", default="")
if INTAKE_IMAP_HOST:
    CELERY_BEAT_SCHEDULE["intake-mailbox-poll"] = {
        "task": "intake.tasks.poll_mailbox",
        "schedule": INTAKE_IMAP_POLL.total_seconds(),
        "options": {"expire_seconds": int(INTAKE_IMAP_POLL.total_seconds())},
    }

# Behind a reverse proxy every request comes from the proxy's address: the client's is in X-Forwarded-For, which
# is believed only from these addresses (CIDRs; "*" when the app port is reachable from the proxy alone, as in
# compose.yaml). The login lockout and the throttles count per client address (crm_site/org/network.py).
TRUSTED_PROXIES = env.list("TRUSTED_PROXIES", default=[])
AXES_CLIENT_IP_CALLABLE = "crm_site.org.network.client_ip"
RATELIMIT_IP_META_KEY = "crm_site.org.network.client_ip"
# Who sees /healthz's details without signing in as an admin: loopback and private networks by default.
HEALTHZ_DETAIL_NETWORKS = env.list(
    "HEALTHZ_DETAIL_NETWORKS", default=["127.0.0.0/8", "::1/128", "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"]
)
# A plain-HTTP trial (prod.py): no Secure cookies, no HSTS, and a warning on every page.
HTTP_TRIAL = False

# The default cache holds the throttle counts (crm_site/org/throttle.py), which every web process must share and
# increment atomically: Redis (REDIS_URL, else the broker when it is Redis). Without Redis, a per-process
# memory cache, which counts right only for one web process: `make run`'s runserver, the tests. prod.py
# refuses to start without Redis. ("django_ratelimit" stays out of INSTALLED_APPS: its only effect is a
# system check that warns on Django's own RedisCache, jsocol/django-ratelimit#283.)
REDIS_URL = env("REDIS_URL", default=CELERY_BROKER_URL if CELERY_BROKER_URL.startswith("redis") else "")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# Sessions are read from that cache (written to the database too): no session query on every request. The cache
# must be one every web process shares, or a session ended in one process would live on in another's copy:
# production refuses to start without Redis (prod.py), and the development server is one process.
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"


def _no_traceback_for_client_errors(record) -> bool:
    """A 403 or 404 is an answer, not a fault: log its one line, not the exception's traceback."""
    if getattr(record, "status_code", 500) < 500:
        record.exc_info = None
        record.exc_text = None
    return True


# One line per event, every process (web, worker, beat, gunicorn) on standard error, times in UTC with a Z;
# LOG_FORMAT=json for a log collector.
LOG_LEVEL = env("LOG_LEVEL", default="INFO").upper()
LOG_FORMAT = env("LOG_FORMAT", default="text").lower()
if LOG_FORMAT not in FORMATS:
    raise ImproperlyConfigured(f"LOG_FORMAT must be one of {', '.join(FORMATS)}, not {LOG_FORMAT!r}.")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"no_client_error_traceback": {"()": lambda: _no_traceback_for_client_errors}},
    "formatters": formatters(),
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": LOG_FORMAT}},
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        # Django's own config gives "django" a DEBUG-only console handler and lets it propagate to
        # ours too, so every line came twice in development and through mail_admins in production.
        "django": {"handlers": ["console"], "level": LOG_LEVEL, "propagate": False},
        "django.request": {"filters": ["no_client_error_traceback"]},
        "django.db.backends": {"level": "INFO"},
        # gunicorn's own loggers: the same handler and format as everything else (deploy/gunicorn.conf.py).
        "gunicorn.error": {"handlers": ["console"], "level": LOG_LEVEL, "propagate": False},
        "gunicorn.access": {"handlers": ["console"], "level": "INFO", "propagate": False},
    },
}

# The REST API (crm_site/api): session or token sign-in, the access policy on every view, cursor pages, one JSON
# error shape, and rates per user (per address for the public survey answers) in the default cache as the pages'.
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "crm_site.api.authentication.ApiTokenAuthentication",  # first: its header makes anonymous requests 401
        "crm_site.api.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],  # + each view's policy rules
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PAGINATION_CLASS": "crm_site.api.pagination.NewestFirst",
    "DEFAULT_SCHEMA_CLASS": "crm_site.api.schema.ApiSchema",
    "EXCEPTION_HANDLER": "crm_site.api.errors.exception_handler",
    "DEFAULT_THROTTLE_CLASSES": ["crm_site.api.throttling.ApiUserThrottle", "crm_site.api.throttling.ApiAnonThrottle"],
    "DEFAULT_THROTTLE_RATES": {
        "api_user": env("API_USER_RATE", default="600/min"),
        "api_anon": env("API_ANON_RATE", default="60/min"),
        # As the public answer page (satisfaction/answer_views.py GET_RATE, POST_RATE): a person opens a link a few
        # times and sends once or twice; a script guessing links soon stops.
        "survey_answer": env("API_SURVEY_ANSWER_RATE", default="30/min"),
        "survey_answer_post": env("API_SURVEY_ANSWER_POST_RATE", default="10/min"),
    },
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "CRM API",
    "DESCRIPTION": "Complaints, customers, visits, surveys and statistics; every answer as the pages would show "
    'the signed-in user. Errors: {"error": {"code", "message", "fields"}}.',
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],  # + rule api.docs (crm_site/api/views.py)
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    # No shared enum components: the same field name (status, kind, channel) means different choices per model.
    "POSTPROCESSING_HOOKS": [],
    # Vendored (static/vendor/swagger-ui-dist): no CDN; templates/api/swagger_ui.html loads it with {% static %}.
    "SWAGGER_UI_DIST": "/" + STATIC_URL.strip("/") + "/vendor/swagger-ui-dist",
    "SWAGGER_UI_FAVICON_HREF": None,
    "SWAGGER_UI_SETTINGS": {"deepLinking": True, "persistAuthorization": False},
}
