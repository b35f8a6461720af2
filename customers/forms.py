from django import forms
from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from crm_site.org.forms_fields import NOTE_MAX_LENGTH, SUMMARY_MAX_LENGTH, IdModelMultipleChoiceField, limit_length
from crm_site.org.models import Branch

from .models import Channel, Customer, PotentialAssessment, Tag, Tier
from .selectors import DIMENSIONS

User = get_user_model()


class StaffChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return obj.get_full_name() or obj.username


class CustomerForm(forms.ModelForm):
    tags = IdModelMultipleChoiceField(
        label=_("Tags"), queryset=Tag.objects.none(), required=False, widget=forms.CheckboxSelectMultiple
    )
    branch = forms.ModelChoiceField(label=_("Branch"), queryset=Branch.objects.none())

    class Meta:
        model = Customer
        fields = ["kind", "name", "company_name", "phone", "email", "address", "source"]
        widgets = {"phone": forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"})}

    def __init__(self, *args, branches=None, tags=None, editing=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["tags"].queryset = tags if tags is not None else Tag.objects.none()
        if editing:
            del self.fields["branch"]
            self.fields["tags"].initial = list(self.instance.tags.all()) if self.instance.pk else []
        else:
            self.fields["branch"].queryset = branches if branches is not None else Branch.objects.none()
            if branches is not None and len(branches) == 1:
                self.fields["branch"].initial = branches[0]
        self.fields["phone"].required = True


class ContactForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    role = forms.CharField(label=_("Role"), max_length=100, required=False)
    phone = forms.CharField(label=_("Phone"), max_length=30, required=False)
    email = forms.EmailField(label=_("Email"), max_length=254, required=False)  # the model's EmailField
    is_primary = forms.BooleanField(label=_("Primary contact"), required=False)


class InteractionForm(forms.Form):
    channel = forms.ChoiceField(label=_("Channel"), choices=Channel.choices, initial=Channel.PHONE)
    summary = forms.CharField(
        label=_("What was said"), widget=forms.Textarea(attrs={"rows": 2}), max_length=SUMMARY_MAX_LENGTH
    )
    occurred_at = forms.DateTimeField(
        label=_("When"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text=_("Empty: now"),
    )


class AssessmentForm(forms.ModelForm):
    class Meta:
        model = PotentialAssessment
        fields = ["share_of_wallet", "growth", "recommendation", "loyalty_intent", "rating", "notes"]
        widgets = {
            "share_of_wallet": forms.NumberInput(attrs={"min": 0, "max": 10}),
            "growth": forms.NumberInput(attrs={"min": 0, "max": 10}),
            "recommendation": forms.NumberInput(attrs={"min": 0, "max": 10}),
            "loyalty_intent": forms.NumberInput(attrs={"min": 0, "max": 10}),
            "rating": forms.NumberInput(attrs={"min": 1, "max": 5}),
            "notes": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        limit_length(self.fields["notes"], NOTE_MAX_LENGTH)  # a TextField: no max_length of its own


STATUS_ACTIONS = [
    (Customer.Status.ACTIVE, _("Active (won back / no longer at risk)")),
    (Customer.Status.AT_RISK, _("At risk")),
    (Customer.Status.CHURNED, _("Churned")),
]


class StatusForm(forms.Form):
    status = forms.ChoiceField(label=_("New status"), choices=STATUS_ACTIONS)
    reason = forms.CharField(label=_("Reason"), max_length=300, required=False)

    def clean(self):
        data = super().clean()
        if data.get("status") == Customer.Status.CHURNED and not data.get("reason", "").strip():
            self.add_error("reason", _("Say why the customer was lost."))
        return data


class VisitPlanForm(forms.Form):
    owner = StaffChoiceField(label=_("Owner"), queryset=User.objects.none())
    every_days = forms.IntegerField(label=_("Every (days)"), min_value=1, max_value=366, initial=30)
    next_due = forms.DateField(label=_("Next due"), widget=forms.DateInput(attrs={"type": "date"}))
    channel = forms.ChoiceField(label=_("Channel"), choices=Channel.choices, initial=Channel.VISIT)
    purpose = forms.CharField(label=_("Purpose"), max_length=200, required=False)

    def __init__(self, *args, staff=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = staff if staff is not None else User.objects.none()


class VisitRecordForm(forms.Form):
    summary = forms.CharField(
        label=_("Notes of the visit"), widget=forms.Textarea(attrs={"rows": 2}), max_length=SUMMARY_MAX_LENGTH
    )
    occurred_at = forms.DateTimeField(
        label=_("When"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text=_("Empty: now"),
    )

    def clean_occurred_at(self):
        value = self.cleaned_data.get("occurred_at")
        if value and value > timezone.now():
            raise forms.ValidationError(_("A visit cannot be in the future."))
        return value


class TransferForm(forms.Form):
    from_manager = StaffChoiceField(label=_("From account manager"), queryset=User.objects.none())
    to_manager = StaffChoiceField(label=_("To account manager"), queryset=User.objects.none())
    reason = forms.CharField(label=_("Reason"), max_length=300, help_text=_("e.g. left the company, new territory"))

    def __init__(self, *args, owners=None, staff=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["from_manager"].queryset = owners if owners is not None else User.objects.none()
        self.fields["to_manager"].queryset = staff if staff is not None else User.objects.none()

    def clean(self):
        data = super().clean()
        if data.get("from_manager") and data.get("from_manager") == data.get("to_manager"):
            self.add_error("to_manager", _("Choose two different people."))
        return data


class ImportForm(forms.Form):
    file = forms.FileField(
        label=_("Transactions file (.csv or .xlsx)"),
        help_text=_("Columns: customer code, date, amount; optional: margin, product, order number."),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx"}),
    )


class MatrixFilterForm(forms.Form):
    branch = forms.ModelChoiceField(label=_("Branch"), queryset=Branch.objects.none(), required=False)
    tier = forms.ChoiceField(label=_("Tier"), choices=[("", _("Any tier")), *Tier.choices], required=False)

    def __init__(self, *args, branches=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["branch"].queryset = branches if branches is not None else Branch.objects.none()
        self.fields["branch"].empty_label = _("All branches")


class RetentionForm(forms.Form):
    unit = forms.ChoiceField(
        label=_("Period"), choices=[("month", _("Month")), ("quarter", _("Quarter"))], initial="month", required=False
    )
    count = forms.IntegerField(label=_("Periods"), min_value=1, max_value=24, initial=6, required=False)
    dimension = forms.ChoiceField(
        label=_("Per"),
        choices=[
            ("none", _("Whole company")),
            ("branch", _("Branch")),
            ("quadrant", _("Value quadrant")),
            ("tier", _("Tier")),
        ],
        initial="none",
        required=False,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            is_select = hasattr(field.widget, "choices")
            field.widget.attrs["class"] = "form-select form-select-sm" if is_select else "form-control form-control-sm"
        self.fields["count"].widget.attrs["placeholder"] = "6"

    def clean(self):
        data = super().clean()
        data["unit"] = data.get("unit") or "month"
        data["count"] = data.get("count") or 6
        data["dimension"] = data.get("dimension") if data.get("dimension") in DIMENSIONS else "none"
        return data
