from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IntakeConfig(AppConfig):
    """The doors customers open themselves: the public complaint form and status page, and the mailbox."""

    name = "intake"
    verbose_name = _("Customer channels")

    def ready(self) -> None:
        from complaints import services as complaint_services

        from . import jobs, rules  # noqa: F401  (the reply job's handler; who reviews unread mail)

        if jobs.reply_note_queue not in complaint_services.EMAIL_NOTE_LISTENERS:
            complaint_services.EMAIL_NOTE_LISTENERS.append(jobs.reply_note_queue)
