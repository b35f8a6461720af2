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
    """When a worker last answered a probe, and "ok" if that was within two probe intervals.

    Informational: it does not fail the check, since the web answers while workers restart.
    """
    try:
        last = WorkerProbe.objects.filter(answered_at__isnull=False).order_by("-answered_at").first()
    except Exception as exc:  # noqa: BLE001
        return {"ok": False, "last_seen": None, "error": exc.__class__.__name__}
    if last is None:
        return {"ok": False, "last_seen": None}
    recent = timezone.now() - last.answered_at <= 2 * settings.WORKER_PROBE_INTERVAL
    return {"ok": recent, "last_seen": last.answered_at.isoformat()}
