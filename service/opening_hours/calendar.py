"""The opening-hours calendar, as pure functions: no database, no clock.

A line is open on its weekdays between the opening and closing time (local wall-clock time,
so 08:00 is 08:00 in winter and in summer), except on Danish public holidays and on the
days the authority closes the line. The public holidays come from the `holidays` package
(`holidays.country_holidays("DK")`: New Year's Day, Maundy Thursday, Good Friday, Easter,
Ascension Day, Whitsun, Christmas Day and Boxing Day). Christmas Eve and New Year's Eve are
not public holidays there; the authority closes on them, which is data (`closed_day`).
"""

from collections.abc import Collection, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays

# How far ahead the next opening is looked for: a line closed for longer has no opening.
HORIZON_DAYS = 366


@dataclass(frozen=True)
class WeeklyHours:
    """The hours of a normal week: ISO weekdays (1 = Monday) open from `opens` to `closes`."""

    timezone: str
    weekdays: frozenset[int]
    opens: time
    closes: time


@dataclass(frozen=True)
class ClosedDay:
    """A day a line is closed: every year on `month`-`day`, or only in `year`."""

    month: int
    day: int
    year: int | None = None

    def falls_on(self, day: date) -> bool:
        return (day.month, day.day) == (self.month, self.day) and self.year in (None, day.year)


@dataclass(frozen=True)
class Interval:
    """One stretch of opening hours, in the line's local time."""

    opens_at: datetime
    closes_at: datetime


@lru_cache(maxsize=256)
def _public_holidays(year: int) -> frozenset[date]:
    return frozenset(holidays.country_holidays("DK", years=year))


def is_public_holiday(day: date) -> bool:
    """Whether `day` is a Danish public holiday (helligdag)."""
    return day in _public_holidays(day.year)


def is_open_day(day: date, *, hours: WeeklyHours, closed: Collection[ClosedDay]) -> bool:
    """Whether the line opens at all on `day`."""
    return (
        day.isoweekday() in hours.weekdays
        and not is_public_holiday(day)
        and not any(closed_day.falls_on(day) for closed_day in closed)
    )


def _wall_clock(day: date, at: time, zone: ZoneInfo) -> datetime:
    # Through UTC and back: a time that does not exist on the day clocks go forward
    # (02:30) becomes the moment it would have been, with the offset that holds then.
    return datetime.combine(day, at, tzinfo=zone).astimezone(UTC).astimezone(zone)


def _intervals(
    first: date, last: date, *, hours: WeeklyHours, closed: Collection[ClosedDay]
) -> Iterator[Interval]:
    zone = ZoneInfo(hours.timezone)
    day = first
    while day <= last:
        if is_open_day(day, hours=hours, closed=closed):
            opens_at = _wall_clock(day, hours.opens, zone)
            closes_at = _wall_clock(day, hours.closes, zone)
            if opens_at < closes_at:
                yield Interval(opens_at=opens_at, closes_at=closes_at)
        if day == last:
            break
        day += timedelta(days=1)


def open_intervals(
    first: date, last: date, *, hours: WeeklyHours, closed: Collection[ClosedDay] = ()
) -> list[Interval]:
    """The opening hours of each local day from `first` to `last`, both included, in order."""
    return list(_intervals(first, last, hours=hours, closed=closed))


def next_opening(
    now: datetime,
    *,
    hours: WeeklyHours,
    closed: Collection[ClosedDay] = (),
    horizon_days: int = HORIZON_DAYS,
) -> datetime | None:
    """`now` (in UTC) while the line is open, else the moment it next opens; None if it does
    not open within `horizon_days`."""
    today = now.astimezone(ZoneInfo(hours.timezone)).date()
    last = today + timedelta(days=horizon_days)
    for interval in _intervals(today, last, hours=hours, closed=closed):
        if now < interval.opens_at:
            return interval.opens_at.astimezone(UTC)
        if now < interval.closes_at:
            return now.astimezone(UTC)
    return None
