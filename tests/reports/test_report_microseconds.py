"""Durations exact to the microsecond on both databases, at every threshold and 1 µs around it.

Thresholds in force: short abandon <= 5 s, service level within 20 s, Europe/Copenhagen.
The expected values are the same on SQLite and PostgreSQL: run on both, the reports are
identical. Receipt times carry microseconds that make the end fall in the next second, and
one just before a whole second (…59.999600), which SQLite's date functions round into it.
"""

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from service.db import UTCDateTime, seconds_between, whole_hours_between
from service.demo.generate import utc_text
from tests.factories import closed_call, create_call, iso
from tests.reports_data import LATER, W23_START, figures, get_ok, totals_of, utc, weekly

US = timedelta(microseconds=1)
S = timedelta(seconds=1)
# Tuesday 3 June 2025, 08:00 UTC = 10:00 in Copenhagen.
TUESDAY = utc(2025, 6, 3, 8, 0)
# Receipt times' fractions of a second, used in turn.
FRACTIONS = (0, 999_999, 999_600, 400, 500_000, 1)


def received(n: int) -> datetime:
    """The nth call's receipt: a minute apart, each with a fraction of a second."""
    return TUESDAY + timedelta(minutes=n, microseconds=FRACTIONS[n % len(FRACTIONS)])


def hang_up(client, at: datetime, wait: timedelta) -> str:
    payload = {"line": "stress", "received_at": iso(at), "ended_at": iso(at + wait)}
    return create_call(client, payload)["id"]


def answer(client, at: datetime, wait: timedelta, talk: timedelta = 300 * S) -> str:
    payload = closed_call(at, answered_at=iso(at + wait), ended_at=iso(at + wait + talk))
    return create_call(client, payload)["id"]


# The caller hung up after: (wait, short?, after more than 20 s?)
HANG_UPS = [
    (5 * S - US, True, False),
    (5 * S, True, False),  # exactly 5 s: short
    (5 * S + US, False, False),
    (20 * S - US, False, False),
    (20 * S, False, False),  # exactly 20 s: abandoned, but not after 20 s
    (20 * S + US, False, True),
]
# The call was answered after: (wait, within 20 s?)
ANSWERS = [(20 * S - US, True), (20 * S, True), (20 * S + US, False)]


@pytest.fixture
def threshold_week(client, clock):
    """2025-W23: the calls of HANG_UPS and ANSWERS, in that order; their ids."""
    clock.set(LATER)
    hang_ups = [hang_up(client, received(n), wait) for n, (wait, _, _) in enumerate(HANG_UPS)]
    offset = len(HANG_UPS)
    answers = [answer(client, received(offset + n), wait) for n, (wait, _) in enumerate(ANSWERS)]
    return hang_ups, answers


def test_the_thresholds_hold_to_the_microsecond(client, threshold_week):
    totals = weekly(client, "2025-W23")["totals"]
    assert totals_of(totals) == figures(
        9,  # received: 6 hung up + 3 answered
        3,  # answered
        4,  # abandoned: 5 s + 1 µs, 20 s - 1 µs, 20 s, 20 s + 1 µs
        2,  # short_abandoned: 5 s - 1 µs, 5 s
        4 / 7,  # abandonment_rate: 4 / (3 + 4)
        # service_level: within 20 s (20 s - 1 µs, 20 s) / (3 answered + 1 hung up after 20 s)
        2 / 4,
        20.0,  # asa_s: (20 s - 1 µs + 20 s + 20 s + 1 µs) / 3
        20.0,  # wait_p90_s: rank 3 of 3, 20.000001 to the millisecond
        300.0,  # aht_s
        0,
        0,
        0,
        0.0,  # mean_hold_s: recorded after the fact, none on hold
    )


def test_the_abandoned_list_flags_short_calls_to_the_microsecond(client, threshold_week):
    hang_ups, _ = threshold_week
    report = get_ok(client, "/reports/abandoned", week="2025-W23")
    assert [(c["call_id"], c["wait_s"], c["short"]) for c in report["calls"]] == [
        (hang_ups[0], 4.999999, True),
        (hang_ups[1], 5.0, True),
        (hang_ups[2], 5.000001, False),
        (hang_ups[3], 19.999999, False),
        (hang_ups[4], 20.0, False),
        (hang_ups[5], 20.000001, False),
    ]
    assert (report["abandoned"], report["short_abandoned"]) == (4, 2)


