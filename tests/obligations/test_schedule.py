"""Deadline arithmetic (api/obligations/schedule.py): working days, terms, recurrences, reviews, lateness,
status changes and the schedule's JSON forms. Pure functions: no database, no client."""

import time as clock
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from itertools import pairwise, permutations

import holidays
import pytest
from dateutil.rrule import rrulestr
from hypothesis import given, settings
from hypothesis import strategies as st

from api.obligations.schedule import (
    ALLOWED_TRANSITIONS,
    MAX_TERM_DAYS,
    ComplianceStatus,
    Continuous,
    Occurrence,
    OneOffDate,
    OneOffTerm,
    Recurring,
    ScheduleError,
    WorkCalendar,
    add_months,
    check_transition,
    days_late,
    days_left,
    federal_holidays,
    is_due_soon,
    is_overdue,
    next_due,
    occurrences,
    parse_schedule,
    schedule_to_dict,
)

FEDERAL = WorkCalendar()
FAR = date(2199, 12, 31)


def naive_add_working_days(calendar: WorkCalendar, start: date, n: int) -> date:
    """The obvious day-by-day walk, to check the week-jumping one against."""
    day = start
    while n > 0:
        day += timedelta(days=1)
        if calendar.is_working_day(day):
            n -= 1
    return day


def naive_count(calendar: WorkCalendar, start: date, end: date) -> int:
    return sum(1 for i in range(1, (end - start).days + 1) if calendar.is_working_day(start + timedelta(days=i)))


def dates_of(schedule, until=FAR, **kwargs) -> list[str]:
    return [
        o.due_on.isoformat() for o in occurrences(schedule, notified_on=None, calendar=FEDERAL, until=until, **kwargs)
    ]


def due(schedule, notified_on, calendar=FEDERAL, **kwargs) -> date:
    (only,) = occurrences(schedule, notified_on=notified_on, calendar=calendar, until=FAR, **kwargs)
    return only.due_on


# --- Working days ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("year", [1995, 2023, 2024, 2025, 2030, 2040])
def test_federal_holidays_come_from_the_holidays_package(year):
    assert federal_holidays(year) == frozenset(holidays.Mexico(years=year))


def test_constitution_day_is_skipped():
    # Friday 2025-01-31; Monday 2025-02-03 is Constitution Day (first Monday of February).
    assert date(2025, 2, 3) in federal_holidays(2025)
    assert FEDERAL.add_working_days(date(2025, 1, 31), 1) == date(2025, 2, 4)
    assert not FEDERAL.is_working_day(date(2025, 2, 3))


def test_the_change_of_federal_government_is_skipped_in_2024():
    assert FEDERAL.add_working_days(date(2024, 9, 30), 1) == date(2024, 10, 2)
    # ... but October 1st is an ordinary day in other years.
    assert FEDERAL.add_working_days(date(2025, 9, 30), 1) == date(2025, 10, 1)


def test_holy_week_is_not_a_federal_holiday():
    # Holy Thursday and Good Friday 2025 are April 17 and 18: working days unless a court closes.
    assert FEDERAL.add_working_days(date(2025, 4, 16), 1) == date(2025, 4, 17)
    assert FEDERAL.add_working_days(date(2025, 4, 16), 2) == date(2025, 4, 18)
    court = WorkCalendar(frozenset({date(2025, 4, 17), date(2025, 4, 18)}))
    assert court.add_working_days(date(2025, 4, 16), 1) == date(2025, 4, 21)


def test_christmas_and_new_year_are_skipped():
    assert FEDERAL.add_working_days(date(2024, 12, 24), 1) == date(2024, 12, 26)
    assert FEDERAL.add_working_days(date(2024, 12, 31), 1) == date(2025, 1, 2)
    # Dec 23, 24, 26, 27, 30, 31, Jan 2, 3, 6, 7.
    assert FEDERAL.add_working_days(date(2024, 12, 20), 10) == date(2025, 1, 7)


