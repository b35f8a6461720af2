from django import forms
from django.contrib import admin
from django.contrib.admin.widgets import FilteredSelectMultiple
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.contrib.auth.models import Group
from django.core.exceptions import ObjectDoesNotExist
from django.utils.translation import gettext_lazy as _

from .models import Branch, Department, RoleChange, StaffProfile
from .policy import can
from .roles import BRANCH_ROLES, Role, widest_role
from .services import staff_access_set, staff_profile_set

User = get_user_model()


@admin.register(Branch)
class BranchAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "is_active"]
    list_filter = ["is_active"]
    search_fields = ["code", "name"]

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    list_display = ["name", "is_active"]
    list_filter = ["is_active"]
    search_fields = ["name"]

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(StaffProfile)
class StaffProfileAdmin(admin.ModelAdmin):
    list_display = ["user", "branch", "department", "phone"]
    list_filter = ["branch", "department"]
    search_fields = ["user__username", "user__first_name", "user__last_name"]
    list_select_related = ["user", "branch", "department"]


class StaffFields(forms.Form):
    """Role, branch and department on the user's own form, so one form makes a working staff member."""

    role = forms.TypedChoiceField(
        label=_("Role"),
        choices=[("", "---------"), *Role.choices],
        coerce=Role,
        empty_value=None,
        required=False,
        help_text=_("Front-line staff and managers see their branch only; the other roles see every branch."),
    )
    branch = forms.ModelChoiceField(Branch.objects.all(), label=_("Branch"), required=False)
    department = forms.ModelChoiceField(Department.objects.all(), label=_("Department"), required=False)

    # Set by StaffUserAdmin.get_form: the person filling the form in.
    actor = None

    def _init_staff_fields(self) -> None:
        user = self.instance
        if user.pk:
            self.fields["role"].initial = widest_role(user.groups.values_list("name", flat=True))
            profile = StaffProfile.objects.filter(user=user).values("branch_id", "department_id").first() or {}
            self.fields["branch"].initial = profile.get("branch_id")
            self.fields["department"].initial = profile.get("department_id")
        if "is_active" in self.fields:
            self.fields["is_active"].initial = user.is_active if user.pk else True
        if "is_superuser" in self.fields:
            self.fields["is_superuser"].initial = user.is_superuser
        if "other_groups" in self.fields and user.pk:
            self.fields["other_groups"].initial = [g.pk for g in user.groups.exclude(name__in=Role.values)]
        actor = self.actor
        if not can(actor, "login.grant_beyond_role"):
            # Declared fields are in the form whatever the fieldsets say: drop what only a superuser may set.
            for name in ("is_superuser", "other_groups"):
                self.fields.pop(name, None)
        if user.pk and not can(actor, "login.change_access", user):
            # An admin cannot raise or end their own access; another admin (or a superuser) does it.
            for name in ("role", "is_active"):
                if name in self.fields:
                    self.fields[name].disabled = True

    def _clean_staff_fields(self) -> None:
        cleaned = self.cleaned_data
        role = cleaned.get("role")
        superuser = cleaned.get("is_superuser", self.instance.is_superuser)
        if role is None and not superuser:
            self.add_error("role", _("Choose a role."))
        if role in BRANCH_ROLES and not cleaned.get("branch"):
            self.add_error("branch", _("Front-line staff and managers need a branch: without one they see nothing."))


class StaffCreationForm(StaffFields, AdminUserCreationForm):
    class Meta(AdminUserCreationForm.Meta):
        fields = ("username", "first_name", "last_name", "email")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._init_staff_fields()

    def clean(self):
        cleaned = super().clean()
        self._clean_staff_fields()
        return cleaned


