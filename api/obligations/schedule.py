"""Deadline arithmetic for the obligations of a court order. Pure functions: no I/O, no database, no web.

An obligation's `schedule` says when it falls due (api-contract.md, "Obligation"):

=================  ==========================================================================================
`OneOffDate`       a fixed date: ``{"kind": "one_off", "due_on": "2025-03-01"}``
`OneOffTerm`       a term counted from the order's notification: day 1 is the first (business or calendar)
                   day *after* it: ``{"kind": "one_off", "term": {"days": 10, "unit": "business_days"}}``
`Recurring`        an iCalendar RRULE from a start date, one occurrence per date:
                   ``{"kind": "recurring", "rrule": "FREQ=YEARLY;BYMONTH=4;BYMONTHDAY=25", "starts_on": ...}``
`Continuous`       no deadline, but due for review every N months after a start date:
                   ``{"kind": "continuous", "review_every_months": 6, "starts_on": "2023-08-01"}``
=================  ==========================================================================================

What the rest of the service uses:

* `parse_schedule` / `schedule_to_dict`: the API's JSON form, both ways. Constructing a schedule validates it,
  so an instance is always valid; invalid input raises `ScheduleError(field, message)`, where `field` is the
  dotted path in the request body (``schedule.rrule``, ``schedule.term.days``...). Callers render it as a 422
  problem; the message never carries record content.
* `occurrences` (every due date up to a bound) and `next_due` (the first one after a date), each an
  `Occurrence(sequence, due_on)`; `sequence` numbers the occurrences of one schedule from 1 and is stable for
  an unchanged schedule, so an occurrence's status can be stored against it.
* `WorkCalendar`: working days are Monday to Friday minus Mexico's federal holidays (the maintained `holidays`
  package, Ley Federal del Trabajo art. 74) minus any extra closed dates given (a court's vacations, Holy
  Week, local holidays). Holy Week is *not* a federal holiday and is skipped only when given as extra dates.
* `days_late`, `days_left`, `is_overdue`, `is_due_soon`: overdue is derived, never stored: past its due date
  and not `complied`. Lateness is counted in calendar days, as a reader of "347 days late" expects.
* `ComplianceStatus` and `check_transition`: the rules a status change must follow.

Every date here is a plain calendar date as the NGO lives it (America/Mexico_City): callers compute `today`
and `as_of` in that time zone, not in UTC. A due date is met by acting on it: an obligation becomes late the
day after its due date.
"""

import re
from bisect import bisect_right
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from functools import lru_cache
from types import MappingProxyType
from typing import Any, Final, Literal, TypeAlias, get_args

import holidays
from dateutil.rrule import rrulestr

__all__ = [
    "ALLOWED_TRANSITIONS",
    "INITIAL_STATUS",
    "MAX_REVIEW_EVERY_MONTHS",
    "MAX_RRULE_INTERVAL",
    "MAX_RRULE_LENGTH",
    "MAX_SCHEDULE_DATE",
    "MAX_TERM_DAYS",
    "MIN_SCHEDULE_DATE",
    "NEXT_DUE_HORIZON_YEARS",
    "RRULE_FIRST_WITHIN_YEARS",
    "ComplianceStatus",
    "Continuous",
    "Occurrence",
    "OneOffDate",
    "OneOffTerm",
    "Recurring",
    "Schedule",
    "ScheduleError",
    "TermUnit",
    "WorkCalendar",
    "add_months",
    "check_transition",
    "days_late",
    "days_left",
    "federal_holidays",
    "is_due_soon",
    "is_overdue",
    "next_due",
    "occurrences",
    "parse_schedule",
    "schedule_to_dict",
]

# Dates a schedule may name. Wider than any court order Vigía tracks; narrow enough to catch typed years
# ("2205", "0202") and to keep every computation far from `date.max`.
MIN_SCHEDULE_DATE: Final = date(1900, 1, 1)
MAX_SCHEDULE_DATE: Final = date(2199, 12, 31)
# A term of more than 10,000 days (27 years in calendar days, 40 in business days) is a typing error.
MAX_TERM_DAYS: Final = 10_000
MAX_REVIEW_EVERY_MONTHS: Final = 120
MAX_RRULE_INTERVAL: Final = 1_000
MAX_RRULE_LENGTH: Final = 500
# A recurrence whose first date is further than this from `starts_on` is refused as a mistake (it also
# catches rules that never occur, such as February 30th).
RRULE_FIRST_WITHIN_YEARS: Final = 10
# `next_due` looks this far past `after` for a recurrence's next date before answering None.
NEXT_DUE_HORIZON_YEARS: Final = 100


class ScheduleError(ValueError):
    """Invalid schedule input or a forbidden status change.

    `field` is the dotted path of the offending field in the request body (``schedule.rrule``,
    ``schedule.term.days``, ``effective_on``, ``status``...), `message` says what is wrong in words fit for
    the API's ``errors`` list: it never contains record content. A ValueError, so that a pydantic validator
    calling `parse_schedule` reports it as a validation error too.
    """

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


