"""Complaints built through the real services, and helpers that walk one to a given step.

``ComplaintFactory`` calls ``services.complaint_create`` (so numbers, due times, the first responder and the
timeline are the real ones); the ``walk_*`` helpers drive the other services exactly as a user would.
"""

from contextlib import contextmanager
from datetime import timedelta
from decimal import Decimal

import factory
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from complaints import services
from complaints.models import (
    Attachment,
    Category,
    Complaint,
    ComplaintSettings,
    CustomerResponse,
    Extension,
    NumberSequence,
    PlanDecision,
    PlanStatus,
    Remedy,
    ResolutionPlan,
    Revisit,
    TimelineEvent,
)
from complaints.workflow import SIX_STEPS, Step
from tests.factories import CustomerFactory, DepartmentFactory

# A valid 1×1 PNG: accepted because of its bytes, whatever its name.
PNG_BYTES = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
    b"\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82"
)


def png_upload(name: str = "evidence.png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PNG_BYTES, content_type="image/png")


class CategoryFactory(factory.django.DjangoModelFactory):
    """The data migration's categories disappear in transactional tests: get or make one."""

    class Meta:
        model = Category
        django_get_or_create = ["code"]

    code = "service_manner"
    name_en = "Service manner"
    name_zh = "服务方式"


def complaint_settings(**values) -> ComplaintSettings:
    """The one settings row, with ``values`` applied (it exists even after a transactional flush)."""
    obj = ComplaintSettings.current()
    for name, value in values.items():
        setattr(obj, name, value)
    if values:
        obj.save()
    return obj


def version(complaint) -> int:
    """The complaint's version as stored now: what a freshly loaded form would send."""
    return Complaint.objects.values_list("version", flat=True).get(pk=complaint.pk)


def reload(complaint) -> Complaint:
    return Complaint.objects.get(pk=complaint.pk)


class ComplaintFactory(factory.Factory):
    """``ComplaintFactory(actor=frontline, customer=customer, severity="major")`` → ``complaint_create``."""

    class Meta:
        model = services.Intake

    actor = None
    customer = factory.SubFactory(CustomerFactory)
    channel = "phone"
    occurred_at = factory.LazyFunction(lambda: timezone.now() - timedelta(hours=2))
    customer_words = "The lift has been broken for a week 电梯坏了一周"
    category = factory.LazyFunction(lambda: CategoryFactory())
    severity = "general"
    priority = "normal"
    customer_request = "Repair it and compensate"
    location = "Building 3"
    product = "Lift maintenance contract"

    @classmethod
    def _create(cls, model_class, *args, actor=None, files=(), **kwargs):
        if actor is None:
            raise TypeError("ComplaintFactory needs actor=<the receiving staff member>")
        return services.complaint_create(actor=actor, intake=model_class(**kwargs), files=files)

    @classmethod
    def _build(cls, model_class, *args, actor=None, files=(), **kwargs):
        return model_class(**kwargs)


class ResolutionPlanFactory(factory.django.DjangoModelFactory):
    """A plan row written directly (for speed, where how it was approved is not under test)."""

    class Meta:
        model = ResolutionPlan

    summary = "Repair and compensate"
    deadline = factory.LazyFunction(lambda: timezone.localdate() + timedelta(days=3))
    status = PlanStatus.AGREED
    total_amount = Decimal("100")
    approved_amount = factory.LazyAttribute(lambda p: p.total_amount if p.status == PlanStatus.AGREED else None)
    submitted_by = factory.LazyAttribute(lambda p: p.complaint.handler)


class RemedyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Remedy

    kind = Remedy.Kind.COMPENSATION
    amount = Decimal("100")


# Content each step records before it can be left (what complaint_record_step / confirm write).
LISTEN_DATA = {"key_points": "lift broken; elderly resident on 9th floor"}
SHARE_DATA = {"emotional_state": "angry", "empathy_given": "非常抱歉, we understand the trouble"}


def problem_data() -> dict:
    return {
        "root_cause_group": "support",
        "root_cause": "spare part out of stock",
        "department": DepartmentFactory(name="Maintenance"),
    }


def record(complaint, actor, data: dict) -> Complaint:
    return services.complaint_record_step(
        actor=actor, complaint_id=complaint.pk, expected_version=version(complaint), data=data
    )


def advance(complaint, actor) -> Complaint:
    return services.complaint_advance(actor=actor, complaint_id=complaint.pk, expected_version=version(complaint))


def confirm_both(complaint, actor) -> None:
    for by_customer in (True, False):
        services.complaint_confirm(
            actor=actor,
            complaint_id=complaint.pk,
            expected_version=version(complaint),
            by_customer=by_customer,
            notes="confirmed",
        )


def submit_plan(complaint, actor, amounts=("100",), kind=Remedy.Kind.COMPENSATION, summary="Repair and compensate"):
    return services.plan_submit(
        actor=actor,
        complaint_id=complaint.pk,
        expected_version=version(complaint),
        summary=summary,
        deadline=timezone.localdate() + timedelta(days=3),
        remedies=[
            services.RemedyInput(kind=kind, amount=Decimal(a), description=f"#{i}") for i, a in enumerate(amounts)
        ],
    )


def approve_plan(plan, *, manager, gm=None) -> ResolutionPlan:
    services.plan_decide(actor=manager, plan_id=plan.pk, approve=True)
    plan.refresh_from_db()
    if plan.status == PlanStatus.PENDING_GM:
        if gm is None:
            raise TypeError("this plan needs the general manager: pass gm=")
        services.plan_decide(actor=gm, plan_id=plan.pk, approve=True)
        plan.refresh_from_db()
    return plan


def agree_plan(plan, actor) -> ResolutionPlan:
    services.plan_record_response(actor=actor, plan_id=plan.pk, outcome=CustomerResponse.Outcome.ACCEPTED)
    plan.refresh_from_db()
    return plan


def complete_remedies(plan, actor) -> None:
    for remedy in plan.remedies.all():
        services.remedy_complete(actor=actor, remedy_id=remedy.pk)


def record_revisit(complaint, actor, *, outcome=Revisit.Outcome.RESOLVED, score=5, signed_off=True, **kwargs):
    kwargs.setdefault("prevention_measure", "Keep two spare parts in stock" if signed_off else "")
    return services.revisit_record(
        actor=actor,
        complaint_id=complaint.pk,
        expected_version=version(complaint),
        outcome=outcome,
        score=score,
        signed_off=signed_off,
        **kwargs,
    )


def jump_to(complaint, step: Step) -> Complaint:
    """Put a complaint in Listen straight into ``step`` with everything the earlier steps record, without the
    services (for speed, where the path is not what the test is about; ``walk_to`` takes the real path)."""
    order = [*SIX_STEPS, Step.CLOSED]
    target = order.index(step)
    assert Complaint.objects.get(pk=complaint.pk).step == Step.LISTEN and step in SIX_STEPS
    now = timezone.now()
    values: dict = {"step": step, "step_entered_at": now}
    if target > order.index(Step.LISTEN):
        values.update(LISTEN_DATA, first_responded_at=now)
    if target > order.index(Step.SHARE):
        values.update(SHARE_DATA)
    if target > order.index(Step.PROBLEM):
        values.update(problem_data())
    if target > order.index(Step.CHECK):
        values.update(customer_confirmed_at=now, company_confirmed_at=now)
    if step == Step.SATISFY:
        values["revisit_due_at"] = now + timedelta(days=3)
        plan = ResolutionPlanFactory(complaint=complaint)
        RemedyFactory(plan=plan, done_at=now, done_by=complaint.handler)
    Complaint.objects.filter(pk=complaint.pk).update(**values)
    return reload(complaint)


def walk_to(complaint, step: Step, *, actor, manager=None, gm=None, amounts=("100",)) -> Complaint:
    """Walk ``complaint`` forward through the real services until it is in ``step`` (Closed: satisfied close)."""
    order = [*SIX_STEPS, Step.CLOSED]
    target = order.index(step)
    while order.index(Step(reload(complaint).step)) < target:
        current = Step(reload(complaint).step)
        if current == Step.LISTEN:
            record(complaint, actor, LISTEN_DATA)
        elif current == Step.SHARE:
            record(complaint, actor, SHARE_DATA)
        elif current == Step.PROBLEM:
            record(complaint, actor, problem_data())
        elif current == Step.CHECK:
            confirm_both(complaint, actor)
        elif current == Step.ACTION:
            if manager is None:
                raise TypeError("walking past Action needs manager=")
            plan = approve_plan(submit_plan(complaint, actor, amounts), manager=manager, gm=gm)
            complete_remedies(agree_plan(plan, actor), actor)
        elif current == Step.SATISFY:
            record_revisit(complaint, actor)
        advance(complaint, actor)
    return reload(complaint)


SNAPSHOT_MODELS = (
    Complaint,
    TimelineEvent,
    ResolutionPlan,
    Remedy,
    PlanDecision,
    CustomerResponse,
    Revisit,
    Attachment,
    Extension,
    NumberSequence,
)


def db_snapshot() -> dict:
    """Row counts of everything a complaint service writes, plus every complaint's and plan's state."""
    return {
        "counts": {model.__name__: model.objects.count() for model in SNAPSHOT_MODELS},
        "complaints": list(Complaint.objects.order_by("pk").values()),
        "plans": list(ResolutionPlan.objects.order_by("pk").values("pk", "status", "approved_amount")),
        "remedies": list(Remedy.objects.order_by("pk").values("pk", "done_at", "done_by")),
        "sequences": list(NumberSequence.objects.order_by("year").values()),
    }


@contextmanager
def unchanged():
    """Assert that the block (a refused action) left the database exactly as it was."""
    before = db_snapshot()
    yield
    assert db_snapshot() == before
