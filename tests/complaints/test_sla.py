"""Due times in business hours, on hand-computed examples (Asia/Shanghai; 2 June 2025 is a Monday)."""

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from complaints.models import BusinessCalendar, Holiday, Severity, SlaPolicy
from complaints.sla import DEFAULT_LIMITS, Calendar, add_business_hours, calendar_for, due_times, limits_for
from tests.factories import BranchFactory

SHANGHAI = ZoneInfo("Asia/Shanghai")
MON_TO_FRI = frozenset({1, 2, 3, 4, 5})
NINE_TO_SIX = Calendar(MON_TO_FRI, time(9), time(18), frozenset())


def at(day: int, hour: int, minute: int = 0, month: int = 6) -> datetime:
    return datetime(2025, month, day, hour, minute, tzinfo=SHANGHAI)


@pytest.mark.parametrize(
    ("start", "hours", "expected"),
    [
        pytest.param(at(2, 10, 30), 4, at(2, 14, 30), id="inside-hours-same-day"),
        pytest.param(at(2, 10, 30), 8, at(3, 9, 30), id="inside-hours-into-next-morning"),
        pytest.param(at(2, 9), 9, at(2, 18), id="a-whole-day-ends-at-closing"),
        pytest.param(at(2, 9), 40, at(6, 13), id="a-working-week"),
        pytest.param(at(2, 7), 2, at(2, 11), id="before-opening"),
        pytest.param(at(2, 0, 1), 0.5, at(2, 9, 30), id="just-after-midnight"),
        pytest.param(at(2, 19), 2, at(3, 11), id="after-closing"),
        pytest.param(at(2, 18), 1, at(3, 10), id="exactly-at-closing"),
        pytest.param(at(6, 16), 5, at(9, 12), id="friday-across-the-weekend"),
        pytest.param(at(7, 10), 1, at(9, 10), id="start-on-saturday"),
        pytest.param(at(8, 23, 59), 9, at(9, 18), id="start-late-on-sunday"),
        pytest.param(datetime(2025, 6, 2, 2, 0, tzinfo=ZoneInfo("UTC")), 1, at(2, 11), id="utc-start-is-10-local"),
    ],
)
def test_add_business_hours_default_calendar(start, hours, expected):
    due = add_business_hours(start, hours, NINE_TO_SIX)
    assert due == expected
    assert due.utcoffset() == expected.utcoffset()


def test_add_business_hours_skips_a_holiday():
    calendar = Calendar(MON_TO_FRI, time(9), time(18), frozenset({date(2025, 6, 3)}))
    # Monday 16:00 + 4h: 2h on Monday, Tuesday is a holiday, 2h on Wednesday.
    assert add_business_hours(at(2, 16), 4, calendar) == at(4, 11)
    # Starting on the holiday itself counts from the next working morning.
    assert add_business_hours(at(3, 12), 1, calendar) == at(4, 10)


def test_add_business_hours_across_a_weekend_and_a_holiday_monday():
    calendar = Calendar(MON_TO_FRI, time(9), time(18), frozenset({date(2025, 6, 9)}))
    # Friday 17:00 + 3h: 1h Friday, weekend, holiday Monday, 2h Tuesday.
    assert add_business_hours(at(6, 17), 3, calendar) == at(10, 11)


def test_add_business_hours_with_other_hours_and_days():
    six_days = Calendar(frozenset({1, 2, 3, 4, 5, 6}), time(8, 30), time(12, 30), frozenset())
    # Friday 11:30 + 6h: 1h Friday, 4h Saturday, 1h Monday.
    assert add_business_hours(at(6, 11, 30), 6, six_days) == at(9, 9, 30)


def test_a_calendar_without_working_time_raises():
    with pytest.raises(ValueError, match="no working time"):
        add_business_hours(at(2, 10), 1, Calendar(frozenset(), time(9), time(18), frozenset()))
    every_day_off = frozenset(date.fromordinal(date(2025, 1, 1).toordinal() + n) for n in range(4000))
    with pytest.raises(ValueError, match="no working time"):
        add_business_hours(at(2, 10), 1, Calendar(MON_TO_FRI, time(9), time(18), every_day_off))


