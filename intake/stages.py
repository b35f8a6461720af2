"""What the customer reads about their complaint: the six steps said in four plain words.

Why this mapping (the six steps, 客户抱怨处理六步骤, as complaints/workflow.py holds them):
- Listen 倾听 and Share 分担 are about hearing the customer out and calming them: nothing has been looked into yet,
  so for the customer the complaint is *received*.
- Problem 问题 (find the root cause) and Check 确认 (confirm it with the customer and internally) are the
  investigation: *being investigated*.
- Action 行动 is where a plan is proposed, approved, agreed with the customer and carried out: *solution proposed*.
- Satisfy 满意 starts once the plan was carried out (the revisit checks the result), and a case closed after a
  satisfied revisit is done: *resolved*. A case a manager closed without the customer's satisfaction is not called
  resolved (that would claim what the customer did not confirm): it is *closed*.
"""

from django.utils.translation import gettext_lazy as _

from complaints.workflow import Step

RECEIVED, INVESTIGATING, PROPOSED, RESOLVED, CLOSED = "received", "investigating", "proposed", "resolved", "closed"

STAGE_OF_STEP = {
    Step.LISTEN: RECEIVED,
    Step.SHARE: RECEIVED,
    Step.PROBLEM: INVESTIGATING,
    Step.CHECK: INVESTIGATING,
    Step.ACTION: PROPOSED,
    Step.SATISFY: RESOLVED,
    Step.CLOSED: RESOLVED,
}

# The four stages a customer sees as a progress line, in order.
PROGRESS = [
    (RECEIVED, _("Received")),
    (INVESTIGATING, _("Being investigated")),
    (PROPOSED, _("Solution proposed")),
    (RESOLVED, _("Resolved")),
]
LABELS = {**dict(PROGRESS), CLOSED: _("Closed")}
EXPLANATIONS = {
    RECEIVED: _("We have received your complaint and someone will look at it soon."),
    INVESTIGATING: _("We are looking into what went wrong."),
    PROPOSED: _("We are proposing a solution, agreeing it with you and carrying it out."),
    RESOLVED: _("The solution has been carried out. We will check with you that you are satisfied."),
    CLOSED: _("This complaint is closed. If something is still wrong, please write to us below."),
}


def stage_of(complaint) -> str:
    if complaint.step == Step.CLOSED and complaint.closed_without_satisfaction:
        return CLOSED
    return STAGE_OF_STEP[Step(complaint.step)]