def test_the_start_day_never_counts():
    # Notified on a Saturday, or on a holiday: day 1 is the next working day after it.
    assert FEDERAL.add_working_days(date(2025, 2, 1), 1) == date(2025, 2, 4)
    assert FEDERAL.add_working_days(date(2025, 2, 3), 1) == date(2025, 2, 4)
    assert FEDERAL.add_working_days(date(2025, 2, 4), 1) == date(2025, 2, 5)
    assert FEDERAL.add_working_days(date(2025, 2, 1), 0) == date(2025, 2, 1)
    with pytest.raises(ValueError):
        FEDERAL.add_working_days(date(2025, 2, 1), -1)


def test_a_closed_week_moves_the_due_date_by_exactly_its_working_days():
    start, base = date(2025, 7, 4), FEDERAL.add_working_days(date(2025, 7, 4), 10)
    assert base == date(2025, 7, 18)
    vacation = frozenset(date(2025, 7, 12) + timedelta(days=i) for i in range(9))  # Sat 12 to Sun 20
    court = WorkCalendar(vacation)
    moved = court.add_working_days(start, 10)
    assert moved == date(2025, 7, 25)
    assert FEDERAL.count_working_days(base, moved) == 5
    assert court.count_working_days(start, moved) == 10


def test_closed_dates_on_weekends_and_holidays_change_nothing():
    court = WorkCalendar(frozenset({date(2025, 2, 1), date(2025, 2, 2), date(2025, 2, 3)}))
    assert court.add_working_days(date(2025, 1, 31), 1) == date(2025, 2, 4)
    assert court.add_working_days(date(2025, 1, 1), 60) == FEDERAL.add_working_days(date(2025, 1, 1), 60)


def test_a_calendar_is_a_value():
    a = WorkCalendar(frozenset({date(2025, 4, 17)}))
    a.add_working_days(date(2025, 1, 1), 100)  # fills its cache
    assert a == WorkCalendar(frozenset({date(2025, 4, 17)}))
    assert hash(a) == hash(WorkCalendar(frozenset({date(2025, 4, 17)})))
    assert WorkCalendar() != a
    with pytest.raises(TypeError):
        WorkCalendar(frozenset({datetime(2025, 4, 17, 9, 0)}))


def test_a_term_of_ten_thousand_business_days_is_fast_and_exact():
    court = WorkCalendar(frozenset(date(2030, 12, 15) + timedelta(days=i) for i in range(20)))
    started = clock.perf_counter()
    result = court.add_working_days(date(2023, 8, 15), 10_000)
    assert clock.perf_counter() - started < 0.5
    assert result == naive_add_working_days(court, date(2023, 8, 15), 10_000)
    assert court.count_working_days(date(2023, 8, 15), result) == 10_000


def test_calendar_days_skip_nothing():
    assert FEDERAL.add_calendar_days(date(2023, 8, 15), 30) == date(2023, 9, 14)
    assert FEDERAL.add_calendar_days(date(2024, 12, 20), 5) == date(2024, 12, 25)  # on Christmas: not moved
    assert FEDERAL.add_calendar_days(date(2024, 2, 28), 1) == date(2024, 2, 29)


@settings(max_examples=200, deadline=None)
@given(start=st.dates(date(2000, 1, 1), date(2040, 12, 31)), n=st.integers(1, 400))
def test_add_working_days_lands_on_the_nth_working_day(start, n):
    result = FEDERAL.add_working_days(start, n)
    assert result > start
    assert result.weekday() < 5
    assert result not in holidays.Mexico(years=result.year)
    assert naive_count(FEDERAL, start, result) == n
    assert FEDERAL.count_working_days(start, result) == n


@settings(max_examples=150, deadline=None)
@given(
    start=st.dates(date(2020, 1, 1), date(2030, 12, 31)),
    n=st.integers(0, 300),
    closed=st.frozensets(st.dates(date(2020, 1, 1), date(2032, 12, 31)), max_size=60),
)
def test_add_working_days_agrees_with_a_day_by_day_walk(start, n, closed):
    court = WorkCalendar(closed)
    assert court.add_working_days(start, n) == naive_add_working_days(court, start, n)


