from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class OrgConfig(AppConfig):
    name = "crm_site.org"
    label = "org"
    verbose_name = _("Organisation")

    def ready(self) -> None:
        from . import rules  # noqa: F401  (registers the organisation's access rules)
        from .roles import sync_role_permissions

        # Permissions only exist after every app has migrated, so the role groups (made by a
        # data migration) get theirs here, the way Django itself creates permissions.
        post_migrate.connect(sync_role_permissions, dispatch_uid="org.sync_role_permissions")
