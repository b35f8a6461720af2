"""The bench data itself: what bench.generate writes and removes. Import only after django.setup().

Rows are built as tuples and written past the ORM (COPY on PostgreSQL, executemany on SQLite): no model
instances, no per-row save() and no service call, so a million complaints take minutes. Bench rows carry the
prefixes of bench/__init__.py (bench complaints: a bench customer and a number in the bench range); removal
selects on them and nothing else.
"""

import bisect
import dataclasses
import functools
import io
import itertools
import json
import math
import multiprocessing
import random
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.db import DatabaseError, connection, transaction
from django.db.models import CASCADE, Exists, OuterRef, ProtectedError, Q
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
from customers.models import Customer, Purchase, Quadrant, Tag, Tier
from customers.phones import phone_e164
from reports import services as report_services
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
    COMPLAINT_SERIAL_TO,
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
_print = functools.partial(print, flush=True)  # progress shows as it happens, also in a log file

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
    transactions: int = 0

    @property
    def any(self) -> bool:
        return bool(self.branches or self.users or self.customers or self.complaints or self.survey_responses)

    def __str__(self) -> str:
        return (
            f"{self.branches} branches, {self.users} users, {self.customers} customers, {self.complaints} complaints, "
            f"{self.survey_responses} survey responses ({self.survey_answers} answers), "
            f"{self.transactions} transactions"
        )


def bench_customers():
    return Customer.objects.filter(code__startswith=CUSTOMER_PREFIX)


def bench_complaints():
    """Complaints of bench customers with a number in the bench range (TS-<year>-9NNNNNN)."""
    return Complaint.objects.filter(customer__code__startswith=CUSTOMER_PREFIX, number__regex=COMPLAINT_NUMBER_REGEX)


def bench_counts() -> Summary:
    return Summary(
        branches=Branch.objects.filter(code__startswith=BRANCH_PREFIX).count(),
        users=User.objects.filter(username__startswith=USER_PREFIX).count(),
        customers=bench_customers().count(),
        complaints=bench_complaints().count(),
        survey_responses=bench_survey_responses().count(),
        survey_answers=Answer.objects.filter(response__in=bench_survey_responses()).count(),
        transactions=Purchase.objects.filter(customer__code__startswith=CUSTOMER_PREFIX).count(),
    )


def remove() -> Summary:
    """Delete every bench row, children first, in one transaction (the caller's)."""
    removed = bench_counts()
    tags = Tag.objects.filter(name__startswith=TAG_PREFIX)
    foreign = Customer.objects.filter(tags__in=tags).exclude(code__startswith=CUSTOMER_PREFIX)
    if foreign.exists():
        raise BenchDataError("bench tags are used by customers that are not bench data; remove them by hand")
    users = User.objects.filter(username__startswith=USER_PREFIX)
    _skip_foreign_key_checks(lambda _message: None)  # _delete removes only rows nothing points at
    try:
        _remove_surveys()  # responses point at bench complaints, revisits, customers and staff
        _remove_complaints()
        _delete(Purchase.objects.filter(customer__in=bench_customers()))
        _delete(Customer.tags.through.objects.filter(customer__in=bench_customers()))
        _delete(bench_customers())
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
        _delete(model.objects.filter(plan__in=plans))
    _delete(plans)
    for model in (TimelineEvent, Revisit, Extension, Attachment):
        _delete(model.objects.filter(complaint__in=complaints))
    complaints.filter(repeat_of__isnull=False).update(repeat_of=None)  # they link to each other (PROTECT)
    _delete(complaints)


def _delete(rows) -> None:
    """``rows.delete()``, set-based where it can be: first one DELETE of the rows nothing points at (after the
    same for the rows that would cascade from them), then the ORM's delete() for what is left, with its PROTECT
    (which stops the removal) and CASCADE rules. The ORM alone loads every row it deletes: minutes and gigabytes
    for the timeline of a million complaints."""
    _delete_unreferenced(rows)
    rows.delete()


def _delete_unreferenced(rows, depth: int = 0) -> None:
    model = rows.model
    unreferenced = rows.order_by()
    relations = [
        f
        for f in model._meta.get_fields(include_hidden=True)
        if f.auto_created and not f.concrete and (f.one_to_one or f.one_to_many)
    ]
    for relation in relations:
        related = relation.related_model._base_manager
        name = relation.field.name
        if relation.on_delete is CASCADE and depth < 4:
            _delete_unreferenced(related.filter(**{f"{name}__in": rows.values("pk")}), depth + 1)
        unreferenced = unreferenced.filter(~Exists(related.filter(**{name: OuterRef("pk")})))
    unreferenced._raw_delete(unreferenced.db)


def generate(
    *,
    customers: int,
    complaints: int = 0,
    seed: int,
    answers: int | None = None,
    transactions: int | None = None,
    progress: Callable[[str], None] = _print,
) -> Summary:
    """Branches, staff (with role groups and staff profiles), tags, ``customers`` customers with ``transactions``
    transactions (default TRANSACTIONS_PER_CUSTOMER each), ``complaints`` complaints on them (with timelines,
    plans and remedies), and about ``answers`` survey answers (default ANSWERS_PER_CUSTOMER per customer;
    revisits' answers come on top)."""
    rng = random.Random(seed)
    _skip_foreign_key_checks(progress)
    groups = _role_groups()
    branches = _branches()
    frontline_by_branch = _staff(branches, groups)
    Tag.objects.bulk_create([Tag(name=f"{TAG_PREFIX}{name}") for name in TAGS])
    tags = list(Tag.objects.filter(name__startswith=TAG_PREFIX))
    now = timezone.now()
    years = _complaint_years(complaints)
    with _phase(progress, "customers") as note:
        people = _customers(customers, rng, branches, frontline_by_branch, now, years)
        links = _tag_customers(rng, tags, people)
        note(f"{len(people)} customers, {links} tag links")
    transactions = TRANSACTIONS_PER_CUSTOMER * len(people) if transactions is None else transactions
    with _phase(progress, "transactions") as note:
        # A random stream of its own, as for the surveys: the rest does not change with --transactions.
        made_transactions = _purchases(transactions, random.Random(f"purchases-{seed}"), people, now)
        note(f"{made_transactions} transactions")
    made_complaints = revisit_responses = 0
    if complaints:
        with _phase(progress, "complaints") as note:
            made_complaints, revisit_responses, counts = _complaints(
                complaints, seed, rng, branches, frontline_by_branch, people, now, years, progress
            )
            note(", ".join(f"{n} {name}" for name, n in counts.items()))
    answers = ANSWERS_PER_CUSTOMER * len(people) if answers is None else answers
    with _phase(progress, "surveys") as note:
        # A random stream of its own: the survey data does not change with --complaints.
        survey_rng = random.Random(f"surveys-{seed}")
        made_responses, made_answers = _surveys(
            answers, survey_rng, branches, frontline_by_branch, people, now, progress
        )
        note(f"{made_responses} responses, {made_answers} answers")
    with _phase(progress, "satisfaction monthly summaries"):
        # The answers were bulk-written, past _response_write: rebuild the monthly sums and the customers' last answers.
        csi_summary_rebuild()
    rebuild = getattr(report_services, "complaint_summary_rebuild", None)
    if rebuild is not None and complaints:
        with _phase(progress, "complaint monthly summaries"):
            rebuild()  # the statistics' sums, which complaint_create and the step services keep: past them too
    return Summary(
        branches=len(branches),
        users=User.objects.filter(username__startswith=USER_PREFIX).count(),
        customers=len(people),
        complaints=made_complaints,
        survey_responses=made_responses + revisit_responses,
        survey_answers=made_answers + revisit_responses,
        transactions=made_transactions,
    )