@settings(max_examples=150, deadline=None)
@given(start=st.dates(date(2020, 1, 1), date(2030, 12, 31)), span=st.integers(-10, 800))
def test_count_working_days_counts_the_half_open_interval(start, span):
    end = start + timedelta(days=span)
    assert FEDERAL.count_working_days(start, end) == max(0, naive_count(FEDERAL, start, end))


# --- One-off schedules -------------------------------------------------------------------------------------


def test_a_due_date_is_one_occurrence_whatever_the_bound():
    schedule = OneOffDate(date(2025, 3, 1))
    assert occurrences(schedule, notified_on=None, calendar=FEDERAL, until=date(2020, 1, 1)) == [
        Occurrence(1, date(2025, 3, 1))
    ]


def test_business_and_calendar_day_terms_count_from_the_notification():
    notified = date(2025, 1, 31)
    assert due(OneOffTerm(1, "business_days"), notified) == date(2025, 2, 4)
    assert due(OneOffTerm(10, "business_days"), notified) == date(2025, 2, 17)
    assert due(OneOffTerm(10, "calendar_days"), notified) == date(2025, 2, 10)
    court = WorkCalendar(frozenset({date(2025, 2, 5)}))
    assert due(OneOffTerm(1, "business_days"), date(2025, 2, 4), court) == date(2025, 2, 6)


class DatePrecision(StrEnum):  # as api.orm's: the term accepts it as is
    day = "day"
    month = "month"
    year = "year"


def test_a_term_needs_the_notification_date_to_the_day():
    term = OneOffTerm(10, "business_days")
    with pytest.raises(ScheduleError) as missing:
        occurrences(term, notified_on=None, calendar=FEDERAL, until=FAR)
    assert missing.value.field == "schedule.term"
    assert "no notification date" in missing.value.message
    # The SEP order was notified "August 2023": a month-precise date.
    with pytest.raises(ScheduleError) as imprecise:
        occurrences(
            term, notified_on=date(2023, 8, 1), calendar=FEDERAL, until=FAR, notified_precision=DatePrecision.month
        )
    assert imprecise.value.field == "schedule.term"
    assert "month" in imprecise.value.message
    with pytest.raises(ScheduleError):
        term.resolve(date(2023, 1, 1), calendar=FEDERAL, notified_precision="year")
    assert term.resolve(date(2023, 8, 15), calendar=FEDERAL, notified_precision=DatePrecision.day) == date(2023, 8, 29)
    with pytest.raises(ValueError, match="precision"):
        term.resolve(date(2023, 8, 15), calendar=FEDERAL, notified_precision="week")


def test_terms_and_dates_only_matter_to_terms():
    # A fixed date or a recurrence does not need the notification, whatever its precision.
    assert due(OneOffDate(date(2025, 3, 1)), None, notified_precision="month") == date(2025, 3, 1)


# --- Continuous reviews and month arithmetic ---------------------------------------------------------------


def test_month_ends_and_leap_years():
    assert add_months(date(2024, 1, 31), 1) == date(2024, 2, 29)
    assert add_months(date(2023, 1, 31), 1) == date(2023, 2, 28)
    assert add_months(date(2023, 1, 31), 2) == date(2023, 3, 31)
    assert add_months(date(2023, 11, 30), 3) == date(2024, 2, 29)
    assert add_months(date(2024, 3, 31), -1) == date(2024, 2, 29)
    assert add_months(date(2023, 8, 1), 6) == date(2024, 2, 1)
    with pytest.raises(OverflowError):
        add_months(date(9999, 12, 1), 1)


def test_monthly_reviews_do_not_drift_from_a_month_end():
    reviews = dates_of(Continuous(1, date(2023, 1, 31)), until=date(2024, 1, 31))
    assert reviews == [
        "2023-02-28", "2023-03-31", "2023-04-30", "2023-05-31", "2023-06-30", "2023-07-31",
        "2023-08-31", "2023-09-30", "2023-10-31", "2023-11-30", "2023-12-31", "2024-01-31",
    ]  # fmt: skip
    assert dates_of(Continuous(12, date(2024, 2, 29)), until=date(2028, 12, 31)) == [
        "2025-02-28",
        "2026-02-28",
        "2027-02-28",
        "2028-02-29",
    ]


