"""The statistics' filters (GET) and the corrective action forms."""

from datetime import date, timedelta

from django import forms
from django.utils.translation import gettext_lazy as _

from complaints.models import Channel, RootCauseGroup, Severity

from .selectors import ActionFilters, ReportFilters
from .services import ActionData
from .workflow import ActionStatus

PRESETS = {"3": 3, "6": 6, "12": 12, "24": 24}
DEFAULT_PRESET = "12"
CUSTOM = "custom"
MAX_DAYS = 5 * 366


def _months_back(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 - months
    return date(index // 12, index % 12 + 1, 1)


def _style(form: forms.Form) -> None:
    for name, field in form.fields.items():
        is_select = hasattr(field.widget, "choices")
        field.widget.attrs["class"] = "form-select form-select-sm" if is_select else "form-control form-control-sm"
        field.widget.attrs["data-testid"] = f"filter-{name}"


class ReportFilterForm(forms.Form):
    period = forms.ChoiceField(
        label=_("Period"),
        choices=[
            ("3", _("Last 3 months")),
            ("6", _("Last 6 months")),
            ("12", _("Last 12 months")),
            ("24", _("Last 24 months")),
            (CUSTOM, _("From – to")),
        ],
        initial=DEFAULT_PRESET,
        required=False,
    )
    date_from = forms.DateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    branch = forms.TypedChoiceField(label=_("Branch"), coerce=int, required=False, empty_value=None)
    department = forms.TypedChoiceField(label=_("Department"), coerce=int, required=False, empty_value=None)
    category = forms.TypedChoiceField(label=_("Category"), coerce=int, required=False, empty_value=None)
    severity = forms.ChoiceField(label=_("Severity"), required=False)
    channel = forms.ChoiceField(label=_("Channel"), required=False)

    def __init__(self, *args, choices: dict, **kwargs):
        super().__init__(*args, **kwargs)
        branches = list(choices["branches"])
        # A manager sees one branch: "All branches" would promise more than the figures hold.
        self.fields["branch"].choices = branches if len(branches) == 1 else [("", _("All branches")), *branches]
        self.fields["department"].choices = [("", _("All departments")), *choices["departments"]]
        self.fields["category"].choices = [("", _("All categories")), *choices["categories"]]
        self.fields["severity"].choices = [("", _("Any severity")), *Severity.choices]
        self.fields["channel"].choices = [("", _("Any channel")), *Channel.choices]
        _style(self)

    def clean(self):
        data = super().clean()
        date_from, date_to = data.get("date_from"), data.get("date_to")
        if data.get("period") == CUSTOM or (not self.data.get("period") and (date_from or date_to)):
            if not (date_from and date_to):
                self.add_error(
                    "date_from" if not date_from else "date_to",
                    _("Give both dates, or choose one of the recent periods."),
                )
            elif date_to < date_from:
                self.add_error("date_to", _("The end date is before the start date."))
            elif (date_to - date_from).days > MAX_DAYS:
                self.add_error("date_to", _("Choose a period of at most five years."))
            else:
                data["period"] = CUSTOM
                return data
            data["period"] = DEFAULT_PRESET
        return data

    def filters(self, *, today: date, branch_id: int | None) -> ReportFilters:
        """The valid filters; the defaults for the others. ``branch_id`` is the view's (checked against the user's
        scope before the form, so another branch answers 404 rather than an ignored filter)."""
        data = {}
        if self.is_bound:
            self.is_valid()
            data = self.cleaned_data
        period = data.get("period") or DEFAULT_PRESET
        if period == CUSTOM and data.get("date_from") and data.get("date_to"):
            date_from, date_to = data["date_from"], data["date_to"]
        else:
            date_from, date_to = _months_back(today, PRESETS.get(period, PRESETS[DEFAULT_PRESET]) - 1), today
        return ReportFilters(
            date_from=date_from,
            date_to=date_to,
            branch_id=branch_id,
            department_id=data.get("department"),
            category_id=data.get("category"),
            severity=data.get("severity") or "",
            channel=data.get("channel") or "",
        )


class ActionFilterForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), required=False)
    cause = forms.ChoiceField(label=_("Root-cause group"), required=False)
    overdue = forms.BooleanField(label=_("Overdue only"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = [
            ("", _("Any status")),
            ("open", _("Open or in progress")),
            *ActionStatus.choices,
        ]
        self.fields["cause"].choices = [("", _("Any group")), *RootCauseGroup.choices]
        _style(self)
        self.fields["overdue"].widget.attrs["class"] = "form-check-input"

    def filters(self) -> ActionFilters:
        data = self.cleaned_data if self.is_bound and self.is_valid() else {}
        return ActionFilters(
            status=data.get("status") or "",
            root_cause_group=data.get("cause") or "",
            overdue=bool(data.get("overdue")),
        )


class CorrectiveActionForm(forms.Form):
    title = forms.CharField(label=_("Corrective action"), max_length=200)
    description = forms.CharField(
        label=_("What will be done"), widget=forms.Textarea(attrs={"rows": 4}), required=False
    )
    root_cause_group = forms.ChoiceField(label=_("Root-cause group addressed"), choices=RootCauseGroup.choices)
    root_cause = forms.CharField(
        label=_("Root cause addressed"),
        max_length=200,
        required=False,
        help_text=_("Leave empty to address the whole group."),
    )
    category = forms.TypedChoiceField(label=_("Category"), coerce=int, required=False, empty_value=None)
    branch = forms.TypedChoiceField(label=_("Branch"), coerce=int, required=False, empty_value=None)
    owner = forms.TypedChoiceField(label=_("Owner"), coerce=int)
    due_on = forms.DateField(label=_("Due date"), widget=forms.DateInput(attrs={"type": "date"}))
    window_days = forms.IntegerField(
        label=_("Compare over (days)"),
        min_value=7,
        max_value=730,
        initial=90,
        help_text=_("The cause's complaints in this many days after the action are compared with as many days before."),
    )

    def __init__(self, *args, owners, categories, today: date, branches=None, **kwargs):
        """``branches``: the choice a company-wide user has (empty: the whole company); a manager's is their own."""
        super().__init__(*args, **kwargs)
        self.today = today
        if branches is None:
            del self.fields["branch"]
        else:
            self.fields["branch"].choices = [("", _("The whole company")), *branches]
        self.fields["owner"].choices = [("", "—"), *[(u.pk, u.get_full_name() or u.get_username()) for u in owners]]
        self.fields["category"].choices = [("", _("Any category")), *categories]
        for name, field in self.fields.items():
            is_select = hasattr(field.widget, "choices")
            field.widget.attrs["class"] = "form-select" if is_select else "form-control"
            field.widget.attrs["data-testid"] = f"action-{name}"

    def clean_due_on(self):
        due_on = self.cleaned_data["due_on"]
        if due_on < self.today:
            raise forms.ValidationError(_("The due date cannot be in the past."))
        if due_on > self.today + timedelta(days=3 * 366):
            raise forms.ValidationError(_("Choose a due date within three years."))
        return due_on

    def data_for(self, *, branch_id: int | None) -> ActionData:
        d = self.cleaned_data
        if "branch" in self.fields:
            branch_id = d.get("branch")
        return ActionData(
            title=d["title"],
            description=d.get("description") or "",
            root_cause_group=d["root_cause_group"],
            root_cause=d.get("root_cause") or "",
            category_id=d.get("category"),
            owner_id=d["owner"],
            due_on=d["due_on"],
            branch_id=branch_id,
            window_days=d["window_days"],
        )


class ActionMoveForm(forms.Form):
    to = forms.ChoiceField(label=_("New status"), choices=ActionStatus.choices, widget=forms.HiddenInput)
    note = forms.CharField(
        label=_("Result, or why"),
        widget=forms.Textarea(attrs={"rows": 3, "class": "form-control", "data-testid": "action-note"}),
        required=False,
        max_length=4000,
    )
