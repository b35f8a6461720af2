"""Each complaint service: who may call it, what it refuses, what it writes (data and timeline)."""

import re
from datetime import datetime, timedelta
from decimal import Decimal
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone, translation

from complaints import services, sla
from complaints.models import (
    Attachment,
    Complaint,
    CustomerResponse,
    Extension,
    PlanDecision,
    PlanStatus,
    Remedy,
    ResolutionPlan,
    Revisit,
    TimelineEvent,
)
from complaints.templatetags.complaint_tags import timeline_summary
from complaints.workflow import StaleForm, Step, WorkflowError
from crm_site.org.roles import Role
from tests.factories import CustomerFactory, DepartmentFactory, UserFactory, staff

from .factories import (
    LISTEN_DATA,
    PNG_BYTES,
    ComplaintFactory,
    advance,
    agree_plan,
    approve_plan,
    complaint_settings,
    jump_to,
    record,
    record_revisit,
    reload,
    submit_plan,
    unchanged,
    version,
    walk_to,
)

Kind = TimelineEvent.Kind


def summary(event, language="en") -> str:
    """The event's system part as the detail page shows it, in the given language."""
    with translation.override(language):
        return timeline_summary(event)


SHANGHAI = ZoneInfo("Asia/Shanghai")
NOT_ALLOWED = "You are not allowed to do this"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def world(branch, other_branch, frontline, frontline_other, manager, gm, admin_user, customer):
    return SimpleNamespace(
        branch=branch,
        customer=customer,
        frontline=frontline,
        manager=manager,
        gm=gm,
        admin=admin_user,
        frontline_other=frontline_other,
        manager_other=staff(Role.MANAGER, other_branch, username="manager2"),
        nobody=UserFactory(username="nobody"),
    )


def _new(w, **kwargs):
    kwargs.setdefault("customer", w.customer)
    return ComplaintFactory(actor=w.frontline, **kwargs)


def _at(w, step, **kwargs):
    # Straight into the step: test_workflow.py walks the real path.
    return jump_to(_new(w, **kwargs), step)


def _plan(w, *, amounts=("100",), then=()):
    complaint = _at(w, Step.ACTION)
    plan = submit_plan(complaint, w.frontline, amounts)
    for decider in then:
        services.plan_decide(actor=getattr(w, decider), plan_id=plan.pk, approve=True)
    return complaint, reload_plan(plan)


def reload_plan(plan) -> ResolutionPlan:
    return ResolutionPlan.objects.get(pk=plan.pk)


def _force_closed(w):
    complaint = _new(w)
    services.complaint_close_without_satisfaction(
        actor=w.manager, complaint_id=complaint.pk, expected_version=version(complaint), reason="Withdrawn"
    )
    return complaint


# --- One scenario per service: the state it needs, and the call -------------------------------
# Each returns (complaint or None, call(actor)); the state is built by the in-branch staff.


def sc_create(w):
    return None, lambda u: ComplaintFactory(actor=u, customer=w.customer)


def sc_attachment_add(w):
    c = _new(w)
    return c, lambda u: services.attachment_add(
        actor=u, complaint_id=c.pk, uploaded=SimpleUploadedFile("a.png", PNG_BYTES)
    )


def sc_record_step(w):
    c = _new(w)
    return c, lambda u: record(c, u, LISTEN_DATA)


def sc_confirm(w):
    c = _at(w, Step.CHECK)
    return c, lambda u: services.complaint_confirm(
        actor=u, complaint_id=c.pk, expected_version=version(c), by_customer=True, notes="Yes, that is it"
    )


def sc_advance(w):
    c = _new(w)
    record(c, w.frontline, LISTEN_DATA)
    return c, lambda u: advance(c, u)


def sc_assign(w):
    c = _new(w)
    return c, lambda u: services.complaint_assign(
        actor=u,
        complaint_id=c.pk,
        expected_version=version(c),
        handler=w.manager,
        department=DepartmentFactory(name="Service"),
    )


