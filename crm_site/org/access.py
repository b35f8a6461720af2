"""Role and branch access helpers that every app's access gates are built on.

A user's role is the widest of their role groups; front-line staff and managers see the data of
their own branch, general managers and admins see every branch. Unknown and forbidden objects
both answer 404 in the apps' gates, so these helpers only say yes or no.
"""

from dataclasses import dataclass

from django.db.models import QuerySet

from .roles import COMPANY_WIDE_ROLES, Role, widest_role

_CACHE_ATTR = "_crm_access"


@dataclass(frozen=True)
class Access:
    role: Role | None
    branch_id: int | None
    department_id: int | None

    @property
    def company_wide(self) -> bool:
        return self.role in COMPANY_WIDE_ROLES


def access_of(user) -> Access:
    """The user's role and branch, read once per request and cached on the user object."""
    cached = getattr(user, _CACHE_ATTR, None)
    if cached is not None:
        return cached
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        result = Access(role=None, branch_id=None, department_id=None)
    else:
        group_names = set(user.groups.values_list("name", flat=True))
        if user.is_superuser:
            group_names.add(Role.ADMIN)
        role = widest_role(group_names)
        from .models import StaffProfile

        profile = StaffProfile.objects.filter(user_id=user.pk).values("branch_id", "department_id").first()
        result = Access(
            role=role,
            branch_id=profile["branch_id"] if profile else None,
            department_id=profile["department_id"] if profile else None,
        )
    setattr(user, _CACHE_ATTR, result)
    return result


def role_of(user) -> Role | None:
    return access_of(user).role


def has_role(user, *roles: Role) -> bool:
    return access_of(user).role in roles


def sees_all_branches(user) -> bool:
    return access_of(user).company_wide


def can_access_branch(user, branch_id: int | None) -> bool:
    """True if the user may see data belonging to this branch."""
    access = access_of(user)
    if access.role is None:
        return False
    if access.company_wide:
        return True
    return branch_id is not None and branch_id == access.branch_id


def scope_to_user_branch(queryset: QuerySet, user, *, field: str = "branch") -> QuerySet:
    """Filter a queryset to what the user's branch may see (everything for company-wide roles)."""
    access = access_of(user)
    if access.role is None:
        return queryset.none()
    if access.company_wide:
        return queryset
    if access.branch_id is None:
        return queryset.none()
    return queryset.filter(**{f"{field}_id": access.branch_id})
