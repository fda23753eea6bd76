"""ISO weeks in Copenhagen time: a week runs Monday 00:00 to the next Monday 00:00 local.

A week that contains a daylight saving change has 167 or 169 hours; its bounds are still
local midnights, converted to UTC for querying stored (UTC) timestamps.
"""

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

_WEEK = re.compile(r"^([0-9]{4})-W([0-9]{2})$")  # [0-9]: \d would take other scripts' digits

# A report reads the week before as well, and its bounds in UTC may lie up to a day either
# side of the local dates: in year 1 they fall before 0001-01-01, the first date Python
# has (OverflowError, a 500), and 9999's last week ends after the last. Years 2 to 9998
# keep every week, its neighbours and their bounds representable in any time zone.
FIRST_YEAR, LAST_YEAR = 2, 9998


@dataclass(frozen=True, order=True)
class IsoWeek:
    year: int
    week: int

    def __str__(self) -> str:
        return f"{self.year:04d}-W{self.week:02d}"

    @property
    def monday(self) -> date:
        return date.fromisocalendar(self.year, self.week, 1)

    def bounds(self, timezone: str) -> tuple[datetime, datetime]:
        """Return the week's start and end as UTC instants (end exclusive)."""
        zone = ZoneInfo(timezone)
        start = datetime.combine(self.monday, time(0), tzinfo=zone)
        end = datetime.combine(self.monday + timedelta(days=7), time(0), tzinfo=zone)
        return start.astimezone(UTC), end.astimezone(UTC)

    def shifted(self, weeks: int) -> "IsoWeek":
        return IsoWeek.of(self.monday + timedelta(weeks=weeks))

    @classmethod
    def of(cls, day: date) -> "IsoWeek":
        year, week, _ = day.isocalendar()
        return cls(year, week)


def weeks_in_year(year: int) -> int:
    """52 or 53: 28 December always lies in the year's last ISO week."""
    return date(year, 12, 28).isocalendar()[1]


SUPPORTED = f"must be a week from {FIRST_YEAR:04d}-W01 to {LAST_YEAR}-W{weeks_in_year(LAST_YEAR)}"


def parse_week(text: str) -> IsoWeek:
    """Parse `2025-W23`; raise ValueError for a malformed or non-existent week."""
    match = _WEEK.fullmatch(text)
    if match is None:
        raise ValueError("must be an ISO week such as 2025-W23")
    year, week = int(match.group(1)), int(match.group(2))
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise ValueError(SUPPORTED)
    if not 1 <= week <= weeks_in_year(year):
        raise ValueError(f"{year} has no week {week} (it has {weeks_in_year(year)})")
    return IsoWeek(year, week)


def weeks_between(first: IsoWeek, last: IsoWeek) -> list[IsoWeek]:
    """Every week from `first` to `last`, both included."""
    weeks, week = [], first
    while week <= last:
        weeks.append(week)
        week = week.shifted(1)
    return weeks


def local_hour_slots(start: datetime, end: datetime, timezone: str) -> list[tuple[int, int]]:
    """(ISO weekday, local hour) of each UTC hour from start to end, in order.

    Copenhagen's offsets are whole hours, so every UTC hour is exactly one local hour; in
    the autumn the local hour 02 occurs twice and in the spring not at all.
    """
    zone = ZoneInfo(timezone)
    slots = []
    moment = start
    while moment < end:
        local = moment.astimezone(zone)
        slots.append((local.isoweekday(), local.hour))
        moment += timedelta(hours=1)
    return slots


__all__ = [
    "FIRST_YEAR",
    "LAST_YEAR",
    "IsoWeek",
    "local_hour_slots",
    "parse_week",
    "weeks_between",
    "weeks_in_year",
]
