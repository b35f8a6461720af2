"""The bench data itself: what bench.generate writes and removes. Import only after django.setup().

Everything is set-based: bulk_create in batches, no per-row save() and no service call, so 20,000
customers and 50,000 complaints take seconds. Bench rows carry the prefixes of bench/__init__.py (bench
complaints: a bench customer and a number in the bench range); removal selects on them and nothing else.
"""

import bisect
import dataclasses
import math
import random
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.db import connection, transaction
from django.db.models import Exists, OuterRef, ProtectedError, Q, Subquery
from django.utils import timezone

from complaints import sla
from complaints.models import (
    Attachment,
    Category,
    Channel,
    Complaint,
    ComplaintSettings,
    CustomerResponse,
    EmotionalState,
    Extension,
    Holiday,
    NumberSequence,
    PlanDecision,
    PlanStatus,
    Priority,
    Remedy,
    ResolutionPlan,
    Revisit,
    RootCauseGroup,
    Severity,
    TimelineEvent,
)
from complaints.workflow import SIX_STEPS, Step
from crm_site.org.models import Branch, Department, StaffProfile
from crm_site.org.roles import Role
from customers.models import Customer, Quadrant, Tag, Tier
from customers.phones import phone_e164
from satisfaction.models import (
    Answer,
    AnswerMonth,
    Campaign,
    Dimension,
    Invitation,
    Repurchase,
    ResponseMonth,
    SurveyItem,
    SurveyTemplate,
)
from satisfaction.models import Response as SurveyResponse
from satisfaction.services import REVISIT_TEMPLATE_CODE, csi_summary_rebuild

from . import (
    BRANCH_PREFIX,
    BRANCHES,
    COMPLAINT_NUMBER_REGEX,
    COMPLAINT_SERIAL_FROM,
    CUSTOMER_PREFIX,
    DEPARTMENT_PREFIX,
    FRONTLINE_PER_BRANCH,
    GENERAL_MANAGER_USERNAME,
    SURVEY_TEMPLATE_PREFIX,
    TAG_PREFIX,
    USER_PREFIX,
)

User = get_user_model()
BATCH = 5000

CITIES = ["北京", "上海", "广州", "深圳", "杭州", "成都", "武汉", "南京", "西安", "重庆"]
SURNAMES = list("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹")
GIVEN = list("伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红鹏辉建国文斌宁浩")
TRADES = ["科技", "贸易", "物业", "餐饮", "建材", "电子", "物流", "医药"]
TAGS = ["VIP", "Wholesale", "Online", "Referral", "Government"]


class BenchDataError(Exception):
    """Something the person running the generator has to act on; the message says what."""


@dataclass
class Summary:
    branches: int
    users: int
    customers: int
    complaints: int = 0
    survey_responses: int = 0
    survey_answers: int = 0

    @property
    def any(self) -> bool:
        return bool(self.branches or self.users or self.customers or self.complaints or self.survey_responses)

    def __str__(self) -> str:
        return (
            f"{self.branches} branches, {self.users} users, {self.customers} customers, {self.complaints} complaints, "
            f"{self.survey_responses} survey responses ({self.survey_answers} answers)"
        )


def bench_customers():
    return Customer.objects.filter(code__startswith=CUSTOMER_PREFIX)


def bench_complaints():
    """Complaints of bench customers with a number in the bench range (TS-<year>-9NNNNN)."""
    return Complaint.objects.filter(customer__code__startswith=CUSTOMER_PREFIX, number__regex=COMPLAINT_NUMBER_REGEX)


def bench_counts() -> Summary:
    return Summary(
        branches=Branch.objects.filter(code__startswith=BRANCH_PREFIX).count(),
        users=User.objects.filter(username__startswith=USER_PREFIX).count(),
        customers=bench_customers().count(),
        complaints=bench_complaints().count(),
        survey_responses=bench_survey_responses().count(),
        survey_answers=Answer.objects.filter(response__in=bench_survey_responses()).count(),
    )


def remove() -> Summary:
    """Delete every bench row, children first, in one transaction (the caller's)."""
    removed = bench_counts()
    tags = Tag.objects.filter(name__startswith=TAG_PREFIX)
    foreign = Customer.objects.filter(tags__in=tags).exclude(code__startswith=CUSTOMER_PREFIX)
    if foreign.exists():
        raise BenchDataError("bench tags are used by customers that are not bench data; remove them by hand")
    users = User.objects.filter(username__startswith=USER_PREFIX)
    try:
        _remove_surveys()  # responses point at bench complaints, revisits, customers and staff
        _remove_complaints()
        bench_customers().delete()
        tags.delete()
        StaffProfile.objects.filter(user__in=users).delete()
        users.delete()
        Branch.objects.filter(code__startswith=BRANCH_PREFIX).delete()
        Department.objects.filter(name__startswith=DEPARTMENT_PREFIX).delete()
    except ProtectedError as exc:
        kinds = sorted({obj._meta.label for obj in exc.protected_objects})
        raise BenchDataError(
            f"other records point at bench rows ({', '.join(kinds)}): "
            "use a database of its own for the benchmark, or drop and recreate it"
        ) from exc
    return removed


def _remove_complaints() -> None:
    """Bench complaints and everything hanging off them (plans, remedies, timeline …), children first.

    Rows that other people added to bench complaints through the pages (notes, attachments, plans) go with
    them; a complaint that is not bench data but points at a bench one (repeat_of) stops the removal.
    """
    complaints = bench_complaints()
    plans = ResolutionPlan.objects.filter(complaint__in=complaints)
    for model in (Remedy, PlanDecision, CustomerResponse):
        model.objects.filter(plan__in=plans).delete()
    plans.delete()
    for model in (TimelineEvent, Revisit, Extension, Attachment):
        model.objects.filter(complaint__in=complaints).delete()
    complaints.update(repeat_of=None)  # bench complaints link to each other as repeats (PROTECT)
    complaints.delete()


def generate(
    *,
    customers: int,
    complaints: int = 0,
    seed: int,
    answers: int | None = None,
    progress: Callable[[str], None] = print,
) -> Summary:
    """Branches, staff (with role groups and staff profiles), tags, ``customers`` customers and
    ``complaints`` complaints on them (with timelines, plans and remedies), and about ``answers`` survey answers
    (default ANSWERS_PER_CUSTOMER per customer; revisits' answers come on top)."""
    rng = random.Random(seed)
    groups = _role_groups()
    branches = _branches()
    frontline_by_branch = _staff(branches, groups)
    Tag.objects.bulk_create([Tag(name=f"{TAG_PREFIX}{name}") for name in TAGS])
    tags = list(Tag.objects.filter(name__startswith=TAG_PREFIX))
    now = timezone.now()
    made = 0
    with _explicit_timestamps(Customer, "created_at"):
        for start in range(0, customers, BATCH):
            batch = [
                _customer(i, rng, branches, frontline_by_branch, now)
                for i in range(start, min(start + BATCH, customers))
            ]
            Customer.objects.bulk_create(batch, batch_size=BATCH)
            made += len(batch)
            progress(f"  customers: {made}/{customers}")
    _tag_customers(rng, tags)
    made_complaints = 0
    if complaints:
        made_complaints = _complaints(complaints, rng, branches, frontline_by_branch, now, progress)
    answers = ANSWERS_PER_CUSTOMER * made if answers is None else answers
    # A random stream of its own: the survey data does not change with --complaints.
    survey_rng = random.Random(f"surveys-{seed}")
    made_responses, made_answers = _surveys(answers, survey_rng, branches, frontline_by_branch, now, progress)
    revisit_responses = _revisit_responses(progress)
    csi_summary_rebuild()  # the answers were bulk-written, past _response_write: rebuild the monthly sums
    return Summary(
        branches=len(branches),
        users=User.objects.filter(username__startswith=USER_PREFIX).count(),
        customers=made,
        complaints=made_complaints,
        survey_responses=made_responses + revisit_responses,
        survey_answers=made_answers + revisit_responses,
    )


