from django.conf import settings
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Branch(models.Model):
    """A service outlet (服务网点). Complaint queues and reports can be scoped to one."""

    code = models.CharField(_("code"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=100)
    address = models.CharField(_("address"), max_length=200, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("branch")
        verbose_name_plural = _("branches")
        ordering = ["code"]
        constraints = [models.UniqueConstraint(Lower("name"), name="org_branch_name_ci_unique")]

    def __str__(self) -> str:
        return self.name


class Department(models.Model):
    """A department (部门) that can be made responsible for a complaint."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("department")
        verbose_name_plural = _("departments")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class StaffProfile(models.Model):
    """Links a login to a branch and a department. General managers and admins may have no branch."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="staff_profile", verbose_name=_("user")
    )
    branch = models.ForeignKey(
        Branch, on_delete=models.PROTECT, null=True, blank=True, related_name="staff", verbose_name=_("branch")
    )
    department = models.ForeignKey(
        Department,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="staff",
        verbose_name=_("department"),
    )
    phone = models.CharField(_("phone"), max_length=30, blank=True)

    class Meta:
        verbose_name = _("staff profile")
        verbose_name_plural = _("staff profiles")

    def __str__(self) -> str:
        return str(self.user)


class RoleChange(models.Model):
    """One change of a login's access (role groups, active, superuser): who did it, to whom, from what to what.

    Written only by ``org.services.staff_access_set``; never edited or deleted.
    """

    class Kind(models.TextChoices):
        GROUPS = "groups", _("Roles")
        ACTIVE = "active", _("Login enabled")
        SUPERUSER = "superuser", _("Superuser")

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("changed by"),
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="role_changes", verbose_name=_("user")
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    # Groups: the group names, comma-separated, widest role first; active and superuser: "true" or "false".
    from_value = models.CharField(_("before"), max_length=500, blank=True)
    to_value = models.CharField(_("after"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("changed at"), default=timezone.now)

    class Meta:
        verbose_name = _("role change")
        verbose_name_plural = _("role changes")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["-created_at"], name="org_rolechange_created_idx")]

    def __str__(self) -> str:
        return f"{self.user} {self.get_kind_display()}: {self.from_display} → {self.to_display}"

    def _display(self, value: str) -> str:
        if self.kind == self.Kind.GROUPS:
            from .roles import Role

            names = [name for name in value.split(",") if name]
            return ", ".join(str(Role(n).label) if n in Role.values else n for n in names) or "—"
        if self.kind == self.Kind.ACTIVE:
            return str(_("enabled") if value == "true" else _("disabled"))
        return str(_("superuser") if value == "true" else _("not a superuser"))

    @property
    def from_display(self) -> str:
        return self._display(self.from_value)

    @property
    def to_display(self) -> str:
        return self._display(self.to_value)