def test_reviews_every_six_months_of_the_sep_training_obligation():
    training = Continuous(6, date(2023, 8, 1))
    assert dates_of(training, until=date(2025, 8, 1)) == ["2024-02-01", "2024-08-01", "2025-02-01", "2025-08-01"]
    assert dates_of(training, until=date(2024, 1, 31)) == []
    assert next_due(training, date(2024, 7, 1), notified_on=None, calendar=FEDERAL) == Occurrence(2, date(2024, 8, 1))
    # As of the report (July 2024) the first review is 151 days late: nothing has been complied.
    assert days_late(date(2024, 2, 1), date(2024, 7, 1)) == 151
    assert is_overdue(date(2024, 2, 1), date(2024, 7, 1), ComplianceStatus.pending)


@pytest.mark.parametrize("after", [date(2022, 1, 1), date(2023, 2, 27), date(2023, 2, 28), date(2030, 5, 31)])
def test_next_review_agrees_with_the_list(after):
    schedule = Continuous(1, date(2023, 1, 31))
    listed = occurrences(schedule, notified_on=None, calendar=FEDERAL, until=date(2031, 1, 1))
    assert next_due(schedule, after, notified_on=None, calendar=FEDERAL) == next(o for o in listed if o.due_on > after)
    assert next_due(schedule, after, notified_on=None, calendar=FEDERAL, inclusive=True) == next(
        o for o in listed if o.due_on >= after
    )


# --- Recurrences -------------------------------------------------------------------------------------------


def test_a_yearly_awareness_day():
    day = Recurring("FREQ=YEARLY;BYMONTH=4;BYMONTHDAY=25", date(2024, 1, 1))
    assert occurrences(day, notified_on=None, calendar=FEDERAL, until=date(2026, 12, 31)) == [
        Occurrence(1, date(2024, 4, 25)),
        Occurrence(2, date(2025, 4, 25)),
        Occurrence(3, date(2026, 4, 25)),
    ]
    # Sequences are positions from starts_on, the same whatever the bound.
    assert next_due(day, date(2025, 4, 25), notified_on=None, calendar=FEDERAL) == Occurrence(3, date(2026, 4, 25))
    assert next_due(day, date(2025, 4, 25), notified_on=None, calendar=FEDERAL, inclusive=True) == Occurrence(
        2, date(2025, 4, 25)
    )
    assert dates_of(day, until=date(2026, 12, 31), limit=2) == ["2024-04-25", "2025-04-25"]
    assert dates_of(day, until=date(2026, 12, 31), limit=0) == []


def test_count_and_until_end_a_recurrence():
    monthly = Recurring("FREQ=MONTHLY;BYMONTHDAY=-1;COUNT=3", date(2024, 1, 1))
    assert dates_of(monthly) == ["2024-01-31", "2024-02-29", "2024-03-31"]
    assert next_due(monthly, date(2024, 3, 31), notified_on=None, calendar=FEDERAL) is None
    # UNTIL includes its own day; a UTC date-time is read as its date.
    until = Recurring("FREQ=YEARLY;BYMONTH=4;BYMONTHDAY=25;UNTIL=20260425T000000Z", date(2024, 1, 1))
    assert until.rrule == "FREQ=YEARLY;BYMONTH=4;BYMONTHDAY=25;UNTIL=20260425"
    assert dates_of(until) == ["2024-04-25", "2025-04-25", "2026-04-25"]


def test_recurrences_name_calendar_dates_and_may_fall_on_holidays():
    # Yearly on Constitution Day's fixed date (February 5th), a Sunday in 2023: not moved.
    assert dates_of(Recurring("FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=5", date(2023, 1, 1)), until=date(2023, 12, 31)) == [
        "2023-02-05"
    ]


def test_starts_on_counts_only_when_the_rule_matches_it():
    assert dates_of(Recurring("FREQ=WEEKLY;BYDAY=MO", date(2025, 1, 1)), until=date(2025, 1, 14)) == [
        "2025-01-06",
        "2025-01-13",
    ]
    assert dates_of(Recurring("FREQ=MONTHLY", date(2025, 1, 15)), until=date(2025, 3, 31)) == [
        "2025-01-15",
        "2025-02-15",
        "2025-03-15",
    ]