def analyze() -> None:
    """VACUUM (FULL, ANALYZE) the tables bench data lives in (PostgreSQL; outside a transaction).

    Fresh planner statistics, as on tables that have been live for a while; and compact tables, so the
    numbers do not depend on how many times --reset ran before (each leaves the old rows' space behind:
    the complaints table grew sevenfold over three resets) or on whether autovacuum has run yet."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            for model in (
                Branch,
                Department,
                User,
                StaffProfile,
                Tag,
                Customer,
                Customer.tags.through,
                Complaint,
                TimelineEvent,
                ResolutionPlan,
                Remedy,
                PlanDecision,
                CustomerResponse,
                Revisit,
                *SURVEY_MODELS,
            ):
                cursor.execute(f"VACUUM (FULL, ANALYZE) {connection.ops.quote_name(model._meta.db_table)}")


def _role_groups() -> dict[str, Group]:
    groups = {g.name: g for g in Group.objects.filter(name__in=Role.values)}
    missing = sorted(set(Role.values) - set(groups))
    if missing:
        raise BenchDataError(f"role groups missing ({', '.join(missing)}): run `manage.py migrate` first")
    return groups


def _branches() -> list[Branch]:
    Branch.objects.bulk_create(
        [
            Branch(
                code=f"{BRANCH_PREFIX}{n:02d}",
                name=f"Bench {CITIES[(n - 1) % len(CITIES)]} {n:02d}",
                address=f"{CITIES[(n - 1) % len(CITIES)]}市 基准路 {n} 号",
            )
            for n in range(1, BRANCHES + 1)
        ]
    )
    return list(Branch.objects.filter(code__startswith=BRANCH_PREFIX).order_by("code"))


def _staff(branches: list[Branch], groups: dict[str, Group]) -> dict[int, list[int]]:
    """Per branch FRONTLINE_PER_BRANCH front-line staff and a manager; one general manager and one admin."""
    people: list[tuple[str, str, Branch | None]] = []
    for n, branch in enumerate(branches, start=1):
        people += [(f"{USER_PREFIX}fl_{n:02d}_{k}", Role.FRONTLINE, branch) for k in range(1, FRONTLINE_PER_BRANCH + 1)]
        people.append((f"{USER_PREFIX}mgr_{n:02d}", Role.MANAGER, branch))
    people += [(GENERAL_MANAGER_USERNAME, Role.GENERAL_MANAGER, None), (f"{USER_PREFIX}admin", Role.ADMIN, None)]
    unusable = make_password(None)  # nobody logs in as a bench user with a password
    User.objects.bulk_create(
        [
            User(
                username=name, first_name="Bench", last_name=role, email=f"{name}@bench.example.com", password=unusable
            )
            for name, role, _ in people
        ]
    )
    pk_of = dict(User.objects.filter(username__startswith=USER_PREFIX).values_list("username", "pk"))
    User.groups.through.objects.bulk_create(
        [User.groups.through(user_id=pk_of[name], group_id=groups[role].pk) for name, role, _ in people]
    )
    StaffProfile.objects.bulk_create([StaffProfile(user_id=pk_of[name], branch=branch) for name, _, branch in people])
    frontline: dict[int, list[int]] = {}
    for name, role, branch in people:
        if role == Role.FRONTLINE:
            frontline.setdefault(branch.pk, []).append(pk_of[name])
    return frontline


@contextmanager
def _explicit_timestamps(model, name: str) -> Iterator[None]:
    """Let bulk_create keep the timestamp we set (auto_now / auto_now_add would stamp every row with now)."""
    stamp = model._meta.get_field(name)
    saved = stamp.auto_now, stamp.auto_now_add
    stamp.auto_now = stamp.auto_now_add = False
    try:
        yield
    finally:
        stamp.auto_now, stamp.auto_now_add = saved


def _customer(i: int, rng: random.Random, branches, frontline_by_branch, now) -> Customer:
    branch = branches[i % len(branches)]
    city = branch.address[:2]
    is_company = rng.random() < 0.2
    person = rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))
    company = f"{city}{rng.choice(GIVEN)}{rng.choice(GIVEN)}{rng.choice(TRADES)}有限公司"
    created_at = now - timedelta(days=rng.randint(0, 5 * 365), seconds=rng.randint(0, 86399))
    value = Decimal(round(rng.lognormvariate(9, 1.2), 2)).quantize(Decimal("0.01"))
    potential = Decimal(rng.randint(0, 10000)) / 100
    high_value, high_potential = value >= 8000, potential >= 50
    quadrant = {
        (True, True): Quadrant.HIGH,
        (True, False): Quadrant.SECONDARY,
        (False, True): Quadrant.POTENTIAL,
        (False, False): Quadrant.LOW,
    }[high_value, high_potential]
    tier = Tier.A if value >= 30000 else Tier.B if value >= 8000 else Tier.C
    status_roll = rng.random()
    extra: dict = {}
    if status_roll < 0.05:
        extra = {
            "status": Customer.Status.CHURNED,
            "churn_reason": "Moved to a competitor",
            "churned_on": (created_at + timedelta(days=rng.randint(30, 400))).date(),
        }
    elif status_roll < 0.15:
        extra = {"status": Customer.Status.AT_RISK, "at_risk_reason": Customer.AtRiskReason.NO_PURCHASE}
    return Customer(
        code=f"{CUSTOMER_PREFIX}{i + 1:07d}",
        name=company if is_company else person,
        kind=Customer.Kind.COMPANY if is_company else Customer.Kind.INDIVIDUAL,
        company_name=company if is_company or rng.random() < 0.3 else "",
        phone=f"139{i + 1:08d}",
        phone_e164=phone_e164(f"139{i + 1:08d}"),
        email=f"c{i + 1:07d}@bench.example.com",
        address=f"{city}市 基准路 {rng.randint(1, 999)} 号",
        branch=branch,
        account_manager_id=rng.choice(frontline_by_branch[branch.pk]),
        source=rng.choice(["walk-in", "referral", "online", "event"]),
        current_value=value,
        potential_score=potential,
        window_sales=value,
        window_purchases=rng.randint(0, 40),
        last_purchase_on=(now - timedelta(days=rng.randint(0, 720))).date(),
        quadrant=quadrant,
        tier=tier,
        classified_at=now,
        created_at=created_at,
        **extra,
    )


def _tag_customers(rng: random.Random, tags: list[Tag]) -> None:
    """About a third of the customers get one or two tags (set-based, straight into the through table)."""
    through = Customer.tags.through
    links = []
    for pk in bench_customers().order_by("pk").values_list("pk", flat=True).iterator(chunk_size=BATCH):
        if rng.random() < 0.33:
            links += [through(customer_id=pk, tag_id=tag.pk) for tag in rng.sample(tags, rng.choice((1, 2)))]
    for start in range(0, len(links), BATCH):
        through.objects.bulk_create(links[start : start + BATCH])


# Complaints ---------------------------------------------------------------------------------------------

STEP_ORDER = [*SIX_STEPS, Step.CLOSED]
# Where bench complaints stand: 60 % closed, the rest over the six steps (Action the busiest).
STEP_WEIGHTS = {
    Step.LISTEN: 7,
    Step.SHARE: 6,
    Step.PROBLEM: 7,
    Step.CHECK: 6,
    Step.ACTION: 9,
    Step.SATISFY: 5,
    Step.CLOSED: 60,
}
SEVERITY_WEIGHTS = {Severity.GENERAL: 70, Severity.IMPORTANT: 23, Severity.MAJOR: 7}
PRIORITY_BY_SEVERITY = {
    Severity.GENERAL: ([Priority.LOW, Priority.NORMAL], [3, 7]),
    Severity.IMPORTANT: ([Priority.NORMAL, Priority.HIGH], [5, 5]),
    Severity.MAJOR: ([Priority.HIGH, Priority.URGENT], [4, 6]),
}
CHANNEL_WEIGHTS = {
    Channel.PHONE: 35,
    Channel.WALK_IN: 25,
    Channel.WEB: 12,
    Channel.SOCIAL: 12,
    Channel.EMAIL: 8,
    Channel.LETTER: 3,
    Channel.OTHER: 5,
}
CATEGORY_WEIGHTS = {"product_quality": 30, "service_manner": 25, "delivery": 20, "billing": 15}  # any other: 10
COMPLAINT_DAYS = 2 * 365  # received over the last two years
OVERDUE_SHARE = 0.10  # of the open complaints: resolution due time in the past
FORCE_CLOSED_SHARE = 0.10  # of the closed ones: closed by a manager without the customer's satisfaction
PENDING_MANAGER_SHARE = 0.05  # of all plans; all on complaints in Action, so the approval queues have rows
ARCHIVED_SHARE = 0.3  # of the complaints closed more than half a year ago
# Responsible department per category code ("": the rest); names get DEPARTMENT_PREFIX.
DEPARTMENTS = {
    "product_quality": "工程部 Engineering",
    "delivery": "物流部 Logistics",
    "billing": "财务部 Finance",
    "": "客服部 Customer service",
}
WORDS = {
    "product_quality": [
        "新买的冰箱不制冷。The new fridge does not cool.",
        "洗衣机用了一周就漏水。The washing machine leaks after a week.",
        "收到的商品有划痕。The item arrived scratched.",
        "车辆保养后仍有异响。Noise after the car service.",
    ],
    "service_manner": [
        "客服态度很差,挂我电话。The agent was rude and hung up.",
        "店员不理人,等了半小时。Nobody served me for half an hour.",
        "维修师傅迟到两个小时也没道歉。The technician was two hours late and did not apologise.",
    ],
    "delivery": [
        "送货晚了三天,也没人通知。Delivery was three days late without notice.",
        "包裹放在门口丢了。The parcel was left at the door and lost.",
        "送错了型号。The wrong model was delivered.",
    ],
    "billing": [
        "账单多收了两个月的管理费。Billed two extra months of fees.",
        "退款一个月了还没到账。The refund has not arrived after a month.",
        "发票金额不对。The invoice amount is wrong.",
    ],
    "": [
        "电梯经常停运,物业一直没有处理。The lift keeps stopping and nobody fixes it.",
        "会员积分不见了。My loyalty points disappeared.",
    ],
}
REQUESTS = ["", "退款 A refund", "换货 An exchange", "书面道歉 A written apology", "尽快上门维修 A repair visit soon"]
KEY_POINTS = [
    "客户要求尽快处理。Wants it fixed quickly.",
    "客户要求退款。Asks for a refund.",
    "第二次反映,情绪激动。Second time; upset.",
    "需要上门查看。Needs a site visit.",
]
EMPATHY = [
    "非常抱歉给您带来不便,我们一定尽快处理。",
    "我明白这个问题给您带来了不便,我会尽快帮您解决的。",
    "我们非常关注您的需求和反馈,会第一时间为您解决。",
]
ROOT_CAUSES = {
    RootCauseGroup.PEOPLE: "员工培训不足。Staff not trained for this.",
    RootCauseGroup.PRODUCT: "供应商批次质量问题。A bad supplier batch.",
    RootCauseGroup.SUPPORT: "维修排班不足。Not enough repair staff on shift.",
    RootCauseGroup.CUSTOMER: "使用方法不当。Used against the instructions.",
    RootCauseGroup.OTHER: "系统故障。A system outage.",
}
PLANS = [
    "退款并书面道歉。Refund and a written apology.",
    "更换商品并上门安装。Exchange and install on site.",
    "免费维修并赠送优惠券。Free repair and a voucher.",
    "重新服务,减免当月费用。Redo the service and waive this month's fee.",
]
REMEDY_WEIGHTS = {
    Remedy.Kind.REFUND: 20,
    Remedy.Kind.EXCHANGE: 15,
    Remedy.Kind.REPAIR: 15,
    Remedy.Kind.DISCOUNT: 15,
    Remedy.Kind.COMPENSATION: 10,
    Remedy.Kind.APOLOGY_LETTER: 15,
    Remedy.Kind.SERVICE_REDO: 10,
}
PAID_REMEDIES = {Remedy.Kind.REFUND, Remedy.Kind.DISCOUNT, Remedy.Kind.COMPENSATION}
PREVENTION = ["增加周末维修排班 More weekend shifts", "加强员工培训 Staff training", "发货前检查 Check before dispatch"]
CLOSE_REASONS = ["客户失联 The customer cannot be reached", "要求超出合理补偿 Demands beyond any reasonable remedy"]


@dataclass
class _Context:
    """What every complaint draws on, read once."""

    now: datetime
    frontline: dict[int, list[int]]  # branch pk -> front-line user pks
    managers: dict[int, int]  # branch pk -> manager pk
    general_manager: int
    categories: list[Category]
    category_weights: list[int]
    departments: dict[str, int]  # category code ("" = default) -> department pk
    calendars: dict[int, sla.Calendar]
    limits: dict[str, tuple[int, int]]  # severity -> (response, resolution) business hours
    gm_threshold: Decimal
    revisit_days: int
    repeat_days: int


@dataclass(slots=True)
class _Spec:
    """A complaint before it is built: enough to order all of them by time and number them."""

    created_at: datetime
    step: str
    severity: str
    customer_id: int
    branch_id: int
    overdue: bool
    response_due_at: datetime
    resolution_due_at: datetime


@dataclass
class _Rows:
    """Everything one batch of complaints writes, in insertion order."""

    complaints: list[Complaint] = field(default_factory=list)
    plans: list[ResolutionPlan] = field(default_factory=list)
    remedies: list[Remedy] = field(default_factory=list)
    decisions: list[PlanDecision] = field(default_factory=list)
    responses: list[CustomerResponse] = field(default_factory=list)
    revisits: list[Revisit] = field(default_factory=list)
    events: list[TimelineEvent] = field(default_factory=list)


def _complaints(n: int, rng: random.Random, branches, frontline_by_branch, now, progress) -> int:
    """``n`` complaints on bench customers, oldest first (so pk and number grow with time), in batches."""
    ctx = _complaint_context(branches, frontline_by_branch, now)
    specs = sorted(_complaint_specs(n, rng, ctx), key=lambda s: s.created_at)
    numbers = _complaint_numbers(specs)
    made = 0
    with _explicit_timestamps(Complaint, "updated_at"):
        for start in range(0, len(specs), BATCH):
            rows = _Rows()
            for spec, number in zip(specs[start : start + BATCH], numbers[start : start + BATCH], strict=True):
                _complaint(spec, number, rng, ctx, rows)
            Complaint.objects.bulk_create(rows.complaints, batch_size=BATCH)  # sets the pks (PostgreSQL, SQLite)
            ResolutionPlan.objects.bulk_create(rows.plans, batch_size=BATCH)
            for model, objs in (
                (Remedy, rows.remedies),
                (PlanDecision, rows.decisions),
                (CustomerResponse, rows.responses),
                (Revisit, rows.revisits),
                (TimelineEvent, rows.events),
            ):
                model.objects.bulk_create(objs, batch_size=BATCH)
            made += len(rows.complaints)
            progress(f"  complaints: {made}/{n} (+{len(rows.events)} timeline events, {len(rows.plans)} plans)")
    _link_repeats(ctx.repeat_days)
    return made


def _complaint_context(branches, frontline_by_branch, now) -> _Context:
    categories = list(Category.objects.filter(is_active=True).order_by("sort_order", "code"))
    if not categories:
        raise BenchDataError("no active complaint categories: run `manage.py migrate` first (its data migration)")
    names = {code: f"{DEPARTMENT_PREFIX}{name}" for code, name in DEPARTMENTS.items()}
    Department.objects.bulk_create([Department(name=name) for name in names.values()])
    department_pk = dict(Department.objects.filter(name__in=names.values()).values_list("name", "pk"))
    pk_of = dict(User.objects.filter(username__startswith=USER_PREFIX).values_list("username", "pk"))
    holidays = list(Holiday.objects.values_list("branch_id", "date"))
    calendars = {}
    for branch in branches:
        # The branch's working days and hours; all its holidays (calendar_for only looks a year ahead).
        calendar = sla.calendar_for(branch.pk, around=timezone.localdate(now))
        own = frozenset(day for branch_id, day in holidays if branch_id in (None, branch.pk))
        calendars[branch.pk] = dataclasses.replace(calendar, holidays=own)
    settings = ComplaintSettings.objects.filter(pk=1).first() or ComplaintSettings()
    return _Context(
        now=now,
        frontline=frontline_by_branch,
        managers={b.pk: pk_of[f"{USER_PREFIX}mgr_{n:02d}"] for n, b in enumerate(branches, start=1)},
        general_manager=pk_of[GENERAL_MANAGER_USERNAME],
        categories=categories,
        category_weights=[CATEGORY_WEIGHTS.get(c.code, 10) for c in categories],
        departments={code: department_pk[name] for code, name in names.items()},
        calendars=calendars,
        limits={severity: sla.limits_for(severity) for severity in Severity.values},
        gm_threshold=settings.gm_compensation_threshold,
        revisit_days=settings.revisit_within_days,
        repeat_days=settings.repeat_window_days,
    )


def _due(ctx: _Context, branch_id: int, severity: str, start: datetime) -> tuple[datetime, datetime]:
    """(first response due, resolution due) in business hours, as complaints.sla.due_times computes them."""
    response_hours, resolution_hours = ctx.limits[severity]
    calendar = ctx.calendars[branch_id]
    return sla.add_business_hours(start, response_hours, calendar), sla.add_business_hours(
        start, resolution_hours, calendar
    )


def _complaint_specs(n: int, rng: random.Random, ctx: _Context) -> list[_Spec]:
    customers = list(bench_customers().order_by("pk").values_list("pk", "branch_id", "created_at"))
    if not customers:
        raise BenchDataError("complaints need bench customers: pass --customers > 0")
    by_branch: dict[int, list] = {}
    for row in customers:
        by_branch.setdefault(row[1], []).append(row)
    oldest = {branch_id: min(rows, key=lambda r: r[2]) for branch_id, rows in by_branch.items()}
    steps, step_weights = zip(*STEP_WEIGHTS.items(), strict=True)
    severities, severity_weights = zip(*SEVERITY_WEIGHTS.items(), strict=True)
    now = ctx.now
    specs = []
    for _ in range(n):
        step = rng.choices(steps, step_weights)[0]
        severity = rng.choices(severities, severity_weights)[0]
        branch_id = rng.choice(customers)[1]
        overdue = step != Step.CLOSED and rng.random() < OVERDUE_SHARE
        if step == Step.CLOSED:
            created_at = now - timedelta(seconds=rng.uniform(86400, COMPLAINT_DAYS * 86400))
            response_due, resolution_due = _due(ctx, branch_id, severity, created_at)
        else:
            created_at, response_due, resolution_due = _open_times(rng, ctx, branch_id, severity, overdue)
        # A customer of that branch who already existed then.
        for _ in range(20):
            customer = rng.choice(by_branch[branch_id])
            if customer[2] <= created_at:
                break
        else:
            customer = oldest[branch_id]
            created_at = max(created_at, customer[2])
        specs.append(_Spec(created_at, step, severity, customer[0], branch_id, overdue, response_due, resolution_due))
    return specs


def _open_times(rng: random.Random, ctx: _Context, branch_id: int, severity: str, overdue: bool):
    """When an open complaint came in: recently enough to be on time, or long enough ago to be overdue."""
    now = ctx.now
    for _ in range(50):
        if overdue:
            start = now - timedelta(seconds=rng.uniform(3600, 45 * 86400))
        else:
            start = now - timedelta(seconds=rng.uniform(0, 7 * 86400))
        response_due, resolution_due = _due(ctx, branch_id, severity, start)
        if (resolution_due < now) == overdue:
            return start, response_due, resolution_due
    start = now - timedelta(days=60) if overdue else now - timedelta(minutes=5)
    return (start, *_due(ctx, branch_id, severity, start))


def _complaint_numbers(specs: list[_Spec]) -> list[str]:
    """TS-<year>-9NNNNN, per year in time order; refuses if real numbering ever reached the bench range."""
    years = [timezone.localtime(spec.created_at).year for spec in specs]
    clash = NumberSequence.objects.filter(year__in=set(years), last__gte=COMPLAINT_SERIAL_FROM)
    if clash.exists():
        raise BenchDataError(
            f"complaint numbers of {', '.join(str(s.year) for s in clash)} reached TS-<year>-{COMPLAINT_SERIAL_FROM}, "
            "the bench range: use a database of its own"
        )
    counters: dict[int, int] = {}
    numbers = []
    for year in years:
        serial = COMPLAINT_SERIAL_FROM + counters.get(year, 0)
        if serial > 999999:
            raise BenchDataError(f"more than {1000000 - COMPLAINT_SERIAL_FROM} bench complaints in {year}")
        counters[year] = counters.get(year, 0) + 1
        numbers.append(f"TS-{year}-{serial:06d}")
    return numbers


def _complaint(spec: _Spec, number: str, rng: random.Random, ctx: _Context, rows: _Rows) -> None:
    """One complaint as the services would have left it in its step, with its plan, revisit and timeline."""
    now, step, created = ctx.now, spec.step, spec.created_at
    index = STEP_ORDER.index(step)
    closed = step == Step.CLOSED
    forced = closed and rng.random() < FORCE_CLOSED_SHARE
    # When each step was entered; a closed case took 30–100 % of its resolution time, or up to 3 times it.
    if closed:
        late = rng.random() < 0.15
        took = (spec.resolution_due_at - created) * (rng.uniform(1.0, 3.0) if late else rng.uniform(0.3, 1.0))
        end = min(created + took, now - timedelta(minutes=rng.randint(1, 600)))
        moments = [*sorted(created + (end - created) * rng.random() for _ in range(index - 1)), end]
    else:
        end = now
        moments = sorted(created + (now - created) * rng.random() for _ in range(index))
    entered = {Step.LISTEN: created, **dict(zip(STEP_ORDER[1 : index + 1], moments, strict=True))}

    def during(s: str, lo: float = 0.05, hi: float = 0.95) -> datetime:
        start = entered[s]
        following = STEP_ORDER[STEP_ORDER.index(s) + 1]
        return start + (entered.get(following, end) - start) * rng.uniform(lo, hi)

    def recorded(s: str) -> bool:  # a passed step has its content; the current one half the time
        return STEP_ORDER.index(s) < index or (s == step and rng.random() < 0.5)

    branch = spec.branch_id
    responder = rng.choice(ctx.frontline[branch])
    handler = responder if rng.random() < 0.85 else rng.choice(ctx.frontline[branch])
    manager = ctx.managers[branch]
    category = rng.choices(ctx.categories, ctx.category_weights)[0]
    code = category.code if category.code in DEPARTMENTS else ""
    events: list[tuple] = []  # (at, kind, actor, note, from, to, internal)

    def event(at, kind, actor, note="", from_step="", to_step="", internal=True):
        events.append((at, kind, actor, note, from_step, to_step, internal))

    complaint = Complaint(
        number=number,
        customer_id=spec.customer_id,
        branch_id=branch,
        channel=rng.choices(list(CHANNEL_WEIGHTS), list(CHANNEL_WEIGHTS.values()))[0],
        occurred_at=created - timedelta(minutes=rng.randint(10, 4 * 24 * 60)),
        location=f"门店 {rng.randint(1, 30)} 号 Store {rng.randint(1, 30)}" if rng.random() < 0.5 else "",
        product=f"订单 {rng.randint(10000, 99999)}" if rng.random() < 0.7 else "",
        customer_words=rng.choice(WORDS.get(category.code, WORDS[""])),
        customer_request=rng.choice(REQUESTS),
        category=category,
        severity=spec.severity,
        priority=rng.choices(*PRIORITY_BY_SEVERITY[spec.severity])[0],
        step=step,
        step_entered_at=entered[step],
        first_responder_id=responder,
        handler_id=handler,
        response_due_at=spec.response_due_at,
        resolution_due_at=spec.resolution_due_at,
        escalation_level=rng.choice((1, 1, 2)) if spec.overdue else 0,
        created_at=created,
    )
    event(created, TimelineEvent.Kind.CREATED, responder, to_step=Step.LISTEN)
    if handler != responder:
        event(during(Step.LISTEN, 0.05, 0.2), TimelineEvent.Kind.ASSIGNED, manager, "Reassigned")
    # Listen: key points always recorded; a call back to the customer is the first response.
    complaint.key_points = rng.choice(KEY_POINTS)
    event(during(Step.LISTEN, 0.2, 0.5), TimelineEvent.Kind.RECORDED, handler, "key points")
    called_back = during(Step.LISTEN, 0.5, 0.95)
    if step != Step.LISTEN or rng.random() < 0.7:
        complaint.first_responded_at = called_back
        event(called_back, TimelineEvent.Kind.NOTE, handler, "已致电客户 Called the customer back", internal=False)
    else:
        event(called_back, TimelineEvent.Kind.NOTE, handler, "客户未接电话 The customer did not answer")
    if index >= 1 and recorded(Step.SHARE):
        complaint.emotional_state = rng.choice(EmotionalState.values)
        complaint.empathy_given = rng.choice(EMPATHY)
        event(during(Step.SHARE), TimelineEvent.Kind.RECORDED, handler, "emotional state, apology / empathy given")
    if index >= 2 and recorded(Step.PROBLEM):
        complaint.root_cause_group = rng.choice(RootCauseGroup.values)
        complaint.root_cause = ROOT_CAUSES[complaint.root_cause_group]
        complaint.department_id = ctx.departments[code]
        event(during(Step.PROBLEM), TimelineEvent.Kind.RECORDED, handler, "root-cause group, root cause, department")
    if index >= 3:
        for by_customer in (True, False):
            if recorded(Step.CHECK):
                at = during(Step.CHECK, 0.1, 0.5) if by_customer else during(Step.CHECK, 0.5, 0.9)
                if by_customer:
                    complaint.customer_confirmed_at = at
                    complaint.customer_confirmation = "客户确认 The customer agrees this is the problem"
                else:
                    complaint.company_confirmed_at = at
                    complaint.company_confirmation = "部门确认 The department confirms"
                event(at, TimelineEvent.Kind.NOTE, handler, "Confirmed the problem")
    close_reason = rng.choice(CLOSE_REASONS) if forced else ""
    for previous, current in zip(STEP_ORDER, STEP_ORDER[1 : index + 1], strict=False):
        if current == Step.CLOSED:
            actor = manager if forced else handler
            event(entered[current], TimelineEvent.Kind.CLOSED, actor, close_reason, previous, current)
        else:
            event(entered[current], TimelineEvent.Kind.STEP, handler, from_step=previous, to_step=current)
    if index >= STEP_ORDER.index(Step.ACTION):
        _plan(complaint, rng, ctx, rows, event, during, handler, manager)
    if index >= STEP_ORDER.index(Step.SATISFY):
        complaint.revisit_due_at = entered[Step.SATISFY] + timedelta(days=ctx.revisit_days)
    if closed:
        complaint.closed_at = end
        if forced:
            complaint.closed_without_satisfaction, complaint.close_reason = True, close_reason
        else:
            at = during(Step.SATISFY, 0.5, 0.95)
            score = rng.choices((3, 4, 5), (1, 3, 6))[0]
            rows.revisits.append(
                Revisit(
                    complaint=complaint,
                    outcome=Revisit.Outcome.RESOLVED,
                    score=score,
                    signed_off=True,
                    prevention_measure=rng.choice(PREVENTION),
                    notes="客户满意 The customer is satisfied",
                    recorded_by_id=handler,
                    recorded_at=at,
                )
            )
            event(at, TimelineEvent.Kind.REVISIT, handler, f"Resolved, {score}/5.", internal=False)
        if end < now - timedelta(days=180) and rng.random() < ARCHIVED_SHARE:
            complaint.is_archived = True
            event(end + timedelta(days=rng.uniform(1, 90)), TimelineEvent.Kind.ARCHIVED, manager)
    events.sort(key=lambda e: e[0])
    complaint.version = len(events) + 1  # every service call bumps it
    complaint.updated_at = events[-1][0]
    # 3–6 of them on the timeline: always the first and the last, a random choice in between.
    keep = rng.randint(3, 6)
    if len(events) > keep:
        middle = sorted(rng.sample(range(1, len(events) - 1), keep - 2))
        events = [events[0], *(events[i] for i in middle), events[-1]]
    rows.complaints.append(complaint)
    rows.events += [
        TimelineEvent(
            complaint=complaint,
            kind=kind,
            actor_id=actor,
            note=note,
            from_step=from_step,
            to_step=to_step,
            is_internal=internal,
            created_at=at,
        )
        for at, kind, actor, note, from_step, to_step, internal in events
    ]


def _plan(complaint: Complaint, rng: random.Random, ctx: _Context, rows: _Rows, event, during, handler, manager):
    """The current plan: agreed and carried out past Action; in Action anywhere from submitted to agreed."""
    remedies = []
    for kind in rng.sample(list(REMEDY_WEIGHTS), rng.choice((1, 1, 2))):
        paid = kind in PAID_REMEDIES
        amount = Decimal(round(rng.lognormvariate(5.5, 1.1), 2)).quantize(Decimal("0.01")) if paid else Decimal(0)
        remedies.append(Remedy(kind=kind, amount=amount, description="Bench" if rng.random() < 0.3 else ""))
    total = sum((r.amount for r in remedies), Decimal(0))
    needs_gm = complaint.severity == Severity.MAJOR or total > ctx.gm_threshold
    if complaint.step == Step.ACTION:
        # Pending-manager plans make PENDING_MANAGER_SHARE of all plans (plans: Action, Satisfy, Closed).
        with_plan = sum(STEP_WEIGHTS[s] for s in (Step.ACTION, Step.SATISFY, Step.CLOSED))
        pending = min(0.9, PENDING_MANAGER_SHARE * with_plan / STEP_WEIGHTS[Step.ACTION])
        if rng.random() < pending:
            status = PlanStatus.PENDING_MANAGER
        else:
            status = rng.choices(
                (PlanStatus.PENDING_GM, PlanStatus.APPROVED, PlanStatus.AGREED, PlanStatus.REJECTED), (15, 30, 45, 10)
            )[0]
            if status == PlanStatus.PENDING_GM and not needs_gm:
                status = PlanStatus.APPROVED
    else:
        status = PlanStatus.AGREED
    submitted = during(Step.ACTION, 0.05, 0.2)
    plan = ResolutionPlan(
        complaint=complaint,
        summary=rng.choice(PLANS),
        deadline=(timezone.localtime(submitted) + timedelta(days=rng.randint(3, 14))).date(),
        status=status,
        needs_gm=needs_gm,
        total_amount=total,
        approved_amount=total if status in (PlanStatus.APPROVED, PlanStatus.AGREED) else None,
        submitted_by_id=handler,
        submitted_at=submitted,
    )
    rows.plans.append(plan)
    for remedy in remedies:
        remedy.plan = plan
    rows.remedies += remedies
    event(submitted, TimelineEvent.Kind.PLAN, handler, f"{plan.summary} ({total})")
    if status == PlanStatus.PENDING_MANAGER:
        return
    decided = during(Step.ACTION, 0.2, 0.35)
    rejected = status == PlanStatus.REJECTED
    rows.decisions.append(
        PlanDecision(
            plan=plan,
            level=PlanDecision.Level.MANAGER,
            approved=not rejected,
            comment="补偿方案不合理,请重新提出。Propose a fairer remedy." if rejected else "",
            decided_by_id=manager,
            decided_at=decided,
        )
    )
    event(decided, TimelineEvent.Kind.DECISION, manager, "Manager rejected." if rejected else "Manager approved.")
    if rejected or status == PlanStatus.PENDING_GM:
        return
    if needs_gm:
        at = during(Step.ACTION, 0.35, 0.5)
        rows.decisions.append(
            PlanDecision(
                plan=plan,
                level=PlanDecision.Level.GENERAL_MANAGER,
                approved=True,
                decided_by_id=ctx.general_manager,
                decided_at=at,
            )
        )
        event(at, TimelineEvent.Kind.DECISION, ctx.general_manager, "General manager approved.")
    if status == PlanStatus.APPROVED:
        return
    at = during(Step.ACTION, 0.5, 0.65)
    rows.responses.append(
        CustomerResponse(plan=plan, outcome=CustomerResponse.Outcome.ACCEPTED, recorded_by_id=handler, recorded_at=at)
    )
    event(at, TimelineEvent.Kind.RESPONSE, handler, "Accepted.", internal=False)
    for remedy in remedies:
        if complaint.step != Step.ACTION or rng.random() < 0.5:
            remedy.done_at, remedy.done_by_id = during(Step.ACTION, 0.65, 0.95), handler
            event(remedy.done_at, TimelineEvent.Kind.REMEDY, handler, str(Remedy.Kind(remedy.kind).label))


def _link_repeats(window_days: int) -> None:
    """repeat_of, as complaint_create sets it: the customer's latest complaint within the repeat window."""
    earlier = Complaint.objects.filter(
        customer=OuterRef("customer"),
        created_at__lt=OuterRef("created_at"),
        created_at__gte=OuterRef("created_at") - timedelta(days=window_days),
    ).order_by("-created_at")
    # Only the repeats: updating every row would leave a dead copy of each.
    bench_complaints().filter(Exists(earlier)).update(repeat_of=Subquery(earlier.values("pk")[:1]))


