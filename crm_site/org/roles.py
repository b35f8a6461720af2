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
# The others see one branch's data: without a branch they see nothing.
BRANCH_ROLES = frozenset(set(Role) - COMPANY_WIDE_ROLES)


def widest_role(group_names) -> Role | None:
    """A user's role from their group names: the widest role group they are in."""
    names = set(group_names)
    return next((role for role in ROLE_PRECEDENCE if role in names), None)


def _perms(app_label: str, verbs: tuple[str, ...], *models: str) -> list[str]:
    return [f"{app_label}.{verb}_{model}" for model in models for verb in verbs]


# What every role reads through its pages (scoped to a branch or not by the access helpers, not here).
_DAILY_WORK = [
    *_perms("org", ("view",), "branch", "department"),
    *_perms(
        "customers",
        ("view",),
        "customer",
        "contact",
        "interaction",
        "purchase",
        "visitplan",
        "customerevent",
        "potentialassessment",
        "tag",
    ),
    *_perms(
        "complaints",
        ("view",),
        "complaint",
        "resolutionplan",
        "remedy",
        "plandecision",
        "customerresponse",
        "revisit",
        "attachment",
        "timelineevent",
        "extension",
        "category",
        "cannedphrase",
    ),
]
# What managers and the general manager also read: value matrix, retention, staff, SLA and thresholds.
_OVERSIGHT = [
    *_perms("org", ("view",), "staffprofile"),
    *_perms(
        "customers",
        ("view",),
        "valuematrixsettings",
        "quadrantpolicy",
        "classificationrun",
        "classificationchange",
        "churnepisode",
        "importbatch",
    ),
    *_perms("complaints", ("view",), "slapolicy", "businesscalendar", "holiday", "complaintsettings"),
]

# Model permissions per role, as "app_label.codename": only view for the working roles, whose writes
# go through the app's services and access gates; the admin role configures the system through the
# Django admin (add/change on configuration, delete only for holidays).
ROLE_PERMISSIONS: dict[str, list[str]] = {
    Role.FRONTLINE: _DAILY_WORK,
    Role.MANAGER: [*_DAILY_WORK, *_OVERSIGHT],
    Role.GENERAL_MANAGER: [*_DAILY_WORK, *_OVERSIGHT],
    Role.ADMIN: [
        *_perms("org", ("add", "change", "view"), "branch", "department", "staffprofile"),
        # Users: roles only; crm_site/org/admin.py keeps superuser, groups and permissions to superusers.
        *_perms("auth", ("add", "change", "view"), "user"),
        "auth.view_group",
        "org.view_rolechange",
        *_perms(
            "complaints",
            ("add", "change", "view"),
            "category",
            "slapolicy",
            "businesscalendar",
            "holiday",
            "cannedphrase",
        ),
        "complaints.delete_holiday",
        *_perms("complaints", ("change", "view"), "complaintsettings"),
        *_perms("customers", ("change", "view"), "valuematrixsettings", "quadrantpolicy", "tag"),
        "customers.add_tag",
        "customers.view_classificationrun",
        *_perms("satisfaction", ("add", "change", "view"), "dimension"),
        # The schedules (reminder scans, the nightly recompute, the digest): seen and changed in /config/.
        *_perms(
            "django_celery_beat",
            ("add", "change", "view"),
            "periodictask",
            "intervalschedule",
            "crontabschedule",
        ),
    ],
}


def sync_role_permissions(sender=None, using="default", apps=None, **kwargs) -> None:
    """Give each role group exactly the permissions listed in ROLE_PERMISSIONS.

    A post_migrate handler, not a data migration: permissions only exist once every app has migrated.
    """
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
