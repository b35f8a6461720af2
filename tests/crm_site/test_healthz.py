from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

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


def _probe(*, sent_ago: timedelta, answered_ago: timedelta | None = None):
    from crm_site.models import WorkerProbe

    now = timezone.now()
    probe = WorkerProbe.objects.create()
    WorkerProbe.objects.filter(pk=probe.pk).update(
        created_at=now - sent_ago,
        answered_at=None if answered_ago is None else now - answered_ago,
        answered_by="" if answered_ago is None else "w1",
    )
    return probe


@pytest.mark.parametrize(
    ("answered_ago", "worker_ok"),
    [(timedelta(minutes=1), True), (timedelta(minutes=9), True), (timedelta(minutes=11), False), (None, False)],
)
def test_worker_is_ok_when_it_answered_within_two_probe_intervals(client, settings, answered_ago, worker_ok):
    settings.WORKER_PROBE_INTERVAL = timedelta(minutes=5)
    if answered_ago is not None:
        _probe(sent_ago=answered_ago, answered_ago=answered_ago)
    response = client.get(reverse("healthz"))
    assert response.json()["worker"]["ok"] is worker_ok
    assert response.status_code == 200  # A silent worker does not take the web out of the load balancer.
    assert response.json()["status"] == "ok"


def test_sending_a_probe_forgets_probes_older_than_a_day_but_the_last_answer():
    from crm_site.models import WorkerProbe
    from crm_site.services import worker_probe_send

    old_unanswered = _probe(sent_ago=timedelta(days=3))
    old_answered = _probe(sent_ago=timedelta(days=3), answered_ago=timedelta(days=3))
    last_answered = _probe(sent_ago=timedelta(days=2), answered_ago=timedelta(days=2))
    recent = _probe(sent_ago=timedelta(hours=23))
    new = worker_probe_send()
    kept = set(WorkerProbe.objects.values_list("pk", flat=True))
    assert kept == {last_answered.pk, recent.pk, new.pk}
    assert old_unanswered.pk not in kept and old_answered.pk not in kept