# Satisfaction surveys ----------------------------------------------------------------------------------

SURVEY_MONTHS = 36  # answers over the last three years
ANSWERS_PER_CUSTOMER = 25  # the default --answers: 500,000 for 20,000 customers
SURVEY_LINK_DAYS = 14
SURVEY_LINK_SHARE = 0.55  # of the invitations: answered through the link within two weeks
SURVEY_PHONE_SHARE = 0.10  # answered on the phone after a week, recorded by a front-line user of the branch
SURVEY_BLANK_SHARE = 0.06  # of the items of a response: left blank
# dimension code (the data migration's), weight, English, Chinese, mean score, importance (1–10): response speed
# scores lowest and matters most, as on the demo.
SURVEY_ITEMS = [
    ("product_quality", 3, "Quality of the home and its fittings", "房屋及配套设施的质量", 4.05, 9),
    ("product_quality", 2, "Upkeep of the shared areas", "公共区域的清洁与维护", 3.9, 7),
    ("service_attitude", 2, "Courtesy of our staff", "工作人员的礼貌与热情", 4.2, 7),
    ("service_attitude", 1, "Staff listen and explain clearly", "工作人员耐心倾听、解释清楚", 4.0, 6),
    ("response_speed", 2, "Speed of response to a repair request", "报修后的响应速度", 3.25, 9),
    ("response_speed", 1, "Time until a problem is solved", "问题彻底解决所需的时间", 3.4, 8),
    ("professionalism", 2, "Skill of our technicians", "维修人员的专业程度", 3.95, 8),
    ("convenience", 1, "Ease of reaching us", "联系我们的便利程度", 4.1, 5),
]
SURVEY_COMMENTS = {
    "good": ["管家服务很贴心。", "Spotless common areas, thank you."],
    "fair": ["报修后要等好几天才有人上门。", "Repairs take days to get scheduled."],
    "poor": ["打了三次电话才有人来修。", "The lift was out of service for a week."],
}
SURVEY_MODELS = (
    SurveyTemplate,
    SurveyItem,
    Campaign,
    Campaign.picked_customers.through,
    Invitation,
    SurveyResponse,
    Answer,
    AnswerMonth,  # the dashboard's monthly sums, rebuilt from the above
    ResponseMonth,
)