def sc_add_note(w):
    c = _new(w)
    return c, lambda u: services.complaint_add_note(actor=u, complaint_id=c.pk, text="Called the customer")


def sc_plan_submit(w):
    c = _at(w, Step.ACTION)
    return c, lambda u: submit_plan(c, u)


def sc_plan_decide_manager(w):
    c, plan = _plan(w)
    return c, lambda u: services.plan_decide(actor=u, plan_id=plan.pk, approve=True)


def sc_plan_decide_gm(w):
    c, plan = _plan(w, amounts=("6000",), then=["manager"])
    assert plan.status == PlanStatus.PENDING_GM
    return c, lambda u: services.plan_decide(actor=u, plan_id=plan.pk, approve=False, comment="Too much")


def sc_plan_record_response(w):
    c, plan = _plan(w, then=["manager"])
    return c, lambda u: services.plan_record_response(
        actor=u, plan_id=plan.pk, outcome=CustomerResponse.Outcome.ACCEPTED
    )


def sc_remedy_complete(w):
    c, plan = _plan(w, then=["manager"])
    agree_plan(plan, w.frontline)
    return c, lambda u: services.remedy_complete(actor=u, remedy_id=plan.remedies.get().pk)


def sc_revisit_record(w):
    c = _at(w, Step.SATISFY)
    return c, lambda u: record_revisit(c, u, score=4)


def sc_close_without_satisfaction(w):
    c = _new(w)
    return c, lambda u: services.complaint_close_without_satisfaction(
        actor=u, complaint_id=c.pk, expected_version=version(c), reason="Withdrawn"
    )


def sc_extend_deadline(w):
    c = _new(w)
    return c, lambda u: services.complaint_extend_deadline(
        actor=u,
        complaint_id=c.pk,
        expected_version=version(c),
        new_due_at=c.resolution_due_at + timedelta(days=2),
        reason="Supplier delay",
    )


def sc_reopen(w):
    c = _force_closed(w)
    return c, lambda u: services.complaint_reopen(
        actor=u, complaint_id=c.pk, expected_version=version(c), to_step=Step.ACTION, reason="Back"
    )


def sc_archive(w):
    c = _force_closed(w)
    return c, lambda u: services.complaint_archive(actor=u, complaint_id=c.pk, expected_version=version(c))


WORKERS = {"frontline", "manager"}
SUPERVISORS = {"manager", "gm"}
# scenario -> (who may, the timeline kinds a successful call writes; None: at least one row, kind not fixed)
SCENARIOS = {
    # The customer record is company-wide: staff of any branch register a complaint in their own branch.
    "complaint_create": (sc_create, WORKERS | {"frontline_other", "manager_other"}, [Kind.CREATED]),
    "attachment_add": (sc_attachment_add, WORKERS, [Kind.ATTACHMENT]),
    "complaint_record_step": (sc_record_step, WORKERS, None),
    "complaint_confirm": (sc_confirm, WORKERS, [Kind.CONFIRMED]),
    "complaint_advance": (sc_advance, WORKERS, [Kind.STEP]),
    "complaint_assign": (sc_assign, SUPERVISORS, [Kind.ASSIGNED]),
    "complaint_add_note": (sc_add_note, WORKERS | {"gm"}, [Kind.NOTE]),
    "plan_submit": (sc_plan_submit, WORKERS, [Kind.PLAN]),
    # The general manager may step in for the branch manager.
    "plan_decide[manager level]": (sc_plan_decide_manager, {"manager", "gm"}, [Kind.DECISION]),
    "plan_decide[gm level]": (sc_plan_decide_gm, {"gm"}, [Kind.DECISION]),
    "plan_record_response": (sc_plan_record_response, WORKERS, [Kind.RESPONSE]),
    "remedy_complete": (sc_remedy_complete, WORKERS, [Kind.REMEDY]),
    "revisit_record": (sc_revisit_record, WORKERS, [Kind.REVISIT]),
    "complaint_close_without_satisfaction": (sc_close_without_satisfaction, SUPERVISORS, [Kind.CLOSED]),
    "complaint_extend_deadline": (sc_extend_deadline, SUPERVISORS, [Kind.EXTENSION]),
    "complaint_reopen": (sc_reopen, SUPERVISORS, [Kind.REOPENED]),
    "complaint_archive": (sc_archive, SUPERVISORS, [Kind.ARCHIVED]),
}
USERS = ["frontline", "manager", "gm", "admin", "frontline_other", "manager_other", "nobody"]


