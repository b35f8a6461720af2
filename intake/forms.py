"""The public complaint form and the status page's message form: every limit checked here, with a sentence a
visitor understands; photos are checked by their content (complaints.services.upload_check), never their name."""

from datetime import timedelta

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from complaints.services import upload_check
from complaints.workflow import WorkflowError
from crm_site.org.models import Branch
from customers.phones import phone_e164

from .services import MAX_FILES, TEXT_MAX_CHARS

PHOTO_TYPES = {"image/jpeg", "image/png", "image/gif", "image/webp"}
NAME_MAX_CHARS = 100
REQUEST_MAX_CHARS = 2000
# The honeypot: a field people never see (static/intake/intake.css hides it) and form-filling robots fill in.
HONEYPOT = "website"


class PhotosInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class PhotosField(forms.FileField):
    """Up to MAX_FILES photos, each checked by its content and size."""

    widget = PhotosInput(attrs={"accept": "image/jpeg,image/png,image/gif,image/webp", "multiple": True})

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        files = [f for f in (data if isinstance(data, list | tuple) else [data]) if f]
        if len(files) > MAX_FILES:
            raise forms.ValidationError(_("Add at most %(count)d photos.") % {"count": MAX_FILES})
        errors = []
        for uploaded in files:
            try:
                upload_check(uploaded, PHOTO_TYPES)
            except WorkflowError as error:
                errors.append(str(error))
        if errors:
            raise forms.ValidationError(errors)
        return files


def _text_area(rows: int, maxlength: int) -> forms.Textarea:
    return forms.Textarea(attrs={"rows": rows, "maxlength": maxlength})


class PublicComplaintForm(forms.Form):
    branch = forms.ModelChoiceField(
        label=_("Which of our branches is it about?"),
        queryset=Branch.objects.filter(is_active=True).order_by("code"),
        empty_label=_("Choose a branch"),
    )
    name = forms.CharField(label=_("Your name"), max_length=NAME_MAX_CHARS)
    phone = forms.CharField(
        label=_("Phone"),
        max_length=30,
        required=False,
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel", "inputmode": "tel"}),
    )
    email = forms.EmailField(
        label=_("E-mail"), required=False, widget=forms.EmailInput(attrs={"autocomplete": "email"})
    )
    what_happened = forms.CharField(
        label=_("What happened?"),
        max_length=TEXT_MAX_CHARS,
        widget=_text_area(6, TEXT_MAX_CHARS),
        help_text=_("In your own words: what went wrong, and how it affected you."),
    )
    occurred_at = forms.DateTimeField(
        label=_("When did it happen?"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    location = forms.CharField(label=_("Where did it happen?"), max_length=200, required=False)
    request = forms.CharField(
        label=_("What would you like us to do?"),
        max_length=REQUEST_MAX_CHARS,
        required=False,
        widget=_text_area(3, REQUEST_MAX_CHARS),
    )
    photos = PhotosField(label=_("Photos (optional)"))
    website = forms.CharField(
        label=_("Leave this field empty"),
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )

    def __init__(self, *args, branch: Branch | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        # Filled in per request: a lazy string with % applied at import would stay in the default language.
        self.fields["photos"].help_text = _("Up to %(count)d photos (JPEG, PNG, GIF or WebP), 10 MB each.") % {
            "count": MAX_FILES
        }
        self.fixed_branch = branch
        if branch is not None:
            del self.fields["branch"]

    def clean_phone(self):
        phone = self.cleaned_data["phone"].strip()
        if phone and len(phone_e164(phone).lstrip("+")) < 5:
            raise forms.ValidationError(_("Enter a phone number we can call, e.g. 138 0013 8000."))
        return phone

    def clean_occurred_at(self):
        when = self.cleaned_data["occurred_at"]
        if when and when > timezone.now() + timedelta(minutes=5):
            raise forms.ValidationError(_("This cannot be in the future."))
        return when

    def clean(self):
        cleaned = super().clean()
        if self.data.get(HONEYPOT):
            raise forms.ValidationError(
                _(
                    "Your complaint could not be sent. If you are a person, leave the field “Leave this field empty” "
                    "empty."
                )
            )
        if not cleaned.get("phone") and not cleaned.get("email") and "phone" not in self.errors:
            # On the phone field, so that the visitor sees where to type (the alert above points to it).
            self.add_error("phone", _("Give a phone number or an e-mail address so that we can answer you."))
        return cleaned

    def contact_key(self) -> str:
        """What the per-contact rate limit counts: the phone in E.164, else the e-mail address."""
        return phone_e164(self.cleaned_data.get("phone", "")) or self.cleaned_data.get("email", "").lower()

    def chosen_branch(self) -> Branch:
        return self.fixed_branch or self.cleaned_data["branch"]


class StatusMessageForm(forms.Form):
    text = forms.CharField(
        label=_("Your message"), max_length=TEXT_MAX_CHARS, required=False, widget=_text_area(3, TEXT_MAX_CHARS)
    )
    photos = PhotosField(label=_("Photos (optional)"))
    website = forms.CharField(
        label=_("Leave this field empty"),
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )

    def clean(self):
        cleaned = super().clean()
        if self.data.get(HONEYPOT):
            raise forms.ValidationError(_("Your message could not be sent."))
        if not (cleaned.get("text") or "").strip() and not cleaned.get("photos") and not self.errors:
            raise forms.ValidationError(_("Write a message or add a photo."))
        return cleaned
