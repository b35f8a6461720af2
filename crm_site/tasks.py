import socket

from celery import shared_task

from . import services


@shared_task(name="crm_site.tasks.answer_worker_probe")
def answer_worker_probe(probe_id: int) -> bool:
    return services.worker_probe_answer(probe_id=probe_id, worker=socket.gethostname())


@shared_task(name="crm_site.tasks.send_worker_probe")
def send_worker_probe() -> int:
    return services.worker_probe_send().pk