@pytest.mark.parametrize("user", USERS)
@pytest.mark.parametrize("scenario", list(SCENARIOS))
def test_every_service_by_every_role_and_branch(world, scenario, user):
    prepare, allowed, _kinds = SCENARIOS[scenario]
    complaint, call = prepare(world)
    actor = getattr(world, user)
    if user in allowed:
        complaints_before = Complaint.objects.count()
        before = version(complaint) if complaint else None
        call(actor)
        if complaint is None:
            assert Complaint.objects.count() == complaints_before + 1
        else:
            assert version(complaint) == before + 1  # every write bumps the version once
    else:
        with unchanged(), pytest.raises(WorkflowError) as refused:
            call(actor)
        if complaint is not None:
            assert str(refused.value).startswith(NOT_ALLOWED)
            assert complaint.number in str(refused.value)


@pytest.mark.parametrize("scenario", list(SCENARIOS))
def test_every_service_writes_its_timeline_rows_with_actor_and_kind(world, scenario):
    prepare, allowed, kinds = SCENARIOS[scenario]
    complaint, call = prepare(world)
    actor = getattr(world, next(u for u in USERS if u in allowed))
    last = TimelineEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    result = call(actor)
    complaint = complaint or result
    new = list(TimelineEvent.objects.filter(pk__gt=last).order_by("pk"))
    assert new, "no timeline row written"
    assert all(e.complaint_id == complaint.pk and e.actor == actor and e.created_at for e in new)
    if kinds is not None:
        assert [e.kind for e in new] == kinds
    else:
        assert all(e.kind in Kind.values for e in new)


# --- Stale forms --------------------------------------------------------------------------------

STALE_CALLS = {
    "complaint_record_step": (
        Step.LISTEN,
        lambda w, c, v: services.complaint_record_step(
            actor=w.frontline, complaint_id=c.pk, expected_version=v, data=LISTEN_DATA
        ),
    ),
    "complaint_advance": (
        Step.SHARE,
        lambda w, c, v: services.complaint_advance(actor=w.frontline, complaint_id=c.pk, expected_version=v),
    ),
    "complaint_confirm": (
        Step.CHECK,
        lambda w, c, v: services.complaint_confirm(
            actor=w.frontline, complaint_id=c.pk, expected_version=v, by_customer=False, notes="ok"
        ),
    ),
    "plan_submit": (
        Step.ACTION,
        lambda w, c, v: services.plan_submit(
            actor=w.frontline,
            complaint_id=c.pk,
            expected_version=v,
            summary="Refund",
            deadline=timezone.localdate(),
            remedies=[services.RemedyInput(kind=Remedy.Kind.REFUND, amount=Decimal("10"))],
        ),
    ),
    "revisit_record": (
        Step.SATISFY,
        lambda w, c, v: services.revisit_record(
            actor=w.frontline,
            complaint_id=c.pk,
            expected_version=v,
            outcome=Revisit.Outcome.RESOLVED,
            score=5,
            signed_off=True,
            prevention_measure="Stock parts",
        ),
    ),
}


