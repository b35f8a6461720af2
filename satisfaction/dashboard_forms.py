"""The CSI dashboard's filters (GET): period, branch, tier, quadrant, questionnaire and whose answers."""

from dataclasses import dataclass, replace
from datetime import date, timedelta

from django import forms
from django.utils.translation import gettext_lazy as _

from crm_site.org.models import Branch
from customers.models import Quadrant, Tier

from .selectors import CsiFilters, Group, month_starts

PRESETS = {"3": 3, "6": 6, "12": 12}
DEFAULT_PRESET = "6"
CUSTOM = "custom"
MAX_MONTHS = 60  # the month charts stay readable, and a typo (year 202) is caught

# What the bar chart compares; a manager's figures are one branch's, so they compare segments only.
COMPARE_BY = [
    ("branch", _("Branch")),
    ("tier", _("Tier")),
    ("quadrant", _("Value quadrant")),
    ("template", _("Questionnaire")),
]


@dataclass(frozen=True)
class Selection:
    """What the dashboard shows: the filtered period, the one before it (same length), its months, the comparison."""

    current: CsiFilters
    previous: CsiFilters
    months: list[date]
    compare_by: str


def _months_back(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 - months
    return date(index // 12, index % 12 + 1, 1)


class DashboardFilterForm(forms.Form):
    period = forms.ChoiceField(
        label=_("Period"),
        choices=[
            ("3", _("Last 3 months")),
            ("6", _("Last 6 months")),
            ("12", _("Last 12 months")),
            (CUSTOM, _("From – to")),
        ],
        initial=DEFAULT_PRESET,
        required=False,
    )
    date_from = forms.DateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    branch = forms.ModelChoiceField(label=_("Branch"), queryset=Branch.objects.none(), required=False)
    tier = forms.ChoiceField(label=_("Tier"), choices=[("", _("Any tier")), *Tier.choices], required=False)
    quadrant = forms.ChoiceField(
        label=_("Value quadrant"), choices=[("", _("Any quadrant")), *Quadrant.choices], required=False
    )
    template = forms.ChoiceField(label=_("Questionnaire"), required=False)
    group = forms.ChoiceField(
        label=_("Whose answers"),
        choices=[
            (Group.ALL, _("Everyone")),
            (Group.COMPLAINANTS, _("Customers who complained")),
            (Group.OTHERS, _("Customers who never complained")),
        ],
        initial=Group.ALL,
        required=False,
    )
    compare_by = forms.ChoiceField(label=_("Compare by"), choices=COMPARE_BY, required=False)

    def __init__(self, *args, company_wide: bool, branches=None, questionnaires=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.company_wide = company_wide
        if company_wide:
            self.fields["branch"].queryset = branches if branches is not None else Branch.objects.none()
            self.fields["branch"].empty_label = _("All branches")
        else:
            del self.fields["branch"]
            self.fields["compare_by"].choices = [c for c in COMPARE_BY if c[0] != "branch"]
        self.fields["template"].choices = [("", _("Any questionnaire")), *questionnaires]
        for name, f in self.fields.items():
            is_select = hasattr(f.widget, "choices")
            f.widget.attrs["class"] = "form-select form-select-sm" if is_select else "form-control form-control-sm"
            f.widget.attrs["data-testid"] = f"filter-{name}"

    def clean(self):
        """The period select decides: dates count when it says "from – to" (or when only dates are given, as in a
        hand-written link). Date problems are the date fields' errors: those fields are then left out and a recent
        period is shown, as any invalid filter is left out while the valid ones still apply."""
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
            elif len(month_starts(date_from, date_to)) > MAX_MONTHS:
                self.add_error("date_to", _("Choose a period of at most %(months)s months.") % {"months": MAX_MONTHS})
            else:
                data["period"] = CUSTOM
                return data
            data["period"] = DEFAULT_PRESET
        return data

    def selection(self, *, today: date) -> Selection:
        """The filters the form asks for: its valid fields; the defaults for the others (all of them unbound)."""
        # The valid filters apply even when another one is not (a manager's stale "compare by branch", say).
        data = {}
        if self.is_bound:
            self.is_valid()  # cleaned_data keeps the fields that are valid
            data = self.cleaned_data
        period = data.get("period") or DEFAULT_PRESET
        if period == CUSTOM and data.get("date_from") and data.get("date_to"):
            date_from, date_to = data["date_from"], data["date_to"]
            length = (date_to - date_from).days + 1
            previous = (date_from - timedelta(days=length), date_from - timedelta(days=1))
        else:
            months = PRESETS.get(period, PRESETS[DEFAULT_PRESET])
            date_from, date_to = _months_back(today, months - 1), today
            previous = (_months_back(date_from, months), date_from - timedelta(days=1))
        branch = data.get("branch") if self.company_wide else None
        compare_by = data.get("compare_by") or ("branch" if self.company_wide else "tier")
        current = CsiFilters(
            date_from=date_from,
            date_to=date_to,
            branch_id=branch.pk if branch else None,
            tier=data.get("tier") or "",
            quadrant=data.get("quadrant") or "",
            template_code=data.get("template") or "",
            group=data.get("group") or Group.ALL,
        )
        return Selection(
            current=current,
            previous=replace(current, date_from=previous[0], date_to=previous[1]),
            months=month_starts(date_from, date_to),
            compare_by=compare_by,
        )