def bench_survey_responses():
    """Responses of bench customers (link, phone and revisit) and any on a bench questionnaire."""
    return SurveyResponse.objects.filter(
        Q(customer__code__startswith=CUSTOMER_PREFIX) | Q(template__code__startswith=SURVEY_TEMPLATE_PREFIX)
    )


def _remove_surveys() -> None:
    """Bench questionnaires with their campaigns, and every invitation and response of bench customers (also
    those added through the pages, say a phone answer recorded on a bench customer), children first."""
    templates = SurveyTemplate.objects.filter(code__startswith=SURVEY_TEMPLATE_PREFIX)
    campaigns = Campaign.objects.filter(template__in=templates)
    responses = bench_survey_responses()
    Answer.objects.filter(response__in=responses).delete()
    responses.delete()
    Invitation.objects.filter(Q(campaign__in=campaigns) | Q(customer__code__startswith=CUSTOMER_PREFIX)).delete()
    campaigns.delete()
    SurveyItem.objects.filter(template__in=templates).delete()
    templates.delete()


def _survey_template(now: datetime) -> tuple[SurveyTemplate, list[SurveyItem]]:
    dimensions = dict(Dimension.objects.values_list("code", "pk"))
    missing = sorted({row[0] for row in SURVEY_ITEMS} - set(dimensions))
    if missing:
        raise BenchDataError(f"survey dimensions missing ({', '.join(missing)}): run `manage.py migrate` first")
    template = SurveyTemplate.objects.create(
        code=f"{SURVEY_TEMPLATE_PREFIX}csi",
        name_en="Bench customer satisfaction survey",
        name_zh="基准客户满意度调查",
        ask_importance=True,
        created_at=now - timedelta(days=30 * SURVEY_MONTHS + 30),
        created_by=User.objects.get(username=f"{USER_PREFIX}admin"),
    )
    SurveyItem.objects.bulk_create(
        SurveyItem(
            template=template, dimension_id=dimensions[code], text_en=en, text_zh=zh, weight=weight, sort_order=n
        )
        for n, (code, weight, en, zh, _mean, _importance) in enumerate(SURVEY_ITEMS)
    )
    return template, list(template.items.order_by("sort_order"))


