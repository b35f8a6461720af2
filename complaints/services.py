"""Everything that can happen to a complaint. Each service checks who may do it, locks the row,
refuses stale forms, changes the data and writes the timeline, all in one transaction."""

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from enum import StrEnum

import filetype
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from crm_site.jobs.services import jobs_cancel
from crm_site.org.access import access_of
from crm_site.org.models import Department
from crm_site.org.policy import can
from customers.models import Customer
from customers.services import CustomerError, customer_create

from . import sla
from .actions import Action, NotAllowed, require
from .models import (
    Attachment,
    Category,
    Channel,
    Complaint,
    ComplaintSettings,
    CustomerResponse,
    EscalationLevel,
    Extension,
    NumberSequence,
    PlanDecision,
    PlanStatus,
    Remedy,
    ResolutionPlan,
    Revisit,
    Severity,
    TimelineEvent,
)
from .workflow import (
    Move,
    PlanMove,
    StaleForm,
    Step,
    StepIncomplete,
    WorkflowError,
    check_move,
    check_plan_move,
    missing_for_step,
    next_step,
    plan_can_be_replaced,
)

Kind = TimelineEvent.Kind

# Evidence: photos, PDFs and office documents, checked by their content, not their name.
ALLOWED_UPLOAD_TYPES = {
    "image/jpeg",
    "image/png",
    "image/gif",
    "image/webp",
    "application/pdf",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "audio/mpeg",
    "audio/x-wav",
    "audio/mp4",
    "video/mp4",
}
MAX_UPLOAD_BYTES = 10 * 1024 * 1024
# The channels a customer uses without staff (intake: the public form and the mailbox); such a complaint has no
# actor and waits unassigned in its branch's queue.
SELF_SERVICE_CHANNELS = frozenset({Channel.WEB, Channel.EMAIL})
# Called with each customer-facing note to be e-mailed, inside complaint_add_note's transaction, by the app above
# that sends it (intake queues the mail), like REVISIT_LISTENERS below.
EMAIL_NOTE_LISTENERS: list = []
# Called with each new revisit inside revisit_record's transaction, by apps above this one (satisfaction makes it a
# survey answer), so that complaints need not know them: the same layering as customers.rules.READ_REASONS.
REVISIT_LISTENERS: list = []
# Called with a complaint and "before" when a service locks it for a change and "after" once it is written, inside the
# transaction, by apps above this one that keep figures of each complaint (reports: the monthly statistics).
CHANGE_LISTENERS: list = []


def _changed(complaint: Complaint, stage: str) -> None:
    for listener in CHANGE_LISTENERS:
        listener(complaint, stage)


# Fields each step records (the detail page's step form writes only these).
STEP_FIELDS = {
    Step.LISTEN: ["customer_words", "key_points"],
    Step.SHARE: ["emotional_state", "empathy_given"],
    Step.PROBLEM: ["root_cause_group", "root_cause", "department"],
}


class Occasion(StrEnum):
    """What a scheduled reminder or escalation (complaints.schedule) is about; part of its job's key."""

    RESPONSE_SOON = "response-soon"
    RESOLUTION_SOON = "resolution-soon"
    NO_RESPONSE = "escalate-1:response"
    OVERDUE = "escalate-1:resolution"
    STILL_OVERDUE = "escalate-2"
    REVISIT_SOON = "revisit-soon"
    REVISIT_MISSED = "revisit-missed"


def occasion_key(complaint_id: int, occasion: Occasion, due: datetime) -> str:
    """One key per complaint, occasion and the due time it is about: a changed due time is a new occasion."""
    return f"complaint:{complaint_id}:{occasion}:{due.astimezone(UTC).isoformat()}"


def _cancel_scheduled(complaint_id: int, *occasions: Occasion) -> None:
    """Cancel the complaint's pending reminders and escalations about these occasions (all without any), in the
    caller's transaction: what they were about changed. (Their handlers check again anyway.)"""
    if not occasions:
        jobs_cancel(key_prefix=f"complaint:{complaint_id}:")
    for occasion in occasions:
        jobs_cancel(key_prefix=f"complaint:{complaint_id}:{occasion}:")


