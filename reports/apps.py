from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "reports"
    verbose_name = _("Complaint statistics")

    def ready(self) -> None:
        from . import notifications, rules  # noqa: F401  (who reads the statistics and works actions; what owners are told)
