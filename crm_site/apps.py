from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CrmSiteConfig(AppConfig):
    """The top layer: pages composed from several apps, health checks, the demo and the launcher."""

    name = "crm_site"
    verbose_name = _("CRM site")