def _log(
    complaint: Complaint,
    kind: str,
    actor,
    note: str = "",
    *,
    from_step: str = "",
    to_step: str = "",
    internal: bool = True,
    data: dict | None = None,
) -> TimelineEvent:
    return TimelineEvent.objects.create(
        complaint=complaint,
        kind=kind,
        actor=actor,
        note=note,
        data=data or {},
        from_step=from_step,
        to_step=to_step,
        is_internal=internal,
    )


def _lock(complaint_id: int, expected_version: int | None = None) -> Complaint:
    complaint = Complaint.objects.select_for_update().get(pk=complaint_id)
    if expected_version is not None and complaint.version != expected_version:
        raise StaleForm()
    _changed(complaint, "before")
    return complaint


def _save(complaint: Complaint, fields: list[str]) -> None:
    complaint.version = F("version") + 1
    complaint.save(update_fields=[*fields, "version", "updated_at"])
    complaint.refresh_from_db(fields=["version"])
    _changed(complaint, "after")


def _move(complaint: Complaint, dst: Step, move: Move, actor, note: str = "", data: dict | None = None) -> None:
    src = complaint.step
    check_move(src, dst, move)
    complaint.step = dst
    complaint.step_entered_at = timezone.now()
    kind = {
        Move.ADVANCE: Kind.STEP,
        Move.REOPEN: Kind.REOPENED,
        Move.CLOSE: Kind.CLOSED,
        Move.FORCE_CLOSE: Kind.CLOSED,
    }[move]
    _log(complaint, kind, actor, note, from_step=src, to_step=dst, data=data)
    if move == Move.REOPEN:
        # The plan that did not satisfy the customer is kept on record; a new one must be agreed.
        for plan in complaint.plans.select_for_update().exclude(status=PlanStatus.SUPERSEDED):
            _plan_move(plan, PlanStatus.SUPERSEDED, PlanMove.REOPEN)


def _plan_move(plan: ResolutionPlan, dst: PlanStatus, move: PlanMove, fields: tuple[str, ...] = ()) -> None:
    """The only place a plan's status changes: checked against the plan's transition table."""
    check_plan_move(plan.status, dst, move)
    plan.status = dst
    plan.save(update_fields=["status", *fields])


REOPEN_FIELDS = [
    "step",
    "step_entered_at",
    "customer_confirmed_at",
    "company_confirmed_at",
    "response_due_at",
    "resolution_due_at",
    "escalation_level",
    "escalated_at",
    "revisit_due_at",
]


def _reopen(complaint: Complaint, dst: Step, actor, reason: str, data: dict | None = None) -> list[str]:
    """Back to Action or Problem: a new plan (and at Problem, a new Check) and fresh deadlines."""
    _move(complaint, dst, Move.REOPEN, actor, reason, data=data)
    if dst == Step.PROBLEM:
        # The cause is investigated again, so both sides confirm it again in Check.
        complaint.customer_confirmed_at = complaint.company_confirmed_at = None
    now = timezone.now()
    complaint.response_due_at, complaint.resolution_due_at = sla.due_times(
        branch_id=complaint.branch_id, severity=complaint.severity, start=now
    )
    complaint.escalation_level = EscalationLevel.NONE
    complaint.escalated_at = None
    complaint.revisit_due_at = None
    _cancel_scheduled(complaint.pk)  # every due time is new
    return REOPEN_FIELDS


def complaint_number_next(*, year: int) -> str:
    """TS-YYYY-NNNNNN, from a locked per-year counter: unique under concurrency."""
    NumberSequence.objects.get_or_create(year=year)
    seq = NumberSequence.objects.select_for_update().get(year=year)
    seq.last += 1
    seq.save(update_fields=["last"])
    return f"TS-{year}-{seq.last:06d}"


@dataclass
class Intake:
    customer: Customer | None  # None only on the way into complaint_create_with_new_customer
    channel: str
    occurred_at: datetime
    customer_words: str
    category: Category
    severity: str = Severity.GENERAL
    priority: str = "normal"
    customer_request: str = ""
    location: str = ""
    product: str = ""