@pytest.mark.parametrize("name", list(STALE_CALLS))
def test_a_stale_form_is_refused(world, name):
    step, call = STALE_CALLS[name]
    complaint = _at(world, step)
    if step == Step.SHARE:
        record(complaint, world.frontline, {"emotional_state": "calm", "empathy_given": "Sorry"})
    loaded = version(complaint)
    # Someone else writes meanwhile: the form's version is now old.
    services.complaint_add_note(actor=world.manager, complaint_id=complaint.pk, text="Manager looked at it")
    for stale in (loaded, loaded - 1, loaded + 5):
        with unchanged(), pytest.raises(StaleForm, match="changed by someone else"):
            call(world, complaint, stale)
    call(world, complaint, version(complaint))  # the reloaded form goes through


# --- Intake ---------------------------------------------------------------------------------------

NUMBER = re.compile(r"^TS-(\d{4})-(\d{6})$")


def test_create_registers_the_receiver_due_times_and_the_timeline(world):
    complaint = _new(world, severity="important")
    assert complaint.first_responder == world.frontline == complaint.handler
    assert complaint.branch == world.customer.branch and complaint.step == Step.LISTEN
    assert complaint.version == 1 and complaint.first_responded_at is None and complaint.repeat_of is None
    assert (complaint.response_due_at, complaint.resolution_due_at) == sla.due_times(
        branch_id=world.branch.pk, severity="important", start=complaint.created_at
    )
    event = complaint.timeline.get()
    assert (event.kind, event.actor, event.to_step) == (Kind.CREATED, world.frontline, Step.LISTEN)


def test_complaint_numbers_increase_within_the_year(world):
    numbers = [_new(world).number for _ in range(3)]
    year = timezone.localdate().year
    parsed = [NUMBER.match(n).groups() for n in numbers]
    assert {y for y, _seq in parsed} == {str(year)}
    first = int(parsed[0][1])
    assert [int(seq) for _y, seq in parsed] == [first, first + 1, first + 2]


def test_complaint_numbers_restart_each_year(db):
    assert services.complaint_number_next(year=2031) == "TS-2031-000001"
    assert services.complaint_number_next(year=2031) == "TS-2031-000002"
    assert services.complaint_number_next(year=2032) == "TS-2032-000001"
    assert services.complaint_number_next(year=2031) == "TS-2031-000003"


def test_the_number_year_is_the_local_year(world, monkeypatch):
    # 16:30 UTC on 31 December is already 00:30 on 1 January in Shanghai.
    moment = datetime(2030, 12, 31, 16, 30, tzinfo=ZoneInfo("UTC"))
    fake = SimpleNamespace(**{name: getattr(timezone, name) for name in ("localtime", "localdate", "make_aware")})
    fake.now = lambda: moment
    monkeypatch.setattr(services, "timezone", fake)
    complaint = _new(world, occurred_at=moment - timedelta(hours=1))
    assert complaint.number == "TS-2031-000001"
    assert complaint.created_at == moment


def test_a_complaint_cannot_have_happened_in_the_future(world):
    with unchanged(), pytest.raises(WorkflowError, match="future"):
        _new(world, occurred_at=timezone.now() + timedelta(hours=1))


@pytest.mark.parametrize(("days_ago", "linked"), [(0, True), (29, True), (31, False), (400, False)])
def test_a_repeat_complaint_within_the_window_is_linked(world, days_ago, linked):
    complaint_settings(repeat_window_days=30)
    earlier = _new(world)
    Complaint.objects.filter(pk=earlier.pk).update(created_at=timezone.now() - timedelta(days=days_ago))
    _new(world, customer=CustomerFactory(branch=world.branch))  # another customer's complaint is never linked
    repeat = _new(world)
    assert repeat.repeat_of == (earlier if linked else None)
    repeat_events = [summary(e) for e in repeat.timeline.filter(kind=Kind.REPEAT)]
    assert repeat_events == ([f"Repeat of {earlier.number}"] if linked else [])
    assert list(earlier.repeats.all()) == ([repeat] if linked else [])
    # The list's badge reads the stored flag: set on the earlier complaint only, and only when linked.
    earlier.refresh_from_db()
    assert earlier.has_repeats is linked
    assert repeat.has_repeats is False


