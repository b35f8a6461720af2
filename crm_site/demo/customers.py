"""Demo customers: a few hundred, with 24 months of transactions, assessments, contacts, interactions and
visit plans, spread over all four quadrants and the three tiers.

Seeded in the order real use makes them: customers, their purchases and assessments, a classification run
from before the lost ones left, the lost ones churned (after their last purchase), then today's at-risk
flags, classification and visit plans by the real services, so the matrix page agrees with a fresh run.

Idempotent: customers are created by code, and the value data only once (bulk_create throughout).
"""

import random
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.utils import timezone

from customers.models import (
    Channel,
    ChurnEpisode,
    Contact,
    Customer,
    CustomerEvent,
    Interaction,
    PotentialAssessment,
    Purchase,
    Tag,
    VisitPlan,
)
from customers.phones import phone_e164
from customers.services import customers_classify, customers_detect_at_risk, visit_plans_schedule_defaults

from .org import DemoPeople

CN_SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高"
CN_GIVEN = [
    "伟",
    "芳",
    "娜",
    "敏",
    "静",
    "丽",
    "强",
    "磊",
    "洋",
    "艳",
    "勇",
    "军",
    "杰",
    "娟",
    "涛",
    "明",
    "超",
    "秀英",
    "建华",
    "晓东",
]
EN_FIRST = ["Emma", "Liam", "Olivia", "Noah", "Ava", "James", "Sophia", "Lucas", "Mia", "Henry", "Grace", "Oliver"]
EN_LAST = ["Smith", "Brown", "Taylor", "Wilson", "Martin", "Clarke", "Walker", "Young", "King", "Wright"]
COMPANIES = ["华润置地", "万科物业", "Acme Trading Ltd", "北京星辰科技有限公司", "Harbour Logistics", "上海明珠餐饮"]
SOURCES = ["walk-in", "referral", "website", "event", "phone"]
TAGS = ["VIP", "企业客户 Corporate", "转介绍 Referral", "价格敏感 Price-sensitive", "新客户 New"]
PRODUCTS = ["RX-520 冰箱 Fridge", "物业服务 Property service", "保养套餐 Service plan", "KT-30 空调 AC", "配件 Parts"]
CONTACT_ROLES = ["采购经理 Purchasing manager", "老板 Owner", "财务 Finance", "行政 Office manager"]
SUMMARIES = [
    "电话回访,客户对服务满意。Follow-up call, happy with the service.",
    "上门拜访,了解明年的采购计划。Visited; heard next year's purchase plan.",
    "发送新品资料。Sent the new catalogue.",
    "微信沟通送货时间。Agreed the delivery time on WeChat.",
    "客户询问价格优惠。Asked about discounts.",
    "季度业务回顾会议。Quarterly business review meeting.",
]
CHURN_REASONS = [
    "转向竞争对手,价格更低 Moved to a competitor for price",
    "公司搬迁到外地 Company moved away",
    "对售后服务不满 Unhappy with after-sales service",
    "客户经理离职后失去联系 Lost touch after the account manager left",
]

DEMO_CUSTOMER_COUNT = 300
MONTHS = 24

# Share of customers (out of 100) per profile: monthly spend range, purchases per month, assessment range.
PROFILES = [
    # name, share, (spend low, high), purchase chance per month, (score low, high), months active back
    ("star", 12, (3000, 9000), 0.9, (7, 10), (0, MONTHS)),
    ("cash_cow", 14, (2500, 7000), 0.85, (1, 4), (0, MONTHS)),
    ("rising", 22, (200, 900), 0.5, (7, 10), (0, 9)),
    ("small", 30, (80, 600), 0.45, (1, 5), (0, MONTHS)),
    ("lapsed", 8, (500, 2500), 0.6, (2, 6), (7, MONTHS)),
    ("falling", 7, (2000, 5000), 0.8, (3, 6), (0, MONTHS)),
    ("churned", 7, (300, 2000), 0.6, (1, 3), (9, MONTHS)),
]


def _profile_for(i: int) -> tuple:
    slot = (i * 37) % 100  # spreads the profiles evenly over codes and branches
    total = 0
    for profile in PROFILES:
        total += profile[1]
        if slot < total:
            return profile
    return PROFILES[-1]


