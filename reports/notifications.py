"""What the reports app tells people: the owner of a corrective action that was given to them."""

from django.utils.translation import gettext_lazy as _

from crm_site.notifications.registry import NotificationKind, register

from .selectors import corrective_action_get_for_user

ACTION_ASSIGNED = "corrective_action.assigned"

register(
    NotificationKind(
        kind=ACTION_ASSIGNED,
        subject_type="corrective_action",
        title=_("Corrective action “%(title)s” is yours, due %(due)s"),
        url_name="reports:action_detail",
        gate=corrective_action_get_for_user,
        label=_("Corrective action given to you"),
    )
)