@contextmanager
def _phase(progress: Callable[[str], None], name: str) -> Iterator[Callable[[str], None]]:
    """Print how long a phase of the generator took (and what it made)."""
    made: list[str] = []
    started = time.perf_counter()
    yield made.append
    detail = f" ({made[-1]})" if made else ""
    progress(f"{name}: {time.perf_counter() - started:.1f} s{detail}")


def _skip_foreign_key_checks(progress: Callable[[str], None]) -> None:
    """On PostgreSQL, no foreign-key checks while the rows go in (they are consistent by construction).

    Django's foreign keys are deferred, so the millions of rows would otherwise each queue a check that runs,
    row by row with a row lock on the parent, at commit: minutes at a million complaints. ``session_replication_role
    = replica`` (a superuser's setting; LOCAL: until this transaction ends) turns them off. Without the right the
    checks run as usual, only slower."""
    if connection.vendor != "postgresql":
        return
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET LOCAL session_replication_role = replica")
    except DatabaseError:
        progress("  (not a superuser: foreign keys are checked at commit, which takes longer)")


def analyze(*, compact: bool = True) -> None:
    """VACUUM and ANALYZE the tables bench data lives in (PostgreSQL; outside a transaction).

    Fresh planner statistics, as on tables that have been live for a while, and a visibility map, so that
    index-only scans need not visit the table. ``compact``: VACUUM FULL first, after a removal, so the numbers do
    not depend on how many times --reset ran before (each leaves the old rows' space behind: the complaints table
    grew sevenfold over three resets). Freshly filled tables have no dead rows: a plain VACUUM does."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for model in (
            Branch,
            Department,
            User,
            StaffProfile,
            Tag,
            Customer,
            Customer.tags.through,
            Purchase,
            Complaint,
            TimelineEvent,
            ResolutionPlan,
            Remedy,
            PlanDecision,
            CustomerResponse,
            Revisit,
            *SURVEY_MODELS,
            *_report_summary_models(),
        ):
            table = connection.ops.quote_name(model._meta.db_table)
            if compact:
                cursor.execute(f"VACUUM FULL {table}")
            cursor.execute(f"VACUUM (ANALYZE) {table}")


def _report_summary_models() -> list:
    """The statistics' monthly sums of complaints, where this version of reports has them."""
    models = []
    for name in ("ComplaintMonth", "ComplaintStepTime"):
        with suppress(LookupError):
            models.append(apps.get_model("reports", name))
    return models


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


# Writing rows -------------------------------------------------------------------------------------------

_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _cell(value) -> str:
    """One value in COPY's text format."""
    if value is None:
        return "\\N"
    if value is True:
        return "t"
    if value is False:
        return "f"
    if isinstance(value, str):
        return value.translate(_COPY_ESCAPES)
    if isinstance(value, dict | list):
        return json.dumps(value).translate(_COPY_ESCAPES)
    return str(value)  # numbers, Decimal, date, aware datetime (ISO with offset)


class _Table:
    """Rows of one model as tuples in ``columns`` order (attnames), written past the ORM: COPY on PostgreSQL,
    executemany elsewhere. Every other column gets what the ORM would write: its default, or now for auto_now
    fields (so a column added to the model later needs no change here). No "id" in ``columns``: the database
    numbers the rows in the order they go in."""

    def __init__(self, model, columns: list[str], now: datetime):
        fields = {f.attname: f for f in model._meta.concrete_fields}
        self.name = model._meta.db_table
        self.fields = [fields[name] for name in columns]
        rest = [f for f in model._meta.concrete_fields if f.attname not in columns and not f.primary_key]
        self.fields += rest
        values = [
            now if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False) else f.get_default() for f in rest
        ]
        for f, value in zip(rest, values, strict=True):
            if value is None and not f.null:
                raise BenchDataError(f"{self.name}.{f.column} has no default: bench/data.py must write it")
        self.rest = tuple(values)
        self.copy_tail = "".join("\t" + _cell(v) for v in values) + "\n"
        self._line: Callable[[tuple], str] | None = None
        quote = connection.ops.quote_name
        self.column_list = ", ".join(quote(f.column) for f in self.fields)

    def encode(self, rows: list[tuple]) -> str:
        """The rows in COPY's text format (can run in a worker process)."""
        if self._line is None:
            self._line = self._line_function()
        return "".join(map(self._line, rows))

    def _line_function(self) -> Callable[[tuple], str]:
        """One row as a line of COPY text: an f-string made for the columns, several times faster than a call per
        value (a million complaints have 40 million values)."""
        parts = []
        for i, f in enumerate(self.fields[: len(self.fields) - len(self.rest)]):
            kind = f.get_internal_type()
            if kind == "BooleanField":
                expr = f'("t" if r[{i}] else "f")'
            elif kind in ("CharField", "TextField", "EmailField", "SlugField"):
                expr = (
                    f"(r[{i}].translate(E) if B in r[{i}] or TAB in r[{i}] or LF in r[{i}] or CR in r[{i}] else r[{i}])"
                )
            else:
                expr = f"r[{i}]"  # numbers, Decimal, date, aware datetime (ISO with offset)
            if f.null:
                expr = f"(N if r[{i}] is None else {expr})"
            parts.append("{" + expr + "}")
        source = "lambda r: f'" + "\\t".join(parts) + "'" + " + T"
        names = {"E": _COPY_ESCAPES, "N": "\\N", "T": self.copy_tail, "B": "\\", "TAB": "\t", "LF": "\n", "CR": "\r"}
        return eval(source, names)  # noqa: S307  (the source is made above, from the model's fields)

    def write(self, rows: list[tuple] | str) -> int:
        """Insert ``rows`` (tuples, or already encoded for COPY); returns how many."""
        if not rows:
            return 0
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                text = rows if isinstance(rows, str) else self.encode(rows)
                cursor.copy_expert(
                    f"COPY {connection.ops.quote_name(self.name)} ({self.column_list}) FROM STDIN", io.StringIO(text)
                )
                return cursor.rowcount
            preps = [f.get_db_prep_save for f in self.fields]
            marks = ", ".join(["%s"] * len(self.fields))
            sql = f"INSERT INTO {connection.ops.quote_name(self.name)} ({self.column_list}) VALUES ({marks})"  # noqa: S608
            for start in range(0, len(rows), BATCH):
                cursor.executemany(
                    sql,
                    [
                        [prep(v, connection) for prep, v in zip(preps, row + self.rest, strict=True)]
                        for row in rows[start : start + BATCH]
                    ],
                )
            return len(rows)


