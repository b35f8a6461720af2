"""Due times in business hours: a branch's working days and hours, minus holidays."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import Q
from django.utils import timezone

from .models import BusinessCalendar, Holiday, Severity, SlaPolicy

# Used when an admin has configured nothing yet.
DEFAULT_LIMITS = {
    Severity.GENERAL: (8, 40),
    Severity.IMPORTANT: (4, 24),
    Severity.MAJOR: (2, 8),
}


@dataclass(frozen=True)
class Calendar:
    weekdays: frozenset[int]
    day_starts: time
    day_ends: time
    holidays: frozenset[date]


def calendar_for(branch_id: int | None, *, around: date) -> Calendar:
    """The branch's calendar, else the company default, else Monday–Friday 9–18; holidays for a year ahead."""
    cal = (
        BusinessCalendar.objects.filter(Q(branch_id=branch_id) | Q(branch__isnull=True))
        .order_by("branch_id")  # NULLs sort differently per database: pick explicitly below.
        .all()
    )
    chosen = next((c for c in cal if c.branch_id == branch_id), None) or next(
        (c for c in cal if c.branch_id is None), None
    )
    holidays = frozenset(
        Holiday.objects.filter(Q(branch_id=branch_id) | Q(branch__isnull=True))
        .filter(date__gte=around - timedelta(days=7), date__lte=around + timedelta(days=400))
        .values_list("date", flat=True)
    )
    if chosen is None:
        return Calendar(frozenset({1, 2, 3, 4, 5}), time(9), time(18), holidays)
    return Calendar(
        frozenset(chosen.weekdays) or frozenset({1, 2, 3, 4, 5}), chosen.day_starts, chosen.day_ends, holidays
    )


def add_business_hours(start: datetime, hours: float, calendar: Calendar) -> datetime:
    """The moment ``hours`` of working time after ``start`` (aware datetimes, local business hours)."""
    tz = timezone.get_current_timezone()
    current = timezone.localtime(start, tz)
    remaining = timedelta(hours=hours)
    for _ in range(3700):  # Ten years of days: a calendar with no working day cannot loop forever.
        day = current.date()
        if day.isoweekday() in calendar.weekdays and day not in calendar.holidays:
            opens = datetime.combine(day, calendar.day_starts, tzinfo=tz)
            closes = datetime.combine(day, calendar.day_ends, tzinfo=tz)
            current = max(current, opens)
            if current < closes:
                available = closes - current
                if remaining <= available:
                    return current + remaining
                remaining -= available
        current = datetime.combine(day + timedelta(days=1), time(0), tzinfo=tz)
    raise ValueError("The business calendar has no working time.")


def limits_for(severity: str) -> tuple[int, int]:
    policy = SlaPolicy.objects.filter(severity=severity).values_list("response_hours", "resolution_hours").first()
    return policy or DEFAULT_LIMITS[Severity(severity)]


def due_times(*, branch_id: int, severity: str, start: datetime) -> tuple[datetime, datetime]:
    """(first response due, resolution due) for a complaint received at ``start``."""
    calendar = calendar_for(branch_id, around=timezone.localtime(start).date())
    response_hours, resolution_hours = limits_for(severity)
    return add_business_hours(start, response_hours, calendar), add_business_hours(start, resolution_hours, calendar)
