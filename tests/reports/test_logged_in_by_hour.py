"""The advisers logged in per local weekday and hour of a week, which the report page draws
beside the advisers Erlang C says each hour needed."""

from datetime import UTC, datetime

from service.config import get_settings
from service.reports import service as reports_service
from service.reports.weeks import parse_week
from tests.desk import Desk
from tests.reports_data import LATER


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


def test_each_hour_has_the_advisers_logged_in_on_average(client, session, clock):
    desk = Desk(client, session, clock)
    # Wednesday 11 June 2025 (2025-W24), Copenhagen = UTC + 2. Asta: available 08:30 to
    # 10:15 UTC, on a break 09:00-09:15. Bo: available 09:00-11:00 UTC, then offline.
    clock.set(utc(2025, 6, 11, 8, 30))
    asta = desk.adviser(name="Asta")
    clock.set(utc(2025, 6, 11, 9, 0))
    bo = desk.adviser(name="Bo")
    desk.presence(asta, "break")
    clock.set(utc(2025, 6, 11, 9, 15))
    desk.presence(asta, "available")
    clock.set(utc(2025, 6, 11, 10, 15))
    desk.presence(asta, "offline")
    clock.set(utc(2025, 6, 11, 11, 0))
    desk.presence(bo, "offline")
    grid = reports_service.logged_in_by_hour(
        session=session, settings=get_settings(), week=parse_week("2025-W24"), now=LATER
    )
    assert len(grid) == 7 and all(len(hours) == 24 for hours in grid)
    wednesday = grid[2]
    # 10:30-11:00 local: Asta half the hour; 11-12: Asta 45 min (break 15) + Bo; 12-13:
    # Asta 15 min + Bo; 13-: nobody.
    assert wednesday[10] == 0.5
    assert wednesday[11] == 1.75
    assert wednesday[12] == 1.25
    assert wednesday[13] == 0
    assert wednesday[9] == 0
    assert sum(sum(hours) for hours in grid) == 0.5 + 1.75 + 1.25


def test_an_hour_not_yet_over_counts_up_to_now(client, session, clock):
    desk = Desk(client, session, clock)
    clock.set(utc(2025, 6, 11, 9, 0))
    desk.adviser(name="Asta")
    grid = reports_service.logged_in_by_hour(
        session=session,
        settings=get_settings(),
        week=parse_week("2025-W24"),
        now=utc(2025, 6, 11, 10, 30),
    )
    assert grid[2][11] == 1.0
    assert grid[2][12] == 0.5
    assert grid[2][13] == 0


def test_the_autumn_s_repeated_hour_is_averaged_over_both(client, session, clock):
    desk = Desk(client, session, clock)
    # Sunday 26 October 2025 (2025-W43): 02:00-03:00 local occurs twice, 00:00-01:00 and
    # 01:00-02:00 UTC. Logged in for the first of them only: half the hour on average.
    clock.set(utc(2025, 10, 26, 0, 0))
    asta = desk.adviser(name="Asta")
    clock.set(utc(2025, 10, 26, 1, 0))
    desk.presence(asta, "offline")
    grid = reports_service.logged_in_by_hour(
        session=session, settings=get_settings(), week=parse_week("2025-W43"), now=LATER
    )
    assert grid[6][2] == 0.5
    assert grid[6][1] == 0


def test_a_presence_from_before_the_week_fills_every_hour_it_spans_and_none_after_now(
    client, session, clock
):
    desk = Desk(client, session, clock)
    # 2025-W24 begins Monday 9 June 00:00 local = Sunday 8 June 22:00 UTC. Asta: available
    # from Sunday 20:00 UTC, carried into the week, to Monday 01:30 UTC (03:30 local). Bo:
    # available 01:00-02:00 UTC (03-04 local, ending on the hour), and again on Tuesday,
    # after `now`.
    clock.set(utc(2025, 6, 8, 20, 0))
    asta = desk.adviser(name="Asta")
    clock.set(utc(2025, 6, 9, 1, 0))
    bo = desk.adviser(name="Bo")
    clock.set(utc(2025, 6, 9, 1, 30))
    desk.presence(asta, "offline")
    clock.set(utc(2025, 6, 9, 2, 0))
    desk.presence(bo, "break")
    clock.set(utc(2025, 6, 10, 8, 0))
    desk.presence(bo, "available")
    grid = reports_service.logged_in_by_hour(
        session=session,
        settings=get_settings(),
        week=parse_week("2025-W24"),
        now=utc(2025, 6, 9, 3, 0),
    )
    assert grid[0][:5] == [1.0, 1.0, 1.0, 1.5, 0]
    assert sum(grid[1]) == 0
    assert sum(sum(hours) for hours in grid) == 4.5