def _reserve_ids(model, count: int) -> int:
    """The first of ``count`` consecutive primary keys nobody else will be given (rows may leave gaps)."""
    table = model._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [table])
            sequence = cursor.fetchone()[0]
            cursor.execute("SELECT nextval(%s)", [sequence])
            first = cursor.fetchone()[0]
            if count > 1:
                cursor.execute("SELECT setval(%s, %s)", [sequence, first + count - 1])
            return first
        cursor.execute(f"SELECT COALESCE(MAX(id), 0) + 1 FROM {connection.ops.quote_name(table)}")  # noqa: S608
        return cursor.fetchone()[0]


# Customers and their transactions -------------------------------------------------------------------------

TRANSACTIONS_PER_CUSTOMER = 10  # the default --transactions
TRANSACTION_DAYS = 730  # over the last two years (the classification window and the one before)


@dataclass(slots=True)
class _Person:
    """What later phases need of a bench customer."""

    pk: int
    branch_id: int
    created_at: datetime
    tier: str
    quadrant: str


CUSTOMER_COLUMNS = [
    "id",
    "code",
    "name",
    "kind",
    "company_name",
    "phone",
    "phone_e164",
    "email",
    "address",
    "branch_id",
    "account_manager_id",
    "status",
    "churn_reason",
    "churned_on",
    "at_risk_reason",
    "source",
    "current_value",
    "potential_score",
    "window_sales",
    "window_purchases",
    "last_purchase_on",
    "quadrant",
    "tier",
    "classified_at",
    "created_at",
    "updated_at",
]


def _customers(n: int, rng: random.Random, branches, frontline_by_branch, now, complaint_years: float) -> list[_Person]:
    """``n`` customers, created over the last five years, or a year longer than the complaints go back."""
    first = _reserve_ids(Customer, n)
    days = max(5 * 365, round((complaint_years + 1) * 365))
    rows, people = [], []
    for i in range(n):
        row = _customer(i, first + i, rng, branches, frontline_by_branch, now, days)
        rows.append(row)
        people.append(_Person(first + i, row[9], row[24], row[22], row[21]))
    _Table(Customer, CUSTOMER_COLUMNS, now).write(rows)
    return people


def _customer(i: int, pk: int, rng: random.Random, branches, frontline_by_branch, now, days: int) -> tuple:
    branch = branches[i % len(branches)]
    city = branch.address[:2]
    is_company = rng.random() < 0.2
    person = rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))
    company = f"{city}{rng.choice(GIVEN)}{rng.choice(GIVEN)}{rng.choice(TRADES)}有限公司"
    created_at = now - timedelta(days=rng.randint(0, days), seconds=rng.randint(0, 86399))
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
    status, churn_reason, churned_on, at_risk_reason = Customer.Status.ACTIVE, "", None, ""
    status_roll = rng.random()
    if status_roll < 0.05:
        status, churn_reason = Customer.Status.CHURNED, "Moved to a competitor"
        churned_on = (created_at + timedelta(days=rng.randint(30, 400))).date()
    elif status_roll < 0.15:
        status, at_risk_reason = Customer.Status.AT_RISK, Customer.AtRiskReason.NO_PURCHASE
    phone = f"139{i + 1:08d}"
    return (
        pk,
        f"{CUSTOMER_PREFIX}{i + 1:07d}",
        company if is_company else person,
        Customer.Kind.COMPANY if is_company else Customer.Kind.INDIVIDUAL,
        company if is_company or rng.random() < 0.3 else "",
        phone,
        phone_e164(phone),
        f"c{i + 1:07d}@bench.example.com",
        f"{city}市 基准路 {rng.randint(1, 999)} 号",
        branch.pk,
        rng.choice(frontline_by_branch[branch.pk]),
        status,
        churn_reason,
        churned_on,
        at_risk_reason,
        rng.choice(["walk-in", "referral", "online", "event"]),
        value,
        potential,
        value,
        rng.randint(0, 40),
        (now - timedelta(days=rng.randint(0, 720))).date(),
        quadrant,
        tier,
        now,
        created_at,
        now,
    )


def _tag_customers(rng: random.Random, tags: list[Tag], people: list[_Person]) -> int:
    """About a third of the customers get one or two tags (straight into the through table)."""
    links = []
    for person in people:
        if rng.random() < 0.33:
            links += [(person.pk, tag.pk) for tag in rng.sample(tags, rng.choice((1, 2)))]
    return _Table(Customer.tags.through, ["customer_id", "tag_id"], timezone.now()).write(links)


def _purchases(n: int, rng: random.Random, people: list[_Person], now: datetime) -> int:
    """``n`` transactions (customers.Purchase, what the classification reads) over the last two years, none
    before the customer existed, skewed as in bench.classify: a power law over customers (a few buy a lot) and
    over amounts (a few orders are big)."""
    if not n or not people:
        return 0
    today = timezone.localdate(now)
    if connection.vendor == "postgresql":
        return _purchases_set_based(n, rng, people, now, today)
    table = _Table(Purchase, ["customer_id", "date", "amount", "margin", "product", "created_at"], now)
    count = len(people)
    made = 0
    for start in range(0, n, 20 * BATCH):
        rows = []
        for g in range(start, min(start + 20 * BATCH, n)):
            person = people[int(count * rng.random() ** 2.5)]
            age = (today - timezone.localdate(person.created_at)).days
            day = today - timedelta(days=int(rng.random() * min(TRANSACTION_DAYS, age + 1)))
            amount = round(20 + 4980 * rng.random() ** 4, 2)
            margin = round(amount * (0.1 + 0.3 * rng.random()), 2)
            rows.append((person.pk, day, f"{amount:.2f}", f"{margin:.2f}", f"P-{g % 50}", now))
        made += table.write(rows)
    return made


def _purchases_set_based(n: int, rng: random.Random, people: list[_Person], now: datetime, today) -> int:
    """The same on PostgreSQL in one INSERT … SELECT generate_series (seconds for millions, where building the
    rows here takes a minute): the same distributions, drawn by random() after setseed(), so the same seed gives
    the same transactions. The customers' pks are consecutive (_customers reserved them)."""
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute("SELECT setseed(%s)", [rng.uniform(-1, 1)])
        # Not in parallel (an INSERT's SELECT never is): random() is drawn row after row, in the series' order.
        cursor.execute(
            f"""
            INSERT INTO {quote(Purchase._meta.db_table)}
                (customer_id, date, amount, margin, product, reference, import_batch_id, created_at)
            SELECT c.id,
                   %(today)s::date - floor(t.day * LEAST(%(days)s, %(today)s::date
                       - (c.created_at AT TIME ZONE %(zone)s)::date + 1))::int,
                   t.amount, round(t.amount * (0.1 + 0.3 * t.margin)::numeric, 2), 'P-' || (t.g %% 50), '', NULL,
                   %(now)s
            FROM (
                SELECT g, floor(%(count)s * power(random(), 2.5))::int AS k, random() AS day,
                       round((20 + 4980 * power(random(), 4))::numeric, 2) AS amount, random() AS margin
                FROM generate_series(0, %(n)s - 1) AS g
            ) AS t
            JOIN {quote(Customer._meta.db_table)} AS c ON c.id = %(first)s + t.k
            """,  # noqa: S608  (table names from the models)
            {
                "today": today,
                "days": TRANSACTION_DAYS,
                "zone": timezone.get_current_timezone_name(),
                "now": now,
                "count": len(people),
                "n": n,
                "first": people[0].pk,
            },
        )
        return cursor.rowcount