@transaction.atomic
def complaint_create(*, actor, intake: Intake, files=(), branch_id: int | None = None) -> Complaint:
    """Register a complaint; the receiver becomes its first responder and owner of record.

    With no actor the customer filed it themselves (SELF_SERVICE_CHANNELS) for ``branch_id``: it waits there
    unassigned, with no first responder until a handler is assigned (complaint_assign)."""
    now = timezone.now()
    if intake.occurred_at > now + timedelta(minutes=5):
        raise WorkflowError(_("The complaint cannot have happened in the future."))
    if actor is None:
        if intake.channel not in SELF_SERVICE_CHANNELS or branch_id is None:
            raise NotAllowed(_("Only front-line staff and managers of a branch register complaints."))
    else:
        # The customer record is company-wide; the complaint belongs to the branch that received it (首问责任).
        if not can(actor, "complaint.create"):
            raise NotAllowed(_("Only front-line staff and managers of a branch register complaints."))
        branch_id = access_of(actor).branch_id
    response_due, resolution_due = sla.due_times(branch_id=branch_id, severity=intake.severity, start=now)
    window = ComplaintSettings.current().repeat_window_days
    earlier = (
        Complaint.objects.filter(customer=intake.customer, created_at__gte=now - timedelta(days=window))
        .order_by("-created_at")
        .first()
    )
    complaint = Complaint.objects.create(
        number=complaint_number_next(year=timezone.localtime(now).year),
        customer=intake.customer,
        branch_id=branch_id,
        channel=intake.channel,
        occurred_at=intake.occurred_at,
        location=intake.location,
        product=intake.product,
        customer_words=intake.customer_words,
        customer_request=intake.customer_request,
        category=intake.category,
        severity=intake.severity,
        priority=intake.priority,
        first_responder=actor,
        handler=actor,
        response_due_at=response_due,
        resolution_due_at=resolution_due,
        repeat_of=earlier,
        created_at=now,
    )
    _log(complaint, Kind.CREATED, actor, to_step=Step.LISTEN, data={"by_customer": True} if actor is None else None)
    if earlier is not None:
        Complaint.objects.filter(pk=earlier.pk, has_repeats=False).update(has_repeats=True)
        _log(complaint, Kind.REPEAT, actor, data={"number": earlier.number})
    for f in files:
        _attach(complaint, f, actor)
    _changed(complaint, "after")
    return complaint


@dataclass
class NewCustomer:
    name: str
    phone: str


@transaction.atomic
def complaint_create_with_new_customer(*, actor, intake: Intake, new_customer: NewCustomer, files=()) -> Complaint:
    """A walk-in or caller we have no record of: the customer is created in the receiving branch, then the
    complaint; both or neither."""
    try:
        customer = customer_create(
            actor=actor,
            name=new_customer.name,
            phone=new_customer.phone,
            branch_id=access_of(actor).branch_id,
        )
    except CustomerError as exc:
        raise WorkflowError(str(exc)) from exc
    intake.customer = customer
    return complaint_create(actor=actor, intake=intake, files=files)


def upload_check(uploaded, allowed_types=ALLOWED_UPLOAD_TYPES) -> str:
    """The file's type read from its content (its name proves nothing); WorkflowError when too large or not allowed."""
    if uploaded.size > MAX_UPLOAD_BYTES:
        raise WorkflowError(_("“%(name)s” is larger than 10 MB.") % {"name": uploaded.name})
    head = uploaded.read(8192)
    uploaded.seek(0)
    kind = filetype.guess(head)
    if kind is None or kind.mime not in allowed_types:
        raise WorkflowError(
            _("“%(name)s” is not an accepted file type (photos, PDF, Word, Excel, audio or video).")
            % {"name": uploaded.name}
        )
    return kind.mime


def _attach(complaint: Complaint, uploaded, actor) -> Attachment:
    mime = upload_check(uploaded)
    attachment = Attachment.objects.create(
        complaint=complaint,
        file=uploaded,
        original_name=uploaded.name[:200],
        content_type=mime,
        size=uploaded.size,
        uploaded_by=actor,
    )
    _log(complaint, Kind.ATTACHMENT, actor, attachment.original_name)
    return attachment


@transaction.atomic
def attachment_add(*, actor, complaint_id: int, uploaded) -> Attachment:
    complaint = _lock(complaint_id)
    require(actor, Action.WORK, complaint)
    attachment = _attach(complaint, uploaded, actor)
    _save(complaint, [])
    return attachment


