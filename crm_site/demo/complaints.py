"""Demo complaints in every step, walked through the real services so their timelines are real."""

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from complaints import schedule, services, sla
from complaints.models import Category, Complaint, CustomerResponse, Remedy, Revisit, Severity, TimelineEvent
from complaints.workflow import Step
from customers.models import Customer

from .org import DemoPeople

WORDS = [
    ("电梯经常停运,物业一直没有处理。The lift keeps stopping and nobody fixes it.", "service_manner", "物业 A 座"),
    ("新买的冰箱不制冷。The new fridge does not cool.", "product_quality", "RX-520"),
    ("送货晚了三天,也没人通知。Delivery was three days late without notice.", "delivery", "订单 88231"),
    ("账单多收了两个月的管理费。Billed two extra months of fees.", "billing", "2026-10 账单"),
    ("客服态度很差,挂我电话。The agent was rude and hung up.", "service_manner", "热线 400"),
    ("车辆保养后仍有异响。Noise after the car service.", "product_quality", "保养单 S-1187"),
]


def _walk_to(complaint, target: Step, people: DemoPeople, *, reject_first=False, major=False) -> Complaint:
    fl = people.users["frontline"]
    dept = people.departments[1]
    order = [Step.LISTEN, Step.SHARE, Step.PROBLEM, Step.CHECK, Step.ACTION, Step.SATISFY, Step.CLOSED]
    pk = complaint.pk

    def v():
        return Complaint.objects.get(pk=pk).version

    def advance():
        services.complaint_advance(actor=fl, complaint_id=pk, expected_version=v())

    steps_data = {
        Step.LISTEN: {"key_points": "客户情绪激动;要求尽快处理。Wants it fixed quickly."},
        Step.SHARE: {"emotional_state": "angry", "empathy_given": "非常抱歉给您带来不便,我们一定尽快处理。"},
        Step.PROBLEM: {
            "root_cause_group": "support",
            "root_cause": "维修排班不足。Not enough repair staff on shift.",
            "department": dept,
        },
    }
    while order.index(Step(Complaint.objects.get(pk=pk).step)) < order.index(target):
        step = Step(Complaint.objects.get(pk=pk).step)
        if step in steps_data:
            services.complaint_record_step(actor=fl, complaint_id=pk, expected_version=v(), data=steps_data[step])
            advance()
        elif step == Step.CHECK:
            services.complaint_confirm(
                actor=fl,
                complaint_id=pk,
                expected_version=v(),
                by_customer=True,
                notes="客户确认 Customer agrees this is the problem",
            )
            services.complaint_confirm(
                actor=fl,
                complaint_id=pk,
                expected_version=v(),
                by_customer=False,
                notes="工程部确认 Engineering confirms",
            )
            advance()
        elif step == Step.ACTION:
            _plan_stage(pk, people, reject_first=reject_first, major=major, finish=True)
            advance()
        elif step == Step.SATISFY:
            services.revisit_record(
                actor=fl,
                complaint_id=pk,
                expected_version=v(),
                outcome=Revisit.Outcome.RESOLVED,
                score=5,
                signed_off=True,
                prevention_measure="增加周末维修排班 More weekend shifts",
                notes="客户满意 Customer satisfied",
            )
            advance()
    if target == Step.ACTION:
        _plan_stage(pk, people, reject_first=reject_first, major=major, finish=False)
    return complaint


def _received_earlier(complaint: Complaint, received_at) -> None:
    """As if the complaint had been registered at ``received_at``: its timeline and both deadlines from then."""
    response_due, resolution_due = sla.due_times(
        branch_id=complaint.branch_id, severity=complaint.severity, start=received_at
    )
    Complaint.objects.filter(pk=complaint.pk).update(
        created_at=received_at, response_due_at=response_due, resolution_due_at=resolution_due
    )
    TimelineEvent.objects.filter(complaint=complaint).update(created_at=received_at)


