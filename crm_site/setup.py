"""A company's starting configuration, made in one go by ``manage.py setup_company``: the first admin, the
branches, departments, business calendars and holidays.

Safe to run again: rows are matched (a branch by code, a department by name, a calendar by its branch, a holiday
by date, name and branch), then updated or left as they are; nothing is duplicated, nothing is deleted. One
transaction, and every row passes its model's ``full_clean()``: any refusal leaves the database as it was.
"""

import re
import tomllib
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path

from django.contrib.auth import get_user_model, password_validation
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import models, transaction
from django.utils.translation import gettext as _

from complaints.models import BusinessCalendar, Holiday, validate_weekdays

from .org.models import Branch, Department, StaffProfile
from .org.roles import Role
from .org.services import staff_access_set, staff_profile_set

# Letters, digits, - and _: a branch code is typed in filters and exports, and matched on every later run.
BRANCH_CODE = re.compile(r"[A-Za-z0-9_-]{1,20}")
_TIME = re.compile(r"(\d{1,2}):(\d{2})(?::(\d{2}))?")
_CALENDAR_FIELDS = ("working_days", "day_starts", "day_ends")
_KEYS = {
    "": ("admin", "branches", "departments", "calendar", "holidays"),
    "admin": ("username", "email", "first_name", "last_name"),
    "branches": ("code", "name", "address", "calendar"),
    "calendar": _CALENDAR_FIELDS,
    "holidays": ("date", "name", "branch"),
}


class CompanySetupError(Exception):
    """Input the setup refuses: ``key`` says where (``branches[2].code``, 1 for the first), ``message`` what."""

    def __init__(self, key: str, message: str):
        super().__init__(f"{key}: {message}")
        self.key = key
        self.message = message


class AdminPasswordRefused(CompanySetupError):
    """The admin password fails the password validators (the caller knows where the password came from)."""

    def __init__(self, message: str):
        super().__init__("password", message)


@dataclass(frozen=True)
class AdminSpec:
    username: str
    email: str
    first_name: str = ""
    last_name: str = ""


@dataclass(frozen=True)
class CalendarSpec:
    """What the input gives; None keeps the stored value, or for a new calendar takes the company calendar's."""

    working_days: str | None = None
    day_starts: time | None = None
    day_ends: time | None = None


@dataclass(frozen=True)
class BranchSpec:
    code: str
    name: str
    address: str | None = None  # None: keep the stored address
    calendar: CalendarSpec | None = None


@dataclass(frozen=True)
class HolidaySpec:
    date: date
    name: str
    branch_code: str | None = None  # None: every branch


@dataclass(frozen=True)
class CompanySpec:
    admin: AdminSpec
    branches: tuple[BranchSpec, ...] = ()
    departments: tuple[str, ...] = ()
    calendar: CalendarSpec | None = None
    holidays: tuple[HolidaySpec, ...] = ()


@dataclass
class SetupReport:
    """One line per row the setup looked at, by what happened to it."""

    created: list[str] = field(default_factory=list)
    existing: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    admin_created: bool = False
    admin_password_set: bool = False


# --- Reading the input --------------------------------------------------------------------------------------


def company_spec_read(path: Path) -> CompanySpec:
    """The configuration in a TOML file (see deploy/company.example.toml)."""
    try:
        with open(path, "rb") as file:
            data = tomllib.load(file)
    except OSError as error:
        raise CompanySetupError(str(path), _("cannot be read (%(error)s).") % {"error": error.strerror}) from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise CompanySetupError(str(path), _("is not a valid TOML file: %(error)s.") % {"error": error}) from None
    return company_spec_parse(data)


