from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from crm_site.org.models import Branch, Department, StaffProfile
from crm_site.org.roles import Role

BRANCHES = [
    ("BJ01", "北京朝阳店 Beijing Chaoyang", "北京市朝阳区建国路 88 号"),
    ("SH01", "上海浦东店 Shanghai Pudong", "上海市浦东新区世纪大道 100 号"),
    ("GZ01", "广州天河店 Guangzhou Tianhe", "广州市天河区天河路 208 号"),
]
DEPARTMENTS = [
    "客服部 Customer service",
    "工程部 Engineering",
    "物业部 Property management",
    "销售部 Sales",
    "财务部 Finance",
]
# username, first name, last name, role, branch code (None: company-wide), department index
USERS = [
    ("frontline", "Lei", "Wang 王", Role.FRONTLINE, "BJ01", 0),
    ("frontline2", "Fang", "Li 李", Role.FRONTLINE, "SH01", 0),
    ("manager", "Min", "Zhang 张", Role.MANAGER, "BJ01", 0),
    ("manager2", "Jun", "Chen 陈", Role.MANAGER, "SH01", 0),
    ("gm", "Hua", "Liu 刘", Role.GENERAL_MANAGER, None, None),
    ("admin", "Ada", "Admin", Role.ADMIN, None, None),
]


@dataclass
class DemoPeople:
    branches: dict[str, Branch] = field(default_factory=dict)
    departments: list[Department] = field(default_factory=list)
    users: dict = field(default_factory=dict)


def seed(*, password: str) -> DemoPeople:
    people = DemoPeople()
    for code, name, address in BRANCHES:
        people.branches[code], _ = Branch.objects.get_or_create(code=code, defaults={"name": name, "address": address})
    for name in DEPARTMENTS:
        dept, _ = Department.objects.get_or_create(name=name)
        people.departments.append(dept)
    User = get_user_model()
    for username, first, last, role, branch_code, dept_index in USERS:
        user, created = User.objects.get_or_create(
            username=username, defaults={"first_name": first, "last_name": last, "email": f"{username}@example.com"}
        )
        if created:
            user.set_password(password)
            user.is_staff = role == Role.ADMIN  # The admin role configures through /config/.
            user.save()
        user.groups.add(Group.objects.get_or_create(name=role)[0])
        StaffProfile.objects.get_or_create(
            user=user,
            defaults={
                "branch": people.branches[branch_code] if branch_code else None,
                "department": people.departments[dept_index] if dept_index is not None else None,
            },
        )
        people.users[username] = user
    return people
