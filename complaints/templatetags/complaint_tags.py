"""How a timeline event reads, in the reader's language: services store codes and numbers in
``TimelineEvent.data``; only what a person wrote is stored as text (``note``)."""

from datetime import datetime

from django import template
from django.core.exceptions import FieldDoesNotExist
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from complaints.models import Complaint, CustomerResponse, PlanDecision, Remedy, Revisit, TimelineEvent
from crm_site.exports.lists import choice_label
from crm_site.org.templatetags.org_tags import person

register = template.Library()
Kind = TimelineEvent.Kind


def _label(choices, code) -> str:
    return str(dict(choices.choices).get(code, code))


def _when(iso: str) -> str:
    try:
        return f"{timezone.localtime(datetime.fromisoformat(iso)):%Y-%m-%d %H:%M}"
    except (TypeError, ValueError):
        return str(iso)


def _field_label(name: str) -> str:
    try:
        return str(Complaint._meta.get_field(name).verbose_name)
    except FieldDoesNotExist:
        return name


@register.filter
def timeline_summary(event: TimelineEvent) -> str:
    """The system's part of an event (what was decided, scored, changed); empty when there is none."""
    d = event.data or {}
    if not d:
        return ""
    if event.kind == Kind.REPEAT:
        return _("Repeat of %(number)s") % {"number": d.get("number", "")}
    if event.kind == Kind.RECORDED:
        return ", ".join(_field_label(f) for f in d.get("fields", []))
    if event.kind == Kind.CONFIRMED:
        return (
            _("The customer confirmed the problem")
            if d.get("by") == "customer"
            else _("The company confirmed the problem")
        )
    if event.kind == Kind.PLAN:
        text = _("Total %(amount)s") % {"amount": d.get("total", "")}
        return text + (" · " + _("needs the general manager") if d.get("needs_gm") else "")
    if event.kind == Kind.DECISION:
        verdict = _("approved") if d.get("approved") else _("rejected")
        return f"{_label(PlanDecision.Level, d.get('level'))}: {verdict}"
    if event.kind == Kind.RESPONSE:
        return _label(CustomerResponse.Outcome, d.get("outcome"))
    if event.kind == Kind.REMEDY:
        return f"{_label(Remedy.Kind, d.get('kind'))} {d.get('amount', '')}".strip()
    if event.kind == Kind.REVISIT:
        text = f"{_label(Revisit.Outcome, d.get('outcome'))}, {d.get('score')}/5"
        return text + (" · " + _("signed off") if d.get("signed_off") else "")
    if event.kind == Kind.REOPENED and "revisit_score" in d:
        return _("Customer not satisfied at the revisit (%(score)s/5).") % {"score": d["revisit_score"]}
    if event.kind == Kind.EXTENSION:
        return f"{_when(d.get('from'))} → {_when(d.get('to'))}"
    if event.kind == Kind.CUSTOMER_MESSAGE:
        parts = [_("by e-mail") if d.get("channel") == "email" else _("on the status page")]
        if d.get("files"):
            parts.append(_("%(count)s file(s) attached") % {"count": d["files"]})
        if d.get("refused_files"):
            parts.append(_("refused: %(files)s") % {"files": "; ".join(d["refused_files"])})
        return " · ".join(parts)
    if event.kind == Kind.CREATED and d.get("by_customer"):
        return _("Filed by the customer")
    if event.kind == Kind.NOTE and d.get("send_by_email"):
        return _("Also goes to the customer by e-mail")
    return ""


# --- Badges and list rows ---------------------------------------------------------------------------------------------
# The complaint list renders 25 rows of ten cells: through the template engine (two includes and a dozen lookups per
# row) they were two thirds of the page's time, so the badges and the rows are built here, with the same markup.

STEP_BADGE = {"closed": "text-bg-secondary", "action": "text-bg-warning", "satisfy": "text-bg-success"}
SEVERITY_BADGE = {"major": "text-bg-danger", "important": "text-bg-warning"}


@register.simple_tag
def step_badge(c) -> str:
    return format_html(
        '<span class="badge {}">{}</span>', STEP_BADGE.get(c.step, "text-bg-primary"), choice_label(c, "step")
    )


@register.simple_tag
def severity_badge(c) -> str:
    return format_html(
        '<span class="badge {}">{}</span>',
        SEVERITY_BADGE.get(c.severity, "text-bg-light border"),
        choice_label(c, "severity"),
    )


def _minute(value) -> str:
    return f"{timezone.localtime(value):%Y-%m-%d %H:%M}" if value else ""


@register.simple_tag
def complaint_rows(rows, show_branch: bool) -> str:
    """The complaint list's table rows (templates/complaints/complaint_list.html), one ``<tr>`` per complaint."""
    words = {
        "repeat": format_html(
            ' <span class="badge text-bg-info" title="{}">{}</span>', _("Repeat complaint"), _("Repeat")
        ),
        "archived": format_html(' <span class="badge text-bg-secondary">{}</span>', _("Archived")),
        "no_response": format_html(' <span class="badge text-bg-danger">{}</span>', _("No response yet")),
        "overdue": format_html(' <span class="badge text-bg-danger">{}</span>', _("Overdue")),
        "soon": format_html(' <span class="badge text-bg-warning">{}</span>', _("Due soon")),
    }
    html = []
    for c in rows:
        due = "—"
        if c.is_open:
            flag = ""
            if c.overdue:
                flag = words["no_response"] if c.is_response_overdue else words["overdue"]
            elif c.due_soon:
                flag = words["soon"]
            due = format_html("{}{}", _minute(c.resolution_due_at), flag)
        escalation = (
            format_html('<span class="badge text-bg-danger">{}</span>', choice_label(c, "escalation_level"))
            if c.escalation_level
            else "—"
        )
        html.append(
            format_html(
                '<tr{}><td class="text-nowrap"><a href="{}">{}</a>{}{}</td>'
                "<td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td>{}"
                '<td class="small">{}</td><td class="small">{}</td><td class="small" data-testid="escalation">{}</td>'
                "</tr>",
                mark_safe(' class="table-danger"') if c.overdue else "",
                reverse("complaints:detail", args=[c.pk]),
                c.number,
                words["repeat"] if c.repeat_of_id or c.has_repeats else "",
                words["archived"] if c.is_archived else "",
                c.customer.name,
                c.category,
                severity_badge(c),
                step_badge(c),
                person(c.handler),
                format_html("<td>{}</td>", c.branch.name) if show_branch else "",
                _minute(c.created_at),
                due,
                escalation,
            )
        )
    return mark_safe("\n".join(html))  # noqa: S308 - each row is format_html output
