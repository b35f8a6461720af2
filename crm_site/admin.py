from django.contrib import admin
from django.utils.translation import gettext_lazy as _

# Records are never deleted, only closed, archived or deactivated.
admin.site.disable_action("delete_selected")
admin.site.site_header = _("CRM configuration")
admin.site.site_title = _("CRM configuration")
admin.site.index_title = _("Configuration")
