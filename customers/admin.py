from django.contrib import admin

from .models import Customer


@admin.register(Customer)
class CustomerAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "kind", "branch", "account_manager", "status"]
    list_filter = ["kind", "status", "branch"]
    search_fields = ["code", "name", "phone", "company_name"]
    list_select_related = ["branch", "account_manager"]
    raw_id_fields = ["account_manager"]

    def has_delete_permission(self, request, obj=None):
        return False  # Records are never deleted, only deactivated.