class StaffChangeForm(StaffFields, UserChangeForm):
    # Saved by staff_access_set (audited), never by the model form: the admin excludes the model fields.
    is_active = forms.BooleanField(
        label=_("Login enabled"),
        required=False,
        help_text=_("Untick instead of deleting: the person can no longer log in, and their history stays."),
    )
    is_superuser = forms.BooleanField(
        label=_("Superuser"), required=False, help_text=_("Every permission, without being given it.")
    )
    other_groups = forms.ModelMultipleChoiceField(
        Group.objects.exclude(name__in=Role.values),
        label=_("Other groups"),
        required=False,
        widget=FilteredSelectMultiple(_("groups"), False),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._init_staff_fields()

    def clean(self):
        cleaned = super().clean()
        self._clean_staff_fields()
        return cleaned


class RoleChangeColumns:
    """Before and after of a role change, in the reader's language, for the list and the inline alike."""

    @admin.display(description=_("before"))
    def from_display(self, obj):
        return obj.from_display

    @admin.display(description=_("after"))
    def to_display(self, obj):
        return obj.to_display


class RoleChangeInline(RoleChangeColumns, admin.TabularInline):
    model = RoleChange
    fk_name = "user"
    fields = ["created_at", "kind", "from_display", "to_display", "actor"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    verbose_name_plural = _("role changes")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("actor")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


# django.contrib.auth registers its own UserAdmin, which lets anyone with change_user tick is_superuser, give
# any group or permission and reset a superuser's password; this one lets an admin give roles only.
admin.site.unregister(User)


@admin.register(User)
class StaffUserAdmin(UserAdmin):
    form = StaffChangeForm
    add_form = StaffCreationForm
    add_fieldsets = (
        (None, {"classes": ("wide",), "fields": ("username", "usable_password", "password1", "password2")}),
        (_("Personal info"), {"fields": ("first_name", "last_name", "email")}),
        (_("Role and branch"), {"fields": ("role", "branch", "department")}),
    )
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (_("Personal info"), {"fields": ("first_name", "last_name", "email")}),
        (_("Role and branch"), {"fields": ("role", "branch", "department", "is_active")}),
        (_("Important dates"), {"fields": ("last_login", "date_joined")}),
    )
    superuser_fieldsets = ((_("Superusers only"), {"fields": ("is_superuser", "other_groups", "user_permissions")}),)
    readonly_fields = ["last_login", "date_joined"]
    list_display = ["username", "first_name", "last_name", "role", "branch", "is_active", "is_superuser"]
    list_filter = ["groups", "is_active", "is_superuser", "staff_profile__branch"]
    filter_horizontal = ["user_permissions"]
    inlines = [RoleChangeInline]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("staff_profile__branch").prefetch_related("groups")

    def get_fieldsets(self, request, obj=None):
        if obj is None:
            return self.add_fieldsets
        if can(request.user, "login.grant_beyond_role"):
            return self.fieldsets + self.superuser_fieldsets
        return self.fieldsets

    def get_exclude(self, request, obj=None):
        # Access is written by staff_access_set in save_related, with its audit row; is_staff follows the role.
        return ["groups", "is_active", "is_staff", "is_superuser"]

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        return type(form.__name__, (form,), {"actor": request.user})

    def get_inlines(self, request, obj):
        return self.inlines if obj is not None else []

    def has_change_permission(self, request, obj=None):
        # Nobody but a superuser edits a superuser, or opens their password form.
        if obj is not None and not can(request.user, "login.change", obj):
            return False
        return super().has_change_permission(request, obj)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        user, cleaned, changed = form.instance, form.cleaned_data, set(form.changed_data)
        if not change or changed & {"role", "is_active", "is_superuser", "other_groups"}:
            staff_access_set(
                actor=request.user,
                user=user,
                role=cleaned.get("role"),
                other_groups=cleaned["other_groups"] if "other_groups" in form.fields else None,
                is_active=cleaned["is_active"] if "is_active" in form.fields else None,
                is_superuser=cleaned["is_superuser"] if "is_superuser" in form.fields else None,
            )
        if not change or changed & {"branch", "department"}:
            staff_profile_set(user=user, branch=cleaned.get("branch"), department=cleaned.get("department"))

    @admin.display(description=_("role"))
    def role(self, obj):
        role = widest_role(g.name for g in obj.groups.all())
        return role.label if role else None

    @admin.display(description=_("branch"), ordering="staff_profile__branch__code")
    def branch(self, obj):
        try:
            return obj.staff_profile.branch
        except ObjectDoesNotExist:
            return None

    @admin.display(description=_("department"))
    def department(self, obj):
        try:
            return obj.staff_profile.department
        except ObjectDoesNotExist:
            return None

    @admin.display(description=_("other groups"))
    def other_groups(self, obj):
        return ", ".join(g.name for g in obj.groups.all() if g.name not in Role.values) or None


@admin.register(RoleChange)
class RoleChangeAdmin(RoleChangeColumns, admin.ModelAdmin):
    """The audit of role changes: read-only, written by org.services.staff_access_set."""

    list_display = ["created_at", "user", "kind", "from_display", "to_display", "actor"]
    list_filter = ["kind"]
    search_fields = ["user__username", "actor__username"]
    list_select_related = ["user", "actor"]
    fields = ["created_at", "user", "kind", "from_display", "to_display", "actor"]
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