def test_a_call_just_before_the_hour_arrives_in_that_hour(client, clock):
    clock.set(LATER)
    # Tuesday 10:59:59.999600 and 10:59:59.999999 local, then 11:00:00 exactly.
    hang_up(client, TUESDAY + timedelta(hours=1) - 400 * US, 60 * S)
    hang_up(client, TUESDAY + timedelta(hours=1) - US, 60 * S)
    hang_up(client, TUESDAY + timedelta(hours=1), 60 * S)
    grid = weekly(client, "2025-W23")["arrivals_by_hour"]
    assert (grid[1][10], grid[1][11]) == (2, 1)


def _instant(moment: datetime) -> sa.ColumnElement:
    return sa.literal(moment, UTCDateTime())


# (start, end): microseconds apart across seconds, a day, a year and a leap day.
PAIRS = [
    (utc(2025, 6, 3, 8, 0), utc(2025, 6, 3, 8, 0, 5) + US),
    (utc(2025, 6, 3, 8, 0), utc(2025, 6, 3, 8, 0, 5) - US),
    (utc(2025, 6, 3, 8, 0, 0) + 999_999 * US, utc(2025, 6, 3, 8, 0, 1)),
    (utc(2025, 6, 3, 8, 0, 59) + 999_600 * US, utc(2025, 6, 3, 8, 1, 19) + 999_601 * US),
    (utc(2025, 12, 31, 23, 59, 59) + 999_600 * US, utc(2026, 1, 1) + 400 * US),
    (utc(2024, 2, 28, 23, 0), utc(2024, 3, 1, 1, 0) + US),
    (utc(2025, 6, 3, 8, 0, 20), utc(2025, 6, 3, 8, 0)),  # backwards: negative
]


@pytest.mark.parametrize(("start", "end"), PAIRS)
def test_seconds_between_is_exact_to_the_microsecond(session, start, end):
    micro = (end - start) // US
    seconds = seconds_between(_instant(start), _instant(end))
    value, over_5, over_20, up_to_5, up_to_20 = session.execute(
        sa.select(seconds, seconds > 5, seconds > 20.0, seconds <= 5, seconds <= 20.0)
    ).one()
    assert float(value) == micro / 1_000_000
    assert (bool(over_5), bool(over_20)) == (micro > 5_000_000, micro > 20_000_000)
    assert (bool(up_to_5), bool(up_to_20)) == (micro <= 5_000_000, micro <= 20_000_000)


def test_seconds_between_tells_apart_one_microsecond_at_the_thresholds(session):
    start = W23_START + 999_999 * US
    for threshold in (5, 20):
        waits = [threshold * S - US, threshold * S, threshold * S + US]
        over = [
            session.execute(
                sa.select(seconds_between(_instant(start), _instant(start + wait)) > threshold)
            ).scalar_one()
            for wait in waits
        ]
        assert [bool(o) for o in over] == [False, False, True]


@pytest.mark.parametrize(
    ("end", "hours"),
    [
        (W23_START + timedelta(hours=1) - US, 0),
        (W23_START + timedelta(hours=1) - 400 * US, 0),
        (W23_START + timedelta(hours=1), 1),
        (W23_START + timedelta(hours=26) + 999_999 * US, 26),
    ],
)
def test_whole_hours_between_counts_only_full_hours(session, end, hours):
    query = sa.select(whole_hours_between(_instant(W23_START), _instant(end)))
    assert session.execute(query).scalar_one() == hours


def test_the_seeders_stored_text_is_read_exactly(session):
    # The demo seeder writes SQLite's timestamps itself (`utc_text`): the same text that
    # UTCDateTime stores, so the same exact arithmetic applies to them.
    if session.get_bind().dialect.name != "sqlite":
        pytest.skip("the seeder writes text only on SQLite")
    epoch = datetime(1970, 1, 1, tzinfo=UTC)
    for start, end in PAIRS:
        texts = [utc_text((moment - epoch) // US) for moment in (start, end)]
        stored = [
            session.execute(sa.select(sa.cast(_instant(m), sa.String))).scalar_one()
            for m in (start, end)
        ]
        assert texts == stored
        value = session.execute(
            sa.select(seconds_between(sa.literal(texts[0]), sa.literal(texts[1])))
        ).scalar_one()
        assert value == (end - start) // US / 1_000_000
