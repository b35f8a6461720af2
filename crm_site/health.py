"""What /healthz reports: each part answers ok or the error it met, never an exception."""

from django.conf import settings
from django.db import connection
from django.utils import timezone

from .celery import app as celery_app
from .models import WorkerProbe


def database_status() -> dict:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # noqa: BLE001 - any failure is the answer
        return {"ok": False, "error": exc.__class__.__name__}
    return {"ok": True, "vendor": connection.vendor}


def broker_status() -> dict:
    transport = celery_app.conf.broker_url.split("://", 1)[0]
    try:
        with celery_app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, interval_start=0, interval_step=0.2, timeout=3)
    except Exception as exc:  # noqa: BLE001 - any failure is the answer
        return {"ok": False, "transport": transport, "error": exc.__class__.__name__}
    return {"ok": True, "transport": transport}


def worker_status() -> dict:
    """When a probe was last sent and answered; "ok" if a worker answered within two probe intervals.

    Beat sends a probe every WORKER_PROBE_INTERVAL, and a worker sends one when it starts; a worker answers it
    through the broker. No answer within two intervals: the worker (or beat, if nothing was sent) is not running,
    so reminders and other background work are not happening.
    """
    try:
        last = WorkerProbe.objects.filter(answered_at__isnull=False).order_by("-answered_at").first()
        sent = WorkerProbe.objects.order_by("-created_at").values_list("created_at", flat=True).first()
    except Exception as exc:  # noqa: BLE001
        return {"ok": False, "last_seen": None, "error": exc.__class__.__name__}
    window = 2 * settings.WORKER_PROBE_INTERVAL
    status = {
        "ok": last is not None and timezone.now() - last.answered_at <= window,
        "last_seen": last.answered_at.isoformat() if last else None,
        "last_probe_sent": sent.isoformat() if sent else None,
        "window_seconds": int(window.total_seconds()),
    }
    return status
