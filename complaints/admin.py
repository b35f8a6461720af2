from django.contrib import admin

from .models import BusinessCalendar, CannedPhrase, Category, ComplaintSettings, Holiday, SlaPolicy


class NoDeleteAdmin(admin.ModelAdmin):
    """Configuration is deactivated, never deleted: complaints keep pointing at it."""

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Category)
class CategoryAdmin(NoDeleteAdmin):
    list_display = ["code", "name_en", "name_zh", "sort_order", "is_active"]
    list_editable = ["sort_order", "is_active"]
    list_filter = ["is_active"]
    search_fields = ["code", "name_en", "name_zh"]


@admin.register(SlaPolicy)
class SlaPolicyAdmin(NoDeleteAdmin):
    list_display = ["severity", "response_hours", "resolution_hours", "due_soon_hours"]


@admin.register(BusinessCalendar)
class BusinessCalendarAdmin(NoDeleteAdmin):
    list_display = ["__str__", "working_days", "day_starts", "day_ends"]


@admin.register(Holiday)
class HolidayAdmin(admin.ModelAdmin):
    # A holiday entered by mistake may be removed: it is configuration, not a record.
    list_display = ["date", "name", "branch"]
    list_filter = ["branch"]
    date_hierarchy = "date"


@admin.register(CannedPhrase)
class CannedPhraseAdmin(NoDeleteAdmin):
    list_display = ["title", "kind", "is_active"]
    list_filter = ["kind", "is_active"]
    search_fields = ["title", "text"]


@admin.register(ComplaintSettings)
class ComplaintSettingsAdmin(NoDeleteAdmin):
    list_display = ["__str__", "repeat_window_days", "gm_compensation_threshold", "revisit_within_days"]

    def has_add_permission(self, request):
        return not ComplaintSettings.objects.exists()
