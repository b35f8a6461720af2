"""Every write to a login's access (role groups, active, superuser, staff profile), each role change audited."""

from collections.abc import Iterable

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from .models import Branch, Department, RoleChange, StaffProfile
from .policy import can
from .roles import ROLE_PRECEDENCE, Role


class AccessChangeForbidden(PermissionDenied):
    """The actor may not make this change to this login (only a superuser may grant more than a role)."""


def _group_list(names: Iterable[str]) -> str:
    """Group names, widest role first, then any other group by name: the same set always reads the same."""
    order = {role.value: i for i, role in enumerate(ROLE_PRECEDENCE)}
    return ",".join(sorted(set(names), key=lambda n: (order.get(n, len(order)), n)))


def _flag(value: bool) -> str:
    return "true" if value else "false"


@transaction.atomic
def staff_access_set(
    *,
    actor,
    user,
    role: Role | None,
    other_groups: Iterable[Group] | None = None,
    is_active: bool | None = None,
    is_superuser: bool | None = None,
) -> list[RoleChange]:
    """Give ``user`` the one role group ``role`` (None: none), and set active and superuser; a RoleChange per change.

    ``other_groups`` (groups that are not roles) and ``is_superuser`` only change when given; ``None`` keeps
    them. A non-superuser actor may only set the role and active flag of a non-superuser other than
    themselves; anything more raises AccessChangeForbidden. is_staff (entry to /config/) follows the role.
    """
    User = get_user_model()
    locked = User.objects.select_for_update().get(pk=user.pk)
    current = {g.name: g for g in locked.groups.all()}
    kept_others = [g for name, g in current.items() if name not in Role.values]
    others = kept_others if other_groups is None else [g for g in other_groups if g.name not in Role.values]
    wanted = {g.name: g for g in others}
    if role is not None:
        wanted[role] = Group.objects.get_or_create(name=role)[0]
    new_active = locked.is_active if is_active is None else is_active
    new_superuser = locked.is_superuser if is_superuser is None else is_superuser

    groups_changed = set(wanted) != set(current)
    if not can(actor, "login.change", locked):
        raise AccessChangeForbidden(_("Only a superuser may change a superuser."))
    beyond_role = new_superuser != locked.is_superuser or {g.name for g in others} != {g.name for g in kept_others}
    if beyond_role and not can(actor, "login.grant_beyond_role"):
        raise AccessChangeForbidden(_("Only a superuser may grant more than a role."))
    if (groups_changed or new_active != locked.is_active) and not can(actor, "login.change_access", locked):
        raise AccessChangeForbidden(_("You cannot change your own role or deactivate yourself."))

    changes = []
    if groups_changed:
        locked.groups.set(wanted.values())
        changes.append((RoleChange.Kind.GROUPS, _group_list(current), _group_list(wanted)))
    if new_active != locked.is_active:
        changes.append((RoleChange.Kind.ACTIVE, _flag(locked.is_active), _flag(new_active)))
    if new_superuser != locked.is_superuser:
        changes.append((RoleChange.Kind.SUPERUSER, _flag(locked.is_superuser), _flag(new_superuser)))
    new_staff = new_superuser or Role.ADMIN in wanted
    if (new_active, new_superuser, new_staff) != (locked.is_active, locked.is_superuser, locked.is_staff):
        locked.is_active, locked.is_superuser, locked.is_staff = new_active, new_superuser, new_staff
        locked.save(update_fields=["is_active", "is_superuser", "is_staff"])
    # The caller's object reflects what was stored (the admin shows it and logs it).
    user.is_active, user.is_superuser, user.is_staff = locked.is_active, locked.is_superuser, locked.is_staff
    actor_id = actor.pk if getattr(actor, "is_authenticated", False) else None
    return RoleChange.objects.bulk_create(
        RoleChange(actor_id=actor_id, user=locked, kind=kind, from_value=old, to_value=new)
        for kind, old, new in changes
    )


@transaction.atomic
def staff_profile_set(*, user, branch: Branch | None, department: Department | None) -> StaffProfile:
    """Put ``user`` in a branch and a department, creating their staff profile if they have none."""
    profile, created = StaffProfile.objects.select_for_update().get_or_create(
        user=user, defaults={"branch": branch, "department": department}
    )
    if not created and (profile.branch_id, profile.department_id) != (
        branch.pk if branch else None,
        department.pk if department else None,
    ):
        profile.branch, profile.department = branch, department
        profile.save(update_fields=["branch", "department"])
    return profile
