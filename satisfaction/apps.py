from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SatisfactionConfig(AppConfig):
    name = "satisfaction"
    verbose_name = _("Satisfaction")

    def ready(self) -> None:
        from complaints.services import REVISIT_LISTENERS

        # Registers this app's access rules and background jobs (the invitation e-mails and their reminder).
        from . import jobs, rules, schedule  # noqa: F401
        from .services import response_from_revisit

        if response_from_revisit not in REVISIT_LISTENERS:
            REVISIT_LISTENERS.append(response_from_revisit)
