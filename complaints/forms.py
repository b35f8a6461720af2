from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from crm_site.org.forms_fields import NOTE_MAX_LENGTH, STATEMENT_MAX_LENGTH, SUMMARY_MAX_LENGTH, limit_length
from crm_site.org.models import Department
from customers.models import Customer

from .models import (
    SEVERITY_HINTS,
    Category,
    Channel,
    Complaint,
    CustomerResponse,
    EmotionalState,
    Priority,
    Remedy,
    Revisit,
    RootCauseGroup,
    Severity,
)
from .workflow import Step

DATETIME_LOCAL = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(d, initial) for d in data]
        return [single(data, initial)] if data else []


SEVERITY_CHOICES_WITH_HINTS = [
    (value, format_lazy("{} — {}", label, SEVERITY_HINTS[value])) for value, label in Severity.choices
]


class IntakeForm(forms.Form):
    """Log a complaint fast: an existing customer (live search) or a new one inline."""

    customer = forms.ModelChoiceField(
        queryset=Customer.objects.none(),
        required=False,
        widget=forms.HiddenInput,
        error_messages={"invalid_choice": _("Choose a customer from the search.")},
    )
    new_customer_name = forms.CharField(label=_("New customer's name"), max_length=200, required=False)
    new_customer_phone = forms.CharField(label=_("New customer's phone"), max_length=30, required=False)
    channel = forms.ChoiceField(label=_("Channel"), choices=Channel.choices, initial=Channel.PHONE)
    occurred_at = forms.DateTimeField(label=_("When it happened"), widget=DATETIME_LOCAL)
    location = forms.CharField(label=_("Where"), max_length=200, required=False)
    product = forms.CharField(label=_("Product / order"), max_length=200, required=False)
    customer_words = forms.CharField(
        label=_("In the customer's own words"),
        max_length=STATEMENT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    customer_request = forms.CharField(
        label=_("What the customer asks for"),
        max_length=NOTE_MAX_LENGTH,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    category = forms.ModelChoiceField(label=_("Category"), queryset=Category.objects.filter(is_active=True))
    severity = forms.ChoiceField(
        label=_("Severity"), choices=SEVERITY_CHOICES_WITH_HINTS, initial=Severity.GENERAL, widget=forms.RadioSelect
    )
    priority = forms.ChoiceField(label=_("Priority"), choices=Priority.choices, initial=Priority.NORMAL)
    evidence = MultipleFileField(label=_("Evidence (photos, PDF, documents; 10 MB each)"), required=False)

    def __init__(self, *args, customers=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["customer"].queryset = customers if customers is not None else Customer.objects.none()
        if not self.is_bound:
            self.initial.setdefault("occurred_at", timezone.localtime().replace(second=0, microsecond=0))

    def clean_occurred_at(self):
        value = self.cleaned_data["occurred_at"]
        if value > timezone.now() + timezone.timedelta(minutes=5):
            raise ValidationError(_("The complaint cannot have happened in the future."))
        return value

    def clean(self):
        data = super().clean()
        if not data.get("customer") and not data.get("new_customer_name", "").strip():
            raise ValidationError(_("Find the customer, or enter a new customer's name."))
        if not data.get("customer") and not data.get("new_customer_phone", "").strip():
            self.add_error("new_customer_phone", _("A new customer needs a phone number."))
        return data


class StepForm(forms.ModelForm):
    version = forms.IntegerField(widget=forms.HiddenInput)
    text_limits: dict[str, int] = {}  # the model's TextFields have no max_length: the form sets one

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, max_length in self.text_limits.items():
            limit_length(self.fields[name], max_length)


class ListenForm(StepForm):
    text_limits = {"customer_words": STATEMENT_MAX_LENGTH, "key_points": NOTE_MAX_LENGTH}

    class Meta:
        model = Complaint
        fields = ["customer_words", "key_points"]
        widgets = {"customer_words": forms.Textarea(attrs={"rows": 3}), "key_points": forms.Textarea(attrs={"rows": 3})}


class ShareForm(StepForm):
    emotional_state = forms.ChoiceField(label=_("Emotional state"), choices=EmotionalState.choices)
    text_limits = {"empathy_given": NOTE_MAX_LENGTH}

    class Meta:
        model = Complaint
        fields = ["emotional_state", "empathy_given"]
        widgets = {"empathy_given": forms.Textarea(attrs={"rows": 3, "data-phrase-target": "1"})}


class ProblemForm(StepForm):
    root_cause_group = forms.ChoiceField(label=_("Root-cause group"), choices=RootCauseGroup.choices)
    department = forms.ModelChoiceField(
        label=_("Responsible department"), queryset=Department.objects.filter(is_active=True)
    )
    text_limits = {"root_cause": NOTE_MAX_LENGTH}

    class Meta:
        model = Complaint
        fields = ["root_cause_group", "root_cause", "department"]
        widgets = {"root_cause": forms.Textarea(attrs={"rows": 3})}


STEP_FORMS = {Step.LISTEN: ListenForm, Step.SHARE: ShareForm, Step.PROBLEM: ProblemForm}


class VersionForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)


class ConfirmForm(VersionForm):
    by = forms.ChoiceField(
        choices=[("customer", _("The customer confirms")), ("company", _("The company confirms"))],
        widget=forms.HiddenInput,
    )
    notes = forms.CharField(
        label=_("Notes"), max_length=NOTE_MAX_LENGTH, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class PlanForm(VersionForm):
    summary = forms.CharField(label=_("Plan"), max_length=SUMMARY_MAX_LENGTH, widget=forms.Textarea(attrs={"rows": 3}))
    deadline = forms.DateField(label=_("Carried out by"), widget=DATE_INPUT)

    def clean_deadline(self):
        value = self.cleaned_data["deadline"]
        if value < timezone.localdate():
            raise ValidationError(_("The deadline cannot be in the past."))
        return value


class RemedyForm(forms.Form):
    kind = forms.ChoiceField(label=_("Remedy"), choices=[("", "—"), *Remedy.Kind.choices], required=False)
    amount = forms.DecimalField(label=_("Amount"), min_value=0, max_digits=12, decimal_places=2, required=False)
    description = forms.CharField(label=_("Description"), max_length=300, required=False)

    def clean(self):
        data = super().clean()
        if (data.get("amount") or data.get("description")) and not data.get("kind"):
            raise ValidationError(_("Choose the kind of remedy."))
        return data


# validate_max: without it max_num only caps the blank forms shown, and a post may carry up to 1,010 remedies.
RemedyFormSet = forms.formset_factory(RemedyForm, extra=3, max_num=10, validate_max=True)


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(choices=[("approve", _("Approve")), ("reject", _("Reject"))], widget=forms.HiddenInput)
    comment = forms.CharField(
        label=_("Comment (required to reject)"),
        max_length=NOTE_MAX_LENGTH,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def clean(self):
        data = super().clean()
        if data.get("decision") == "reject" and not data.get("comment", "").strip():
            self.add_error("comment", _("Say why the plan is rejected."))
        return data


class ResponseForm(forms.Form):
    outcome = forms.ChoiceField(label=_("The customer"), choices=CustomerResponse.Outcome.choices)
    notes = forms.CharField(
        label=_("What the customer said"),
        max_length=NOTE_MAX_LENGTH,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def clean(self):
        data = super().clean()
        if (
            data.get("outcome")
            and data["outcome"] != CustomerResponse.Outcome.ACCEPTED
            and not data.get("notes", "").strip()
        ):
            self.add_error("notes", _("Note what the customer said."))
        return data


class RevisitForm(VersionForm):
    outcome = forms.ChoiceField(label=_("Outcome"), choices=Revisit.Outcome.choices)
    score = forms.TypedChoiceField(
        label=_("Satisfaction"),
        coerce=int,
        choices=[
            (5, _("5 Very satisfied")),
            (4, _("4 Satisfied")),
            (3, _("3 Slightly dissatisfied")),
            (2, _("2 Dissatisfied")),
            (1, _("1 Very dissatisfied")),
        ],
    )
    signed_off = forms.BooleanField(label=_("The customer signed off (签字认可)"), required=False)
    prevention_measure = forms.CharField(
        label=_("Prevention measure"),
        max_length=NOTE_MAX_LENGTH,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    notes = forms.CharField(
        label=_("Notes"),
        max_length=NOTE_MAX_LENGTH,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, "data-phrase-target": "1"}),
    )
    reopen_to = forms.ChoiceField(
        label=_("If not satisfied, reopen at"),
        choices=[(Step.ACTION, Step.ACTION.label), (Step.PROBLEM, Step.PROBLEM.label)],
    )

    def clean(self):
        data = super().clean()
        # The same rule as the service: a satisfied customer's revisit carries the sign-off and the prevention.
        outcome, score = data.get("outcome"), data.get("score")
        if outcome and score and Revisit(outcome=outcome, score=score).is_satisfied:
            if not data.get("signed_off"):
                self.add_error("signed_off", _("The customer is satisfied: record their sign-off (签字认可)."))
            if not data.get("prevention_measure", "").strip():
                self.add_error("prevention_measure", _("The customer is satisfied: say how this will be prevented."))
        return data


class AssignForm(VersionForm):
    handler = forms.ModelChoiceField(label=_("Handler"), queryset=None, required=False)
    department = forms.ModelChoiceField(
        label=_("Responsible department"), queryset=Department.objects.filter(is_active=True), required=False
    )

    def __init__(self, *args, handlers=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["handler"].queryset = handlers
        self.fields["handler"].label_from_instance = lambda u: u.get_full_name() or u.username


class NoteForm(forms.Form):
    text = forms.CharField(
        label=_("Note"),
        max_length=NOTE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2, "data-phrase-target": "1"}),
    )
    customer_facing = forms.BooleanField(label=_("Told to the customer"), required=False)
    send_by_email = forms.BooleanField(
        label=_("Also send it to the customer by e-mail"),
        required=False,
        help_text=_("The complaint's number goes in the subject, so the customer's answer comes back to it."),
    )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("send_by_email") and not cleaned.get("customer_facing"):
            self.add_error("send_by_email", _("Only a note told to the customer can be sent by e-mail."))
        return cleaned


class AttachmentForm(forms.Form):
    file = forms.FileField(label=_("Evidence file"))


class ExtensionForm(VersionForm):
    new_due_at = forms.DateTimeField(label=_("New resolution deadline"), widget=DATETIME_LOCAL)

    def clean_new_due_at(self):
        value = self.cleaned_data["new_due_at"]
        if value <= timezone.now():
            raise ValidationError(_("The new deadline must be in the future."))
        return value

    reason = forms.CharField(
        label=_("Reason (e.g. rain, snow, supplier delay)"),
        max_length=NOTE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class CloseForm(VersionForm):
    reason = forms.CharField(
        label=_("Why close without the customer's satisfaction?"),
        max_length=NOTE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class ReopenForm(VersionForm):
    to_step = forms.ChoiceField(
        label=_("Reopen at"), choices=[(Step.ACTION, Step.ACTION.label), (Step.PROBLEM, Step.PROBLEM.label)]
    )
    reason = forms.CharField(label=_("Reason"), max_length=NOTE_MAX_LENGTH, widget=forms.Textarea(attrs={"rows": 2}))
