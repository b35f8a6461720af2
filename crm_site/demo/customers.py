import random

from customers.models import Customer

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

DEMO_CUSTOMER_COUNT = 240


def seed(people: DemoPeople) -> int:
    """Customers with Chinese and English names, spread over the branches. Idempotent by code."""
    rng = random.Random(20261123)
    branches = list(people.branches.values())
    managers_by_branch = {
        "BJ01": [people.users["frontline"], people.users["manager"]],
        "SH01": [people.users["frontline2"], people.users["manager2"]],
        "GZ01": [],
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
                name=rng.choice(COMPANIES) if is_company else name,
                kind=Customer.Kind.COMPANY if is_company else Customer.Kind.INDIVIDUAL,
                company_name="",
                phone=f"13{rng.randint(100000000, 999999999)}",
                email=f"customer{i}@example.com" if i % 2 else "",
                branch=branch,
                account_manager=rng.choice(owners) if owners else None,
                source=rng.choice(SOURCES),
            )
        )
    Customer.objects.bulk_create(new)
    return Customer.objects.count()
