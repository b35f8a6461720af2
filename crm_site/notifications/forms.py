from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from .models import NotificationPreference
from .selectors import notification_kind_choices


class NotificationFilterForm(forms.Form):
    SHOW_UNREAD = "unread"
    SHOW_ALL = "all"

    show = forms.ChoiceField(
        label=_("Show"),
        choices=[(SHOW_ALL, _("All")), (SHOW_UNREAD, _("Unread only"))],
        required=False,
        widget=forms.Select(attrs={"class": "form-select form-select-sm"}),
    )
    kind = forms.ChoiceField(
        label=_("Kind"), required=False, widget=forms.Select(attrs={"class": "form-select form-select-sm"})
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Read when the form is made: the kinds are registered by the apps that send them.
        self.fields["kind"].choices = [("", _("Every kind")), *notification_kind_choices()]

    def filters(self) -> dict:
        """What to show; a value not understood is dropped (the list shows everything)."""
        data = self.cleaned_data if self.is_valid() else {}
        return {"unread_only": data.get("show") == self.SHOW_UNREAD, "kind": data.get("kind") or ""}


class NotificationPreferenceForm(forms.Form):
    delivery = forms.ChoiceField(
        label=_("How notifications reach you"),
        choices=NotificationPreference.Delivery.choices,
        widget=forms.RadioSelect,
    )
    language = forms.ChoiceField(
        label=_("Language of e-mails"),
        choices=[("", _("The site's default language"))] + list(settings.LANGUAGES),
        required=False,
    )
