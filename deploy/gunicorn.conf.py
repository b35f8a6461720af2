"""gunicorn settings for production (compose.yaml's web service, or deploy/systemd/crm-web.service).

Logs go to standard error in the app's own format (UTC times; JSON when LOG_FORMAT=json), so web, worker and beat
lines read alike.
"""

import os

from crm_site.logs import formatters

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
workers = int(os.environ.get("GUNICORN_WORKERS", "2"))
threads = int(os.environ.get("GUNICORN_THREADS", "1"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
graceful_timeout = 30
# Recycle workers now and then, so a slow leak never grows for weeks.
max_requests = 2000
max_requests_jitter = 200

accesslog = "-"
# The client's address as the proxy saw it, then what gunicorn saw (the proxy).
access_log_format = '%({x-forwarded-for}i)s via %(h)s "%(r)s" %(s)s %(B)s %(M)sms "%(a)s"'

_format = os.environ.get("LOG_FORMAT", "text").lower()
logconfig_dict = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": formatters(),
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": _format, "stream": "ext://sys.stderr"}},
    "loggers": {
        "gunicorn.error": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO"), "propagate": False},
        "gunicorn.access": {"handlers": ["console"], "level": "INFO", "propagate": False},
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
}
