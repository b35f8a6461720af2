from django.db import transaction
from django.utils import timezone

from .models import WorkerProbe


@transaction.atomic
def worker_probe_send() -> WorkerProbe:
    """Record a probe and, once it is committed, ask a worker to answer it."""
    from .tasks import answer_worker_probe

    probe = WorkerProbe.objects.create()
    transaction.on_commit(lambda: answer_worker_probe.delay(probe.pk))
    return probe


def worker_probe_answer(*, probe_id: int, worker: str) -> bool:
    """Mark the probe answered; a second delivery of the same message changes nothing."""
    updated = WorkerProbe.objects.filter(pk=probe_id, answered_at__isnull=True).update(
        answered_at=timezone.now(), answered_by=worker[:200]
    )
    return bool(updated)