def _create_customers(people: DemoPeople, rng: random.Random) -> None:
    branches = list(people.branches.values())
    managers_by_branch = {
        "BJ01": [people.users["frontline"], people.users["manager"]],
        "SH01": [people.users["frontline2"], people.users["manager2"]],
        # No demo staff work in Guangzhou; the general manager (who sees every branch) looks after its customers.
        "GZ01": [people.users["gm"]],
    }
    existing = set(Customer.objects.filter(code__startswith="C").values_list("code", flat=True))
    new = []
    for i in range(1, DEMO_CUSTOMER_COUNT + 1):
        code = f"C{i:06d}"
        branch = branches[i % len(branches)]
        is_company = i % 7 == 0
        if i % 3 == 0:
            name = f"{rng.choice(EN_FIRST)} {rng.choice(EN_LAST)}"
        else:
            name = rng.choice(CN_SURNAMES) + rng.choice(CN_GIVEN)
        owners = managers_by_branch[branch.code]
        if code in existing:
            continue
        new.append(
            Customer(
                code=code,
                name=f"{rng.choice(COMPANIES)} {i}" if is_company else name,
                kind=Customer.Kind.COMPANY if is_company else Customer.Kind.INDIVIDUAL,
                company_name="",
                phone=f"13{rng.randint(100000000, 999999999)}",
                email=f"customer{i}@example.com" if i % 2 else "",
                address=f"{branch.address} {i} 室" if branch.address else "",
                branch=branch,
                account_manager=rng.choice(owners) if owners else None,
                source=rng.choice(SOURCES),
            )
        )
    for customer in new:
        customer.phone_e164 = phone_e164(customer.phone)
    Customer.objects.bulk_create(new)
    # Databases seeded before Guangzhou had an account manager: give its customers one (a rerun finds none left).
    Customer.objects.filter(code__startswith="C", account_manager=None, branch__code="GZ01").update(
        account_manager=people.users["gm"]
    )