@transaction.atomic
def complaint_record_step(*, actor, complaint_id: int, expected_version: int, data: dict) -> Complaint:
    """Save what the current step records (Listen, Share, Problem); other fields are ignored."""
    complaint = _lock(complaint_id, expected_version)
    require(actor, Action.WORK, complaint)
    fields = STEP_FIELDS.get(Step(complaint.step))
    if not fields:
        raise WorkflowError(_("This step is recorded with its own form."))
    changed = [name for name in fields if name in data and getattr(complaint, name) != data[name]]
    for name in changed:
        setattr(complaint, name, data[name])
    if changed:
        _log(complaint, Kind.RECORDED, actor, data={"fields": changed})
    _save(complaint, changed)
    return complaint


@transaction.atomic
def complaint_confirm(*, actor, complaint_id: int, expected_version: int, by_customer: bool, notes: str) -> Complaint:
    """Check (确认): the customer's or the company's confirmation of the problem."""
    complaint = _lock(complaint_id, expected_version)
    require(actor, Action.WORK, complaint)
    if complaint.step != Step.CHECK:
        raise WorkflowError(_("Confirmations are recorded in the Check step."))
    now = timezone.now()
    if by_customer:
        complaint.customer_confirmed_at, complaint.customer_confirmation = now, notes
        fields = ["customer_confirmed_at", "customer_confirmation"]
    else:
        complaint.company_confirmed_at, complaint.company_confirmation = now, notes
        fields = ["company_confirmed_at", "company_confirmation"]
    by = "customer" if by_customer else "company"
    _log(complaint, Kind.CONFIRMED, actor, notes.strip(), data={"by": by}, internal=not by_customer)
    _save(complaint, fields)
    return complaint


@transaction.atomic
def complaint_advance(*, actor, complaint_id: int, expected_version: int) -> Complaint:
    """Move to the next step, if the current one has everything it must record."""
    complaint = _lock(complaint_id, expected_version)
    require(actor, Action.WORK, complaint)
    missing = missing_for_step(complaint)
    if missing:
        raise StepIncomplete(missing)
    dst = next_step(Step(complaint.step))
    if dst is None:
        raise WorkflowError(_("This complaint has no next step."))
    fields = ["step", "step_entered_at"]
    if complaint.step == Step.LISTEN and complaint.first_responded_at is None:
        complaint.first_responded_at = timezone.now()
        fields.append("first_responded_at")
        _cancel_scheduled(complaint.pk, Occasion.RESPONSE_SOON)
    if dst == Step.SATISFY:
        days = ComplaintSettings.current().revisit_within_days
        complaint.revisit_due_at = timezone.now() + timedelta(days=days)
        fields.append("revisit_due_at")
    move = Move.CLOSE if dst == Step.CLOSED else Move.ADVANCE
    _move(complaint, dst, move, actor)
    if dst == Step.CLOSED:
        complaint.closed_at = timezone.now()
        fields.append("closed_at")
        _cancel_scheduled(complaint.pk)
    _save(complaint, fields)
    return complaint


@transaction.atomic
def complaint_assign(
    *, actor, complaint_id: int, expected_version: int, handler, department: Department | None
) -> Complaint:
    """Give the case to a handler (and department); the first responder stays the owner of record."""
    complaint = _lock(complaint_id, expected_version)
    require(actor, Action.ASSIGN, complaint)
    if handler is not None and not can(handler, "complaint.work", complaint):
        raise WorkflowError(_("The handler must be front-line staff or a manager of the complaint's branch."))
    complaint.handler, complaint.department = handler, department
    fields = ["handler", "department"]
    if complaint.first_responder_id is None and handler is not None:
        # Filed by the customer: whoever first takes it on answers to the customer (首问责任).
        complaint.first_responder = handler
        fields.append("first_responder")
    names = ", ".join(str(x) for x in (handler and (handler.get_full_name() or handler.username), department) if x)
    _log(complaint, Kind.ASSIGNED, actor, names)
    _save(complaint, fields)
    return complaint


