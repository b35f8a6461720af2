"""A small, hand-built set of complaints whose every figure is worked out by hand in the tests.

Branch BJ (``branch``): A1, A2, A3, A4 received in the period (2026-01-01 … 2026-06-30), A0 before it (2025-12-20);
branch SH (``other_branch``): B1. Rows are written directly (not through the services) so each date, deadline and
timeline row is exactly what the arithmetic in the tests says.

| | received | category | group: cause | dept | channel | severity | responded / due | closed / due |
|--|--|--|--|--|--|--|--|--|
| A0 | 2025-12-20 | Q | support: late van | — | phone | general | on time | on time |
| A1 | 2026-01-15 | Q | people: Rude staff | D1 | phone | general | 11:00 / 12:00 | 01-18 / 01-20 |
| A2 | 2026-02-10 | Q | people: " rude STAFF " | D1 | walk-in | important | 13:00 / 12:00 | 02-16 / 02-15 |
| A3 | 2026-02-20 | S | product: Broken part | D2 | phone | major | — / 02-20 12:00 | open / 02-25 |
| A4 | 2026-03-05 | Q | (not yet) | — | email | general | — / 2099 | open / 2099 |
| B1 | 2026-03-10 | S | people: Rude staff | — | phone | general | on time | 03-12 / 03-20 |

A2 repeats A1 (same customer); A3 was escalated to the branch manager and then to the general manager.
"""

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from itertools import count

import pytest

from complaints.models import (
    Category,
    Complaint,
    PlanStatus,
    Remedy,
    ResolutionPlan,
    Revisit,
    TimelineEvent,
)
from complaints.workflow import Step
from crm_site.org.roles import Role
from reports.services import complaint_summary_rebuild
from tests.factories import CustomerFactory, DepartmentFactory, staff

_numbers = count(1)
K = TimelineEvent.Kind


def at(text: str) -> datetime:
    """'2026-01-15 10:00' as an aware UTC datetime."""
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def complaint(*, branch, customer, actor, category, received: str, **fields) -> Complaint:
    created = at(received)
    defaults = {
        "channel": "phone",
        "severity": "general",
        "step": Step.CLOSED,
        "response_due_at": created + timedelta(hours=2),
        "resolution_due_at": created + timedelta(days=5),
        "first_responded_at": created + timedelta(hours=1),
        "closed_at": created + timedelta(days=3),
    }
    defaults.update(fields)
    if defaults["step"] != Step.CLOSED:
        defaults.setdefault("closed_at", None)
    return Complaint.objects.create(
        number=f"T{next(_numbers):06d}",
        branch=branch,
        customer=customer,
        first_responder=actor,
        handler=actor,
        category=category,
        occurred_at=created - timedelta(hours=1),
        customer_words="…",
        created_at=created,
        **defaults,
    )


def steps(c: Complaint, actor, start: datetime, hours: list[tuple[str, str, float]]) -> None:
    """Timeline rows entering each step: (kind, to_step, hours after the previous row)."""
    moment = start
    for kind, to_step, after in hours:
        moment = moment + timedelta(hours=after)
        TimelineEvent.objects.create(complaint=c, kind=kind, actor=actor, to_step=to_step, created_at=moment)


def plan(c: Complaint, actor, status: str, remedies: list[tuple[str, str, str | None]]) -> ResolutionPlan:
    """A plan with remedies (kind, amount, done at or None)."""
    p = ResolutionPlan.objects.create(
        complaint=c, summary="plan", deadline=c.created_at.date(), status=status, submitted_by=actor
    )
    for kind, amount, done in remedies:
        Remedy.objects.create(plan=p, kind=kind, amount=Decimal(amount), done_at=at(done) if done else None)
    return p


@dataclass
class Data:
    complaints: dict = field(default_factory=dict)