@pytest.mark.django_db
def test_the_branch_calendar_overrides_the_company_default():
    BusinessCalendar.objects.filter(branch__isnull=True).update(day_starts=time(8, 30), day_ends=time(17, 30))
    own, plain = BranchFactory(), BranchFactory()
    BusinessCalendar.objects.create(branch=own, working_days="1,2,3,4,5,6,7", day_starts=time(10), day_ends=time(22))
    Holiday.objects.create(date=date(2025, 6, 4), name="Own branch day", branch=own)
    Holiday.objects.create(date=date(2025, 6, 5), name="Company day", branch=None)
    Holiday.objects.create(date=date(2025, 6, 6), name="Someone else's day", branch=plain)

    mine = calendar_for(own.pk, around=date(2025, 6, 2))
    assert (mine.weekdays, mine.day_starts, mine.day_ends) == (frozenset(range(1, 8)), time(10), time(22))
    assert mine.holidays == {date(2025, 6, 4), date(2025, 6, 5)}
    default = calendar_for(plain.pk, around=date(2025, 6, 2))
    assert (default.weekdays, default.day_starts, default.day_ends) == (MON_TO_FRI, time(8, 30), time(17, 30))
    assert default.holidays == {date(2025, 6, 5), date(2025, 6, 6)}

    # Saturday 21:00 + 3h: 1h Saturday, 2h on Sunday from 10:00 (own); Monday 10:30 (default).
    assert add_business_hours(at(7, 21), 3, mine) == at(8, 12)
    assert add_business_hours(at(7, 21), 3, default) == at(9, 11, 30)


@pytest.mark.django_db
def test_without_any_configured_calendar_monday_to_friday_nine_to_six():
    BusinessCalendar.objects.all().delete()
    calendar = calendar_for(BranchFactory().pk, around=date(2025, 6, 2))
    assert (calendar.weekdays, calendar.day_starts, calendar.day_ends) == (MON_TO_FRI, time(9), time(18))


@pytest.mark.django_db
def test_a_calendar_row_with_no_valid_days_falls_back_to_weekdays():
    branch = BranchFactory()
    BusinessCalendar.objects.create(branch=branch, working_days="", day_starts=time(9), day_ends=time(18))
    assert calendar_for(branch.pk, around=date(2025, 6, 2)).weekdays == MON_TO_FRI


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("severity", "response", "resolution"),
    [
        # Monday 10:00 start, company calendar Monday–Friday 9–18: 8h left on Monday, then 9h a day.
        ("general", at(2, 15), at(3, 15)),  # 5h ; 14h = 8h Monday + 6h Tuesday
        ("important", at(2, 13), at(4, 16)),  # 3h ; 24h = 8h + 9h + 7h Wednesday
        ("major", at(2, 12), at(3, 13)),  # 2h ; 12h = 8h + 4h Tuesday
    ],
)
def test_due_times_use_the_sla_policy_of_the_severity(severity, response, resolution):
    SlaPolicy.objects.all().delete()
    SlaPolicy.objects.create(severity="general", response_hours=5, resolution_hours=14)
    SlaPolicy.objects.create(severity="important", response_hours=3, resolution_hours=24)
    SlaPolicy.objects.create(severity="major", response_hours=2, resolution_hours=12)
    BusinessCalendar.objects.filter(branch__isnull=True).update(
        working_days="1,2,3,4,5", day_starts=time(9), day_ends=time(18)
    )
    branch = BranchFactory()
    assert due_times(branch_id=branch.pk, severity=severity, start=at(2, 10)) == (response, resolution)


@pytest.mark.django_db
def test_limits_fall_back_to_the_defaults_when_no_policy_is_configured():
    SlaPolicy.objects.all().delete()
    SlaPolicy.objects.create(severity="major", response_hours=1, resolution_hours=4)
    assert limits_for("major") == (1, 4)
    assert limits_for("general") == DEFAULT_LIMITS[Severity.GENERAL] == (8, 40)
    assert limits_for("important") == (4, 24)
