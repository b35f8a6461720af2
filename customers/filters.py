import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from crm_site.org.models import Branch

from .models import Customer, Quadrant, Tag, Tier
from .phones import phone_search
from .search import name_or_company

SORTS = {
    "name": "name",
    "-name": "-name",
    "code": "code",
    "-code": "-code",
    "created": "created_at",
    "-created": "-created_at",
    "-value": "-current_value",
    "-potential": "-potential_score",
}


# The customers the value matrix counts: active and at risk (churned ones keep their last quadrant).
NOT_CHURNED = "current"


class CustomerFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label=_("Search"))
    quadrant = django_filters.ChoiceFilter(choices=Quadrant.choices, label=_("Value quadrant"), empty_label=_("Any"))
    tier = django_filters.ChoiceFilter(choices=Tier.choices, label=_("Tier"), empty_label=_("Any"))
    status = django_filters.ChoiceFilter(
        choices=[*Customer.Status.choices, (NOT_CHURNED, _("Not churned"))],
        method="filter_status",
        label=_("Status"),
        empty_label=_("Any"),
    )
    branch = django_filters.ModelChoiceFilter(queryset=Branch.objects.none(), label=_("Branch"), empty_label=_("Any"))
    tag = django_filters.ModelChoiceFilter(
        field_name="tags", queryset=Tag.objects.filter(is_active=True), label=_("Tag"), empty_label=_("Any")
    )
    mine = django_filters.BooleanFilter(
        method="filter_mine", label=_("My customers"), widget=django_filters.widgets.forms.CheckboxInput
    )
    duplicates = django_filters.BooleanFilter(
        method="filter_duplicates",
        label=_("Possible duplicates"),
        widget=django_filters.widgets.forms.CheckboxInput,
    )
    unverified = django_filters.BooleanFilter(
        method="filter_unverified",
        label=_("Unverified only"),
        widget=django_filters.widgets.forms.CheckboxInput,
    )

    class Meta:
        model = Customer
        fields: list[str] = []

    def __init__(self, *args, user=None, branches=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        if branches is not None and len(branches) > 1:
            self.filters["branch"].queryset = branches
        else:
            del self.filters["branch"]
        for name, field in self.form.fields.items():
            if name in ("mine", "duplicates", "unverified"):
                continue
            is_select = hasattr(field.widget, "choices")
            field.widget.attrs.setdefault(
                "class", "form-select form-select-sm" if is_select else "form-control form-control-sm"
            )

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(name_or_company(value) | Q(code__iexact=value) | phone_search(self.user, value))

    def filter_status(self, queryset, name, value):
        if value == NOT_CHURNED:
            return queryset.exclude(status=Customer.Status.CHURNED)
        return queryset.filter(status=value) if value else queryset

    def filter_mine(self, queryset, name, value):
        return queryset.filter(account_manager=self.user) if value else queryset

    def filter_duplicates(self, queryset, name, value):
        return queryset.filter(possible_duplicate_of__isnull=False) if value else queryset

    def filter_unverified(self, queryset, name, value):
        return queryset.filter(unverified=True) if value else queryset
