from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CustomersConfig(AppConfig):
    name = "customers"
    verbose_name = _("Customers")

    def ready(self) -> None:
        from . import jobs, rules, schedule  # noqa: F401  (registers this app's access rules and background jobs)

        schedule.register_schedule()