@transaction.atomic
def complaint_add_note(
    *, actor, complaint_id: int, text: str, customer_facing: bool = False, send_by_email: bool = False
) -> TimelineEvent:
    """A note on the timeline; a customer-facing one shows on the customer's status page and, with
    ``send_by_email``, is also mailed to the customer (EMAIL_NOTE_LISTENERS), the complaint's number in the subject."""
    complaint = _lock(complaint_id)
    require(actor, Action.NOTE, complaint)
    if not text.strip():
        raise WorkflowError(_("A note cannot be empty."))
    if send_by_email:
        if not customer_facing:
            raise WorkflowError(_("Only a note told to the customer can be sent by e-mail."))
        if not complaint.customer.email:
            raise WorkflowError(_("The customer has no e-mail address to send the note to."))
        if not EMAIL_NOTE_LISTENERS:
            raise WorkflowError(_("Sending notes by e-mail is not set up."))
    data = {"send_by_email": True} if send_by_email else None
    event = _log(complaint, Kind.NOTE, actor, text.strip(), internal=not customer_facing, data=data)
    for listener in EMAIL_NOTE_LISTENERS if send_by_email else ():
        listener(event)
    fields: list[str] = []
    if customer_facing and complaint.first_responded_at is None:
        complaint.first_responded_at = timezone.now()
        fields.append("first_responded_at")
        _cancel_scheduled(complaint.pk, Occasion.RESPONSE_SOON)
    _save(complaint, fields)
    return event


@transaction.atomic
def complaint_customer_message(
    *, complaint_id: int, text: str, files=(), channel: str = Channel.WEB, data: dict | None = None
) -> TimelineEvent:
    """The customer wrote (on the status page, or an e-mail answering the complaint): on the timeline, customer-
    facing, with any photos as attachments; no staff member acted. A closed complaint still records it."""
    complaint = _lock(complaint_id)
    if not text.strip() and not files:
        raise WorkflowError(_("Write a message or add a photo."))
    details = {"channel": channel, "files": len(files), **(data or {})}
    event = _log(complaint, Kind.CUSTOMER_MESSAGE, None, text.strip(), internal=False, data=details)
    for f in files:
        _attach(complaint, f, None)
    _save(complaint, [])
    return event


@dataclass
class RemedyInput:
    kind: str
    amount: Decimal = Decimal("0")
    description: str = ""


@transaction.atomic
def plan_submit(
    *, actor, complaint_id: int, expected_version: int, summary: str, deadline: date, remedies: list[RemedyInput]
) -> ResolutionPlan:
    """Propose a plan; it goes to the branch manager, and also to the general manager when needed."""
    complaint = _lock(complaint_id, expected_version)
    require(actor, Action.WORK, complaint)
    if complaint.step != Step.ACTION:
        raise WorkflowError(_("A resolution plan is proposed in the Action step."))
    if not remedies:
        raise WorkflowError(_("A plan needs at least one remedy."))
    if any(r.amount < 0 for r in remedies):
        raise WorkflowError(_("Amounts cannot be negative."))
    if deadline < timezone.localdate():
        raise WorkflowError(_("The plan's deadline cannot be in the past."))
    current = complaint.current_plan
    if not plan_can_be_replaced(current):
        if current.status in (PlanStatus.PENDING_MANAGER, PlanStatus.PENDING_GM):
            raise WorkflowError(_("The current plan is still waiting for approval."))
        if current.status == PlanStatus.AGREED:
            raise WorkflowError(_("The customer agreed to the current plan: carry it out."))
        raise WorkflowError(_("The approved plan waits for the customer's answer: record it first."))
    if current is not None:
        _plan_move(current, PlanStatus.SUPERSEDED, PlanMove.REPLACE)
    total = sum((r.amount for r in remedies), Decimal("0"))
    threshold = ComplaintSettings.current().gm_compensation_threshold
    plan = ResolutionPlan.objects.create(
        complaint=complaint,
        summary=summary,
        deadline=deadline,
        total_amount=total,
        submitted_by=actor,
        needs_gm=complaint.severity == Severity.MAJOR or total > threshold,
    )
    Remedy.objects.bulk_create(
        Remedy(plan=plan, kind=r.kind, amount=r.amount, description=r.description) for r in remedies
    )
    _log(complaint, Kind.PLAN, actor, summary, data={"total": str(total), "needs_gm": plan.needs_gm})
    _save(complaint, [])
    return plan


