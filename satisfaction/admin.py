from django.contrib import admin

from .models import Dimension


@admin.register(Dimension)
class DimensionAdmin(admin.ModelAdmin):
    """The CSI's dimensions are configuration: added, renamed, deactivated; never deleted (items point at them).
    Questionnaires, campaigns and answers have their own pages (satisfaction/views.py)."""

    list_display = ["code", "name_en", "name_zh", "sort_order", "is_active"]
    list_editable = ["sort_order", "is_active"]
    list_filter = ["is_active"]
    search_fields = ["code", "name_en", "name_zh"]

    def has_delete_permission(self, request, obj=None):
        return False