# Complaints ---------------------------------------------------------------------------------------------

STEP_ORDER = [*SIX_STEPS, Step.CLOSED]
# Where the open complaints stand (Action the busiest); how many are open: _open_count.
STEP_WEIGHTS = {
    Step.LISTEN: 7,
    Step.SHARE: 6,
    Step.PROBLEM: 7,
    Step.CHECK: 6,
    Step.ACTION: 9,
    Step.SATISFY: 5,
    Step.CLOSED: 60,
}
OPEN_STEP_WEIGHTS = {step: weight for step, weight in STEP_WEIGHTS.items() if step != Step.CLOSED}
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
OVERDUE_SHARE = 0.10  # of the open complaints: resolution due time in the past
FORCE_CLOSED_SHARE = 0.10  # of the closed ones: closed by a manager without the customer's satisfaction
PENDING_MANAGER_PER_BRANCH = 185  # plans waiting for the manager (from 50,000 complaints on), all in Action
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
REMEDY_KINDS = list(REMEDY_WEIGHTS)
CHANNELS, CHANNEL_CUMULATIVE = list(CHANNEL_WEIGHTS), list(itertools.accumulate(CHANNEL_WEIGHTS.values()))
PRIORITY_CUMULATIVE = {s: (p, list(itertools.accumulate(w))) for s, (p, w) in PRIORITY_BY_SEVERITY.items()}
PAID_REMEDIES = {Remedy.Kind.REFUND, Remedy.Kind.DISCOUNT, Remedy.Kind.COMPENSATION}
PREVENTION = ["增加周末维修排班 More weekend shifts", "加强员工培训 Staff training", "发货前检查 Check before dispatch"]
CLOSE_REASONS = ["客户失联 The customer cannot be reached", "要求超出合理补偿 Demands beyond any reasonable remedy"]


@dataclass
class _Context:
    """What every complaint draws on, read once (and inherited by the worker processes)."""

    now: datetime
    frontline: dict[int, list[int]]  # branch pk -> front-line user pks
    managers: dict[int, int]  # branch pk -> manager pk
    general_manager: int
    categories: list[tuple[int, str]]  # (pk, code)
    category_weights: list[int]  # cumulative
    departments: dict[str, int]  # category code ("" = default) -> department pk
    calendars: dict[int, sla.Calendar]
    limits: dict[str, tuple[int, int]]  # severity -> (response, resolution) business hours
    gm_threshold: Decimal
    revisit_days: int
    repeat_days: int
    pending_manager: float  # of the plans of complaints in Action: waiting for the manager
    remedy_labels: dict[str, str]
    revisit_item: tuple[int, int, Decimal] | None  # the revisit questionnaire's (template pk, item pk, weight)
    tables: dict[str, _Table] = field(default_factory=dict)


@dataclass(slots=True)
class _Spec:
    """A complaint before it is built: enough to order all of them by time, number them and link repeats."""

    created_at: datetime
    step: str
    severity: str
    person: _Person
    overdue: bool
    response_due_at: datetime | None = None  # open ones: drawn with the time; closed ones: in the worker
    resolution_due_at: datetime | None = None
    number: str = ""
    repeat_of: int | None = None  # pk
    has_repeats: bool = False
    stream: int = 0  # its random stream: the order it was drawn in (the order by time moves with the hour)


COMPLAINT_COLUMNS = [
    "id",
    "number",
    "customer_id",
    "branch_id",
    "channel",
    "occurred_at",
    "location",
    "product",
    "customer_words",
    "customer_request",
    "category_id",
    "severity",
    "priority",
    "step",
    "step_entered_at",
    "first_responder_id",
    "handler_id",
    "department_id",
    "repeat_of_id",
    "has_repeats",
    "key_points",
    "emotional_state",
    "empathy_given",
    "root_cause_group",
    "root_cause",
    "customer_confirmed_at",
    "customer_confirmation",
    "company_confirmed_at",
    "company_confirmation",
    "response_due_at",
    "resolution_due_at",
    "first_responded_at",
    "escalation_level",
    "revisit_due_at",
    "closed_at",
    "closed_without_satisfaction",
    "close_reason",
    "is_archived",
    "version",
    "created_at",
    "updated_at",
]
# (key, model, columns), in the order a chunk writes them.
CHUNK_TABLES = [
    ("complaints", Complaint, COMPLAINT_COLUMNS),
    (
        "plans",
        ResolutionPlan,
        [
            "id",
            "complaint_id",
            "summary",
            "deadline",
            "status",
            "needs_gm",
            "total_amount",
            "approved_amount",
            "submitted_by_id",
            "submitted_at",
        ],
    ),
    ("remedies", Remedy, ["plan_id", "kind", "description", "amount", "done_at", "done_by_id"]),
    ("decisions", PlanDecision, ["plan_id", "level", "approved", "comment", "decided_by_id", "decided_at"]),
    ("customer answers", CustomerResponse, ["plan_id", "outcome", "recorded_by_id", "recorded_at"]),
    (
        "revisits",
        Revisit,
        [
            "id",
            "complaint_id",
            "outcome",
            "score",
            "signed_off",
            "prevention_measure",
            "notes",
            "recorded_by_id",
            "recorded_at",
        ],
    ),
    (
        "timeline events",
        TimelineEvent,
        ["complaint_id", "kind", "actor_id", "note", "from_step", "to_step", "is_internal", "created_at"],
    ),
    (
        "revisit responses",
        SurveyResponse,
        [
            "id",
            "template_id",
            "customer_id",
            "branch_id",
            "tier",
            "quadrant",
            "source",
            "complaint_id",
            "revisit_id",
            "overall",
            "answered_at",
            "recorded_by_id",
            "weighted_points",
            "weight_answered",
        ],
    ),
    ("revisit answers", Answer, ["response_id", "item_id", "score"]),
]
CHUNK = 20000  # complaints a worker builds at a time
_CTX: _Context | None = None  # the worker processes' context (fork: inherited, never pickled)


def _complaint_years(n: int) -> float:
    """How many years the closed complaints go back: two for the default 50,000, up to eight (a chain with a
    million complaints has most of them closed over years, not in the last two)."""
    return min(8.0, max(2.0, n / 125_000))


def _open_count(n: int) -> int:
    """Complaints still open: 40 % of the first 50,000 (the default's queue of about 20,000), 2 % of the rest, so
    a million complaints have an open queue of a few per cent, not 400,000."""
    return round(0.4 * min(n, 50_000) + 0.02 * max(0, n - 50_000))