def _plan_stage(pk: int, people: DemoPeople, *, reject_first: bool, major: bool, finish: bool) -> None:
    """Plan, (rejection,) approvals, customer agreement, remedies; unfinished: stop at the first wait."""
    fl, mgr, gm = people.users["frontline"], people.users["manager"], people.users["gm"]

    def v():
        return Complaint.objects.get(pk=pk).version

    amount = Decimal("8000") if major else Decimal("300")
    remedies = [
        services.RemedyInput(kind=Remedy.Kind.REPAIR, description="上门维修 On-site repair"),
        services.RemedyInput(kind=Remedy.Kind.COMPENSATION, amount=amount),
    ]
    deadline = timezone.localdate() + timedelta(days=5)
    plan = services.plan_submit(
        actor=fl,
        complaint_id=pk,
        expected_version=v(),
        summary="维修并补偿 Repair and compensate",
        deadline=deadline,
        remedies=remedies,
    )
    if reject_first:
        services.plan_decide(
            actor=mgr, plan_id=plan.pk, approve=False, comment="补偿过高,请先维修。Compensation too high, repair first."
        )
        plan = services.plan_submit(
            actor=fl,
            complaint_id=pk,
            expected_version=v(),
            summary="先维修 Repair first",
            deadline=deadline,
            remedies=remedies[:1],
        )
        if not finish:
            return  # The new plan waits for the manager.
    services.plan_decide(actor=mgr, plan_id=plan.pk, approve=True, comment="同意 OK")
    plan.refresh_from_db()
    if plan.needs_gm:
        if not finish:
            return  # Waits for the general manager.
        services.plan_decide(actor=gm, plan_id=plan.pk, approve=True, comment="批准 Approved")
    if not finish:
        return  # Approved: waits for the customer's answer.
    services.plan_record_response(actor=fl, plan_id=plan.pk, outcome=CustomerResponse.Outcome.ACCEPTED)
    for remedy in plan.remedies.all():
        services.remedy_complete(actor=fl, remedy_id=remedy.pk)


# The complaint on a tiny SLA (see _arm_sla_demo), found again by this product name on the next seeding.
SLA_DEMO_PRODUCT = "SLA 演示 demo"
SLA_DEMO_DUE_IN = timedelta(seconds=60)


def seed(people: DemoPeople) -> int:
    if not Complaint.objects.exists():
        _seed_cases(people)
    _arm_sla_demo(people)
    return Complaint.objects.count()


def _arm_sla_demo(people: DemoPeople) -> None:
    """A complaint on a tiny SLA, so that `make run` shows the schedule at work within two minutes, once each.

    The branch manager handles it, so the manager's bell gets both: the reminder (to the handler) and the escalation
    (to the branch's managers). It is past Listen (first response given), so only its resolution deadline is watched,
    and that is set SLA_DEMO_DUE_IN from now: inside every severity's warning time, so the scan run here (as beat's
    would) records its reminder at once, which the worker's first poll delivers; beat's scans (one a minute) then
    find it overdue and escalate it to level 1. Each seeding (each `make run`) re-arms it with new due times, which
    are new occasions: one new reminder and one new escalation, and never a second of either.
    """
    complaint = Complaint.objects.filter(product=SLA_DEMO_PRODUCT).exclude(step=Step.CLOSED).first()
    if complaint is None:
        fl, mgr = people.users["frontline"], people.users["manager"]
        customer = Customer.objects.filter(branch=people.branches["BJ01"]).order_by("-code").first()
        complaint = services.complaint_create(
            actor=fl,
            intake=services.Intake(
                customer=customer,
                channel="phone",
                occurred_at=timezone.now(),
                customer_words="热水器漏水,今天必须有人来。The water heater leaks; someone must come today.",
                category=Category.objects.get(code="product_quality"),
                product=SLA_DEMO_PRODUCT,
            ),
        )
        _walk_to(complaint, Step.SHARE, people)
        services.complaint_assign(
            actor=mgr,
            complaint_id=complaint.pk,
            expected_version=Complaint.objects.get(pk=complaint.pk).version,
            handler=mgr,
            department=None,
        )
    now = timezone.now()
    Complaint.objects.filter(pk=complaint.pk).update(
        response_due_at=now + SLA_DEMO_DUE_IN,
        resolution_due_at=now + SLA_DEMO_DUE_IN,
        escalation_level=0,
        escalated_at=None,
    )
    schedule.complaints_scan(now=now)


