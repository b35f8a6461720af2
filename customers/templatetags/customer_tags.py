from django import template
from django.utils.translation import gettext as _

from customers.imports import row_error_text
from customers.masking import phone_for
from customers.models import ClassificationChange, Customer, CustomerEvent, Quadrant, Tier

register = template.Library()

QUADRANT_BADGES = {
    Quadrant.HIGH: "text-bg-success",
    Quadrant.SECONDARY: "text-bg-primary",
    Quadrant.POTENTIAL: "text-bg-warning",
    Quadrant.LOW: "text-bg-secondary",
}
TIER_BADGES = {Tier.A: "text-bg-danger", Tier.B: "text-bg-info", Tier.C: "text-bg-light border"}
STATUS_BADGES = {
    Customer.Status.ACTIVE: "text-bg-success",
    Customer.Status.AT_RISK: "text-bg-warning",
    Customer.Status.CHURNED: "text-bg-dark",
}


@register.simple_tag(takes_context=True)
def phone(context, customer, number=None):
    """A phone of this customer (its own unless ``number`` is given) as the current user may see it."""
    value = customer.phone if number is None else number
    if not value:
        return "—"
    return phone_for(context["request"].user, customer, value)


@register.filter
def quadrant_badge(code: str) -> str:
    return QUADRANT_BADGES.get(code, "text-bg-light border")


@register.filter
def tier_badge(code: str) -> str:
    return TIER_BADGES.get(code, "text-bg-light border")


@register.filter
def status_badge(code: str) -> str:
    return STATUS_BADGES.get(code, "text-bg-light border")


@register.filter
def event_value(event: CustomerEvent, which: str) -> str:
    """An event's from/to/note in the reader's language: status codes and reasons become labels."""
    value = getattr(event, which)
    if event.kind == CustomerEvent.Kind.STATUS and value:
        if which in ("from_value", "to_value") and value in Customer.Status.values:
            return str(Customer.Status(value).label)
        if which == "note" and value in Customer.AtRiskReason.values:
            return str(Customer.AtRiskReason(value).label)
        if which == "note" and value == "recovered":
            return _("Buying again: no longer at risk")
    if event.kind == CustomerEvent.Kind.UPDATED and which == "note":
        return _("Changed: %(fields)s") % {"fields": value}
    return value


@register.filter
def change_reason(change: ClassificationChange) -> str:
    """Why a quadrant or tier changed, from the figures stored with the change and its run."""
    run = change.run
    if change.kind == ClassificationChange.Kind.QUADRANT:
        potential = change.potential_score if change.potential_score is not None else _("not assessed")
        return _("Current value %(value)s (high from %(ct)s), potential %(potential)s (high from %(pt)s)") % {
            "value": change.current_value,
            "ct": run.current_threshold if run.current_threshold is not None else "—",
            "potential": potential,
            "pt": run.potential_threshold if run.potential_threshold is not None else "—",
        }
    share = change.sales_share_before if change.sales_share_before is not None else "—"
    return _(
        "Bigger customers bring %(share)s%% of sales (A below %(pareto)s%%); %(count)s purchases in the window"
    ) % {"share": share, "pareto": run.pareto_percent, "count": change.window_purchases}


@register.filter
def import_errors(errors) -> str:
    """A row's stored import errors, worded in the reader's language (older batches kept the text itself)."""
    return " ".join(row_error_text(error) for error in errors)
