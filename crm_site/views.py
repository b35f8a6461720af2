from django.conf import settings
from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from . import health
from .home import home_context_for
from .org.network import client_ip, in_networks
from .org.policy import can, public, signed_in


@signed_in
def home(request):
    return render(request, "crm_site/home.html", home_context_for(request.user))


@public
@never_cache
@require_GET
def healthz(request):
    """503 unless the database and the broker answer and a worker answered a probe within two intervals.

    The details (which part failed, when the worker last answered) only for admins and the local network.
    """
    database = health.database_status()
    broker = health.broker_status()
    worker = health.worker_status() if database["ok"] else {"ok": False, "last_seen": None}
    ok = database["ok"] and broker["ok"] and worker["ok"]
    payload = {"status": "ok" if ok else "error"}
    if can(request.user, "health.details") or in_networks(client_ip(request), settings.HEALTHZ_DETAIL_NETWORKS):
        payload.update(database=database, broker=broker, worker=worker)
    return JsonResponse(payload, status=200 if ok else 503)


def permission_denied(request, exception=None):
    return render(request, "403.html", status=403)


def page_not_found(request, exception=None):
    return render(request, "404.html", status=404)
