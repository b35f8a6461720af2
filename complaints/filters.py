import re

import django_filters
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from crm_site.org.access import access_of
from crm_site.org.models import Branch
from crm_site.widgets import speed_up_selects
from customers.models import Customer
from customers.phones import same_phone
from customers.search import contains

from .models import Category, Channel, Complaint, EscalationLevel, Severity
from .rules import WORKER_ROLES
from .selectors import due_soon_filter, overdue_filter
from .workflow import Step

# TS-YYYY-NNNNNN (complaints.services.complaint_number_next); the bench's are one digit longer.
NUMBER = re.compile(r"TS-\d{4}-\d{6,7}")
# What can be part of a number, three characters or more: shorter fragments match nearly every number.
NUMBER_FRAGMENT = re.compile(r"[A-Z0-9-]{3,}")
# A fragment holding the year and its dash can only be the start of the number: "2026-0012" is in TS-2026-0012xx and
# nowhere else, so it is looked up as a prefix in the number's own index instead of by trigrams (every number of the
# year shares the trigrams of "2026-").
YEAR_AND_SERIAL = re.compile(r"(?:TS-)?(\d{4})-(\d*)")
# The customers a search matches, and the complaints whose number holds the fragment, are passed to the complaint
# query by key up to this many each.
CUSTOMERS_BY_KEY = 500
NUMBERS_BY_KEY = 500
# The customer's words and the product are searched from this many characters: shorter fragments match too much
# text to be useful, and a trigram index cannot serve them.
WORDS_FROM = 3

SORTS = [
    ("-created_at", _("Newest first")),
    ("created_at", _("Oldest first")),
    ("resolution_due_at", _("Due first")),
    ("-severity_rank", _("Most severe first")),
    ("number", _("Number")),
]


class ComplaintFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label=_("Search"))
    step = django_filters.ChoiceFilter(
        choices=[("open", _("All open")), *Step.choices],
        method="filter_step",
        label=_("Step"),
        empty_label=_("Any step"),
    )
    severity = django_filters.ChoiceFilter(choices=Severity.choices, label=_("Severity"), empty_label=_("Any"))
    category = django_filters.ModelChoiceFilter(
        queryset=Category.objects.all(), label=_("Category"), empty_label=_("Any")
    )
    branch = django_filters.ModelChoiceFilter(
        queryset=Branch.objects.filter(is_active=True), label=_("Branch"), empty_label=_("Any")
    )
    handler = django_filters.ModelChoiceFilter(
        queryset=get_user_model().objects.none(),
        label=_("Handler"),
        empty_label=_("Anyone"),
        # Complaints filed on the public form or by e-mail wait in the branch's queue with no handler.
        null_label=_("Unassigned"),
    )
    channel = django_filters.ChoiceFilter(choices=Channel.choices, label=_("Channel"), empty_label=_("Any"))
    due = django_filters.ChoiceFilter(
        choices=[("overdue", _("Overdue")), ("soon", _("Due soon"))],
        method="filter_due",
        label=_("Due"),
        empty_label=_("Any"),
    )
    escalation = django_filters.ChoiceFilter(
        choices=[("any", _("Escalated (any level)")), *[(str(v), label) for v, label in EscalationLevel.choices]],
        method="filter_escalation",
        label=_("Escalation"),
        empty_label=_("Any"),
    )
    mine = django_filters.BooleanFilter(
        method="filter_mine", label=_("Mine only"), widget=django_filters.widgets.forms.CheckboxInput
    )
    received_from = django_filters.DateFilter(
        field_name="created_at",
        lookup_expr="date__gte",
        label=_("Received from"),
        widget=django_filters.widgets.forms.DateInput(attrs={"type": "date"}),
    )
    received_to = django_filters.DateFilter(
        field_name="created_at",
        lookup_expr="date__lte",
        label=_("Received to"),
        widget=django_filters.widgets.forms.DateInput(attrs={"type": "date"}),
    )
    archived = django_filters.ChoiceFilter(
        choices=[("no", _("Not archived")), ("yes", _("Archived only"))],
        method="filter_archived",
        label=_("Archived"),
        empty_label=_("Any"),
    )

    class Meta:
        model = Complaint
        fields: list[str] = []

    def __init__(self, *args, user=None, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)
        staff = get_user_model().objects.filter(is_active=True, groups__name__in=WORKER_ROLES)
        if user is not None and not access_of(user).company_wide:
            staff = staff.filter(staff_profile__branch_id=access_of(user).branch_id)
        self.filters["handler"].queryset = staff.distinct().order_by("first_name", "username")
        self.form.fields["handler"].queryset = self.filters["handler"].queryset
        self.form.fields["handler"].label_from_instance = lambda u: u.get_full_name() or u.username
        for field in self.form.fields.values():
            widget = field.widget
            if isinstance(widget, django_filters.widgets.forms.CheckboxInput):
                continue
            is_select = widget.__class__.__name__.endswith("Select") or hasattr(widget, "choices")
            widget.attrs.setdefault(
                "class", "form-select form-select-sm" if is_select else "form-control form-control-sm"
            )
        speed_up_selects(self.form)

    def search(self, qs, name, value):
        """A whole number finds its complaint by the unique index; otherwise a fragment of the number (three
        characters or more), the customer (name fragment, exact code, full phone: never a phone fragment) and,
        from three characters, the customer's words and the product. Every condition is on the complaint row, so
        PostgreSQL can combine its indexes (trigram GIN on number, words and product; the customer's complaints by
        customer) instead of joining the customer to every complaint; the matching customers are read first, by
        their own indexes (customers.search)."""
        value = value.strip()
        if not value:
            return qs
        if NUMBER.fullmatch(value.upper()):
            return qs.filter(number=value.upper())
        matching = Customer.objects.filter(
            contains("name", value) | Q(code__iexact=value) | same_phone("phone_e164", value)
        ).values("pk")
        customers = list(matching.order_by().values_list("pk", flat=True)[: CUSTOMERS_BY_KEY + 1])
        if len(customers) > CUSTOMERS_BY_KEY:  # a very common fragment: let the database join instead
            by_customer = Q(customer__in=matching.order_by())
        else:
            by_customer = Q(customer__in=customers)
        condition = by_customer
        if NUMBER_FRAGMENT.fullmatch(value.upper()):
            condition |= self._numbered(value.upper())
        if len(value) >= WORDS_FROM:
            condition |= Q(customer_words__icontains=value) | Q(product__icontains=value)
        return qs.filter(condition)

    @staticmethod
    def _numbered(fragment: str) -> Q:
        """The complaints whose number holds the fragment, by key when there are few: the page counts its rows and
        then reads its keys, and the trigram index on the number is the slow part of each (a fragment such as
        2026-90123 shares the year's trigrams with every number of the year), so it is read once, here. The keys
        are company-wide: the list's own scope still applies to them."""
        start = YEAR_AND_SERIAL.fullmatch(fragment)
        holding = Q(number__startswith=f"TS-{start[1]}-{start[2]}") if start else Q(number__contains=fragment)
        keys = list(Complaint.objects.filter(holding).order_by().values_list("pk", flat=True)[: NUMBERS_BY_KEY + 1])
        if len(keys) > NUMBERS_BY_KEY:  # a fragment of many numbers (a year): one condition, counted and capped
            return holding
        return Q(pk__in=keys)

    def filter_step(self, qs, name, value):
        return qs.exclude(step=Step.CLOSED) if value == "open" else qs.filter(step=value)

    def filter_due(self, qs, name, value):
        return qs.filter(overdue_filter() if value == "overdue" else due_soon_filter())

    def filter_escalation(self, qs, name, value):
        if value == "any":
            return qs.filter(escalation_level__gt=EscalationLevel.NONE)
        return qs.filter(escalation_level=int(value))

    def filter_archived(self, qs, name, value):
        return qs.filter(is_archived=value == "yes")

    def filter_mine(self, qs, name, value):
        if value and self.user is not None:
            return qs.filter(Q(handler=self.user) | Q(first_responder=self.user))
        return qs
