from django.contrib import admin

from crm_site.org.policy import can

from .models import ExportAudit


@admin.register(ExportAudit)
class ExportAuditAdmin(admin.ModelAdmin):
    """Read-only: who exported which list, with which filters, how many rows."""

    list_display = ["pk", "created_at", "user", "kind", "format", "row_count", "state", "filters"]
    list_filter = ["kind", "format", "state"]
    search_fields = ["user__username", "kind"]
    date_hierarchy = "created_at"
    list_select_related = ["user"]
    readonly_fields = [f.name for f in ExportAudit._meta.fields]

    def has_module_permission(self, request):
        return can(request.user, "export.audit")

    def has_view_permission(self, request, obj=None):
        return can(request.user, "export.audit")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
