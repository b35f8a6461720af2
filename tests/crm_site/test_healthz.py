from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from crm_site.celery import app as celery_app

pytestmark = pytest.mark.django_db


def _answered_probe():
    from crm_site.models import WorkerProbe
    from crm_site.services import worker_probe_answer

    probe = WorkerProbe.objects.create()
    worker_probe_answer(probe_id=probe.pk, worker="w1")
    return probe


def test_healthz_reports_database_broker_and_worker(client):
    _answered_probe()
    response = client.get(reverse("healthz"))  # No login needed: probes are anonymous (the test client is 127.0.0.1).
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["database"]["ok"] is True
    assert body["broker"]["ok"] is True
    assert body["worker"]["ok"] is True


def test_a_fresh_site_whose_worker_never_answered_is_not_healthy(client):
    response = client.get(reverse("healthz"))
    assert response.status_code == 503
    assert response.json()["worker"] == {
        "ok": False,
        "last_seen": None,
        "last_probe_sent": None,
        "window_seconds": 120,  # two of the default 60-second probe intervals
    }


def test_details_only_for_the_local_network_or_an_admin(client, settings, admin_user, gm):
    _answered_probe()
    settings.HEALTHZ_DETAIL_NETWORKS = ["10.0.0.0/8"]
    outside = client.get(reverse("healthz"), REMOTE_ADDR="203.0.113.7")
    assert outside.status_code == 200
    assert outside.json() == {"status": "ok"}
    inside = client.get(reverse("healthz"), REMOTE_ADDR="10.1.2.3")
    assert set(inside.json()) == {"status", "database", "broker", "worker"}
    # Behind a trusted proxy, the client's own address decides, not the proxy's.
    settings.TRUSTED_PROXIES = ["10.0.0.5/32"]
    via_proxy = client.get(reverse("healthz"), REMOTE_ADDR="10.0.0.5", HTTP_X_FORWARDED_FOR="203.0.113.7")
    assert via_proxy.json() == {"status": "ok"}
    client.force_login(gm)  # staff, but not the people who run the system
    assert client.get(reverse("healthz"), REMOTE_ADDR="203.0.113.7").json() == {"status": "ok"}
    client.force_login(admin_user)
    assert "worker" in client.get(reverse("healthz"), REMOTE_ADDR="203.0.113.7").json()


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
    # A silent worker means no reminders and no background work: the site is not healthy.
    assert response.status_code == (200 if worker_ok else 503)
    assert response.json()["status"] == ("ok" if worker_ok else "error")


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
