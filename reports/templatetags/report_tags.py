"""For other apps' pages: may the user raise a corrective action from this complaint (the policy's answer)."""

from django import template

from complaints.workflow import Step
from crm_site.org.policy import can

register = template.Library()


@register.simple_tag(takes_context=True)
def may_raise_corrective_action(context, complaint) -> bool:
    """A closed complaint with a prevention measure, which the user sees and may raise actions from.
    Reads the complaint's revisits through ``revisits.all`` (prefetched on its page: no query)."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or complaint is None or complaint.step != Step.CLOSED:
        return False
    if not any(r.prevention_measure.strip() for r in complaint.revisits.all()):
        return False
    return can(user, "corrective_action.create") and can(user, "complaint.view", complaint)