def test_a_rule_is_normalised():
    rule = Recurring("  rrule:freq=yearly;bymonth=4;bymonthday=25 ", date(2024, 1, 1))
    assert rule == Recurring("FREQ=YEARLY;BYMONTH=4;BYMONTHDAY=25", date(2024, 1, 1))


@pytest.mark.parametrize(
    ("rule", "says"),
    [
        ("", "required"),
        ("FREQ=SECONDLY", "at most once a day"),
        ("FREQ=MINUTELY;INTERVAL=15", "at most once a day"),
        ("FREQ=HOURLY", "at most once a day"),
        ("FREQ=DAILY;BYHOUR=9,17", "at most once a day"),
        ("FREQ=FORTNIGHTLY", "FREQ must be"),
        ("BYMONTH=4", "FREQ is required"),
        ("FREQ=YEARLY;FREQ=MONTHLY", "twice"),
        ("FREQ=YEARLY;BYMONTH=13", "BYMONTH"),
        ("FREQ=YEARLY;BYMONTHDAY=0", "BYMONTHDAY"),
        ("FREQ=YEARLY;BYDAY=XX", "BYDAY"),
        ("FREQ=WEEKLY;BYDAY=1MO", "position"),
        ("FREQ=YEARLY;INTERVAL=0", "INTERVAL"),
        ("FREQ=YEARLY;COUNT=0", "COUNT"),
        ("FREQ=YEARLY;COUNT=2;UNTIL=20261231", "not both"),
        ("FREQ=YEARLY;UNTIL=2026", "UNTIL"),
        ("FREQ=YEARLY;UNTIL=20230101", "before starts_on"),
        ("FREQ=YEARLY;BYEASTER=0", "not a recurrence part"),
        ("FREQ=YEARLY;X-NAME=1", "not a recurrence part"),
        ("DTSTART:20240101\nRRULE:FREQ=YEARLY", "other lines"),
        ("FREQ=YEARLY;DTSTART=20240101", "starts_on"),
        ("FREQ=YEARLY;BYSETPOS=1", "BYSETPOS"),
        ("FREQ=MONTHLY;BYWEEKNO=1", "BYWEEKNO"),
        ("FREQ=YEARLY;", "NAME=VALUE"),
        ("FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30", "no date in the 10 years"),
        ("FREQ=YEARLY;INTERVAL=4;BYMONTH=2;BYMONTHDAY=29", "no date in the 10 years"),  # from an odd year
    ],
)
def test_invalid_rules_are_refused_naming_the_field(rule, says):
    with pytest.raises(ScheduleError) as error:
        Recurring(rule, date(2025, 1, 1))
    assert error.value.field == "schedule.rrule"
    assert says in error.value.message


@pytest.mark.parametrize(
    "rule",
    [
        "FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30",
        "FREQ=WEEKLY;BYMONTH=4;BYDAY=MO;BYSETPOS=6",
        "FREQ=DAILY;BYMONTH=1;BYMONTHDAY=31;BYDAY=MO;INTERVAL=7",
    ],
)
def test_a_rule_that_never_occurs_is_refused_quickly(rule):
    # dateutil alone would scan to the year 9999 (seconds of CPU per call); the scan is bounded.
    started = clock.perf_counter()
    with pytest.raises(ScheduleError, match="no date"):
        Recurring(rule, date(2025, 1, 1))
    assert clock.perf_counter() - started < 1.0


def test_a_sparse_rule_scans_only_as_far_as_needed():
    leap_mondays = Recurring("FREQ=DAILY;BYMONTH=2;BYMONTHDAY=29;BYDAY=MO", date(2040, 1, 1))
    started = clock.perf_counter()
    assert dates_of(leap_mondays, until=date(2050, 1, 1)) == ["2044-02-29"]
    assert next_due(leap_mondays, date(2044, 3, 1), notified_on=None, calendar=FEDERAL) == Occurrence(
        2, date(2072, 2, 29)
    )
    assert clock.perf_counter() - started < 1.0