def test_a_repeat_links_the_latest_earlier_complaint(world):
    first = _new(world)
    second = _new(world)
    third = _new(world)
    assert second.repeat_of == first and third.repeat_of == second
    flags = dict(Complaint.objects.filter(pk__in=[first.pk, second.pk, third.pk]).values_list("pk", "has_repeats"))
    assert flags == {first.pk: True, second.pk: True, third.pk: False}


# --- First responder and first response -----------------------------------------------------------


def test_the_first_responder_stays_the_owner_after_assignment(world):
    complaint = _new(world)
    colleague = staff(Role.FRONTLINE, world.branch, username="colleague")
    department = DepartmentFactory(name="After-sales")
    services.complaint_assign(
        actor=world.manager,
        complaint_id=complaint.pk,
        expected_version=version(complaint),
        handler=colleague,
        department=department,
    )
    stored = reload(complaint)
    assert stored.first_responder == world.frontline
    assert (stored.handler, stored.department) == (colleague, department)
    event = stored.timeline.latest("pk")
    assert (event.kind, event.actor) == (Kind.ASSIGNED, world.manager)
    assert event.note == "Test, After-sales"  # the handler's full name, then the department
    # The new handler works it; the first responder stays the owner of record.
    assert walk_to(stored, Step.PROBLEM, actor=colleague).step == Step.PROBLEM
    assert reload(complaint).first_responder == world.frontline
    assert set(complaint.timeline.filter(kind=Kind.STEP).values_list("actor__username", flat=True)) == {"colleague"}


def test_a_handler_must_work_in_the_complaints_branch(world):
    complaint = _new(world)
    with (
        unchanged(),
        pytest.raises(WorkflowError, match="must be front-line staff or a manager of the complaint's branch"),
    ):
        services.complaint_assign(
            actor=world.manager,
            complaint_id=complaint.pk,
            expected_version=version(complaint),
            handler=world.frontline_other,
            department=None,
        )


def test_first_response_is_set_on_leaving_listen_and_kept(world):
    complaint = _new(world)
    services.complaint_add_note(actor=world.frontline, complaint_id=complaint.pk, text="internal only")
    assert reload(complaint).first_responded_at is None
    walk_to(complaint, Step.SHARE, actor=world.frontline)
    responded = reload(complaint).first_responded_at
    assert responded is not None
    left_listen = complaint.timeline.get(kind=Kind.STEP, from_step=Step.LISTEN).created_at
    assert abs((responded - left_listen).total_seconds()) < 60
    services.complaint_add_note(actor=world.frontline, complaint_id=complaint.pk, text="told her", customer_facing=True)
    assert reload(complaint).first_responded_at == responded


def test_first_response_is_set_by_a_customer_facing_note(world):
    complaint = _new(world)
    event = services.complaint_add_note(
        actor=world.frontline, complaint_id=complaint.pk, text="  We are on it  ", customer_facing=True
    )
    assert (event.kind, event.note, event.is_internal, event.actor) == (
        Kind.NOTE,
        "We are on it",
        False,
        world.frontline,
    )
    stored = reload(complaint)
    assert stored.first_responded_at is not None and stored.step == Step.LISTEN


def test_an_empty_note_is_refused(world):
    complaint = _new(world)
    with unchanged(), pytest.raises(WorkflowError, match="cannot be empty"):
        services.complaint_add_note(
            actor=world.frontline, complaint_id=complaint.pk, text=" \n\t", customer_facing=True
        )


# --- Attachments ------------------------------------------------------------------------------------