@transaction.atomic
def plan_decide(*, actor, plan_id: int, approve: bool, comment: str = "") -> PlanDecision:
    """Approve or reject a plan at the level it waits for; of two managers at once, exactly one decides."""
    # Lock order everywhere: the complaint, then its plan (no deadlock with plan_submit).
    complaint = _lock(ResolutionPlan.objects.values_list("complaint_id", flat=True).get(pk=plan_id))
    plan = ResolutionPlan.objects.select_for_update().get(pk=plan_id)
    plan.complaint = complaint
    if not can(actor, "plan.decide", ResolutionPlan(complaint=complaint)):
        require(actor, Action.DECIDE_MANAGER, complaint)  # Refused: not a decider of this branch.
    if plan.submitted_by_id == actor.pk:
        raise NotAllowed(_("You proposed this plan: another manager or the general manager decides on it."))
    level = {
        PlanStatus.PENDING_MANAGER: PlanDecision.Level.MANAGER,
        PlanStatus.PENDING_GM: PlanDecision.Level.GENERAL_MANAGER,
    }.get(plan.status)
    if level is None:
        raise WorkflowError(_("This plan was already decided."))
    require(actor, Action.DECIDE_MANAGER if level == PlanDecision.Level.MANAGER else Action.DECIDE_GM, complaint)
    if can(actor, "plan.decide_gm", plan):
        # The general manager may step in for the branch manager; theirs is the higher approval.
        level = PlanDecision.Level.GENERAL_MANAGER
    if not approve and not comment.strip():
        raise WorkflowError(_("Say why the plan is rejected."))
    try:
        with transaction.atomic():
            decision = PlanDecision.objects.create(
                plan=plan, level=level, approved=approve, comment=comment.strip(), decided_by=actor
            )
    except IntegrityError:
        raise WorkflowError(_("This plan was already decided.")) from None
    if not approve:
        _plan_move(plan, PlanStatus.REJECTED, PlanMove.REJECT)
    elif level == PlanDecision.Level.MANAGER and plan.needs_gm:
        _plan_move(plan, PlanStatus.PENDING_GM, PlanMove.APPROVE)
    else:
        plan.approved_amount = plan.total_amount
        _plan_move(plan, PlanStatus.APPROVED, PlanMove.APPROVE, fields=("approved_amount",))
    _log(complaint, Kind.DECISION, actor, comment.strip(), data={"level": level, "approved": approve})
    _save(complaint, [])
    return decision


@transaction.atomic
def plan_record_response(*, actor, plan_id: int, outcome: str, notes: str = "") -> CustomerResponse:
    """The customer's answer to an approved plan: accepted, a counter-offer, or refused."""
    complaint = _lock(ResolutionPlan.objects.values_list("complaint_id", flat=True).get(pk=plan_id))
    plan = ResolutionPlan.objects.select_for_update().get(pk=plan_id)
    require(actor, Action.WORK, complaint)
    if outcome not in CustomerResponse.Outcome.values:
        raise WorkflowError(_("Choose what the customer answered."))
    if plan.status != PlanStatus.APPROVED:
        raise WorkflowError(_("Only an approved plan is put to the customer."))
    if outcome != CustomerResponse.Outcome.ACCEPTED and not notes.strip():
        raise WorkflowError(_("Note what the customer said."))
    response = CustomerResponse.objects.create(plan=plan, outcome=outcome, notes=notes.strip(), recorded_by=actor)
    if outcome == CustomerResponse.Outcome.ACCEPTED:
        _plan_move(plan, PlanStatus.AGREED, PlanMove.ACCEPT)
    elif outcome == CustomerResponse.Outcome.REFUSED:
        _plan_move(plan, PlanStatus.REFUSED, PlanMove.REFUSE)
    # A counter-offer leaves the plan approved: a new plan answering it may replace it.
    _log(complaint, Kind.RESPONSE, actor, notes.strip(), data={"outcome": outcome}, internal=False)
    _save(complaint, [])
    return response