def company_spec_parse(data: dict) -> CompanySpec:
    """Check the shape and the values of the input (a TOML file's tables, or the command's arguments as such)."""
    _known_keys(data, "")
    admin_table = _table(data.get("admin", {}), "admin")
    _known_keys(admin_table, "admin")
    admin = AdminSpec(
        username=_text(admin_table, "username", "admin", required=True),
        email=_text(admin_table, "email", "admin", required=True),
        first_name=_text(admin_table, "first_name", "admin") or "",
        last_name=_text(admin_table, "last_name", "admin") or "",
    )
    calendar = _calendar(data["calendar"], "calendar") if "calendar" in data else None

    branches, names = [], set()
    for i, item in enumerate(_list(data.get("branches", []), "branches"), start=1):
        key = f"branches[{i}]"
        table = _table(item, key)
        _known_keys(table, "branches", key)
        code = _text(table, "code", key, required=True)
        if not BRANCH_CODE.fullmatch(code):
            raise CompanySetupError(
                f"{key}.code", _("“%(code)s”: use 1 to 20 letters, digits, - or _ (e.g. BJ01).") % {"code": code}
            )
        if code in {b.code for b in branches}:
            raise CompanySetupError(f"{key}.code", _("“%(code)s” is listed twice.") % {"code": code})
        name = _text(table, "name", key, required=True)
        if name.casefold() in names:
            raise CompanySetupError(f"{key}.name", _("“%(name)s” is listed twice.") % {"name": name})
        names.add(name.casefold())
        branch_calendar = _calendar(table["calendar"], f"{key}.calendar") if "calendar" in table else None
        branches.append(BranchSpec(code, name, _text(table, "address", key), branch_calendar))

    departments: list[str] = []
    for i, item in enumerate(_list(data.get("departments", []), "departments"), start=1):
        key = f"departments[{i}]"
        if not isinstance(item, str) or not item.strip():
            raise CompanySetupError(key, _("expected a department name in quotes."))
        if item.strip() in departments:
            raise CompanySetupError(key, _("“%(name)s” is listed twice.") % {"name": item.strip()})
        departments.append(item.strip())

    holidays: list[HolidaySpec] = []
    for i, item in enumerate(_list(data.get("holidays", []), "holidays"), start=1):
        key = f"holidays[{i}]"
        table = _table(item, key)
        _known_keys(table, "holidays", key)
        if "date" not in table:
            raise CompanySetupError(f"{key}.date", _("required, but missing."))
        holiday = HolidaySpec(
            date=_date(table["date"], f"{key}.date"),
            name=_text(table, "name", key, required=True),
            branch_code=_text(table, "branch", key) or None,
        )
        if holiday in holidays:
            raise CompanySetupError(key, _("“%(name)s” is listed twice.") % {"name": holiday.name})
        holidays.append(holiday)

    return CompanySpec(admin, tuple(branches), tuple(departments), calendar, tuple(holidays))


def _known_keys(table: dict, kind: str, key: str | None = None) -> None:
    key = kind if key is None else key
    for name in table:
        where = f"{key}.{name}" if key else name
        if kind == "admin" and name == "password":
            raise CompanySetupError(
                where,
                _(
                    "never put a password in the file: set SETUP_ADMIN_PASSWORD, type it when asked, "
                    "or let the command make one."
                ),
            )
        if name not in _KEYS[kind]:
            raise CompanySetupError(
                where, _("unknown key; expected one of: %(keys)s.") % {"keys": ", ".join(_KEYS[kind])}
            )


def _table(value, key: str) -> dict:
    if not isinstance(value, dict):
        raise CompanySetupError(key, _("expected a table of keys and values."))
    return value


def _list(value, key: str) -> list:
    if not isinstance(value, list):
        raise CompanySetupError(key, _("expected a list in square brackets."))
    return value


def _text(table: dict, name: str, key: str, *, required: bool = False) -> str | None:
    where = f"{key}.{name}"
    value = table.get(name)
    if value is not None and not isinstance(value, str):
        raise CompanySetupError(where, _("expected text in quotes."))
    value = (value or "").strip()
    if required and not value:
        raise CompanySetupError(where, _("required, but missing."))
    return value if name in table else None


def _calendar(value, key: str) -> CalendarSpec:
    table = _table(value, key)
    _known_keys(table, "calendar", key)
    spec = CalendarSpec(
        working_days=_weekdays(table["working_days"], f"{key}.working_days") if "working_days" in table else None,
        day_starts=_time(table["day_starts"], f"{key}.day_starts") if "day_starts" in table else None,
        day_ends=_time(table["day_ends"], f"{key}.day_ends") if "day_ends" in table else None,
    )
    if spec.day_starts and spec.day_ends:
        _check_hours(spec.day_starts, spec.day_ends, key)
    return spec


def _weekdays(value, key: str) -> str:
    """ "1,2,3,4,5" or [1, 2, 3, 4, 5], stored as "1,2,3,4,5"; the model's own validator decides."""
    if isinstance(value, list) and all(isinstance(v, int) and not isinstance(v, bool) for v in value):
        value = ",".join(str(v) for v in value)
    if not isinstance(value, str):
        value = ""
    try:
        validate_weekdays(value)
    except ValidationError as error:
        raise CompanySetupError(key, " ".join(error.messages)) from None
    return ",".join(str(d) for d in sorted({int(d) for d in value.split(",") if d.strip()}))