def _complaints(n: int, seed: int, rng: random.Random, branches, frontline_by_branch, people, now, years, progress):
    """``n`` complaints on bench customers, oldest first (so pk and number grow with time), built in chunks by
    worker processes on PostgreSQL (the rows go in while the next chunk is built) and in this process on SQLite.
    Each complaint has a random stream of its own (the seed and the order it was drawn in), so the data does not
    depend on the workers.
    Returns (complaints, revisit responses, rows per table)."""
    global _CTX
    ctx = _complaint_context(branches, frontline_by_branch, now, n)
    specs = _complaint_specs(n, rng, ctx, people, years)
    _number_and_link(specs, ctx)
    ids = {
        key: _reserve_ids(model, n)
        for key, model in (
            ("complaints", Complaint),
            ("plans", ResolutionPlan),
            ("revisits", Revisit),
            ("responses", SurveyResponse),
        )
    }
    ctx.tables = {key: _Table(model, columns, now) for key, model, columns in CHUNK_TABLES}
    counts = dict.fromkeys(ctx.tables, 0)
    streams = random.Random(f"complaints-{seed}").getrandbits(64) << 32
    jobs = [(start, specs[start : start + CHUNK], ids, streams) for start in range(0, n, CHUNK)]
    _CTX = ctx
    sys.stdout.flush()  # or the workers inherit what is buffered, and may print it again
    try:
        if connection.vendor == "postgresql" and len(jobs) > 1:
            with multiprocessing.get_context("fork").Pool(WORKERS) as pool:
                _write_chunks(pool.imap(_encoded_chunk, jobs), ctx, counts, n, progress)
        else:
            _write_chunks(map(_complaint_chunk, jobs), ctx, counts, n, progress)
    finally:
        _CTX = None
    return counts["complaints"], counts["revisit responses"], counts


WORKERS = 2


def _write_chunks(chunks, ctx: _Context, counts: dict[str, int], n: int, progress) -> None:
    started = time.perf_counter()
    for chunk in chunks:
        for key, rows in chunk.items():
            counts[key] += ctx.tables[key].write(rows)
        progress(f"  complaints: {counts['complaints']}/{n} ({time.perf_counter() - started:.0f} s)")


def _encoded_chunk(job) -> dict[str, str]:
    """A chunk of complaints in COPY's text format (a worker process's job)."""
    return {key: _CTX.tables[key].encode(rows) for key, rows in _complaint_chunk(job).items()}


def _complaint_context(branches, frontline_by_branch, now, n: int) -> _Context:
    categories = list(Category.objects.filter(is_active=True).order_by("sort_order", "code").values_list("pk", "code"))
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
    # About 185 plans in each branch's approval queue (5 % of the plans of the default 50,000), fewer for fewer
    # complaints; all on complaints in Action.
    action = max(1.0, _open_count(n) * STEP_WEIGHTS[Step.ACTION] / sum(OPEN_STEP_WEIGHTS.values()))
    waiting = PENDING_MANAGER_PER_BRANCH * len(branches) * min(1.0, n / 50_000)
    template = SurveyTemplate.objects.filter(code=REVISIT_TEMPLATE_CODE, is_current=True).first()
    item = template.items.order_by("sort_order", "pk").first() if template else None
    return _Context(
        now=now,
        frontline=frontline_by_branch,
        managers={b.pk: pk_of[f"{USER_PREFIX}mgr_{n:02d}"] for n, b in enumerate(branches, start=1)},
        general_manager=pk_of[GENERAL_MANAGER_USERNAME],
        categories=categories,
        category_weights=list(itertools.accumulate(CATEGORY_WEIGHTS.get(code, 10) for _pk, code in categories)),
        departments={code: department_pk[name] for code, name in names.items()},
        calendars=calendars,
        limits={severity: sla.limits_for(severity) for severity in Severity.values},
        gm_threshold=settings.gm_compensation_threshold,
        revisit_days=settings.revisit_within_days,
        repeat_days=settings.repeat_window_days,
        pending_manager=min(0.9, waiting / action),
        remedy_labels={kind: str(label) for kind, label in Remedy.Kind.choices},
        revisit_item=(template.pk, item.pk, item.weight) if item else None,
    )


def _due(ctx: _Context, branch_id: int, severity: str, start: datetime) -> tuple[datetime, datetime]:
    """(first response due, resolution due) in business hours, as complaints.sla.due_times computes them."""
    response_hours, resolution_hours = ctx.limits[severity]
    calendar = ctx.calendars[branch_id]
    return sla.add_business_hours(start, response_hours, calendar), sla.add_business_hours(
        start, resolution_hours, calendar
    )


def _complaint_specs(n: int, rng: random.Random, ctx: _Context, people: list[_Person], years: float) -> list[_Spec]:
    """Step, severity, time and customer of every complaint, oldest first: each on a customer of the branch who
    existed then (customers who have been there longer have had more time to complain)."""
    if not people:
        raise BenchDataError("complaints need bench customers: pass --customers > 0")
    by_branch: dict[int, list[_Person]] = {}
    for person in sorted(people, key=lambda p: (p.created_at, p.pk)):
        by_branch.setdefault(person.branch_id, []).append(person)
    since = {branch_id: [p.created_at for p in rows] for branch_id, rows in by_branch.items()}
    open_steps, open_weights = zip(*OPEN_STEP_WEIGHTS.items(), strict=True)
    severities, severity_weights = zip(*SEVERITY_WEIGHTS.items(), strict=True)
    open_share = _open_count(n) / n
    span = years * 365 * 86400
    now = ctx.now
    specs = []
    for _ in range(n):
        closed = rng.random() >= open_share
        step = Step.CLOSED if closed else rng.choices(open_steps, open_weights)[0]
        severity = rng.choices(severities, severity_weights)[0]
        branch_id = rng.choice(people).branch_id
        overdue = not closed and rng.random() < OVERDUE_SHARE
        due = (None, None)
        if closed:
            created_at = now - timedelta(seconds=rng.uniform(86400, span))
        else:
            # Its own stream: how many tries the time takes depends on the hour the generator runs.
            created_at, *due = _open_times(random.Random(rng.getrandbits(64)), ctx, branch_id, severity, overdue)
        existing = bisect.bisect_right(since[branch_id], created_at)
        person = by_branch[branch_id][rng.randrange(existing) if existing else 0]
        if person.created_at > created_at:  # nobody in the branch yet: its first customer, as soon as they came
            created_at = person.created_at + timedelta(hours=1)
            if not closed:
                due = _due(ctx, branch_id, severity, created_at)
        specs.append(_Spec(created_at, step, severity, person, overdue, *due, stream=len(specs)))
    specs.sort(key=lambda s: s.created_at)
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


