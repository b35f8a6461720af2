from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from .models import WorkerProbe

# Probes are operational pings, not business records: a day of them is plenty (one every 5 min
# would otherwise pile up to ~105,000 rows a year).
WORKER_PROBE_RETENTION = timedelta(days=1)


@transaction.atomic
def worker_probe_send() -> WorkerProbe:
    """Record a probe and, once it is committed, ask a worker to answer it; forget probes older than a day."""
    from .tasks import answer_worker_probe

    worker_probe_prune()
    probe = WorkerProbe.objects.create()
    transaction.on_commit(lambda: answer_worker_probe.delay(probe.pk))
    return probe


def worker_probe_answer(*, probe_id: int, worker: str) -> bool:
    """Mark the probe answered; a second delivery of the same message changes nothing."""
    updated = WorkerProbe.objects.filter(pk=probe_id, answered_at__isnull=True).update(
        answered_at=timezone.now(), answered_by=worker[:200]
    )
    return bool(updated)


def worker_probe_prune() -> int:
    """Delete probes older than the retention, except the last answered one (so /healthz still shows it)."""
    last_answered = (
        WorkerProbe.objects.filter(answered_at__isnull=False).order_by("-answered_at").values_list("pk", flat=True)
    ).first()
    deleted, _ = (
        WorkerProbe.objects.filter(created_at__lt=timezone.now() - WORKER_PROBE_RETENTION)
        .exclude(pk=last_answered)
        .delete()
    )
    return deleted