def _time(value, key: str) -> time:
    if isinstance(value, time):
        return value
    match = _TIME.fullmatch(value.strip()) if isinstance(value, str) else None
    try:
        if match:
            return time(*(int(part or 0) for part in match.groups()))
    except ValueError:
        pass
    raise CompanySetupError(key, _("expected a time of day such as “09:00”."))


def _date(value, key: str) -> date:
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise CompanySetupError(key, _("expected a date such as 2026-10-01."))


def _check_hours(starts: time, ends: time, key: str) -> None:
    if ends <= starts:
        raise CompanySetupError(
            f"{key}.day_ends",
            _("%(ends)s: the day must end after it starts (%(starts)s).")
            % {"ends": ends.strftime("%H:%M"), "starts": starts.strftime("%H:%M")},
        )


# --- Writing it -----------------------------------------------------------------------------------------------


def admin_exists(username: str) -> bool:
    """Whether the admin login is already there (then it keeps its password unless asked to reset it)."""
    return get_user_model().objects.filter(username=username).exists()


@transaction.atomic
def company_setup(*, spec: CompanySpec, admin_password: str | None, superuser: bool = False) -> SetupReport:
    """Create or update everything ``spec`` lists; ``admin_password`` None keeps an existing admin's password.

    Raises CompanySetupError (and writes nothing) when a row fails its model's validation.
    """
    report = SetupReport()
    branches = {b.code: _branch_put(b, f"branches[{i}]", report) for i, b in enumerate(spec.branches, start=1)}
    for i, name in enumerate(spec.departments, start=1):
        _department_put(name, f"departments[{i}]", report)
    company = _calendar_put(None, spec.calendar, "calendar", report, fallback=None)
    for i, b in enumerate(spec.branches, start=1):
        if b.calendar is not None:
            _calendar_put(branches[b.code], b.calendar, f"branches[{i}].calendar", report, fallback=company)
    for i, holiday in enumerate(spec.holidays, start=1):
        _holiday_put(holiday, f"holidays[{i}]", report)
    _admin_put(spec.admin, admin_password, superuser, report)
    return report


def _clean(obj: models.Model, key: str) -> None:
    """The model's own validators, reported against the input's key."""
    try:
        obj.full_clean()
    except ValidationError as error:
        name, messages = next(iter(error.message_dict.items()))
        raise CompanySetupError(key if name == NON_FIELD_ERRORS else f"{key}.{name}", " ".join(messages)) from None


def _label(model: type[models.Model], text: str) -> str:
    return f"{model._meta.verbose_name} {text}"


def _branch_put(spec: BranchSpec, key: str, report: SetupReport) -> Branch:
    clash = Branch.objects.filter(name__iexact=spec.name).exclude(code=spec.code).first()
    if clash is not None:
        raise CompanySetupError(
            f"{key}.name", _("branch %(code)s already has the name “%(name)s”.") % {"code": clash.code, "name": clash}
        )
    label = _label(Branch, f"{spec.code} ({spec.name})")
    branch = Branch.objects.select_for_update().filter(code=spec.code).first()
    if branch is None:
        branch = Branch(code=spec.code, name=spec.name, address=spec.address or "")
        _clean(branch, key)
        branch.save()
        report.created.append(label)
        return branch
    changed = [name for name in ("name", "address") if getattr(spec, name) not in (None, getattr(branch, name))]
    if not changed:
        report.existing.append(label)
        return branch
    for name in changed:
        setattr(branch, name, getattr(spec, name))
    _clean(branch, key)
    branch.save(update_fields=changed)
    report.updated.append(f"{label}: {', '.join(changed)}")
    return branch


def _department_put(name: str, key: str, report: SetupReport) -> None:
    label = _label(Department, name)
    if Department.objects.filter(name=name).exists():
        report.existing.append(label)
        return
    department = Department(name=name)
    _clean(department, key)
    department.save()
    report.created.append(label)


def _weekday_set(working_days: str) -> set[int]:
    return {int(d) for d in working_days.split(",") if d.strip().isdigit()}