@pytest.fixture
def data(branch, other_branch, manager, frontline, frontline_other):
    d = Data()
    c = d.complaints
    quality = Category.objects.create(code="rpt-quality", name_en="Quality", name_zh="商品品质")
    service = Category.objects.create(code="rpt-service", name_en="Service", name_zh="服务方式")
    d.quality, d.service = quality, service
    d1 = DepartmentFactory(name="D1 Sales")
    d2 = DepartmentFactory(name="D2 Workshop")
    d.d1, d.d2 = d1, d2
    alice = CustomerFactory(branch=branch, name="Alice")
    bob = CustomerFactory(branch=branch, name="Bob")
    carol = CustomerFactory(branch=other_branch, name="Carol")
    common = {"branch": branch, "actor": frontline}
    c["A0"] = complaint(
        **common, customer=bob, category=quality, received="2025-12-20 02:00",
        root_cause_group="support", root_cause="late van",
    )  # fmt: skip
    c["A1"] = complaint(
        **common, customer=alice, category=quality, received="2026-01-15 10:00",
        root_cause_group="people", root_cause="Rude staff", department=d1,
        response_due_at=at("2026-01-15 12:00"), first_responded_at=at("2026-01-15 11:00"),
        resolution_due_at=at("2026-01-20 10:00"), closed_at=at("2026-01-18 10:00"),
    )  # fmt: skip
    c["A2"] = complaint(
        **common, customer=alice, category=quality, received="2026-02-10 10:00",
        root_cause_group="people", root_cause=" rude STAFF ", department=d1, channel="walk_in", severity="important",
        response_due_at=at("2026-02-10 12:00"), first_responded_at=at("2026-02-10 13:00"),
        resolution_due_at=at("2026-02-15 10:00"), closed_at=at("2026-02-16 10:00"), repeat_of=c["A1"],
    )  # fmt: skip
    c["A3"] = complaint(
        **common, customer=bob, category=service, received="2026-02-20 10:00",
        root_cause_group="product", root_cause="Broken part", department=d2, severity="major", step=Step.LISTEN,
        response_due_at=at("2026-02-20 12:00"), first_responded_at=None,
        resolution_due_at=at("2026-02-25 10:00"), closed_at=None, escalation_level=2,
    )  # fmt: skip
    c["A4"] = complaint(
        **common, customer=bob, category=quality, received="2026-03-05 10:00", channel="email", step=Step.LISTEN,
        response_due_at=at("2099-01-01 00:00"), first_responded_at=None,
        resolution_due_at=at("2099-01-02 00:00"), closed_at=None,
    )  # fmt: skip
    c["B1"] = complaint(
        branch=other_branch, actor=frontline_other, customer=carol, category=service, received="2026-03-10 10:00",
        root_cause_group="people", root_cause="Rude staff",
        response_due_at=at("2026-03-10 12:00"), first_responded_at=at("2026-03-10 11:00"),
        resolution_due_at=at("2026-03-20 10:00"), closed_at=at("2026-03-12 10:00"),
    )  # fmt: skip
    # Time in the steps (hours): A1 listen 1, share 2, problem 3, check 4, action 10, satisfy 10;
    # A2 listen 2, share 4, problem 6, check 8, action 20, satisfy 2, reopened: action 5, satisfy 3;
    # B1 listen 3, share 6, problem 9, check 12, action 30, satisfy 1; A3 is still in Listen (no finished stay).
    steps(c["A1"], frontline, at("2026-01-15 10:00"), [
        (K.CREATED, "listen", 0), (K.STEP, "share", 1), (K.STEP, "problem", 2), (K.STEP, "check", 3),
        (K.STEP, "action", 4), (K.STEP, "satisfy", 10), (K.CLOSED, "closed", 10),
    ])  # fmt: skip
    TimelineEvent.objects.create(complaint=c["A1"], kind=K.NOTE, actor=frontline, created_at=at("2026-01-15 10:30"))
    steps(c["A2"], frontline, at("2026-02-10 10:00"), [
        (K.CREATED, "listen", 0), (K.STEP, "share", 2), (K.STEP, "problem", 4), (K.STEP, "check", 6),
        (K.STEP, "action", 8), (K.STEP, "satisfy", 20), (K.REOPENED, "action", 2), (K.STEP, "satisfy", 5),
        (K.CLOSED, "closed", 3),
    ])  # fmt: skip
    steps(c["B1"], frontline_other, at("2026-03-10 10:00"), [
        (K.CREATED, "listen", 0), (K.STEP, "share", 3), (K.STEP, "problem", 6), (K.STEP, "check", 9),
        (K.STEP, "action", 12), (K.STEP, "satisfy", 30), (K.CLOSED, "closed", 1),
    ])  # fmt: skip
    steps(c["A3"], frontline, at("2026-02-20 10:00"), [(K.CREATED, "listen", 0)])
    TimelineEvent.objects.create(complaint=c["A3"], kind=K.ESCALATED, actor=None, created_at=at("2026-02-25 11:00"))
    TimelineEvent.objects.create(complaint=c["A3"], kind=K.ESCALATED_GM, actor=None, created_at=at("2026-02-26 11:00"))
    # Plans and remedies (amount, done at): only remedies carried out count as cost; only agreed plans as "handled".
    plan(c["A0"], frontline, PlanStatus.AGREED, [("refund", "999", "2025-12-21 02:00")])
    plan(c["A1"], frontline, PlanStatus.AGREED, [
        ("refund", "100", "2026-01-17 02:00"), ("compensation", "50", "2026-01-17 02:00"),
    ])  # fmt: skip
    plan(c["A2"], frontline, PlanStatus.AGREED, [
        ("refund", "200", "2026-02-14 02:00"), ("apology_letter", "0", "2026-02-14 02:00"), ("discount", "30", None),
    ])  # fmt: skip
    plan(c["B1"], frontline_other, PlanStatus.REJECTED, [("repair", "500", None)])
    plan(c["B1"], frontline_other, PlanStatus.AGREED, [("compensation", "80", "2026-03-11 02:00")])
    # Revisits: A1 5 resolved; A2 2 not resolved, then 3 resolved (with a prevention measure); B1 4 resolved.
    for key, outcome, score, when, measure in [
        ("A1", "resolved", 5, "2026-01-18 02:00", ""),
        ("A2", "not_resolved", 2, "2026-02-13 02:00", ""),
        ("A2", "resolved", 3, "2026-02-15 02:00", "Train counter staff in greeting customers"),
        ("B1", "resolved", 4, "2026-03-12 02:00", ""),
    ]:
        Revisit.objects.create(
            complaint=c[key], outcome=outcome, score=score, recorded_by=frontline, recorded_at=at(when),
            prevention_measure=measure,
        )  # fmt: skip
    complaint_summary_rebuild()  # rows written directly: the monthly sums the statistics read, as a backfill makes them
    return d


@pytest.fixture
def manager_other(other_branch):
    return staff(Role.MANAGER, other_branch, username="manager2")