def _number_and_link(specs: list[_Spec], ctx: _Context) -> None:
    """Numbers TS-<year>-9NNNNNN per year in time order (refusing if real numbering ever reached the bench
    range), and repeat_of as complaint_create sets it: the customer's latest complaint within the repeat window
    (the pks are not known yet: the position, made a pk in the worker); has_repeats on the complaints repeated."""
    years = {timezone.localtime(spec.created_at).year for spec in specs}
    clash = NumberSequence.objects.filter(year__in=years, last__gte=COMPLAINT_SERIAL_FROM)
    if clash.exists():
        raise BenchDataError(
            f"complaint numbers of {', '.join(str(s.year) for s in clash)} reached TS-<year>-{COMPLAINT_SERIAL_FROM}, "
            "the bench range: use a database of its own"
        )
    counters: dict[int, int] = {}
    latest: dict[int, int] = {}  # customer pk -> position of their latest complaint so far
    window = timedelta(days=ctx.repeat_days)
    for i, spec in enumerate(specs):
        year = timezone.localtime(spec.created_at).year
        serial = COMPLAINT_SERIAL_FROM + counters.get(year, 0)
        if serial > COMPLAINT_SERIAL_TO:
            raise BenchDataError(
                f"more than {COMPLAINT_SERIAL_TO - COMPLAINT_SERIAL_FROM + 1} bench complaints in {year}"
            )
        counters[year] = counters.get(year, 0) + 1
        spec.number = f"TS-{year}-{serial}"
        previous = latest.get(spec.person.pk)
        if previous is not None and timedelta(0) < spec.created_at - specs[previous].created_at <= window:
            spec.repeat_of = previous
            specs[previous].has_repeats = True
        latest[spec.person.pk] = i


def _complaint_chunk(job) -> dict[str, list[tuple]]:
    """The rows of one chunk of complaints, per table of CHUNK_TABLES."""
    start, specs, ids, seed = job
    rows: dict[str, list[tuple]] = {key: [] for key, _model, _columns in CHUNK_TABLES}
    for offset, spec in enumerate(specs):
        # A random stream per complaint: what one draws (which depends on the time of day the generator runs, say
        # whether it was closed more than half a year ago) does not change the others.
        _complaint(start + offset, spec, ids, random.Random(seed + spec.stream), _CTX, rows)
    return rows


def _complaint(i: int, spec: _Spec, ids: dict[str, int], rng: random.Random, ctx: _Context, rows) -> None:
    """One complaint as the services would have left it in its step, with its plan, revisit and timeline."""
    now, step, created = ctx.now, spec.step, spec.created_at
    branch = spec.person.branch_id
    pk = ids["complaints"] + i
    if spec.resolution_due_at is None:
        spec.response_due_at, spec.resolution_due_at = _due(ctx, branch, spec.severity, created)
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

    responder = rng.choice(ctx.frontline[branch])
    handler = responder if rng.random() < 0.85 else rng.choice(ctx.frontline[branch])
    manager = ctx.managers[branch]
    category, category_code = rng.choices(ctx.categories, cum_weights=ctx.category_weights)[0]
    code = category_code if category_code in DEPARTMENTS else ""
    events: list[tuple] = []  # (at, kind, actor, note, from, to, internal)

    def event(at, kind, actor, note="", from_step="", to_step="", internal=True):
        events.append((at, kind, actor, note, from_step, to_step, internal))

    c = dict.fromkeys(COMPLAINT_COLUMNS, "")
    c.update(
        id=pk,
        number=spec.number,
        customer_id=spec.person.pk,
        branch_id=branch,
        channel=rng.choices(CHANNELS, cum_weights=CHANNEL_CUMULATIVE)[0],
        occurred_at=created - timedelta(minutes=rng.randint(10, 4 * 24 * 60)),
        location=f"门店 {rng.randint(1, 30)} 号 Store {rng.randint(1, 30)}" if rng.random() < 0.5 else "",
        product=f"订单 {rng.randint(10000, 99999)}" if rng.random() < 0.7 else "",
        customer_words=rng.choice(WORDS.get(category_code, WORDS[""])),
        customer_request=rng.choice(REQUESTS),
        category_id=category,
        severity=spec.severity,
        priority=rng.choices(PRIORITY_CUMULATIVE[spec.severity][0], cum_weights=PRIORITY_CUMULATIVE[spec.severity][1])[
            0
        ],
        step=step,
        step_entered_at=entered[step],
        first_responder_id=responder,
        handler_id=handler,
        department_id=None,
        repeat_of_id=None if spec.repeat_of is None else ids["complaints"] + spec.repeat_of,
        has_repeats=spec.has_repeats,
        customer_confirmed_at=None,
        company_confirmed_at=None,
        response_due_at=spec.response_due_at,
        resolution_due_at=spec.resolution_due_at,
        first_responded_at=None,
        escalation_level=rng.choice((1, 1, 2)) if spec.overdue else 0,
        revisit_due_at=None,
        closed_at=None,
        closed_without_satisfaction=False,
        is_archived=False,
        created_at=created,
    )
    event(created, TimelineEvent.Kind.CREATED, responder, to_step=Step.LISTEN)
    if handler != responder:
        event(during(Step.LISTEN, 0.05, 0.2), TimelineEvent.Kind.ASSIGNED, manager, "Reassigned")
    # Listen: key points always recorded; a call back to the customer is the first response.
    c["key_points"] = rng.choice(KEY_POINTS)
    event(during(Step.LISTEN, 0.2, 0.5), TimelineEvent.Kind.RECORDED, handler, "key points")
    called_back = during(Step.LISTEN, 0.5, 0.95)
    if step != Step.LISTEN or rng.random() < 0.7:
        c["first_responded_at"] = called_back
        event(called_back, TimelineEvent.Kind.NOTE, handler, "已致电客户 Called the customer back", internal=False)
    else:
        event(called_back, TimelineEvent.Kind.NOTE, handler, "客户未接电话 The customer did not answer")
    if index >= 1 and recorded(Step.SHARE):
        c["emotional_state"] = rng.choice(EmotionalState.values)
        c["empathy_given"] = rng.choice(EMPATHY)
        event(during(Step.SHARE), TimelineEvent.Kind.RECORDED, handler, "emotional state, apology / empathy given")
    if index >= 2 and recorded(Step.PROBLEM):
        c["root_cause_group"] = group = rng.choice(RootCauseGroup.values)
        c["root_cause"] = ROOT_CAUSES[group]
        c["department_id"] = ctx.departments[code]
        event(during(Step.PROBLEM), TimelineEvent.Kind.RECORDED, handler, "root-cause group, root cause, department")
    if index >= 3:
        for by_customer in (True, False):
            if recorded(Step.CHECK):
                at = during(Step.CHECK, 0.1, 0.5) if by_customer else during(Step.CHECK, 0.5, 0.9)
                if by_customer:
                    c["customer_confirmed_at"] = at
                    c["customer_confirmation"] = "客户确认 The customer agrees this is the problem"
                else:
                    c["company_confirmed_at"] = at
                    c["company_confirmation"] = "部门确认 The department confirms"
                event(at, TimelineEvent.Kind.NOTE, handler, "Confirmed the problem")
    close_reason = rng.choice(CLOSE_REASONS) if forced else ""
    for previous, current in zip(STEP_ORDER, STEP_ORDER[1 : index + 1], strict=False):
        if current == Step.CLOSED:
            actor = manager if forced else handler
            event(entered[current], TimelineEvent.Kind.CLOSED, actor, close_reason, previous, current)
        else:
            event(entered[current], TimelineEvent.Kind.STEP, handler, from_step=previous, to_step=current)
    if index >= STEP_ORDER.index(Step.ACTION):
        _plan(ids["plans"] + i, c, rng, ctx, rows, event, during, handler, manager)
    if index >= STEP_ORDER.index(Step.SATISFY):
        c["revisit_due_at"] = entered[Step.SATISFY] + timedelta(days=ctx.revisit_days)
    if closed:
        c["closed_at"] = end
        if forced:
            c["closed_without_satisfaction"], c["close_reason"] = True, close_reason
        else:
            at = during(Step.SATISFY, 0.5, 0.95)
            score = rng.choices((3, 4, 5), (1, 3, 6))[0]
            revisit = ids["revisits"] + i
            rows["revisits"].append(
                (
                    revisit,
                    pk,
                    Revisit.Outcome.RESOLVED,
                    score,
                    True,
                    rng.choice(PREVENTION),
                    "客户满意 The customer is satisfied",
                    handler,
                    at,
                )
            )
            event(at, TimelineEvent.Kind.REVISIT, handler, f"Resolved, {score}/5.", internal=False)
            if ctx.revisit_item:
                # Also a survey answer, as revisit_record makes it: the revisit questionnaire's one item and the
                # overall score, for the complaint's branch, when the revisit was recorded.
                template, item, weight = ctx.revisit_item
                response = ids["responses"] + i
                person = spec.person
                rows["revisit responses"].append(
                    (
                        response,
                        template,
                        person.pk,
                        branch,
                        person.tier,
                        person.quadrant,
                        SurveyResponse.Source.REVISIT,
                        pk,
                        revisit,
                        score,
                        at,
                        handler,
                        weight * (score - 1) * 25,
                        weight,
                    )
                )
                rows["revisit answers"].append((response, item, score))
        if end < now - timedelta(days=180) and rng.random() < ARCHIVED_SHARE:
            c["is_archived"] = True
            event(end + timedelta(days=rng.uniform(1, 90)), TimelineEvent.Kind.ARCHIVED, manager)
    events.sort(key=lambda e: e[0])
    c["version"] = len(events) + 1  # every service call bumps it
    c["updated_at"] = events[-1][0]
    # 3–6 of them on the timeline: always the first and the last, a random choice in between.
    keep = rng.randint(3, 6)
    if len(events) > keep:
        middle = sorted(rng.sample(range(1, len(events) - 1), keep - 2))
        events = [events[0], *(events[i] for i in middle), events[-1]]
    rows["complaints"].append(tuple(c.values()))
    rows["timeline events"] += [
        (pk, kind, actor, note, from_step, to_step, internal, at)
        for at, kind, actor, note, from_step, to_step, internal in events
    ]