def test_a_png_is_accepted_by_its_content(world, settings):
    complaint = _new(world)
    attachment = services.attachment_add(
        actor=world.frontline, complaint_id=complaint.pk, uploaded=SimpleUploadedFile("photo.jpg", PNG_BYTES)
    )
    attachment = Attachment.objects.get(pk=attachment.pk)
    assert (attachment.content_type, attachment.size, attachment.original_name) == (
        "image/png",
        len(PNG_BYTES),
        "photo.jpg",
    )
    assert attachment.uploaded_by == world.frontline
    assert attachment.file.path.startswith(str(settings.MEDIA_ROOT))
    with attachment.file.open("rb") as stored:
        assert stored.read() == PNG_BYTES
    event = complaint.timeline.latest("pk")
    assert (event.kind, event.actor, event.note) == (Kind.ATTACHMENT, world.frontline, "photo.jpg")


def test_files_given_at_intake_are_attached(world):
    complaint = _new(world, files=[SimpleUploadedFile("a.png", PNG_BYTES), SimpleUploadedFile("b.png", PNG_BYTES)])
    assert list(complaint.attachments.values_list("original_name", flat=True)) == ["a.png", "b.png"]
    assert list(complaint.timeline.values_list("kind", flat=True)) == [Kind.CREATED, Kind.ATTACHMENT, Kind.ATTACHMENT]


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("notes.png", b"just some text pretending to be an image\n" * 10, "not an accepted file type"),
        ("empty.png", b"", "not an accepted file type"),
        ("script.pdf", b"#!/bin/sh\nrm -rf /\n", "not an accepted file type"),
        ("huge.png", PNG_BYTES + b"\0" * (services.MAX_UPLOAD_BYTES + 1 - len(PNG_BYTES)), "larger than 10 MB"),
    ],
)
def test_bad_attachments_are_refused(world, settings, name, content, message):
    complaint = _new(world)
    uploaded = SimpleUploadedFile(name, content, content_type="image/png")
    with unchanged(), pytest.raises(WorkflowError, match=message):
        services.attachment_add(actor=world.frontline, complaint_id=complaint.pk, uploaded=uploaded)
    stored = [p for p in settings.MEDIA_ROOT.rglob("*") if p.is_file()] if settings.MEDIA_ROOT.exists() else []
    assert stored == []


def test_exactly_10_mb_is_accepted(world):
    complaint = _new(world)
    content = PNG_BYTES + b"\0" * (services.MAX_UPLOAD_BYTES - len(PNG_BYTES))
    attachment = services.attachment_add(
        actor=world.frontline, complaint_id=complaint.pk, uploaded=SimpleUploadedFile("big.png", content)
    )
    assert attachment.size == services.MAX_UPLOAD_BYTES


def test_a_bad_file_at_intake_registers_nothing(world):
    with unchanged(), pytest.raises(WorkflowError, match="not an accepted file type"):
        _new(world, files=[SimpleUploadedFile("ok.png", PNG_BYTES), SimpleUploadedFile("bad.png", b"text")])


# --- Plans, decisions, responses, remedies -----------------------------------------------------------


@pytest.mark.parametrize(
    ("remedies", "deadline_days", "message"),
    [
        ([], 3, "at least one remedy"),
        ([services.RemedyInput(kind="refund", amount=Decimal("-1"))], 3, "cannot be negative"),
        ([services.RemedyInput(kind="refund", amount=Decimal("1"))], -1, "cannot be in the past"),
    ],
)
def test_an_invalid_plan_is_refused(world, remedies, deadline_days, message):
    complaint = _at(world, Step.ACTION)
    with unchanged(), pytest.raises(WorkflowError, match=message):
        services.plan_submit(
            actor=world.frontline,
            complaint_id=complaint.pk,
            expected_version=version(complaint),
            summary="Refund",
            deadline=timezone.localdate() + timedelta(days=deadline_days),
            remedies=remedies,
        )


def test_a_plan_stores_its_remedies_and_total(world):
    complaint = _at(world, Step.ACTION)
    plan = submit_plan(complaint, world.frontline, ("10.50", "0", "89.50"), kind=Remedy.Kind.REFUND)
    assert plan.total_amount == Decimal("100.00") and plan.submitted_by == world.frontline
    assert list(plan.remedies.values_list("kind", "amount")) == [
        ("refund", Decimal("10.50")),
        ("refund", Decimal("0")),
        ("refund", Decimal("89.50")),
    ]
    event = complaint.timeline.latest("pk")
    assert (event.note, event.data) == ("Repair and compensate", {"total": "100.00", "needs_gm": False})
    assert summary(event) == "Total 100.00"