def _surveys(answers: int, rng: random.Random, branches, frontline_by_branch, now, progress) -> tuple[int, int]:
    """About ``answers`` answers to one CSI questionnaire: each month of the last three years a campaign in every
    branch invites a random sample of the customers who existed then (the sample is the campaign's hand-picked
    customers); 55 % answer the link, 10 % on the phone, the rest never (expired links). Campaigns older than
    two months are closed. Returns (responses, answers)."""
    customers = list(
        bench_customers().order_by("created_at", "pk").values_list("pk", "branch_id", "created_at", "tier", "quadrant")
    )
    if answers <= 0 or not customers:
        return 0, 0
    template, items = _survey_template(now)
    answered_share = SURVEY_LINK_SHARE + SURVEY_PHONE_SHARE
    per_month = math.ceil(answers / (len(items) * (1 - SURVEY_BLANK_SHARE)) / answered_share / SURVEY_MONTHS)
    created = [row[2] for row in customers]
    general_manager = User.objects.get(username=GENERAL_MANAGER_USERNAME).pk
    branch_offset = {branch.pk: (n % 5 - 2) * 0.08 for n, branch in enumerate(branches)}
    valid = timedelta(days=SURVEY_LINK_DAYS)
    through = Campaign.picked_customers.through
    made_responses = made_answers = 0
    for months_ago in range(SURVEY_MONTHS - 1, -1, -1):
        sent = now - timedelta(days=30 * months_ago + 6)
        existing = bisect.bisect_left(created, sent)
        by_branch: dict[int, list[tuple]] = {}
        for i in sorted(rng.sample(range(existing), min(per_month, existing))):
            by_branch.setdefault(customers[i][1], []).append(customers[i])
        closed = months_ago >= 2
        campaigns = Campaign.objects.bulk_create(
            Campaign(
                name=f"{CUSTOMER_PREFIX}{timezone.localtime(sent):%Y-%m} CSI",
                template=template,
                status=Campaign.Status.CLOSED if closed else Campaign.Status.SENT,
                branch_id=branch_id,
                link_valid_days=SURVEY_LINK_DAYS,
                created_at=sent - timedelta(days=2),
                created_by_id=general_manager,
                sent_at=sent,
                closed_at=sent + valid + timedelta(hours=1) if closed else None,
            )
            for branch_id in sorted(by_branch)
        )
        through.objects.bulk_create(
            [through(campaign_id=c.pk, customer_id=row[0]) for c in campaigns for row in by_branch[c.branch_id]],
            batch_size=BATCH,
        )
        trend = 0.3 * (SURVEY_MONTHS - 1 - months_ago) / (SURVEY_MONTHS - 1) - 0.15  # slowly getting better
        invitations, responses, answer_rows = [], [], []
        for campaign in campaigns:
            for customer_id, branch_id, _created, tier, quadrant in by_branch[campaign.branch_id]:
                invitation = Invitation(
                    campaign=campaign,
                    customer_id=customer_id,
                    salt=f"{rng.getrandbits(128):032x}",
                    # A placeholder, not the hash of the link's token: bench links do not open (nobody answers them).
                    token_hash=f"{rng.getrandbits(256):064x}",
                    created_at=sent,
                    expires_at=sent + valid,
                    emailed_at=sent + timedelta(minutes=5),
                )
                invitations.append(invitation)
                draw = rng.random()
                if draw < SURVEY_LINK_SHARE:
                    at = sent + timedelta(hours=min(rng.expovariate(1 / 40), 13 * 24))
                    source, recorded_by = SurveyResponse.Source.LINK, None
                elif draw < answered_share:
                    at = sent + timedelta(days=rng.uniform(7, 13))
                    source, recorded_by = SurveyResponse.Source.PHONE, rng.choice(frontline_by_branch[branch_id])
                else:
                    if rng.random() < 0.3:
                        invitation.opened_at = min(sent + timedelta(hours=rng.uniform(1, 96)), now)
                    continue
                if at >= now:
                    continue  # this month's campaign: not answered yet
                invitation.state, invitation.answered_at = Invitation.State.ANSWERED, at
                if source == SurveyResponse.Source.LINK:
                    invitation.opened_at = at - timedelta(minutes=rng.randint(2, 30))
                response = SurveyResponse(
                    template=template,
                    campaign=campaign,
                    invitation=invitation,
                    customer_id=customer_id,
                    branch_id=branch_id,
                    tier=tier,
                    quadrant=quadrant,
                    source=source,
                    answered_at=at,
                    recorded_by_id=recorded_by,
                    language="zh-hans" if rng.random() < 0.85 else "en",
                )
                answer_rows += _survey_answers(response, items, rng, trend + branch_offset[branch_id])
                responses.append(response)
        Invitation.objects.bulk_create(invitations, batch_size=BATCH)
        SurveyResponse.objects.bulk_create(responses, batch_size=BATCH)
        Answer.objects.bulk_create(answer_rows, batch_size=BATCH)
        made_responses += len(responses)
        made_answers += len(answer_rows)
        if months_ago % 6 == 0:
            progress(f"  survey answers: {made_answers}/{answers} ({made_responses} responses)")
    return made_responses, made_answers