RULES = [
    "FREQ=YEARLY;BYMONTH=4;BYMONTHDAY=25",
    "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29",
    "FREQ=YEARLY;BYDAY=-1FR;BYMONTH=12",
    "FREQ=YEARLY;BYWEEKNO=20;BYDAY=MO",
    "FREQ=YEARLY;BYYEARDAY=100,-1",
    "FREQ=MONTHLY;BYMONTHDAY=31",
    "FREQ=MONTHLY;INTERVAL=3;BYMONTHDAY=1",
    "FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1",
    "FREQ=MONTHLY;BYDAY=2MO",
    "FREQ=WEEKLY;INTERVAL=2;BYDAY=FR",
    "FREQ=DAILY;INTERVAL=10",
    "FREQ=DAILY;BYDAY=SA,SU;BYMONTH=8",
    "FREQ=YEARLY;COUNT=5",
    "FREQ=MONTHLY;UNTIL=20301231",
]


@settings(max_examples=100, deadline=None)
@given(
    rule=st.sampled_from(RULES),
    starts_on=st.dates(date(2020, 1, 1), date(2029, 12, 31)),
    years=st.integers(0, 12),
)
def test_recurrences_agree_with_dateutil(rule, starts_on, years):
    until = add_months(starts_on, 12 * years)
    reference = rrulestr(rule, dtstart=datetime.combine(starts_on, time()))
    expected = [
        d.date()
        for d in reference.between(datetime.combine(starts_on, time()), datetime.combine(until, time()), inc=True)
    ]
    found = occurrences(Recurring(rule, starts_on), notified_on=None, calendar=FEDERAL, until=until)
    assert [o.due_on for o in found] == expected
    assert [o.sequence for o in found] == list(range(1, len(found) + 1))


schedules = st.one_of(
    st.builds(OneOffDate, st.dates(date(2000, 1, 1), date(2100, 12, 31))),
    st.builds(OneOffTerm, st.integers(1, 500), st.sampled_from(["business_days", "calendar_days"])),
    st.builds(Recurring, st.sampled_from(RULES), st.dates(date(2020, 1, 1), date(2029, 12, 31))),
    st.builds(Continuous, st.integers(1, 120), st.dates(date(1990, 1, 1), date(2040, 12, 31))),
)


@settings(max_examples=150, deadline=None)
@given(
    schedule=schedules,
    notified_on=st.dates(date(2000, 1, 1), date(2040, 12, 31)),
    until=st.dates(date(2020, 1, 1), date(2060, 12, 31)),
    after=st.dates(date(2000, 1, 1), date(2060, 12, 31)),
)
def test_occurrences_are_strictly_increasing_and_next_due_agrees(schedule, notified_on, until, after):
    found = occurrences(schedule, notified_on=notified_on, calendar=FEDERAL, until=until)
    assert all(a.due_on < b.due_on and a.sequence + 1 == b.sequence for a, b in pairwise(found))
    assert not found or found[0].sequence == 1
    if isinstance(schedule, Recurring | Continuous):
        assert all(o.due_on <= until for o in found)
        if found and found[-1].due_on > after:
            nxt = next_due(schedule, after, notified_on=notified_on, calendar=FEDERAL)
            assert nxt == next(o for o in found if o.due_on > after)
    else:
        assert len(found) == 1


# --- Lateness ----------------------------------------------------------------------------------------------


def test_days_late_and_left():
    deadline = date(2025, 3, 1)
    assert (days_late(deadline, date(2025, 2, 27)), days_left(deadline, date(2025, 2, 27))) == (0, 2)
    assert (days_late(deadline, deadline), days_left(deadline, deadline)) == (0, 0)
    assert (days_late(deadline, date(2025, 3, 2)), days_left(deadline, date(2025, 3, 2))) == (1, 0)
    assert days_late(deadline, date(2026, 3, 1)) == 365


