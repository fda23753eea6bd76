"""Opening hours: when the lines are staffed, in local time with daylight saving handled."""

from collections.abc import Collection
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo


def next_opening(
    now: datetime,
    *,
    timezone: str,
    weekdays: Collection[int],
    opens: time,
    closes: time,
) -> datetime:
    """Return `now` if the lines are open, else the moment they next open (in UTC).

    `weekdays` are ISO weekdays (1 = Monday). Local wall-clock times are converted with the
    zone's rules, so 08:00 is 08:00 in winter and summer alike.
    """
    zone = ZoneInfo(timezone)
    local = now.astimezone(zone)
    for days_ahead in range(8):
        day = local.date() + timedelta(days=days_ahead)
        if day.isoweekday() not in weekdays:
            continue
        start = datetime.combine(day, opens, tzinfo=zone)
        end = datetime.combine(day, closes, tzinfo=zone)
        if local < start:
            return start.astimezone(UTC)
        if local < end:
            return now.astimezone(UTC)
    raise ValueError("no opening hours configured")