def _plan(plan: int, c: dict, rng: random.Random, ctx: _Context, rows, event, during, handler, manager) -> None:
    """The current plan: agreed and carried out past Action; in Action anywhere from submitted to agreed."""
    remedies = []
    for kind in rng.sample(REMEDY_KINDS, rng.choice((1, 1, 2))):
        paid = kind in PAID_REMEDIES
        amount = Decimal(round(rng.lognormvariate(5.5, 1.1), 2)).quantize(Decimal("0.01")) if paid else Decimal(0)
        remedies.append([plan, kind, "Bench" if rng.random() < 0.3 else "", amount, None, None])
    total = sum((r[3] for r in remedies), Decimal(0))
    needs_gm = c["severity"] == Severity.MAJOR or total > ctx.gm_threshold
    step = c["step"]
    if step == Step.ACTION:
        if rng.random() < ctx.pending_manager:
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
    summary = rng.choice(PLANS)
    rows["plans"].append(
        (
            plan,
            c["id"],
            summary,
            (timezone.localtime(submitted) + timedelta(days=rng.randint(3, 14))).date(),
            status,
            needs_gm,
            total,
            total if status in (PlanStatus.APPROVED, PlanStatus.AGREED) else None,
            handler,
            submitted,
        )
    )
    event(submitted, TimelineEvent.Kind.PLAN, handler, f"{summary} ({total})")
    try:
        if status == PlanStatus.PENDING_MANAGER:
            return
        decided = during(Step.ACTION, 0.2, 0.35)
        rejected = status == PlanStatus.REJECTED
        comment = "补偿方案不合理,请重新提出。Propose a fairer remedy." if rejected else ""
        rows["decisions"].append((plan, PlanDecision.Level.MANAGER, not rejected, comment, manager, decided))
        event(decided, TimelineEvent.Kind.DECISION, manager, "Manager rejected." if rejected else "Manager approved.")
        if rejected or status == PlanStatus.PENDING_GM:
            return
        if needs_gm:
            at = during(Step.ACTION, 0.35, 0.5)
            rows["decisions"].append((plan, PlanDecision.Level.GENERAL_MANAGER, True, "", ctx.general_manager, at))
            event(at, TimelineEvent.Kind.DECISION, ctx.general_manager, "General manager approved.")
        if status == PlanStatus.APPROVED:
            return
        at = during(Step.ACTION, 0.5, 0.65)
        rows["customer answers"].append((plan, CustomerResponse.Outcome.ACCEPTED, handler, at))
        event(at, TimelineEvent.Kind.RESPONSE, handler, "Accepted.", internal=False)
        for remedy in remedies:
            if step != Step.ACTION or rng.random() < 0.5:
                remedy[4], remedy[5] = during(Step.ACTION, 0.65, 0.95), handler
                event(remedy[4], TimelineEvent.Kind.REMEDY, handler, ctx.remedy_labels[remedy[1]])
    finally:
        rows["remedies"] += [tuple(r) for r in remedies]


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
    _delete(Answer.objects.filter(response__in=responses))
    _delete(responses)
    _delete(Invitation.objects.filter(Q(campaign__in=campaigns) | Q(customer__code__startswith=CUSTOMER_PREFIX)))
    _delete(Campaign.picked_customers.through.objects.filter(campaign__in=campaigns))
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