@transaction.atomic
def remedy_complete(*, actor, remedy_id: int) -> Remedy:
    complaint = _lock(Remedy.objects.values_list("plan__complaint_id", flat=True).get(pk=remedy_id))
    remedy = Remedy.objects.select_for_update().select_related("plan").get(pk=remedy_id)
    require(actor, Action.WORK, complaint)
    if remedy.plan.status != PlanStatus.AGREED:
        raise WorkflowError(_("A remedy is carried out after the customer agreed to the plan."))
    if remedy.done_at is not None:
        raise WorkflowError(_("This remedy is already done."))
    remedy.done_at, remedy.done_by = timezone.now(), actor
    remedy.save(update_fields=["done_at", "done_by"])
    _log(complaint, Kind.REMEDY, actor, remedy.description, data={"kind": remedy.kind, "amount": str(remedy.amount)})
    _save(complaint, [])
    return remedy


@transaction.atomic
def revisit_record(
    *,
    actor,
    complaint_id: int,
    expected_version: int,
    outcome: str,
    score: int,
    signed_off: bool,
    prevention_measure: str = "",
    notes: str = "",
    reopen_to: str = Step.ACTION,
) -> Revisit:
    """Record the revisit; a score of 2 or less, or "not resolved", reopens the case with the reason.

    A satisfied customer signs off and a prevention measure is recorded with the same revisit, so the case
    can close; a satisfied revisit without them is refused rather than kept as one that cannot close it."""
    complaint = _lock(complaint_id, expected_version)
    require(actor, Action.WORK, complaint)
    if complaint.step != Step.SATISFY:
        raise WorkflowError(_("Revisits are recorded in the Satisfy step."))
    if outcome not in Revisit.Outcome.values:
        raise WorkflowError(_("Choose the outcome of the revisit."))
    if not 1 <= int(score) <= 5:
        raise WorkflowError(_("Satisfaction is scored from 1 to 5."))
    revisit = Revisit(
        complaint=complaint,
        outcome=outcome,
        score=int(score),
        signed_off=signed_off,
        prevention_measure=prevention_measure.strip(),
        notes=notes,
        recorded_by=actor,
    )
    if revisit.is_satisfied:
        missing = [_("the customer's sign-off")] if not signed_off else []
        if not revisit.prevention_measure:
            missing.append(_("a prevention measure"))
        if missing:
            raise WorkflowError(_("A satisfied revisit also records: %(missing)s.") % {"missing": "; ".join(missing)})
    revisit.save()
    # Apps above this one take part here, in this transaction (REVISIT_LISTENERS): satisfaction records the revisit
    # as a survey answer; if that fails, the revisit is not recorded either.
    for listener in REVISIT_LISTENERS:
        listener(revisit)
    _log(
        complaint,
        Kind.REVISIT,
        actor,
        notes.strip(),
        data={"outcome": outcome, "score": int(score), "signed_off": bool(signed_off)},
        internal=False,
    )
    _cancel_scheduled(complaint.pk, Occasion.REVISIT_SOON, Occasion.REVISIT_MISSED)  # the revisit was made
    fields: list[str] = []
    if outcome == Revisit.Outcome.NOT_RESOLVED or int(score) <= 2:
        fields += _reopen(complaint, Step(reopen_to), actor, notes.strip(), data={"revisit_score": int(score)})
    _save(complaint, fields)
    return revisit


@transaction.atomic
def complaint_close_without_satisfaction(*, actor, complaint_id: int, expected_version: int, reason: str) -> Complaint:
    complaint = _lock(complaint_id, expected_version)
    require(actor, Action.FORCE_CLOSE, complaint)
    if not reason.strip():
        raise WorkflowError(_("Closing without the customer's satisfaction needs a written reason."))
    _move(complaint, Step.CLOSED, Move.FORCE_CLOSE, actor, reason.strip())
    complaint.closed_at, complaint.closed_without_satisfaction, complaint.close_reason = (
        timezone.now(),
        True,
        reason.strip(),
    )
    _cancel_scheduled(complaint.pk)
    _save(complaint, ["step", "step_entered_at", "closed_at", "closed_without_satisfaction", "close_reason"])
    return complaint


