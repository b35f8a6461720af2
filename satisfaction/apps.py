from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SatisfactionConfig(AppConfig):
    name = "satisfaction"
    verbose_name = _("Satisfaction")

    def ready(self) -> None:
        from complaints.services import REVISIT_LISTENERS

        from . import jobs, rules  # noqa: F401  (registers this app's access rules and background jobs)
        from .services import response_from_revisit

        if response_from_revisit not in REVISIT_LISTENERS:
            REVISIT_LISTENERS.append(response_from_revisit)
