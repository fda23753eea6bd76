"""Opening hours of a line: the weekly hours of the settings, the Danish public holidays and
the line's closed days in `closed_day`, put together by the pure calendar."""

from datetime import date, datetime

from sqlmodel import Session, select

from service.config import Settings
from service.errors import FieldProblem, ValidationFailed
from service.opening_hours import calendar
from service.opening_hours.calendar import ClosedDay, WeeklyHours
from service.opening_hours.errors import NeverOpens
from service.opening_hours.models import (
    ClosedDayIn,
    ClosedDayRecord,
    ClosedDays,
    ClosedDaysPublic,
    OpeningHours,
    OpeningInterval,
)
from service.taxonomy import service as taxonomy_service


def weekly_hours(settings: Settings) -> WeeklyHours:
    """The weekly hours every line keeps (`HOTLINE_OPENING_*`)."""
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


def _check_line(session: Session, line: str, *, location: str) -> None:
    problems = taxonomy_service.code_problems(
        session=session, list_name="line", field="line", codes=[line], location=location
    )
    if problems:
        raise ValidationFailed(problems)


def _records(session: Session, line: str) -> list[ClosedDayRecord]:
    statement = select(ClosedDayRecord).where(ClosedDayRecord.line == line)
    rows = session.exec(statement).all()
    return sorted(rows, key=lambda r: (r.year is not None, r.year or 0, r.month, r.day))


def get_closed_days(*, session: Session, line: str) -> ClosedDaysPublic:
    """The line's closed days: the yearly ones first, then the one-off ones by date."""
    _check_line(session, line, location="path")
    return ClosedDaysPublic(
        line=line,
        closed_days=[
            ClosedDayIn(month=r.month, day=r.day, year=r.year, name=r.name)
            for r in _records(session, line)
        ],
    )


def set_closed_days(*, session: Session, line: str, closed: ClosedDays) -> ClosedDaysPublic:
    """Replace the line's closed days."""
    _check_line(session, line, location="path")
    keys = [(day.year, day.month, day.day) for day in closed.closed_days]
    if len(set(keys)) != len(keys):
        reason = "a day is listed twice"
        raise ValidationFailed([FieldProblem(field="closed_days", reason=reason)])
    for old in _records(session, line):
        session.delete(old)
    session.flush()
    for day in closed.closed_days:
        session.add(ClosedDayRecord(line=line, **day.model_dump()))
    session.commit()
    return get_closed_days(session=session, line=line)


def opening_hours(
    *, session: Session, settings: Settings, line: str, first: date, last: date
) -> OpeningHours:
    """The line's opening intervals on the local days `first` to `last`, both included."""
    _check_line(session, line, location="query")
    intervals = calendar.open_intervals(
        first, last, hours=weekly_hours(settings), closed=closed_days(session=session, line=line)
    )
    return OpeningHours(
        line=line,
        intervals=[OpeningInterval(opens_at=i.opens_at, closes_at=i.closes_at) for i in intervals],
    )


def next_opening(*, session: Session, settings: Settings, line: str, now: datetime) -> datetime:
    """`now` while the line is open, else when it next opens (UTC); NeverOpens if not within
    a year."""
    due = calendar.next_opening(
        now, hours=weekly_hours(settings), closed=closed_days(session=session, line=line)
    )
    if due is None:
        raise NeverOpens(line, calendar.HORIZON_DAYS)
    return due