@transaction.atomic
def complaint_reopen(*, actor, complaint_id: int, expected_version: int, to_step: str, reason: str) -> Complaint:
    complaint = _lock(complaint_id, expected_version)
    require(actor, Action.REOPEN, complaint)
    if not reason.strip():
        raise WorkflowError(_("Say why the complaint is reopened."))
    fields = _reopen(complaint, Step(to_step), actor, reason.strip())
    complaint.closed_at, complaint.is_archived, complaint.closed_without_satisfaction = None, False, False
    complaint.close_reason = ""
    _save(complaint, [*fields, "closed_at", "is_archived", "closed_without_satisfaction", "close_reason"])
    return complaint


@transaction.atomic
def complaint_extend_deadline(
    *, actor, complaint_id: int, expected_version: int, new_due_at: datetime, reason: str
) -> Extension:
    """A manager grants more time, with the reason (force majeure: weather, supplier delay…)."""
    complaint = _lock(complaint_id, expected_version)
    require(actor, Action.EXTEND, complaint)
    if not reason.strip():
        raise WorkflowError(_("An extension needs a reason."))
    if new_due_at <= complaint.resolution_due_at:
        raise WorkflowError(_("The new deadline must be later than the current one."))
    if new_due_at <= timezone.now():
        raise WorkflowError(_("The new deadline must be in the future."))
    extension = Extension.objects.create(
        complaint=complaint,
        reason=reason.strip(),
        old_due_at=complaint.resolution_due_at,
        new_due_at=new_due_at,
        granted_by=actor,
    )
    complaint.resolution_due_at = new_due_at
    complaint.escalation_level = EscalationLevel.NONE
    complaint.escalated_at = None
    # The first-response occasions keep their due time: a response still missing stays late.
    _cancel_scheduled(complaint.pk, Occasion.RESOLUTION_SOON, Occasion.OVERDUE, Occasion.STILL_OVERDUE)
    _log(
        complaint,
        Kind.EXTENSION,
        actor,
        reason.strip(),
        data={"from": extension.old_due_at.isoformat(), "to": new_due_at.isoformat()},
    )
    _save(complaint, ["resolution_due_at", "escalation_level", "escalated_at"])
    return extension


@transaction.atomic
def complaint_archive(*, actor, complaint_id: int, expected_version: int) -> Complaint:
    complaint = _lock(complaint_id, expected_version)
    require(actor, Action.ARCHIVE, complaint)
    complaint.is_archived = True
    _log(complaint, Kind.ARCHIVED, actor)
    _save(complaint, ["is_archived"])
    return complaint


ESCALATION_EVENTS = {EscalationLevel.MANAGER: Kind.ESCALATED, EscalationLevel.GENERAL_MANAGER: Kind.ESCALATED_GM}


@transaction.atomic
def complaint_escalate(*, complaint_id: int, level: int) -> Complaint:
    """An overdue complaint goes one level up (the branch manager, then the general manager); called by the
    schedule (complaints.schedule), which has checked that it is still overdue. No actor: the system did it.

    The version is left alone: an escalation changes nothing a form shows, so the handler's open form stays valid.
    """
    complaint = _lock(complaint_id)
    if not complaint.is_open:
        raise WorkflowError(_("A closed complaint is not escalated."))
    if level != complaint.escalation_level + 1 or level not in ESCALATION_EVENTS:
        raise WorkflowError(_("A complaint is escalated one level at a time, up to the general manager."))
    complaint.escalation_level = level
    complaint.escalated_at = timezone.now()
    _log(
        complaint,
        ESCALATION_EVENTS[EscalationLevel(level)],
        None,
        data={"level": level, "due": complaint.resolution_due_at.isoformat()},
    )
    complaint.save(update_fields=["escalation_level", "escalated_at", "updated_at"])
    _changed(complaint, "after")
    return complaint


@transaction.atomic
def complaint_record_revisit_missed(*, complaint_id: int) -> TimelineEvent:
    """The revisit was not made by its due time: on record (the schedule tells the branch manager)."""
    complaint = _lock(complaint_id)
    if complaint.step != Step.SATISFY or complaint.revisit_due_at is None:
        raise WorkflowError(_("Only a complaint waiting for its revisit can miss it."))
    return _log(complaint, Kind.REVISIT_MISSED, None, data={"due": complaint.revisit_due_at.isoformat()})
