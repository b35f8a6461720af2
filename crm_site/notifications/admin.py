from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from crm_site.org.policy import can

from .models import Notification
from .registry import KINDS, render_title


class KindFilter(admin.SimpleListFilter):
    title = _("kind")
    parameter_name = "kind"

    def lookups(self, request, model_admin):
        return sorted(((k, str(e.label or e.kind)) for k, e in KINDS.items()), key=lambda item: item[1].casefold())

    def queryset(self, request, queryset):
        return queryset.filter(kind=self.value()) if self.value() else queryset


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    """Read-only, for the admin to see what was sent to whom and whether it was read or e-mailed."""

    list_display = ["pk", "recipient", "title", "created_at", "read_at", "emailed_at"]
    list_filter = [KindFilter, "created_at"]
    search_fields = ["recipient__username", "kind", "key"]
    date_hierarchy = "created_at"
    list_select_related = ["recipient"]
    readonly_fields = [f.name for f in Notification._meta.fields]

    def has_module_permission(self, request):
        return can(request.user, "config.use")

    def has_view_permission(self, request, obj=None):
        return can(request.user, "config.use")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("says"))
    def title(self, notification: Notification) -> str:
        return render_title(notification)