def _seed_cases(people: DemoPeople) -> None:
    categories = {c.code: c for c in Category.objects.all()}
    fl = people.users["frontline"]
    fl2 = people.users["frontline2"]
    bj = list(Customer.objects.filter(branch=people.branches["BJ01"]).order_by("code")[:14])
    sh = list(Customer.objects.filter(branch=people.branches["SH01"]).order_by("code")[:4])
    plans = [
        (Step.LISTEN, {}),
        (Step.SHARE, {}),
        (Step.PROBLEM, {}),
        (Step.CHECK, {}),
        (Step.ACTION, {"reject_first": True}),  # A rejected plan, then an approved one.
        (Step.ACTION, {"major": True}),  # Waits for the general manager.
        (Step.ACTION, {}),  # Approved, waiting for the customer's answer.
        (Step.SATISFY, {}),
        (Step.CLOSED, {}),
        (Step.CLOSED, {"major": True}),
    ]
    now = timezone.now()
    created = []
    for i, (target, options) in enumerate(plans):
        words, cat, product = WORDS[i % len(WORDS)]
        complaint = services.complaint_create(
            actor=fl,
            intake=services.Intake(
                customer=bj[i],
                channel=["phone", "walk_in", "web", "email"][i % 4],
                occurred_at=now - timedelta(days=i + 1),
                customer_words=words,
                category=categories[cat],
                severity=Severity.MAJOR if options.get("major") else [Severity.GENERAL, Severity.IMPORTANT][i % 2],
                customer_request="尽快解决并给予合理补偿 Fix it and compensate fairly",
                product=product,
            ),
        )
        _walk_to(complaint, target, people, **options)
        created.append(complaint)
    # A dissatisfied revisit that reopened the case at Action.
    reopened = services.complaint_create(
        actor=fl,
        intake=services.Intake(
            customer=bj[10],
            channel="phone",
            occurred_at=now - timedelta(days=12),
            customer_words=WORDS[5][0],
            category=categories["product_quality"],
        ),
    )
    _walk_to(reopened, Step.SATISFY, people)
    services.revisit_record(
        actor=fl,
        complaint_id=reopened.pk,
        expected_version=Complaint.objects.get(pk=reopened.pk).version,
        outcome=Revisit.Outcome.NOT_RESOLVED,
        score=2,
        signed_off=False,
        notes="异响仍在 The noise is still there",
    )
    # An overdue case with an extension for rain.
    late = services.complaint_create(
        actor=fl,
        intake=services.Intake(
            customer=bj[11],
            channel="walk_in",
            occurred_at=now - timedelta(days=9),
            customer_words=WORDS[0][0],
            category=categories["service_manner"],
            severity=Severity.IMPORTANT,
        ),
    )
    _received_earlier(late, now - timedelta(days=9))  # past both deadlines by now
    services.complaint_extend_deadline(
        actor=people.users["manager"],
        complaint_id=late.pk,
        expected_version=Complaint.objects.get(pk=late.pk).version,
        new_due_at=now + timedelta(days=3),
        reason="连续暴雨,无法施工 Heavy rain, no outdoor work",
    )
    overdue = services.complaint_create(
        actor=fl,
        intake=services.Intake(
            customer=bj[12],
            channel="phone",
            occurred_at=now - timedelta(days=8),
            customer_words=WORDS[3][0],
            category=categories["billing"],
        ),
    )
    _received_earlier(overdue, now - timedelta(days=8))  # 40 business hours for a general one: overdue
    # A repeat complaint by the same customer.
    services.complaint_create(
        actor=fl,
        intake=services.Intake(
            customer=bj[0],
            channel="phone",
            occurred_at=now,
            customer_words="还是没人来修。Still nobody came.",
            category=categories["service_manner"],
        ),
    )
    # Closed by the manager without satisfaction (the customer cannot be reached), then archived.
    unreachable = services.complaint_create(
        actor=fl,
        intake=services.Intake(
            customer=bj[13],
            channel="letter",
            occurred_at=now - timedelta(days=40),
            customer_words=WORDS[2][0],
            category=categories["delivery"],
        ),
    )
    _walk_to(unreachable, Step.PROBLEM, people)
    mgr = people.users["manager"]
    services.complaint_close_without_satisfaction(
        actor=mgr,
        complaint_id=unreachable.pk,
        expected_version=Complaint.objects.get(pk=unreachable.pk).version,
        reason="客户电话停机,三次联系未果 Phone disconnected, three attempts failed",
    )
    closed = created[-2]  # Closed after a satisfied revisit: archived with its whole timeline.
    services.complaint_archive(
        actor=mgr, complaint_id=closed.pk, expected_version=Complaint.objects.get(pk=closed.pk).version
    )
    # The other branch has its own queue.
    for i, customer in enumerate(sh):
        services.complaint_create(
            actor=fl2,
            intake=services.Intake(
                customer=customer,
                channel="web",
                occurred_at=now - timedelta(hours=i + 2),
                customer_words=WORDS[i][0],
                category=categories[WORDS[i][1]],
            ),
        )
