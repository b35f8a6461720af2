from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class JobsConfig(AppConfig):
    name = "crm_site.jobs"
    label = "jobs"
    verbose_name = _("Background work")

    def ready(self) -> None:
        from . import rules  # noqa: F401  (registers who may see and retry background work)