def _surveys(answers: int, rng: random.Random, branches, frontline_by_branch, people, now, progress) -> tuple[int, int]:
    """About ``answers`` answers to one CSI questionnaire: each month of the last three years a campaign in every
    branch invites a random sample of the customers who existed then (the sample is the campaign's hand-picked
    customers); 55 % answer the link, 10 % on the phone, the rest never (expired links). Campaigns older than
    two months are closed. Returns (responses, answers)."""
    customers = sorted(people, key=lambda p: (p.created_at, p.pk))
    if answers <= 0 or not customers:
        return 0, 0
    template, items = _survey_template(now)
    answered_share = SURVEY_LINK_SHARE + SURVEY_PHONE_SHARE
    per_month = math.ceil(answers / (len(items) * (1 - SURVEY_BLANK_SHARE)) / answered_share / SURVEY_MONTHS)
    created = [p.created_at for p in customers]
    general_manager = User.objects.get(username=GENERAL_MANAGER_USERNAME).pk
    branch_offset = {branch.pk: (n % 5 - 2) * 0.08 for n, branch in enumerate(branches)}
    valid = timedelta(days=SURVEY_LINK_DAYS)
    picked = _Table(Campaign.picked_customers.through, ["campaign_id", "customer_id"], now)
    invitation_table = _Table(
        Invitation,
        [
            "id",
            "campaign_id",
            "customer_id",
            "salt",
            "token_hash",
            "state",
            "created_at",
            "expires_at",
            "opened_at",
            "answered_at",
            "emailed_at",
        ],
        now,
    )
    response_table = _Table(SurveyResponse, [*SURVEY_RESPONSE_COLUMNS], now)
    answer_table = _Table(Answer, ["response_id", "item_id", "score", "importance"], now)
    made_responses = made_answers = 0
    for months_ago in range(SURVEY_MONTHS - 1, -1, -1):
        sent = now - timedelta(days=30 * months_ago + 6)
        existing = bisect.bisect_left(created, sent)
        by_branch: dict[int, list[_Person]] = {}
        for i in sorted(rng.sample(range(existing), min(per_month, existing))):
            by_branch.setdefault(customers[i].branch_id, []).append(customers[i])
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
        picked.write([(c.pk, person.pk) for c in campaigns for person in by_branch[c.branch_id]])
        sampled = sum(len(rows) for rows in by_branch.values())
        invitation_pk = _reserve_ids(Invitation, sampled)
        response_pk = _reserve_ids(SurveyResponse, sampled)
        trend = 0.3 * (SURVEY_MONTHS - 1 - months_ago) / (SURVEY_MONTHS - 1) - 0.15  # slowly getting better
        invitations, responses, answer_rows = [], [], []
        for campaign in campaigns:
            for person in by_branch[campaign.branch_id]:
                invitation = {
                    "id": invitation_pk,
                    "campaign_id": campaign.pk,
                    "customer_id": person.pk,
                    "salt": f"{rng.getrandbits(128):032x}",
                    # A placeholder, not the hash of the link's token: bench links do not open (nobody answers them).
                    "token_hash": f"{rng.getrandbits(256):064x}",
                    "state": Invitation.State.PENDING,
                    "created_at": sent,
                    "expires_at": sent + valid,
                    "opened_at": None,
                    "answered_at": None,
                    "emailed_at": sent + timedelta(minutes=5),
                }
                invitation_pk += 1
                invitations.append(invitation)
                draw = rng.random()
                if draw < SURVEY_LINK_SHARE:
                    at = sent + timedelta(hours=min(rng.expovariate(1 / 40), 13 * 24))
                    source, recorded_by = SurveyResponse.Source.LINK, None
                elif draw < answered_share:
                    at = sent + timedelta(days=rng.uniform(7, 13))
                    source, recorded_by = SurveyResponse.Source.PHONE, rng.choice(frontline_by_branch[person.branch_id])
                else:
                    if rng.random() < 0.3:
                        invitation["opened_at"] = min(sent + timedelta(hours=rng.uniform(1, 96)), now)
                    continue
                if at >= now:
                    continue  # this month's campaign: not answered yet
                invitation["state"], invitation["answered_at"] = Invitation.State.ANSWERED, at
                if source == SurveyResponse.Source.LINK:
                    invitation["opened_at"] = at - timedelta(minutes=rng.randint(2, 30))
                response = {
                    "id": response_pk,
                    "template_id": template.pk,
                    "campaign_id": campaign.pk,
                    "invitation_id": invitation["id"],
                    "customer_id": person.pk,
                    "branch_id": person.branch_id,
                    "tier": person.tier,
                    "quadrant": person.quadrant,
                    "source": source,
                    "answered_at": at,
                    "recorded_by_id": recorded_by,
                    "language": "zh-hans" if rng.random() < 0.85 else "en",
                }
                response_pk += 1
                answer_rows += _survey_answers(response, items, rng, trend + branch_offset[person.branch_id])
                responses.append(tuple(response[name] for name in SURVEY_RESPONSE_COLUMNS))
        invitation_table.write([tuple(row.values()) for row in invitations])
        made_responses += response_table.write(responses)
        made_answers += answer_table.write(answer_rows)
        if months_ago % 6 == 0:
            progress(f"  survey answers: {made_answers}/{answers} ({made_responses} responses)")
    return made_responses, made_answers


SURVEY_RESPONSE_COLUMNS = [
    "id",
    "template_id",
    "campaign_id",
    "invitation_id",
    "customer_id",
    "branch_id",
    "tier",
    "quadrant",
    "source",
    "answered_at",
    "recorded_by_id",
    "language",
    "overall",
    "recommend",
    "repurchase",
    "comment",
    "weighted_points",
    "weight_answered",
]


def _survey_answers(response: dict, items: list[SurveyItem], rng: random.Random, offset: float) -> list[tuple]:
    """The response's answers (tuples), and its overall score, recommendation, repurchase, comment and stored CSI
    sums (Σ weight × (score − 1) × 25 and Σ weight over the answered items, as satisfaction.services writes them)."""
    mood = rng.gauss(0, 0.45) + offset
    rows = []
    weight = points = Decimal(0)
    for item in items:
        if rng.random() < SURVEY_BLANK_SHARE:
            continue
        _code, _weight, _en, _zh, mean, importance = SURVEY_ITEMS[item.sort_order]
        score = max(1, min(5, round(mean + mood + rng.gauss(0, 0.55))))
        importance = max(1, min(10, round(importance + rng.gauss(0, 1.1)))) if rng.random() < 0.9 else None
        rows.append((response["id"], item.pk, score, importance))
        weight += item.weight
        points += item.weight * (score - 1) * 25
    if not rows:
        rows.append((response["id"], items[0].pk, 4, None))
        weight, points = Decimal(items[0].weight), items[0].weight * 3 * 25
    response["weighted_points"], response["weight_answered"] = points, weight
    satisfaction = float(points / weight) / 25 + 1  # the weighted mean score, 1–5
    overall = max(1, min(5, round(satisfaction + rng.gauss(0, 0.35)))) if rng.random() > 0.04 else None
    response["overall"] = overall
    satisfaction = overall or satisfaction
    response["recommend"] = None
    if rng.random() > 0.08:
        response["recommend"] = max(0, min(10, round(2.6 * satisfaction - 1.95 + rng.gauss(0, 1.3))))
    response["repurchase"] = ""
    if rng.random() > 0.08:
        weights = (80, 15, 5) if satisfaction >= 3.5 else (35, 45, 20) if satisfaction >= 2.5 else (10, 30, 60)
        response["repurchase"] = rng.choices((Repurchase.YES, Repurchase.UNSURE, Repurchase.NO), weights)[0]
    response["comment"] = ""
    if rng.random() < 0.15:
        tone = "good" if satisfaction >= 4 else "fair" if satisfaction >= 3 else "poor"
        response["comment"] = rng.choice(SURVEY_COMMENTS[tone])
    return rows


def generate_in_transaction(
    *,
    customers: int,
    complaints: int = 0,
    seed: int,
    reset: bool,
    answers: int | None = None,
    transactions: int | None = None,
    progress: Callable[[str], None] = _print,
) -> tuple[Summary, Summary]:
    """Refuse if bench rows exist (unless reset); remove and regenerate in one transaction."""
    with transaction.atomic():
        existing = bench_counts()
        if existing.any:
            if not reset:
                raise BenchDataError(f"bench data already exists ({existing}): pass --reset to replace it")
            with _phase(progress, "removing the old bench data"):
                removed = remove()
        else:
            removed = Summary(0, 0, 0)
        made = generate(
            customers=customers,
            complaints=complaints,
            seed=seed,
            answers=answers,
            transactions=transactions,
            progress=progress,
        )
    return removed, made
