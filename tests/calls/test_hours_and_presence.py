"""Pure parts of the desk: opening hours across daylight saving, and shown presence."""

from datetime import UTC, datetime, time, timedelta

import pytest

from service.advisers.models import Availability, Presence
from service.routing.hours import next_opening
from service.routing.presence import effective_presence

HOURS = {
    "timezone": "Europe/Copenhagen",
    "weekdays": [1, 2, 3, 4, 5],
    "opens": time(8, 0),
    "closes": time(15, 0),
}


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        # Open: due at once.
        (datetime(2025, 6, 3, 10, 0, tzinfo=UTC), datetime(2025, 6, 3, 10, 0, tzinfo=UTC)),
        # Tuesday 07:59 local in summer (05:59Z): opens at 08:00 local = 06:00Z.
        (datetime(2025, 6, 3, 5, 59, tzinfo=UTC), datetime(2025, 6, 3, 6, 0, tzinfo=UTC)),
        # Winter: 08:00 local is 07:00Z.
        (datetime(2025, 1, 14, 6, 30, tzinfo=UTC), datetime(2025, 1, 14, 7, 0, tzinfo=UTC)),
        # Friday 15:00 local sharp is closed: Monday 08:00.
        (datetime(2025, 6, 6, 13, 0, tzinfo=UTC), datetime(2025, 6, 9, 6, 0, tzinfo=UTC)),
        # Saturday before the switch to summer time (30 March 2025): Monday 08:00 CEST.
        (datetime(2025, 3, 29, 12, 0, tzinfo=UTC), datetime(2025, 3, 31, 6, 0, tzinfo=UTC)),
        # Friday evening before the switch back (26 October 2025): Monday 08:00 CET.
        (datetime(2025, 10, 24, 18, 0, tzinfo=UTC), datetime(2025, 10, 27, 7, 0, tzinfo=UTC)),
        # Sunday 23:30Z is already Monday 01:30 in Copenhagen, still before opening.
        (datetime(2025, 6, 8, 23, 30, tzinfo=UTC), datetime(2025, 6, 9, 6, 0, tzinfo=UTC)),
    ],
)
def test_next_opening(now, expected):
    assert next_opening(now, **HOURS) == expected


def test_a_week_without_opening_hours_is_an_error():
    with pytest.raises(ValueError, match="no opening hours"):
        next_opening(datetime(2025, 6, 3, tzinfo=UTC), **(HOURS | {"weekdays": []}))


NOW = datetime(2025, 6, 3, 10, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("facts", "expected"),
    [
        ({}, Presence.available),
        ({"availability": Availability.break_}, Presence.break_),
        ({"availability": Availability.offline}, Presence.offline),
        ({"offered": 1}, Presence.offered),
        ({"on_call": 1, "offered": 1}, Presence.on_call),
        ({"in_wrap_up": 1}, Presence.wrap_up),
        ({"availability": Availability.break_, "on_call": 1}, Presence.on_call),
        ({"availability": Availability.break_, "in_wrap_up": 1}, Presence.wrap_up),
        ({"wrap_up_until": NOW + timedelta(seconds=1)}, Presence.wrap_up),
        ({"wrap_up_until": NOW}, Presence.available),
    ],
)
def test_calls_outrank_what_the_adviser_said(facts, expected):
    arguments = {
        "availability": Availability.available,
        "on_call": 0,
        "offered": 0,
        "in_wrap_up": 0,
        "wrap_up_until": None,
        "now": NOW,
    }
    assert effective_presence(**(arguments | facts)) is expected
