import pytest
from django.urls import reverse

from crm_site.celery import app as celery_app

pytestmark = pytest.mark.django_db


def test_healthz_reports_database_and_broker(client):
    response = client.get(reverse("healthz"))  # No login needed: probes are anonymous.
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["database"]["ok"] is True
    assert body["broker"]["ok"] is True
    assert "last_seen" in body["worker"]


def test_healthz_reports_a_broker_that_is_down_without_crashing(client, monkeypatch):
    # Nothing listens on port 1; the check must answer, not hang or raise.
    dead = "redis://127.0.0.1:1/0"
    for key in ("broker_url", "broker_write_url", "broker_read_url"):
        monkeypatch.setitem(celery_app.conf, key, dead)
    response = client.get(reverse("healthz"))
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "error"
    assert body["broker"]["ok"] is False
    assert body["broker"]["transport"] == "redis"
    assert body["broker"]["error"]
    assert body["database"]["ok"] is True


def test_healthz_shows_when_a_worker_last_answered(client):
    from crm_site.models import WorkerProbe
    from crm_site.services import worker_probe_answer

    probe = WorkerProbe.objects.create()
    assert worker_probe_answer(probe_id=probe.pk, worker="w1") is True
    assert worker_probe_answer(probe_id=probe.pk, worker="w2") is False  # A second delivery changes nothing.
    probe.refresh_from_db()
    assert probe.answered_by == "w1"
    assert client.get(reverse("healthz")).json()["worker"]["last_seen"] == probe.answered_at.isoformat()