def test_overdue_is_past_the_date_and_not_complied():
    deadline = date(2025, 3, 1)
    assert not is_overdue(deadline, deadline, ComplianceStatus.pending)  # the due day itself is in time
    for status in ("pending", "partial", "disputed"):
        assert is_overdue(deadline, date(2025, 3, 2), status)
    assert not is_overdue(deadline, date(2025, 3, 2), ComplianceStatus.complied)
    with pytest.raises(ScheduleError) as error:
        is_overdue(deadline, date(2025, 3, 2), "late")
    assert error.value.field == "status"


def test_due_soon():
    deadline = date(2025, 3, 1)
    assert is_due_soon(deadline, date(2025, 3, 1), "pending", within_days=0)
    assert is_due_soon(deadline, date(2025, 2, 1), "partial", within_days=30)
    assert not is_due_soon(deadline, date(2025, 1, 29), "pending", within_days=30)
    assert not is_due_soon(deadline, date(2025, 3, 2), "pending", within_days=30)  # overdue, not due soon
    assert not is_due_soon(deadline, date(2025, 2, 20), "complied", within_days=30)


@settings(max_examples=100, deadline=None)
@given(due_on=st.dates(), as_of=st.dates())
def test_complied_is_never_overdue(due_on, as_of):
    assert not is_overdue(due_on, as_of, ComplianceStatus.complied)
    assert is_overdue(due_on, as_of, ComplianceStatus.pending) == (days_late(due_on, as_of) > 0)


# --- Status changes ----------------------------------------------------------------------------------------

TODAY = date(2024, 7, 1)


@pytest.mark.parametrize(("current", "new"), list(permutations(ComplianceStatus, 2)))
def test_every_status_may_follow_every_other(current, new):
    check_transition(current, new, TODAY, TODAY)
    assert new in ALLOWED_TRANSITIONS[current]


def test_a_change_cannot_take_effect_in_the_future():
    with pytest.raises(ScheduleError) as error:
        check_transition("pending", "partial", TODAY + timedelta(days=1), TODAY)
    assert error.value.field == "effective_on"


@pytest.mark.parametrize("status", list(ComplianceStatus))
def test_a_change_to_the_same_status_is_refused(status):
    with pytest.raises(ScheduleError) as error:
        check_transition(status, status, TODAY, TODAY)
    assert error.value.field == "status"


def test_a_change_cannot_predate_the_current_status():
    with pytest.raises(ScheduleError) as error:
        check_transition("disputed", "partial", date(2024, 5, 1), TODAY, current_since=date(2024, 6, 1))
    assert error.value.field == "effective_on"
    check_transition("disputed", "partial", date(2024, 6, 1), TODAY, current_since=date(2024, 6, 1))
    check_transition("complied", "partial", date(2023, 9, 1), TODAY)  # back-dated, no predecessor date given


def test_an_unknown_status_is_refused():
    with pytest.raises(ScheduleError) as error:
        check_transition("pending", "done", TODAY, TODAY)
    assert error.value.field == "status"


# --- JSON forms --------------------------------------------------------------------------------------------

CONTRACT_FORMS = [
    {"kind": "one_off", "due_on": "2025-03-01"},
    {"kind": "one_off", "term": {"days": 10, "unit": "business_days"}},
    {"kind": "one_off", "term": {"days": 30, "unit": "calendar_days"}},
    {"kind": "recurring", "rrule": "FREQ=YEARLY;BYMONTH=4;BYMONTHDAY=25", "starts_on": "2024-01-01"},
    {"kind": "continuous", "review_every_months": 6, "starts_on": "2023-08-01"},
]


@pytest.mark.parametrize("form", CONTRACT_FORMS)
def test_contract_forms_round_trip(form):
    assert schedule_to_dict(parse_schedule(form)) == form


