"""API tokens in /config/: every user's, to find and revoke a leaked or forgotten one. Read-only otherwise: a
token is made by its owner on /api/tokens/ (the key is shown to them alone), and never deleted (revoked)."""

from django.contrib import admin, messages
from django.db import transaction
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from crm_site.org.policy import can

from .models import ApiToken
from .services import api_token_revoke


class RevokedFilter(admin.SimpleListFilter):
    title = _("revoked")
    parameter_name = "revoked"

    def lookups(self, request, model_admin):
        return [("no", _("Active")), ("yes", _("Revoked"))]

    def queryset(self, request, queryset):
        if self.value() in ("yes", "no"):
            return queryset.filter(revoked_at__isnull=self.value() == "no")
        return queryset


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["name", "user", "prefix", "created_at", "last_used_at", "revoked_at", "revoked_by"]
    list_filter = [RevokedFilter]
    search_fields = ["user__username", "user__first_name", "user__last_name", "user__email", "name"]
    list_select_related = ["user", "revoked_by"]
    date_hierarchy = "created_at"
    actions = ["revoke_selected"]
    # No key_hash: it proves nothing to a reader and is the one thing a key is checked against.
    fields = ["name", "user", "prefix", "created_at", "last_used_at", "revoked_at", "revoked_by"]
    readonly_fields = fields

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

    @admin.action(description=_("Revoke the selected tokens"))
    def revoke_selected(self, request, queryset):
        selected = [token.pk for token in queryset if token.revoked_at is None]
        with transaction.atomic():  # all of them or, if one fails, none
            for token_id in selected:
                api_token_revoke(actor=request.user, token_id=token_id)
        if selected:
            self.message_user(
                request,
                ngettext(
                    "%(n)d token revoked: its key no longer works.",
                    "%(n)d tokens revoked: their keys no longer work.",
                    len(selected),
                )
                % {"n": len(selected)},
                messages.SUCCESS,
            )
        else:
            self.message_user(request, _("The selected tokens were revoked already."), messages.WARNING)
