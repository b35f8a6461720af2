from django import template
from django.urls import reverse

register = template.Library()


@register.inclusion_tag("exports/_buttons.html", takes_context=True)
def export_buttons(context, url_name: str):
    """CSV / Excel links of a list's export, carrying the filters the page has now (not its page number)."""
    query = context["request"].GET.copy()
    query.pop("page", None)
    suffix = f"?{query.urlencode()}" if query else ""
    return {
        "csv_url": reverse(url_name, args=["csv"]) + suffix,
        "xlsx_url": reverse(url_name, args=["xlsx"]) + suffix,
    }
