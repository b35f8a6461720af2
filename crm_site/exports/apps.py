from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ExportsConfig(AppConfig):
    name = "crm_site.exports"
    label = "exports"
    verbose_name = _("Exports")

    def ready(self) -> None:
        from . import jobs, rules  # noqa: F401  (registers the export job, its notification and who downloads)