# --- Working days ------------------------------------------------------------------------------------------


@lru_cache(maxsize=512)
def federal_holidays(year: int) -> frozenset[date]:
    """Mexico's federal holidays in `year`, from the `holidays` package (cached per year).

    New Year, Constitution Day (first Monday of February), Benito Juárez (third Monday of March), Labour
    Day, Independence Day, Revolution Day (third Monday of November), the change of federal government
    (October 1st every six years since 2024) and Christmas. Not Holy Week, November 2nd or December 12th:
    courts and offices that close then are described with `WorkCalendar.extra_closed`.
    """
    # `country_holidays("MX")` builds `holidays.Mexico`; it is the entry point the package types for mypy.
    return frozenset(holidays.country_holidays("MX", years=year).keys())


@dataclass(frozen=True)
class WorkCalendar:
    """Which days count as business days: Monday to Friday, minus Mexico's federal holidays, minus
    `extra_closed` (a court's judicial vacations, Holy Week, local holidays...).

    Immutable and hashable; `WorkCalendar()` is the federal calendar. Build one per set of closed dates
    and reuse it: it caches each year's closed days, so even terms of thousands of days are computed in a
    few week-sized jumps rather than day by day.
    """

    extra_closed: frozenset[date] = field(default_factory=frozenset)
    _closed_by_year: dict[int, tuple[int, ...]] = field(
        default_factory=dict, init=False, repr=False, compare=False, hash=False
    )

    def __post_init__(self) -> None:
        closed = frozenset(self.extra_closed)  # any iterable of dates is accepted at run time
        for day in closed:
            if type(day) is not date:  # a datetime would never compare equal to a date
                raise TypeError(f"extra_closed must hold dates, not {type(day).__name__}")
        object.__setattr__(self, "extra_closed", closed)

    def is_working_day(self, day: date) -> bool:
        """True on a weekday that is neither a federal holiday nor an extra closed date."""
        return day.weekday() < 5 and day not in federal_holidays(day.year) and day not in self.extra_closed

    def count_working_days(self, start: date, end: date) -> int:
        """How many working days lie in ``(start, end]``: after `start`, up to and including `end`.

        0 when `end` is not after `start`. This is the inverse of `add_working_days`.
        """
        if end <= start:
            return 0
        weeks, rest = divmod((end - start).days, 7)
        weekdays = 5 * weeks + sum(1 for i in range(1, rest + 1) if (start.weekday() + i) % 7 < 5)
        first, last = start.toordinal(), end.toordinal()
        closed = 0
        for year in range(start.year, end.year + 1):
            ordinals = self._closed_weekdays(year)
            closed += bisect_right(ordinals, last) - bisect_right(ordinals, first)
        return weekdays - closed

    def add_working_days(self, start: date, n: int) -> date:
        """The `n`-th working day after `start`: day 1 is the first working day after it.

        `start` itself never counts, working day or not (a notification on a Saturday starts the term on
        Monday). ``n == 0`` answers `start`. Raises ValueError for a negative `n`.
        """
        if n < 0:
            raise ValueError("n must not be negative")
        day, remaining = start, n
        # Any 7 consecutive days hold exactly 5 weekdays: jump whole weeks, keeping at least one day for
        # the final walk so that the answer lands on a working day.
        while remaining > 5:
            jump = day + timedelta(weeks=(remaining - 1) // 5)
            remaining -= self.count_working_days(day, jump)
            day = jump
        while remaining > 0:
            day += timedelta(days=1)
            if self.is_working_day(day):
                remaining -= 1
        return day

    def add_calendar_days(self, start: date, n: int) -> date:
        """The `n`-th calendar day after `start` (day 1 is the day after it); no day is skipped."""
        if n < 0:
            raise ValueError("n must not be negative")
        return start + timedelta(days=n)

    def _closed_weekdays(self, year: int) -> tuple[int, ...]:
        """Sorted ordinals of the Monday-to-Friday dates of `year` that are closed."""
        cached = self._closed_by_year.get(year)
        if cached is None:
            closed = federal_holidays(year) | {d for d in self.extra_closed if d.year == year}
            cached = tuple(sorted(d.toordinal() for d in closed if d.weekday() < 5))
            self._closed_by_year[year] = cached
        return cached


def add_months(start: date, months: int) -> date:
    """`start` moved by `months` calendar months, clamped to the end of a shorter month.

    2024-01-31 + 1 → 2024-02-29; 2023-01-31 + 1 → 2023-02-28; 2023-01-31 + 2 → 2023-03-31. Always count
    from a fixed start (``add_months(start, k * n)``), never from the previous result, or the day drifts
    (Jan 31 → Feb 28 → Mar 28).
    """
    index = start.year * 12 + (start.month - 1) + months
    year, month0 = divmod(index, 12)
    if not 1 <= year <= 9999:
        raise OverflowError("date out of range")
    month = month0 + 1
    return date(year, month, min(start.day, _days_in_month(year, month)))


def _days_in_month(year: int, month: int) -> int:
    if month == 12:
        return 31
    return (date(year, month + 1, 1) - timedelta(days=1)).day


# --- Schedules ---------------------------------------------------------------------------------------------

TermUnit: TypeAlias = Literal["business_days", "calendar_days"]
_TERM_UNITS: Final[tuple[str, ...]] = get_args(TermUnit)
_PRECISIONS: Final = ("day", "month", "year")


@dataclass(frozen=True, order=True)
class Occurrence:
    """One due date of a schedule. `sequence` counts a schedule's occurrences from 1 (a one-off has
    only 1); it is stable while the schedule is unchanged, so per-occurrence status can be keyed on it."""

    sequence: int
    due_on: date


@dataclass(frozen=True)
class OneOffDate:
    """Due on a fixed date."""

    due_on: date

    def __post_init__(self) -> None:
        _check_schedule_date(self.due_on, "schedule.due_on")


@dataclass(frozen=True)
class OneOffTerm:
    """Due `days` business or calendar days after the court order's notification (day 1 is the first
    such day after the notification). Needs the notification date to the day: see `resolve`."""

    days: int
    unit: TermUnit

    def __post_init__(self) -> None:
        if type(self.days) is not int:
            raise ScheduleError("schedule.term.days", "must be a whole number")
        if not 1 <= self.days <= MAX_TERM_DAYS:
            raise ScheduleError("schedule.term.days", f"must be from 1 to {MAX_TERM_DAYS}")
        if self.unit not in _TERM_UNITS:
            raise ScheduleError("schedule.term.unit", "must be business_days or calendar_days")

    def resolve(self, notified_on: date | None, *, calendar: WorkCalendar, notified_precision: str = "day") -> date:
        """The due date for an order notified on `notified_on`.

        `notified_precision` is that documentary date's precision (``day``, ``month``, ``year``; an
        `api.orm.DatePrecision` works as is). A term cannot be counted from a date known only to the month
        or year (the SEP order was notified "August 2023"), nor from no date: both raise
        ``ScheduleError("schedule.term", ...)``; a caller checking a court order rather than an obligation
        may report it under ``notified_on`` instead.
        """
        if notified_precision not in _PRECISIONS:
            raise ValueError(f"unknown date precision {notified_precision!r}")
        if notified_on is None:
            raise ScheduleError(
                "schedule.term",
                "a term is counted from the court order's notification, and the order has no notification date",
            )
        if notified_precision != "day":
            raise ScheduleError(
                "schedule.term",
                f"a term is counted from the court order's notification, whose date is known only to the "
                f"{notified_precision}; give a due date instead, or the notification date to the day",
            )
        try:
            if self.unit == "business_days":
                return calendar.add_working_days(notified_on, self.days)
            return calendar.add_calendar_days(notified_on, self.days)
        except OverflowError:
            raise ScheduleError("schedule.term.days", "the term ends beyond the last representable date") from None


@dataclass(frozen=True)
class Recurring:
    """Due on every date of an iCalendar RRULE (RFC 5545) from `starts_on`, which is the rule's DTSTART.

    As in dateutil, `starts_on` is itself an occurrence only if the rule matches it: yearly on April 25
    from 2024-01-01 first falls due on 2024-04-25. Dates are not moved off weekends or holidays: a
    recurrence names calendar dates.

    Accepted: FREQ of DAILY, WEEKLY, MONTHLY or YEARLY, and INTERVAL, COUNT or UNTIL (not both), BYMONTH,
    BYMONTHDAY, BYYEARDAY, BYWEEKNO, BYDAY, BYSETPOS, WKST, with RFC 5545's ranges and combinations.
    Refused: sub-day rules (HOURLY, MINUTELY, SECONDLY, BYHOUR, BYMINUTE, BYSECOND: at most one due date
    a day), DTSTART (that is `starts_on`), dateutil's non-standard BYEASTER, several lines (EXDATE,
    RDATE), and rules with no date within `RRULE_FIRST_WITHIN_YEARS` of `starts_on`.

    The stored `rrule` is normalised: upper case, without an "RRULE:" prefix, UNTIL as a date (YYYYMMDD,
    as RFC 5545 requires with a date-valued DTSTART).
    """

    rrule: str
    starts_on: date

    def __post_init__(self) -> None:
        _check_schedule_date(self.starts_on, "schedule.starts_on")
        if not isinstance(self.rrule, str):
            raise ScheduleError("schedule.rrule", "must be a string")
        if len(self.rrule) > MAX_RRULE_LENGTH:
            raise ScheduleError("schedule.rrule", f"must be at most {MAX_RRULE_LENGTH} characters")
        object.__setattr__(self, "rrule", _compile_rrule(self.rrule, self.starts_on).text)


@dataclass(frozen=True)
class Continuous:
    """No deadline, but due for review every `review_every_months` months after `starts_on`.

    The k-th review falls on ``add_months(starts_on, k * review_every_months)``, clamped to the end of
    shorter months and never drifting: from Jan 31 every month gives Feb 28, Mar 31, Apr 30...
    """

    review_every_months: int
    starts_on: date

    def __post_init__(self) -> None:
        if type(self.review_every_months) is not int:
            raise ScheduleError("schedule.review_every_months", "must be a whole number")
        if not 1 <= self.review_every_months <= MAX_REVIEW_EVERY_MONTHS:
            raise ScheduleError("schedule.review_every_months", f"must be from 1 to {MAX_REVIEW_EVERY_MONTHS}")
        _check_schedule_date(self.starts_on, "schedule.starts_on")

    def review(self, k: int) -> date:
        """The k-th review date (k ≥ 1). Raises OverflowError past the year 9999."""
        if k < 1:
            raise ValueError("reviews are numbered from 1")
        return add_months(self.starts_on, k * self.review_every_months)


Schedule: TypeAlias = OneOffDate | OneOffTerm | Recurring | Continuous


def _check_schedule_date(value: object, field_name: str) -> None:
    if type(value) is not date:
        raise ScheduleError(field_name, "must be a date")
    if not MIN_SCHEDULE_DATE <= value <= MAX_SCHEDULE_DATE:
        raise ScheduleError(
            field_name, f"must be from {MIN_SCHEDULE_DATE.isoformat()} to {MAX_SCHEDULE_DATE.isoformat()}"
        )


# --- Occurrences -------------------------------------------------------------------------------------------


def occurrences(
    schedule: Schedule,
    *,
    notified_on: date | None,
    calendar: WorkCalendar,
    until: date,
    limit: int = 10_000,
    notified_precision: str = "day",
) -> list[Occurrence]:
    """The schedule's occurrences, in order of due date (strictly increasing).

    * one-off: exactly one occurrence, whatever `until` (a one-off obligation always has its deadline);
    * recurring: every date of the rule on or before `until`;
    * continuous: every review on or before `until`, the first at `starts_on` + N months.

    At most `limit` occurrences, the earliest ones. A recurrence's cost grows with the span from `starts_on`
    to `until` (periods are walked one by one), so give a bound the question needs, not `date.max`.
    `notified_on` (with `notified_precision`) matters only
    to a term, and raises as `OneOffTerm.resolve` does; pass the court order's notification date always.
    """
    if limit < 0:
        raise ValueError("limit must not be negative")
    if limit == 0:
        return []
    found: list[Occurrence] = []
    match schedule:
        case OneOffDate(due_on=due_on):
            return [Occurrence(1, due_on)]
        case OneOffTerm():
            due_on = schedule.resolve(notified_on, calendar=calendar, notified_precision=notified_precision)
            return [Occurrence(1, due_on)]
        case Recurring():
            for sequence, day in enumerate(_rrule_dates(schedule, until), start=1):
                found.append(Occurrence(sequence, day))
                if len(found) >= limit:
                    break
            return found
        case Continuous():
            for sequence, day in enumerate(_reviews(schedule), start=1):
                if day > until or len(found) >= limit:
                    break
                found.append(Occurrence(sequence, day))
            return found
    raise TypeError(f"not a schedule: {type(schedule).__name__}")


def next_due(
    schedule: Schedule,
    after: date,
    *,
    notified_on: date | None,
    calendar: WorkCalendar,
    inclusive: bool = False,
    notified_precision: str = "day",
) -> Occurrence | None:
    """The first occurrence due after `after` (on or after it with ``inclusive=True``), or None.

    None for a one-off whose date has passed (it is then overdue, not "next due": see `is_overdue`), for a
    recurrence that has ended (COUNT, UNTIL) or has no date within `NEXT_DUE_HORIZON_YEARS` after `after`.
    The answer for an obligation's ``next_due_on`` "as of today" is ``next_due(s, today, inclusive=True)``.
    """

    def wanted(day: date) -> bool:
        return day >= after if inclusive else day > after

    match schedule:
        case OneOffDate() | OneOffTerm():
            (only,) = occurrences(
                schedule, notified_on=notified_on, calendar=calendar, until=after, notified_precision=notified_precision
            )
            return only if wanted(only.due_on) else None
        case Recurring():
            horizon = _years_later(after, NEXT_DUE_HORIZON_YEARS)
            for sequence, day in enumerate(_rrule_dates(schedule, horizon), start=1):
                if wanted(day):
                    return Occurrence(sequence, day)
            return None
        case Continuous():
            # Jump near the answer instead of walking every review since starts_on.
            months = (after.year - schedule.starts_on.year) * 12 + after.month - schedule.starts_on.month
            k = max(1, months // schedule.review_every_months)
            while k > 1 and wanted(schedule.review(k - 1)):
                k -= 1
            try:
                while not wanted(schedule.review(k)):
                    k += 1
            except OverflowError:
                return None
            return Occurrence(k, schedule.review(k))
    raise TypeError(f"not a schedule: {type(schedule).__name__}")


def _reviews(schedule: Continuous) -> Iterator[date]:
    k = 1
    while True:
        try:
            yield schedule.review(k)
        except OverflowError:
            return
        k += 1


def _years_later(day: date, years: int) -> date:
    return add_months(day, 12 * years) if day.year + years <= 9999 else date.max


# --- Recurrence rules (dateutil) ---------------------------------------------------------------------------

_RRULE_FREQS: Final = frozenset({"DAILY", "WEEKLY", "MONTHLY", "YEARLY"})
_RRULE_PARTS: Final = frozenset(
    {"FREQ", "INTERVAL", "COUNT", "UNTIL", "BYMONTH", "BYMONTHDAY", "BYYEARDAY", "BYWEEKNO", "BYDAY", "BYSETPOS"}
    | {"WKST"}
)
_SUB_DAY_PARTS: Final = frozenset({"BYHOUR", "BYMINUTE", "BYSECOND"})
# part → (smallest magnitude, largest magnitude, negative values allowed), per RFC 5545 section 3.3.10.
_RRULE_RANGES: Final = {
    "BYMONTH": (1, 12, False),
    "BYMONTHDAY": (1, 31, True),
    "BYYEARDAY": (1, 366, True),
    "BYWEEKNO": (1, 53, True),
    "BYSETPOS": (1, 366, True),
}
_WEEKDAYS: Final = frozenset({"MO", "TU", "WE", "TH", "FR", "SA", "SU"})
_BYDAY_ITEM: Final = re.compile(r"([+-]?)(\d{1,2})?([A-Z]{2})")
_SIGNED_INT: Final = re.compile(r"[+-]?\d{1,3}")
_UNTIL: Final = re.compile(r"(\d{4})(\d{2})(\d{2})(T\d{6}Z?)?")


class _ScanLimitReached(Exception):
    """Raised from inside dateutil's iterator when a scan has gone past where it is needed."""


class _RebuildMeter:
    """Stands in for a dateutil rrule's `_bynweekday` to bound how far its iterator scans.

    dateutil finds a rule's next date by walking period after period, and only stops at a match or at the
    year 9999: a rule matching rarely or never ("FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30") costs seconds of CPU
    per call. Its iterator rebuilds its masks once per year it enters (YEARLY) or per month it enters
    (other frequencies), and every rebuild tests ``bool(rule._bynweekday)`` (dateutil 2.9, pinned in
    pyproject.toml). Counting those tests tells how far the scan has gone; past the budget we raise
    `_ScanLimitReached`, which ends the iteration. tests/obligations/test_schedule.py checks that a rule
    that never occurs is refused quickly, so an upgrade that breaks this hook fails the suite.
    """

    __slots__ = ("_budget", "_wrapped")

    def __init__(self, wrapped: Any, budget: int) -> None:
        self._wrapped = wrapped
        self._budget = budget

    def __bool__(self) -> bool:
        self._budget -= 1
        if self._budget < 0:
            raise _ScanLimitReached
        return bool(self._wrapped)

    def __iter__(self) -> Iterator[Any]:
        return iter(self._wrapped or ())


@dataclass(frozen=True)
class _CompiledRule:
    text: str  # normalised rule, as stored
    freq: str
    count: int | None
    until: date | None


def _rrule_error(message: str) -> ScheduleError:
    return ScheduleError("schedule.rrule", message)


def _check_int(name: str, value: str, low: int, high: int) -> int:
    if not value.isdigit() or not low <= int(value) <= high:
        raise _rrule_error(f"{name} must be a whole number from {low} to {high}")
    return int(value)


def _check_list(name: str, value: str, freq: str) -> None:
    items = value.split(",")
    if any(not item for item in items):
        raise _rrule_error(f"{name} has an empty value")
    if name == "BYDAY":
        for item in items:
            m = _BYDAY_ITEM.fullmatch(item)
            if not m or m.group(3) not in _WEEKDAYS:
                raise _rrule_error(f"BYDAY takes weekdays such as MO, TU or -1FR, not {item[:10]!r}")
            if m.group(2) is not None:
                if freq not in {"MONTHLY", "YEARLY"}:
                    raise _rrule_error("BYDAY takes a position (such as 1MO or -1FR) only with MONTHLY or YEARLY")
                if not 1 <= int(m.group(2)) <= (5 if freq == "MONTHLY" else 53):
                    raise _rrule_error(f"BYDAY position {item[:10]!r} is out of range")
            elif m.group(1):
                raise _rrule_error(f"BYDAY {item[:10]!r} has a sign but no position")
        return
    low, high, signed = _RRULE_RANGES[name]
    for item in items:
        if not _SIGNED_INT.fullmatch(item) or (item[0] == "-" and not signed) or not low <= abs(int(item)) <= high:
            bounds = f"±{low} to ±{high}" if signed else f"{low} to {high}"
            raise _rrule_error(f"{name} values must be whole numbers from {bounds}")


@lru_cache(maxsize=1024)
def _compile_rrule(raw: str, starts_on: date) -> _CompiledRule:
    """Validate and normalise an RRULE (see `Recurring`); raises ScheduleError('schedule.rrule', ...)."""
    text = raw.strip().upper()
    if text.startswith("RRULE:"):
        text = text[len("RRULE:") :]
    if not text:
        raise _rrule_error("is required")
    if any(c in text for c in "\r\n") or text.startswith(("DTSTART", "EXDATE", "RDATE", "EXRULE")):
        raise _rrule_error("give one RRULE value such as FREQ=YEARLY;BYMONTH=4;BYMONTHDAY=25, without other lines")
    parts: dict[str, str] = {}
    for part in text.split(";"):
        name, sep, value = part.partition("=")
        if not sep or not name or not value:
            raise _rrule_error(f"{part[:20]!r} is not a NAME=VALUE part")
        if name in parts:
            raise _rrule_error(f"{name} is given twice")
        if name in _SUB_DAY_PARTS:
            raise _rrule_error(f"{name} is not accepted: an obligation falls due at most once a day")
        if name == "DTSTART":
            raise _rrule_error("DTSTART is not accepted in the rule: give starts_on")
        if name not in _RRULE_PARTS:
            raise _rrule_error(f"{name[:20]} is not a recurrence part Vigía accepts")
        parts[name] = value

    freq = parts.get("FREQ")
    if freq is None:
        raise _rrule_error("FREQ is required")
    if freq in {"HOURLY", "MINUTELY", "SECONDLY"}:
        raise _rrule_error(f"FREQ={freq} is not accepted: an obligation falls due at most once a day")
    if freq not in _RRULE_FREQS:
        raise _rrule_error("FREQ must be DAILY, WEEKLY, MONTHLY or YEARLY")
    # RFC 5545 3.3.10: which BYxxx parts go with which frequency.
    if "BYWEEKNO" in parts and freq != "YEARLY":
        raise _rrule_error("BYWEEKNO goes only with FREQ=YEARLY")
    if "BYYEARDAY" in parts and freq in {"DAILY", "WEEKLY", "MONTHLY"}:
        raise _rrule_error("BYYEARDAY goes only with FREQ=YEARLY")
    if "BYMONTHDAY" in parts and freq == "WEEKLY":
        raise _rrule_error("BYMONTHDAY does not go with FREQ=WEEKLY")
    if "COUNT" in parts and "UNTIL" in parts:
        raise _rrule_error("give COUNT or UNTIL, not both")
    if "BYSETPOS" in parts and not {"BYMONTH", "BYMONTHDAY", "BYYEARDAY", "BYWEEKNO", "BYDAY"} & parts.keys():
        raise _rrule_error("BYSETPOS needs another BYxxx part to select from")

    if "INTERVAL" in parts:
        _check_int("INTERVAL", parts["INTERVAL"], 1, MAX_RRULE_INTERVAL)
    count = _check_int("COUNT", parts["COUNT"], 1, MAX_TERM_DAYS) if "COUNT" in parts else None
    until: date | None = None
    if "UNTIL" in parts:
        m = _UNTIL.fullmatch(parts["UNTIL"])
        try:
            until = date(int(m.group(1)), int(m.group(2)), int(m.group(3))) if m else None
        except ValueError:
            until = None
        if until is None:
            raise _rrule_error("UNTIL must be a date such as 20261231")
        if until < starts_on:
            raise _rrule_error("UNTIL is before starts_on")
        parts["UNTIL"] = until.strftime("%Y%m%d")
    if "WKST" in parts and parts["WKST"] not in _WEEKDAYS:
        raise _rrule_error("WKST must be a weekday such as MO")
    for name in ("BYMONTH", "BYMONTHDAY", "BYYEARDAY", "BYWEEKNO", "BYSETPOS", "BYDAY"):
        if name in parts:
            _check_list(name, parts[name], freq)

    compiled = _CompiledRule(";".join(f"{k}={v}" for k, v in parts.items()), freq, count, until)
    try:
        first = next(_scan(compiled, starts_on, _years_later(starts_on, RRULE_FIRST_WITHIN_YEARS)), None)
    except (ValueError, TypeError, KeyError, IndexError, OverflowError) as exc:  # dateutil's own checks
        raise _rrule_error(f"is not a valid recurrence ({str(exc)[:80]})") from None
    if first is None:
        raise _rrule_error(f"has no date in the {RRULE_FIRST_WITHIN_YEARS} years from starts_on")
    return compiled


def _scan(rule: _CompiledRule, starts_on: date, stop: date) -> Iterator[date]:
    """The rule's dates from `starts_on` up to `stop` inclusive, in order, with bounded work."""
    if rule.until is not None:
        stop = min(stop, rule.until)
    if stop < starts_on:
        return
    # A fresh dateutil object per scan: the meter below is per-iteration state.
    dateutil_rule = rrulestr(rule.text, dtstart=datetime.combine(starts_on, time()))
    if rule.freq == "YEARLY":
        periods = stop.year - starts_on.year
    else:
        periods = (stop.year - starts_on.year) * 12 + stop.month - starts_on.month
    # The n-th rebuild enters a period at least n - 1 years (YEARLY) or months (others) after the first, so
    # once more than `periods + 3` have happened the scan is past `stop` and nothing more can be wanted.
    dateutil_rule._bynweekday = _RebuildMeter(dateutil_rule._bynweekday, periods + 3)
    found = 0
    iterator = iter(dateutil_rule)
    while rule.count is None or found < rule.count:
        try:
            moment = next(iterator)
        except (StopIteration, _ScanLimitReached):
            return
        day: date = moment.date()
        if day > stop:
            return
        found += 1
        yield day


def _rrule_dates(schedule: Recurring, until: date) -> Iterator[date]:
    return _scan(_compile_rrule(schedule.rrule, schedule.starts_on), schedule.starts_on, until)


# --- Lateness ----------------------------------------------------------------------------------------------


class ComplianceStatus(StrEnum):
    """How the NGO assesses compliance, in the Inter-American Court's vocabulary."""

    pending = "pending"  # pendiente
    partial = "partial"  # cumplimiento parcial
    complied = "complied"  # cumplimiento total
    disputed = "disputed"  # the authority claims compliance that the NGO does not accept


INITIAL_STATUS: Final = ComplianceStatus.pending


def _status(value: ComplianceStatus | str) -> ComplianceStatus:
    try:
        return ComplianceStatus(value)
    except ValueError:
        raise ScheduleError("status", "must be one of " + ", ".join(ComplianceStatus)) from None


def days_late(due_on: date, as_of: date) -> int:
    """Calendar days past the due date: 0 on or before it, 1 the day after."""
    return max(0, (as_of - due_on).days)


def days_left(due_on: date, as_of: date) -> int:
    """Calendar days until the due date: 0 on the day itself and once it has passed."""
    return max(0, (due_on - as_of).days)


def is_overdue(due_on: date, as_of: date, status: ComplianceStatus | str) -> bool:
    """Past its due date and not `complied` (partial and disputed compliance are still overdue)."""
    return as_of > due_on and _status(status) is not ComplianceStatus.complied


def is_due_soon(due_on: date, as_of: date, status: ComplianceStatus | str, *, within_days: int) -> bool:
    """Not `complied`, and due from `as_of` to `within_days` days later, both included (the deadline
    checker's "due soon"; an occurrence due today is due soon, not overdue)."""
    if within_days < 0:
        raise ValueError("within_days must not be negative")
    return _status(status) is not ComplianceStatus.complied and 0 <= (due_on - as_of).days <= within_days


# --- Status changes ----------------------------------------------------------------------------------------

# Which statuses may follow which. Every status may follow every other: an NGO's assessment is revised
# as facts come in, in any direction. A `complied` obligation can later be found only `partial` (the
# materials were taken down) or `pending` again (a court annuls the compliance); `disputed` can follow
# anything the authority claims, and resolve into anything. The record stays honest because changes are
# append-only, each with its reason and evidence, not because some moves are forbidden. Kept as a table
# so that a stricter policy is a one-line change here.
ALLOWED_TRANSITIONS: Final[Mapping[ComplianceStatus, frozenset[ComplianceStatus]]] = MappingProxyType(
    {status: frozenset(ComplianceStatus) - {status} for status in ComplianceStatus}
)


def check_transition(
    current: ComplianceStatus | str,
    new: ComplianceStatus | str,
    effective_on: date,
    today: date,
    *,
    current_since: date | None = None,
) -> None:
    """Raise ScheduleError unless a status change from `current` to `new`, effective on `effective_on`,
    may be recorded on `today` (the date in Mexico City).

    * `new` must be a known status (field ``status``);
    * `effective_on` may not be in the future (field ``effective_on``): a status records what has
      happened, and a future-dated change would make the obligation look complied before it is;
    * a change to the status it already has is refused (field ``status``): it would add a history entry
      that changes nothing; new evidence for the same status belongs to the existing entry;
    * with `current_since` (when the current status took effect), `effective_on` may not be earlier
      (field ``effective_on``): the history is append-only, and a change back-dated before its
      predecessor would record a wrong "from" status. The same day is allowed;
    * any status may follow any other (`ALLOWED_TRANSITIONS`).
    """
    new_status = _status(new)
    current_status = _status(current)
    if effective_on > today:
        raise ScheduleError("effective_on", "cannot be in the future")
    if new_status is current_status:
        raise ScheduleError("status", f"the obligation is already {new_status.value}")
    if current_since is not None and effective_on < current_since:
        raise ScheduleError("effective_on", "cannot be earlier than the date the current status took effect")
    if new_status not in ALLOWED_TRANSITIONS[current_status]:
        raise ScheduleError("status", f"cannot change from {current_status.value} to {new_status.value}")


# --- JSON forms --------------------------------------------------------------------------------------------

_ISO_DATE: Final = re.compile(r"\d{4}-\d{2}-\d{2}")
_KIND_FIELDS: Final = {
    "one_off": frozenset({"kind", "due_on", "term"}),
    "recurring": frozenset({"kind", "rrule", "starts_on"}),
    "continuous": frozenset({"kind", "review_every_months", "starts_on"}),
}


def parse_schedule(data: object) -> Schedule:
    """A schedule from its API JSON form (already decoded), exactly one of::

        {"kind": "one_off", "due_on": "2025-03-01"}
        {"kind": "one_off", "term": {"days": 10, "unit": "business_days"}}
        {"kind": "recurring", "rrule": "FREQ=YEARLY;BYMONTH=4;BYMONTHDAY=25", "starts_on": "2024-01-01"}
        {"kind": "continuous", "review_every_months": 6, "starts_on": "2023-08-01"}

    Dates are ``YYYY-MM-DD`` strings (`date` objects are accepted too); numbers are JSON integers.
    Unknown fields are refused, as everywhere in the API. Raises ScheduleError naming the field
    (``schedule.kind``, ``schedule.term.days``, ``schedule.rrule``...).
    """
    if not isinstance(data, Mapping):
        raise ScheduleError("schedule", "must be an object")
    kind = data.get("kind")
    if not isinstance(kind, str) or kind not in _KIND_FIELDS:
        raise ScheduleError("schedule.kind", "must be one_off, recurring or continuous")
    _no_unknown_fields(data, _KIND_FIELDS[kind], "schedule")

    if kind == "one_off":
        due_on, term = data.get("due_on"), data.get("term")
        if due_on is not None and term is not None:
            raise ScheduleError("schedule", "give either due_on or term, not both")
        if due_on is not None:
            return OneOffDate(_parse_date(due_on, "schedule.due_on"))
        if term is None:
            raise ScheduleError("schedule.due_on", "a one_off schedule needs due_on or term")
        if not isinstance(term, Mapping):
            raise ScheduleError("schedule.term", "must be an object")
        _no_unknown_fields(term, frozenset({"days", "unit"}), "schedule.term")
        days, unit = _required(term, "days", "schedule.term"), _required(term, "unit", "schedule.term")
        if unit not in _TERM_UNITS:
            raise ScheduleError("schedule.term.unit", "must be business_days or calendar_days")
        return OneOffTerm(days=days, unit=unit)

    starts_on = _parse_date(_required(data, "starts_on", "schedule"), "schedule.starts_on")
    if kind == "recurring":
        return Recurring(rrule=_required(data, "rrule", "schedule"), starts_on=starts_on)
    return Continuous(review_every_months=_required(data, "review_every_months", "schedule"), starts_on=starts_on)


def schedule_to_dict(schedule: Schedule) -> dict[str, Any]:
    """The API JSON form of a schedule (dates as ``YYYY-MM-DD``); `parse_schedule` reads it back."""
    match schedule:
        case OneOffDate(due_on=due_on):
            return {"kind": "one_off", "due_on": due_on.isoformat()}
        case OneOffTerm(days=days, unit=unit):
            return {"kind": "one_off", "term": {"days": days, "unit": unit}}
        case Recurring(rrule=rrule, starts_on=starts_on):
            return {"kind": "recurring", "rrule": rrule, "starts_on": starts_on.isoformat()}
        case Continuous(review_every_months=months, starts_on=starts_on):
            return {"kind": "continuous", "review_every_months": months, "starts_on": starts_on.isoformat()}
    raise TypeError(f"not a schedule: {type(schedule).__name__}")


def _no_unknown_fields(data: Mapping[Any, Any], allowed: frozenset[str], prefix: str) -> None:
    for key in data:
        if key not in allowed:
            raise ScheduleError(f"{prefix}.{str(key)[:40]}", "is not an accepted field")


def _required(data: Mapping[Any, Any], key: str, prefix: str) -> Any:
    value = data.get(key)
    if value is None:
        raise ScheduleError(f"{prefix}.{key}", "is required")
    return value


def _parse_date(value: object, field_name: str) -> date:
    if type(value) is date:
        return value
    if not isinstance(value, str) or not _ISO_DATE.fullmatch(value):
        raise ScheduleError(field_name, "must be a date written YYYY-MM-DD")
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ScheduleError(field_name, "is not a valid date") from None