def test_parsed_schedules():
    assert parse_schedule(CONTRACT_FORMS[0]) == OneOffDate(date(2025, 3, 1))
    assert parse_schedule(CONTRACT_FORMS[1]) == OneOffTerm(10, "business_days")
    assert parse_schedule(CONTRACT_FORMS[3]) == Recurring("FREQ=YEARLY;BYMONTH=4;BYMONTHDAY=25", date(2024, 1, 1))
    assert parse_schedule(CONTRACT_FORMS[4]) == Continuous(6, date(2023, 8, 1))
    assert parse_schedule({"kind": "one_off", "due_on": date(2025, 3, 1), "term": None}) == OneOffDate(date(2025, 3, 1))


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ([], "schedule"),
        ({}, "schedule.kind"),
        ({"kind": "weekly"}, "schedule.kind"),
        ({"kind": ["one_off"]}, "schedule.kind"),
        ({"kind": "one_off"}, "schedule.due_on"),
        ({"kind": "one_off", "due_on": "2025-03-01", "term": {"days": 1, "unit": "calendar_days"}}, "schedule"),
        ({"kind": "one_off", "due_on": "01/03/2025"}, "schedule.due_on"),
        ({"kind": "one_off", "due_on": "2025-02-30"}, "schedule.due_on"),
        ({"kind": "one_off", "due_on": "2025-03-01T10:00:00"}, "schedule.due_on"),
        ({"kind": "one_off", "due_on": "2205-03-01"}, "schedule.due_on"),
        ({"kind": "one_off", "due_on": 20250301}, "schedule.due_on"),
        ({"kind": "one_off", "due_on": "2025-03-01", "notes": "x"}, "schedule.notes"),
        ({"kind": "one_off", "term": 10}, "schedule.term"),
        ({"kind": "one_off", "term": {"unit": "business_days"}}, "schedule.term.days"),
        ({"kind": "one_off", "term": {"days": 0, "unit": "business_days"}}, "schedule.term.days"),
        ({"kind": "one_off", "term": {"days": MAX_TERM_DAYS + 1, "unit": "business_days"}}, "schedule.term.days"),
        ({"kind": "one_off", "term": {"days": 10.5, "unit": "business_days"}}, "schedule.term.days"),
        ({"kind": "one_off", "term": {"days": "10", "unit": "business_days"}}, "schedule.term.days"),
        ({"kind": "one_off", "term": {"days": True, "unit": "business_days"}}, "schedule.term.days"),
        ({"kind": "one_off", "term": {"days": 10, "unit": "weeks"}}, "schedule.term.unit"),
        ({"kind": "one_off", "term": {"days": 10}}, "schedule.term.unit"),
        ({"kind": "one_off", "term": {"days": 10, "unit": "business_days", "from": "x"}}, "schedule.term.from"),
        ({"kind": "recurring", "starts_on": "2024-01-01"}, "schedule.rrule"),
        ({"kind": "recurring", "rrule": "FREQ=HOURLY", "starts_on": "2024-01-01"}, "schedule.rrule"),
        ({"kind": "recurring", "rrule": 5, "starts_on": "2024-01-01"}, "schedule.rrule"),
        (
            {"kind": "recurring", "rrule": "FREQ=YEARLY;" + "BYMONTH=4;" * 100, "starts_on": "2024-01-01"},
            "schedule.rrule",
        ),
        ({"kind": "recurring", "rrule": "FREQ=YEARLY"}, "schedule.starts_on"),
        ({"kind": "recurring", "rrule": "FREQ=YEARLY", "starts_on": "2024-01-01", "due_on": "x"}, "schedule.due_on"),
        ({"kind": "continuous", "starts_on": "2023-08-01"}, "schedule.review_every_months"),
        ({"kind": "continuous", "review_every_months": 0, "starts_on": "2023-08-01"}, "schedule.review_every_months"),
        ({"kind": "continuous", "review_every_months": 121, "starts_on": "2023-08-01"}, "schedule.review_every_months"),
        ({"kind": "continuous", "review_every_months": "6", "starts_on": "2023-08-01"}, "schedule.review_every_months"),
        ({"kind": "continuous", "review_every_months": 6, "starts_on": "1899-12-31"}, "schedule.starts_on"),
    ],
)
def test_invalid_forms_name_the_field(data, field):
    with pytest.raises(ScheduleError) as error:
        parse_schedule(data)
    assert error.value.field == field
    assert error.value.message
    assert str(error.value).startswith(field + ": ")


def test_a_schedule_error_is_a_value_error():
    # So that a pydantic validator calling parse_schedule turns it into a validation error.
    assert issubclass(ScheduleError, ValueError)
