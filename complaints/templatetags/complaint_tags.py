"""How a timeline event reads, in the reader's language: services store codes and numbers in
``TimelineEvent.data``; only what a person wrote is stored as text (``note``)."""

from datetime import datetime

from django import template
from django.core.exceptions import FieldDoesNotExist
from django.utils import timezone
from django.utils.translation import gettext as _

from complaints.models import Complaint, CustomerResponse, PlanDecision, Remedy, Revisit, TimelineEvent

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