def _calendar_put(
    branch: Branch | None, spec: CalendarSpec | None, key: str, report: SetupReport, *, fallback
) -> BusinessCalendar | None:
    """The branch's calendar (None: the company default). A value the input leaves out keeps the stored one;
    a new calendar takes it from ``fallback`` (the company calendar), else from the model's default."""
    calendar = BusinessCalendar.objects.select_for_update().filter(branch=branch).first()
    label = _label(BusinessCalendar, str(branch) if branch else _("Company default"))
    if spec is None:
        if calendar is not None:
            report.existing.append(label)
        return calendar
    source = calendar or fallback
    wanted = {}
    for name in _CALENDAR_FIELDS:
        given = getattr(spec, name)
        if given is None and source is not None:
            given = getattr(source, name)
        if given is None:
            model_field = BusinessCalendar._meta.get_field(name)
            given = model_field.to_python(model_field.get_default())
        wanted[name] = given
    _check_hours(wanted["day_starts"], wanted["day_ends"], key)
    if calendar is None:
        calendar = BusinessCalendar(branch=branch, **wanted)
        _clean(calendar, key)
        calendar.save()
        report.created.append(label)
        return calendar
    changed = [
        name
        for name in _CALENDAR_FIELDS
        if (
            _weekday_set(wanted[name]) != _weekday_set(calendar.working_days)
            if name == "working_days"
            else wanted[name] != getattr(calendar, name)
        )
    ]
    if not changed:
        report.existing.append(label)
        return calendar
    for name in changed:
        setattr(calendar, name, wanted[name])
    _clean(calendar, key)
    calendar.save(update_fields=changed)
    report.updated.append(f"{label}: {', '.join(changed)}")
    return calendar


def _holiday_put(spec: HolidaySpec, key: str, report: SetupReport) -> None:
    branch = None
    if spec.branch_code:
        branch = Branch.objects.filter(code=spec.branch_code).first()
        if branch is None:
            raise CompanySetupError(f"{key}.branch", _("no branch has the code %(code)s.") % {"code": spec.branch_code})
    label = _label(Holiday, f"{spec.date.isoformat()} {spec.name}" + (f" ({branch.code})" if branch else ""))
    if Holiday.objects.filter(date=spec.date, name=spec.name, branch=branch).exists():
        report.existing.append(label)
        return
    holiday = Holiday(date=spec.date, name=spec.name, branch=branch)
    _clean(holiday, key)
    holiday.save()
    report.created.append(label)


def _command_line_actor():
    """Who changes access from the command line: whoever may run manage.py on the server, which is already more
    than a superuser. Never saved: its RoleChange rows have no actor, the audit's mark of a change made
    outside the site."""
    return get_user_model()(username="manage.py", is_active=True, is_superuser=True)


def _admin_put(spec: AdminSpec, password: str | None, superuser: bool, report: SetupReport) -> None:
    User = get_user_model()
    user = User.objects.filter(username=spec.username).first()
    label = _("login %(username)s") % {"username": spec.username}
    if user is None:
        if password is None:
            raise AdminPasswordRefused(_("a new admin needs a password."))
        user = User(username=spec.username, email=spec.email, first_name=spec.first_name, last_name=spec.last_name)
        _password_set(user, password)
        _clean(user, "admin")
        user.save()
        report.admin_created = True
    elif password is not None:
        _password_set(user, password)
        user.save(update_fields=["password"])
        report.updated.append(_("%(login)s: new password set") % {"login": label})
    else:
        report.existing.append(
            _("%(login)s: left as it is, password not changed (--reset-admin-password sets a new one)")
            % {"login": label}
        )
    report.admin_password_set = password is not None

    changes = staff_access_set(
        actor=_command_line_actor(), user=user, role=Role.ADMIN, is_superuser=True if superuser else None
    )
    if not StaffProfile.objects.filter(user=user).exists():
        staff_profile_set(user=user, branch=None, department=None)  # company-wide: no branch
    if report.admin_created:
        role = _("administrator and superuser") if user.is_superuser else _("administrator")
        report.created.append(f"{label} ({role})")
    else:
        report.updated.extend(f"{label}: {change.from_display} → {change.to_display}" for change in changes)


def _password_set(user, password: str) -> None:
    try:
        password_validation.validate_password(password, user=user)
    except ValidationError as error:
        raise AdminPasswordRefused(" ".join(error.messages)) from None
    user.set_password(password)
