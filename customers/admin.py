from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from .models import ClassificationRun, Customer, QuadrantPolicy, Tag, ValueMatrixSettings
from .phones import phone_e164


class NoDeleteAdmin(admin.ModelAdmin):
    def has_delete_permission(self, request, obj=None):
        return False  # Records and configuration are deactivated, never deleted.


@admin.register(Customer)
class CustomerAdmin(NoDeleteAdmin):
    list_display = ["code", "name", "kind", "branch", "account_manager", "status", "quadrant", "tier"]
    list_filter = ["kind", "status", "branch", "quadrant", "tier"]
    search_fields = ["code", "name", "phone", "company_name"]
    list_select_related = ["branch", "account_manager"]
    raw_id_fields = ["account_manager", "possible_duplicate_of", "latest_assessment"]
    # Classification results and status are written by services only.
    readonly_fields = [
        "status",
        "churn_reason",
        "churned_on",
        "at_risk_reason",
        "current_value",
        "potential_score",
        "window_sales",
        "window_purchases",
        "last_purchase_on",
        "quadrant",
        "tier",
        "classified_at",
    ]

    def save_model(self, request, obj, form, change):
        obj.phone_e164 = phone_e164(obj.phone)  # what lookups match, as the services store it
        super().save_model(request, obj, form, change)


@admin.register(Tag)
class TagAdmin(NoDeleteAdmin):
    list_display = ["name", "is_active"]
    list_editable = ["is_active"]
    search_fields = ["name"]


@admin.register(ValueMatrixSettings)
class ValueMatrixSettingsAdmin(NoDeleteAdmin):
    list_display = ["__str__", "value_basis", "value_months", "threshold_mode", "pareto_percent"]
    fieldsets = [
        (None, {"fields": ["value_basis", "value_months"]}),
        (
            _("Thresholds"),
            {
                "fields": [
                    "threshold_mode",
                    "current_threshold",
                    "potential_threshold",
                    "current_top_percent",
                    "potential_top_percent",
                ]
            },
        ),
        (
            _("Potential weights"),
            {"fields": ["weight_share_of_wallet", "weight_growth", "weight_recommendation", "weight_loyalty"]},
        ),
        (
            _("Tiers"),
            {
                "fields": [
                    "pareto_percent",
                    "tier_a_min_purchases",
                    "tier_a_min_loyalty",
                    "tier_a_min_rating",
                    "tier_b_percent",
                    "tier_b_min_purchases",
                    "tier_b_min_loyalty",
                    "tier_b_min_rating",
                    "tier_a_visit_every_days",
                ]
            },
        ),
        (_("At risk"), {"fields": ["at_risk_after_days", "spend_window_months", "spend_drop_percent"]}),
    ]

    def has_add_permission(self, request):
        return not ValueMatrixSettings.objects.exists()


@admin.register(QuadrantPolicy)
class QuadrantPolicyAdmin(NoDeleteAdmin):
    list_display = ["quadrant", "contact_every_days", "contact_channel"]

    def has_add_permission(self, request):
        return QuadrantPolicy.objects.count() < 4


@admin.register(ClassificationRun)
class ClassificationRunAdmin(NoDeleteAdmin):
    list_display = ["started_at", "as_of", "customers_classified", "quadrant_changes", "tier_changes"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