def _survey_answers(response, items: list[SurveyItem], rng: random.Random, offset: float) -> list[Answer]:
    """The response's answers, and its overall score, recommendation, repurchase, comment and stored CSI sums
    (Σ weight × (score − 1) × 25 and Σ weight over the answered items, as satisfaction.services writes them)."""
    mood = rng.gauss(0, 0.45) + offset
    rows = []
    for item in items:
        if rng.random() < SURVEY_BLANK_SHARE:
            continue
        _code, _weight, _en, _zh, mean, importance = SURVEY_ITEMS[item.sort_order]
        score = max(1, min(5, round(mean + mood + rng.gauss(0, 0.55))))
        importance = max(1, min(10, round(importance + rng.gauss(0, 1.1)))) if rng.random() < 0.9 else None
        rows.append(Answer(response=response, item=item, score=score, importance=importance))
    if not rows:
        rows.append(Answer(response=response, item=items[0], score=4))
    weight = sum((answer.item.weight for answer in rows), Decimal(0))
    points = sum((answer.item.weight * (answer.score - 1) * 25 for answer in rows), Decimal(0))
    response.weighted_points, response.weight_answered = points, weight
    satisfaction = float(points / weight) / 25 + 1  # the weighted mean score, 1–5
    response.overall = max(1, min(5, round(satisfaction + rng.gauss(0, 0.35)))) if rng.random() > 0.04 else None
    satisfaction = response.overall or satisfaction
    if rng.random() > 0.08:
        response.recommend = max(0, min(10, round(2.6 * satisfaction - 1.95 + rng.gauss(0, 1.3))))
    if rng.random() > 0.08:
        weights = (80, 15, 5) if satisfaction >= 3.5 else (35, 45, 20) if satisfaction >= 2.5 else (10, 30, 60)
        response.repurchase = rng.choices((Repurchase.YES, Repurchase.UNSURE, Repurchase.NO), weights)[0]
    if rng.random() < 0.15:
        tone = "good" if satisfaction >= 4 else "fair" if satisfaction >= 3 else "poor"
        response.comment = rng.choice(SURVEY_COMMENTS[tone])
    return rows


