"""The four roles, as Django groups, and what each may do in the Django admin."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    FRONTLINE = "frontline", _("Front-line staff")
    MANAGER = "manager", _("Manager")
    GENERAL_MANAGER = "general_manager", _("General manager")
    ADMIN = "admin", _("Administrator")


# When a user is in several groups, the widest role wins.
ROLE_PRECEDENCE = [Role.ADMIN, Role.GENERAL_MANAGER, Role.MANAGER, Role.FRONTLINE]
COMPANY_WIDE_ROLES = frozenset({Role.ADMIN, Role.GENERAL_MANAGER})

# Model permissions per role, as "app_label.codename". The admin role configures the system
# through the Django admin; the other roles work through the app's own pages and access gates.
ROLE_PERMISSIONS: dict[str, list[str]] = {
    Role.FRONTLINE: [],
    Role.MANAGER: [],
    Role.GENERAL_MANAGER: [],
    Role.ADMIN: [
        "org.add_branch",
        "org.change_branch",
        "org.view_branch",
        "org.add_department",
        "org.change_department",
        "org.view_department",
        "org.add_staffprofile",
        "org.change_staffprofile",
        "org.view_staffprofile",
        "auth.add_user",
        "auth.change_user",
        "auth.view_user",
        "auth.view_group",
        *[
            f"complaints.{verb}_{model}"
            for model in ("category", "slapolicy", "businesscalendar", "holiday", "cannedphrase")
            for verb in ("add", "change", "view")
        ],
        "complaints.delete_holiday",
        "complaints.change_complaintsettings",
        "complaints.view_complaintsettings",
        *[
            f"customers.{verb}_{model}"
            for model in ("valuematrixsettings", "quadrantpolicy", "tag")
            for verb in ("change", "view")
        ],
        "customers.add_tag",
    ],
}


def sync_role_permissions(sender=None, using="default", apps=None, **kwargs) -> None:
    """Give each role group exactly the permissions listed in ROLE_PERMISSIONS (post_migrate)."""
    if apps is None:
        from django.apps import apps as global_apps

        apps = global_apps
    try:
        Group = apps.get_model("auth", "Group")
        Permission = apps.get_model("auth", "Permission")
    except LookupError:
        return
    for role, names in ROLE_PERMISSIONS.items():
        group = Group.objects.using(using).filter(name=role).first()
        if group is None:
            continue
        wanted = []
        for name in names:
            app_label, codename = name.split(".")
            perm = Permission.objects.using(using).filter(content_type__app_label=app_label, codename=codename).first()
            if perm is not None:
                wanted.append(perm)
        group.permissions.set(wanted)
