from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ComplaintsConfig(AppConfig):
    name = "complaints"
    verbose_name = _("Complaints")

    def ready(self) -> None:
        from . import rules, schedule  # noqa: F401  (registers this app's access rules)

        schedule.register_schedule()  # its reminders' notification kinds and job handlers
