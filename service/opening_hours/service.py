"""Opening hours of a line: the weekly hours of the settings, the Danish public holidays and
the line's closed days in `closed_day`, put together by the pure calendar."""

from datetime import date, datetime

from sqlmodel import Session, select

from service.config import Settings, get_settings
from service.errors import ValidationFailed
from service.opening_hours import calendar
from service.opening_hours.calendar import ClosedDay, WeeklyHours
from service.opening_hours.errors import NeverOpens
from service.opening_hours.models import ClosedDayRecord, OpeningHours, OpeningInterval
from service.taxonomy import service as taxonomy_service


def weekly_hours(settings: Settings | None = None) -> WeeklyHours:
    """The weekly hours every line keeps (`HOTLINE_OPENING_*`)."""
    settings = settings or get_settings()
    return WeeklyHours(
        timezone=settings.timezone,
        weekdays=frozenset(settings.opening_weekdays),
        opens=settings.opening_from,
        closes=settings.opening_to,
    )


def closed_days(*, session: Session, line: str) -> list[ClosedDay]:
    """The days the authority closes `line`, beyond the public holidays."""
    rows = session.exec(select(ClosedDayRecord).where(ClosedDayRecord.line == line))
    return [ClosedDay(month=row.month, day=row.day, year=row.year) for row in rows]


def opening_hours(*, session: Session, line: str, first: date, last: date) -> OpeningHours:
    """The line's opening intervals on the local days `first` to `last`, both included."""
    problems = taxonomy_service.code_problems(
        session=session, list_name="line", field="line", codes=[line], location="query"
    )
    if problems:
        raise ValidationFailed(problems)
    intervals = calendar.open_intervals(
        first, last, hours=weekly_hours(), closed=closed_days(session=session, line=line)
    )
    return OpeningHours(
        line=line,
        intervals=[OpeningInterval(opens_at=i.opens_at, closes_at=i.closes_at) for i in intervals],
    )


def next_opening(*, session: Session, line: str, now: datetime) -> datetime:
    """`now` while the line is open, else when it next opens (UTC); NeverOpens if not within
    a year."""
    due = calendar.next_opening(
        now, hours=weekly_hours(), closed=closed_days(session=session, line=line)
    )
    if due is None:
        raise NeverOpens(line, calendar.HORIZON_DAYS)
    return due