def _seed_value_data(people: DemoPeople) -> None:
    """Transactions, assessments, contacts, tags, interactions and churn, once, then the real classification."""
    rng = random.Random(20261124)
    today = timezone.localdate()
    now = timezone.now()
    staff = [people.users[u] for u in ("frontline", "manager", "frontline2", "manager2")]
    tags = [Tag.objects.get_or_create(name=name)[0] for name in TAGS]
    customers = list(Customer.objects.filter(code__startswith="C").order_by("code"))
    purchases, assessments, contacts, interactions = [], [], [], []
    tagged, lost = [], []
    last_bought: dict[int, date] = {}
    for customer in customers:
        i = int(customer.code[1:])
        name, _share, (low, high), chance, (score_low, score_high), (recent, oldest) = _profile_for(i)
        customer.created_at = now - timedelta(days=30 * oldest + rng.randint(20, 120))
        order = 0
        for month in range(recent, oldest):
            if rng.random() > chance:
                continue
            spend = rng.randint(low, high)
            if name == "falling" and month < 3:
                spend = max(50, spend // 6)
            day = today - timedelta(days=30 * month + rng.randint(0, 27))
            amount = Decimal(spend).quantize(Decimal("0.01"))
            order += 1
            last_bought[customer.pk] = max(day, last_bought.get(customer.pk, day))
            purchases.append(
                Purchase(
                    customer=customer,
                    date=day,
                    amount=amount,
                    margin=(amount * Decimal(rng.choice(["0.18", "0.25", "0.32"]))).quantize(Decimal("0.01")),
                    product=rng.choice(PRODUCTS),
                    reference=f"SO-{customer.code}-{order:03d}",
                )
            )
        if name != "small" or i % 3:
            assessments.append(
                PotentialAssessment(
                    customer=customer,
                    share_of_wallet=rng.randint(score_low, score_high),
                    growth=rng.randint(score_low, score_high),
                    recommendation=rng.randint(score_low, score_high),
                    loyalty_intent=rng.randint(score_low, score_high),
                    rating=rng.randint(4, 5) if score_low >= 7 else rng.randint(2, 4),
                    assessed_by=customer.account_manager or staff[1],
                    assessed_at=now - timedelta(days=rng.randint(5, 90)),
                )
            )
        if customer.kind == Customer.Kind.COMPANY:
            customer.company_name = customer.name
            for n, role in enumerate(rng.sample(CONTACT_ROLES, 2)):
                contacts.append(
                    Contact(
                        customer=customer,
                        name=rng.choice(CN_SURNAMES) + rng.choice(CN_GIVEN),
                        role=role,
                        phone=f"13{rng.randint(100000000, 999999999)}",
                        email=f"contact{i}-{n}@example.com",
                        is_primary=n == 0,
                    )
                )
        if name in ("star", "rising") or i % 5 == 0:
            tagged.append((customer.pk, tags[0].pk if name == "star" else tags[2].pk))
        for _n in range(rng.randint(1, 4)):
            interactions.append(
                Interaction(
                    customer=customer,
                    channel=rng.choice(Channel.values),
                    summary=rng.choice(SUMMARIES),
                    staff=customer.account_manager or rng.choice(staff),
                    occurred_at=now - timedelta(days=rng.randint(1, 180), hours=rng.randint(0, 8)),
                )
            )
        if name == "churned":
            lost.append(customer)
    Purchase.objects.bulk_create(purchases, batch_size=1000)
    PotentialAssessment.objects.bulk_create(assessments, batch_size=1000)
    for contact in contacts:
        contact.phone_e164 = phone_e164(contact.phone)
    Contact.objects.bulk_create(contacts)
    Interaction.objects.bulk_create(interactions, batch_size=1000)
    for assessment in assessments:
        assessment.customer.latest_assessment = assessment
    Customer.objects.bulk_update(
        customers,
        ["created_at", "company_name", "latest_assessment"],
        batch_size=500,
    )
    through = Customer.tags.through
    through.objects.bulk_create([through(customer_id=c, tag_id=t) for c, t in tagged], ignore_conflicts=True)
    # Lost customers stopped buying, then were marked churned with a reason, a month or three later; they
    # were classified by a run from before the first of them churned, as the nightly job would have done.
    churn_dates = []
    for customer in lost:
        bought = last_bought.get(customer.pk, today - timedelta(days=rng.randint(60, 330)))
        churn_dates.append(min(bought + timedelta(days=rng.randint(30, 90)), today - timedelta(days=10)))
    if churn_dates:
        customers_classify(as_of=min(churn_dates) - timedelta(days=1))
    events = []
    for customer, churned_on in zip(lost, churn_dates, strict=True):
        events.append(
            CustomerEvent(
                customer=customer,
                kind=CustomerEvent.Kind.STATUS,
                actor=customer.account_manager or staff[1],
                from_value=Customer.Status.ACTIVE,
                to_value=Customer.Status.CHURNED,
                note=rng.choice(CHURN_REASONS),
                created_at=timezone.make_aware(datetime.combine(churned_on, time(10))),
            )
        )
        customer.status, customer.at_risk_reason = Customer.Status.CHURNED, ""
        customer.churn_reason, customer.churned_on = events[-1].note, churned_on
    Customer.objects.bulk_update(lost, ["status", "at_risk_reason", "churn_reason", "churned_on"], batch_size=500)
    CustomerEvent.objects.bulk_create(events)
    ChurnEpisode.objects.bulk_create(
        [ChurnEpisode(customer=e.customer, churned_on=e.customer.churned_on, reason=e.note[:300]) for e in events]
    )
    # Then what tonight's job does: flag the at-risk and classify, from the data as it now stands.
    customers_detect_at_risk()
    customers_classify()
    visit_plans_schedule_defaults()
    # Spread the first visits over the plans' cycles; every third one is late, so overdue lists show something.
    plans = list(VisitPlan.objects.filter(is_active=True).order_by("pk"))
    for n, plan in enumerate(plans):
        plan.next_due = (
            today - timedelta(days=1 + n % 20) if n % 3 == 0 else today + timedelta(days=n % plan.every_days)
        )
    VisitPlan.objects.bulk_update(plans, ["next_due"], batch_size=500)


def seed(people: DemoPeople) -> int:
    """Customers with Chinese and English names, spread over the branches and the value matrix."""
    rng = random.Random(20261123)
    _create_customers(people, rng)
    if not Purchase.objects.filter(customer__code__startswith="C").exists():
        _seed_value_data(people)
    return Customer.objects.count()
