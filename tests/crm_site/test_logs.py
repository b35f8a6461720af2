"""Log lines (crm_site/logs.py, settings LOGGING): UTC times ending in Z in every process, JSON when LOG_FORMAT=json.

Django sets the process's time zone to TIME_ZONE (Asia/Shanghai here), so these tests run where a local-time
formatter would write 8 hours later than UTC.
"""

import json
import logging
import os
import runpy
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings

from crm_site.logs import UTCFormatter, UTCJsonFormatter

BASE_SETTINGS = Path(settings.BASE_DIR) / "crm_site" / "settings" / "base.py"
# 2026-01-02 03:00:00.250 UTC (2026-01-01 is day 20454 since 1970-01-01: 20454 × 86400 = 1767225600; + 27 h).
CREATED = 1_767_225_600 + 27 * 3600 + 0.25
CREATED_UTC = "2026-01-02T03:00:00.250Z"


def _record(**extra) -> logging.LogRecord:
    record = logging.LogRecord("crm.tests", logging.WARNING, "x.py", 1, "hello %s", ("world",), None)
    record.created = CREATED
    record.msecs = 250.0
    record.__dict__.update(extra)
    return record


def test_the_text_format_writes_the_records_utc_time_with_a_z():
    line = UTCFormatter("%(asctime)s %(levelname)s %(name)s %(message)s").format(_record())
    assert line == f"{CREATED_UTC} WARNING crm.tests hello world"
    stamp = line.split(" ", 1)[0]
    parsed = datetime.strptime(stamp, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)
    assert parsed == datetime.fromtimestamp(CREATED, tz=UTC)


def test_the_stock_formatter_would_write_local_time_here():
    """Guards the test above: this process runs in TIME_ZONE (Django sets it), which is not UTC."""
    local = datetime.fromtimestamp(CREATED, tz=ZoneInfo(settings.TIME_ZONE))
    assert local.utcoffset() != timedelta(0)
    assert logging.Formatter("%(asctime)s").format(_record()) == local.strftime("%Y-%m-%d %H:%M:%S,250")


def test_the_json_format_is_one_object_with_time_level_logger_message_and_extras():
    payload = json.loads(UTCJsonFormatter().format(_record(customer_id=42)))
    assert payload == {
        "time": CREATED_UTC,
        "level": "WARNING",
        "logger": "crm.tests",
        "message": "hello world",
        "customer_id": 42,
    }


def _settings_with(monkeypatch, **environ) -> dict:
    for name, value in environ.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(str(BASE_SETTINGS))


@pytest.mark.parametrize(("log_format", "formatter_class"), [("text", UTCFormatter), ("json", UTCJsonFormatter)])
def test_the_console_handler_follows_log_format(monkeypatch, log_format, formatter_class):
    module = _settings_with(monkeypatch, LOG_FORMAT=log_format)
    logging_conf = module["LOGGING"]
    chosen = logging_conf["handlers"]["console"]["formatter"]
    assert chosen == log_format
    assert logging_conf["formatters"][chosen]["()"] == f"crm_site.logs.{formatter_class.__name__}"
    assert logging_conf["root"]["handlers"] == ["console"]


def test_text_is_the_default_log_format(monkeypatch):
    monkeypatch.delenv("LOG_FORMAT", raising=False)
    assert _settings_with(monkeypatch)["LOGGING"]["handlers"]["console"]["formatter"] == "text"
    assert settings.LOGGING["handlers"]["console"]["formatter"] == settings.LOG_FORMAT


def test_a_process_started_with_log_format_json_writes_json_lines_in_utc():
    code = "import django, logging; django.setup(); logging.getLogger('crm.tests').warning('hello %s', 'world')"
    env = {**os.environ, "LOG_FORMAT": "json", "DJANGO_SETTINGS_MODULE": "crm_site.settings.test"}
    done = subprocess.run(
        [sys.executable, "-c", code], env=env, cwd=settings.BASE_DIR, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    lines = [json.loads(line) for line in done.stderr.splitlines() if line.startswith("{")]
    assert [(line["level"], line["logger"], line["message"]) for line in lines] == [
        ("WARNING", "crm.tests", "hello world")
    ]
    stamp = lines[0]["time"]
    assert stamp.endswith("Z")
    written = datetime.strptime(stamp, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)
    assert abs(datetime.now(tz=UTC) - written) < timedelta(minutes=1)
