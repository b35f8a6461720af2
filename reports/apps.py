from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "reports"
    verbose_name = _("Complaint statistics")

    def ready(self) -> None:
        from complaints import services as complaint_services

        from . import notifications, rules  # noqa: F401  (who reads the statistics and works actions; what owners are told)
        from .services import complaint_summary_update

        if complaint_summary_update not in complaint_services.CHANGE_LISTENERS:
            complaint_services.CHANGE_LISTENERS.append(complaint_summary_update)