@pytest.mark.parametrize("level", ["manager", "gm"])
def test_a_rejection_needs_a_comment(world, level):
    _complaint, plan = _plan(world, amounts=("6000",), then=["manager"] if level == "gm" else [])
    decider = getattr(world, level)
    for comment in ("", "   "):
        with unchanged(), pytest.raises(WorkflowError, match="Say why the plan is rejected"):
            services.plan_decide(actor=decider, plan_id=plan.pk, approve=False, comment=comment)
    decision = services.plan_decide(actor=decider, plan_id=plan.pk, approve=False, comment=" Too much ")
    assert (decision.approved, decision.comment) == (False, "Too much")
    assert reload_plan(plan).status == PlanStatus.REJECTED


def test_a_plan_is_decided_once_per_level(world):
    _complaint, plan = _plan(world)
    services.plan_decide(actor=world.manager, plan_id=plan.pk, approve=True)
    second_manager = staff(Role.MANAGER, world.branch, username="manager_b")
    for actor, approve in ((world.manager, True), (second_manager, False), (world.gm, True)):
        with unchanged(), pytest.raises(WorkflowError, match="already decided"):
            services.plan_decide(actor=actor, plan_id=plan.pk, approve=approve, comment="x")
    assert PlanDecision.objects.filter(plan=plan).count() == 1


def test_the_approved_amount_is_stored_only_on_final_approval(world):
    _complaint, plan = _plan(world, amounts=("4000", "1500"), then=["manager"])
    assert plan.status == PlanStatus.PENDING_GM and plan.approved_amount is None
    services.plan_decide(actor=world.gm, plan_id=plan.pk, approve=True)
    assert reload_plan(plan).approved_amount == Decimal("5500.00")


def test_remedies_only_after_the_customer_agreed(world):
    complaint, plan = _plan(world, amounts=("10", "20"))
    first, second = plan.remedies.all()
    with unchanged(), pytest.raises(WorkflowError, match="after the customer agreed"):
        services.remedy_complete(actor=world.frontline, remedy_id=first.pk)  # waiting for approval
    approve_plan(plan, manager=world.manager)
    with unchanged(), pytest.raises(WorkflowError, match="after the customer agreed"):
        services.remedy_complete(actor=world.frontline, remedy_id=first.pk)  # approved, not yet agreed
    agree_plan(plan, world.frontline)
    done = services.remedy_complete(actor=world.frontline, remedy_id=first.pk)
    assert done.done_by == world.frontline and done.done_at is not None
    with unchanged(), pytest.raises(WorkflowError, match="already done"):
        services.remedy_complete(actor=world.frontline, remedy_id=first.pk)
    services.remedy_complete(actor=world.manager, remedy_id=second.pk)
    assert advance(complaint, world.frontline).step == Step.SATISFY


def test_customer_responses_are_logged_as_customer_facing(world):
    _complaint, plan = _plan(world, then=["manager"])
    response = services.plan_record_response(
        actor=world.frontline, plan_id=plan.pk, outcome=CustomerResponse.Outcome.COUNTER_OFFER, notes="Wants 150"
    )
    assert (response.outcome, response.notes, response.recorded_by) == ("counter_offer", "Wants 150", world.frontline)
    event = plan.complaint.timeline.latest("pk")
    assert (event.kind, event.is_internal, event.note) == (Kind.RESPONSE, False, "Wants 150")
    assert (summary(event), summary(event, "zh-hans")) == ("Counter-offer", "提出其他方案")
    assert reload_plan(plan).status == PlanStatus.APPROVED