def _revisit_responses(progress) -> int:
    """Every bench revisit is also a survey answer, as revisit_record makes it: the revisit questionnaire's one
    item and the overall score, for the complaint's branch, when the revisit was recorded."""
    template = SurveyTemplate.objects.filter(code=REVISIT_TEMPLATE_CODE, is_current=True).first()
    item = template.items.order_by("sort_order", "pk").first() if template else None
    if item is None:
        return 0
    revisits = list(
        Revisit.objects.filter(complaint__in=bench_complaints(), satisfaction_response__isnull=True)
        .order_by("pk")
        .values_list(
            "pk",
            "complaint_id",
            "complaint__customer_id",
            "complaint__branch_id",
            "complaint__customer__tier",
            "complaint__customer__quadrant",
            "score",
            "recorded_at",
            "recorded_by_id",
        )
    )
    for start in range(0, len(revisits), BATCH):
        responses = [
            SurveyResponse(
                template=template,
                customer_id=customer_id,
                branch_id=branch_id,
                tier=tier,
                quadrant=quadrant,
                source=SurveyResponse.Source.REVISIT,
                complaint_id=complaint_id,
                revisit_id=revisit_id,
                overall=score,
                answered_at=recorded_at,
                recorded_by_id=recorded_by,
                weighted_points=item.weight * (score - 1) * 25,
                weight_answered=item.weight,
            )
            for revisit_id, complaint_id, customer_id, branch_id, tier, quadrant, score, recorded_at, recorded_by in (
                revisits[start : start + BATCH]
            )
        ]
        SurveyResponse.objects.bulk_create(responses)
        Answer.objects.bulk_create(Answer(response=r, item=item, score=r.overall) for r in responses)
    if revisits:
        progress(f"  revisit responses: {len(revisits)}")
    return len(revisits)


def generate_in_transaction(
    *, customers: int, complaints: int = 0, seed: int, reset: bool, answers: int | None = None, progress=print
) -> tuple[Summary, Summary]:
    """Refuse if bench rows exist (unless reset); remove and regenerate in one transaction."""
    with transaction.atomic():
        existing = bench_counts()
        if existing.any:
            if not reset:
                raise BenchDataError(f"bench data already exists ({existing}): pass --reset to replace it")
            progress("removing the old bench data ...")
            removed = remove()
        else:
            removed = Summary(0, 0, 0)
        made = generate(customers=customers, complaints=complaints, seed=seed, answers=answers, progress=progress)
    return removed, made
