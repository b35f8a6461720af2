import os

from celery import Celery
from celery.signals import worker_ready

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "crm_site.settings.base")

app = Celery("crm_site")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@worker_ready.connect
def probe_at_start(sender=None, **kwargs) -> None:
    """A worker that has just started answers a probe at once, so /healthz is not "down" until beat's next one."""
    from .services import worker_probe_send

    try:
        worker_probe_send()
    except Exception:  # noqa: BLE001 - a worker must start even if the database is not there yet
        import logging

        logging.getLogger(__name__).warning("Could not send the start-up worker probe", exc_info=True)