# --- Revisit ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("score", [0, 6, -1, 100])
def test_a_revisit_score_out_of_range_is_refused(world, score):
    complaint = _at(world, Step.SATISFY)
    with unchanged(), pytest.raises(WorkflowError, match="from 1 to 5"):
        record_revisit(complaint, world.frontline, score=score)


def test_a_revisit_is_stored_with_who_and_what(world):
    complaint = _at(world, Step.SATISFY)
    revisit = record_revisit(complaint, world.frontline, score=4, notes="Happy now")
    stored = Revisit.objects.get(pk=revisit.pk)
    assert (stored.score, stored.signed_off, stored.recorded_by, stored.notes) == (
        4,
        True,
        world.frontline,
        "Happy now",
    )
    assert stored.prevention_measure == "Keep two spare parts in stock"
    event = complaint.timeline.latest("pk")
    assert (event.kind, event.is_internal, event.note) == (Kind.REVISIT, False, "Happy now")
    assert summary(event) == "Resolved, 4/5 · signed off"
    assert reload(complaint).step == Step.SATISFY


# --- Deadline extension -------------------------------------------------------------------------------


def test_an_extension_must_be_later_and_have_a_reason(world):
    complaint = _new(world)
    due = complaint.resolution_due_at
    for new_due, reason, message in (
        (due, "Snow", "must be later"),
        (due - timedelta(hours=1), "Snow", "must be later"),
        (due + timedelta(days=1), "  ", "needs a reason"),
    ):
        with unchanged(), pytest.raises(WorkflowError, match=message):
            services.complaint_extend_deadline(
                actor=world.manager,
                complaint_id=complaint.pk,
                expected_version=version(complaint),
                new_due_at=new_due,
                reason=reason,
            )


def test_an_extension_moves_the_deadline_and_resets_escalation(world):
    complaint = _new(world)
    Complaint.objects.filter(pk=complaint.pk).update(escalation_level=2)
    old_due = complaint.resolution_due_at
    new_due = datetime(2099, 3, 2, 17, 0, tzinfo=SHANGHAI)
    extension = services.complaint_extend_deadline(
        actor=world.gm,
        complaint_id=complaint.pk,
        expected_version=version(complaint),
        new_due_at=new_due,
        reason=" Heavy snow 大雪 ",
    )
    stored = reload(complaint)
    assert (stored.resolution_due_at, stored.escalation_level) == (new_due, 0)
    extension = Extension.objects.get(pk=extension.pk)
    assert (extension.old_due_at, extension.new_due_at, extension.reason, extension.granted_by) == (
        old_due,
        new_due,
        "Heavy snow 大雪",
        world.gm,
    )
    event = stored.timeline.latest("pk")
    assert event.kind == Kind.EXTENSION
    assert event.note == "Heavy snow 大雪"
    assert summary(event).endswith("→ 2099-03-02 17:00")


def test_a_closed_complaint_is_not_extended_and_archive_needs_a_closed_case(world):
    complaint = _new(world)
    with unchanged(), pytest.raises(WorkflowError, match=NOT_ALLOWED):
        services.complaint_archive(actor=world.manager, complaint_id=complaint.pk, expected_version=version(complaint))
    services.complaint_close_without_satisfaction(
        actor=world.manager, complaint_id=complaint.pk, expected_version=version(complaint), reason="Withdrawn"
    )
    with unchanged(), pytest.raises(WorkflowError, match=NOT_ALLOWED):
        services.complaint_extend_deadline(
            actor=world.manager,
            complaint_id=complaint.pk,
            expected_version=version(complaint),
            new_due_at=complaint.resolution_due_at + timedelta(days=1),
            reason="Snow",
        )
    services.complaint_archive(actor=world.manager, complaint_id=complaint.pk, expected_version=version(complaint))
    assert reload(complaint).is_archived
    with unchanged(), pytest.raises(WorkflowError, match=NOT_ALLOWED):
        services.complaint_archive(actor=world.manager, complaint_id=complaint.pk, expected_version=version(complaint))
