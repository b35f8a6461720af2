"""Log formats: every process writes UTC times with a Z, so lines from web, worker and beat sort together.

(Django sets the process's time zone to TIME_ZONE, so the stock formatter wrote +08:00 in some processes and UTC
in others.)
"""

import logging
import time

from pythonjsonlogger.json import JsonFormatter


class UTCFormatter(logging.Formatter):
    converter = time.gmtime
    default_time_format = "%Y-%m-%dT%H:%M:%S"
    default_msec_format = "%s.%03dZ"


class UTCJsonFormatter(JsonFormatter):
    """One JSON object per line: time (UTC), level, logger, message, and any extra fields."""

    converter = time.gmtime
    default_time_format = "%Y-%m-%dT%H:%M:%S"
    default_msec_format = "%s.%03dZ"

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("fmt", "%(asctime)s %(levelname)s %(name)s %(message)s")
        kwargs.setdefault("rename_fields", {"asctime": "time", "levelname": "level", "name": "logger"})
        super().__init__(*args, **kwargs)


FORMATS = ("text", "json")


def formatters() -> dict:
    """The formatters for logging.dictConfig, shared by settings.LOGGING and deploy/gunicorn.conf.py."""
    return {
        "text": {"()": "crm_site.logs.UTCFormatter", "format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
        "json": {"()": "crm_site.logs.UTCJsonFormatter"},
    }
