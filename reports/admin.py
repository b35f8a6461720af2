"""Corrective actions in the configuration pages: read only (they change through their pages and services)."""

from django.contrib import admin

from .models import CorrectiveAction, CorrectiveActionEvent


class ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(CorrectiveAction)
class CorrectiveActionAdmin(ReadOnly):
    list_display = ("title", "root_cause_group", "branch", "owner", "due_on", "status")
    list_filter = ("status", "root_cause_group", "branch")
    search_fields = ("title", "root_cause")


@admin.register(CorrectiveActionEvent)
class CorrectiveActionEventAdmin(ReadOnly):
    list_display = ("action", "kind", "actor", "from_status", "to_status", "created_at")
