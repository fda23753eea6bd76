"""Opening hours: weekly hours less Danish public holidays and the authority's closed days,
in Copenhagen time across daylight saving; `GET /opening-hours`; callbacks fall due then."""

import uuid
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import select

from service.calls.models import Call
from service.opening_hours.calendar import (
    ClosedDay,
    WeeklyHours,
    is_public_holiday,
    next_opening,
    open_intervals,
)
from service.opening_hours.models import ClosedDayRecord
from tests.desk import CLASSIFICATION, Desk
from tests.factories import assert_problem, bearer, make_token, parse_time

CPH = ZoneInfo("Europe/Copenhagen")
HOURS = WeeklyHours(
    timezone="Europe/Copenhagen",
    weekdays=frozenset({1, 2, 3, 4, 5}),
    opens=time(8, 0),
    closes=time(15, 0),
)
# What the migration seeds for every line: the authority closes on these two as well.
AUTHORITY = (ClosedDay(month=12, day=24), ClosedDay(month=12, day=31))
PHONE = "+4522334455"


def days(intervals) -> list[date]:
    return [interval.opens_at.date() for interval in intervals]


def offsets(intervals) -> set[str]:
    return {interval.opens_at.strftime("%z") for interval in intervals} | {
        interval.closes_at.strftime("%z") for interval in intervals
    }


# The calendar, pure


def test_christmas_2026_is_closed_on_the_holidays_and_the_authoritys_eves():
    intervals = open_intervals(date(2026, 12, 21), date(2027, 1, 4), hours=HOURS, closed=AUTHORITY)
    assert days(intervals) == [
        date(2026, 12, 21), date(2026, 12, 22), date(2026, 12, 23),
        date(2026, 12, 28), date(2026, 12, 29), date(2026, 12, 30),
        date(2027, 1, 4),
    ]  # fmt: skip
    assert intervals[0].opens_at == datetime(2026, 12, 21, 8, 0, tzinfo=CPH)
    assert intervals[0].closes_at == datetime(2026, 12, 21, 15, 0, tzinfo=CPH)
    assert offsets(intervals) == {"+0100"}


def test_christmas_eve_and_new_years_eve_are_closed_days_not_public_holidays():
    """The `holidays` package does not count them: the authority's closed days do."""
    assert not is_public_holiday(date(2026, 12, 24))
    assert not is_public_holiday(date(2026, 12, 31))
    assert is_public_holiday(date(2026, 12, 25)) and is_public_holiday(date(2027, 1, 1))
    without = open_intervals(date(2026, 12, 21), date(2027, 1, 4), hours=HOURS)
    assert date(2026, 12, 24) in days(without) and date(2026, 12, 31) in days(without)


def test_easter_2027_closes_maundy_thursday_to_easter_monday_across_the_change_to_summer_time():
    # Easter Sunday is 28 March 2027, the night clocks go forward.
    intervals = open_intervals(date(2027, 3, 22), date(2027, 4, 2), hours=HOURS, closed=AUTHORITY)
    assert days(intervals) == [
        date(2027, 3, 22), date(2027, 3, 23), date(2027, 3, 24),
        date(2027, 3, 30), date(2027, 3, 31), date(2027, 4, 1), date(2027, 4, 2),
    ]  # fmt: skip
    in_utc = [interval.opens_at.astimezone(UTC).time() for interval in intervals]
    assert in_utc == [time(7, 0)] * 3 + [time(6, 0)] * 4
    assert [interval.opens_at.strftime("%z") for interval in intervals] == (
        ["+0100"] * 3 + ["+0200"] * 4
    )


def test_the_week_clocks_go_back_keeps_08_00_local():
    # 25 October 2026: summer time ends.
    intervals = open_intervals(date(2026, 10, 19), date(2026, 10, 30), hours=HOURS)
    assert len(intervals) == 10
    assert {i.opens_at.time() for i in intervals} == {time(8, 0)}
    assert {i.closes_at.time() for i in intervals} == {time(15, 0)}
    assert [i.opens_at.strftime("%z") for i in intervals] == ["+0200"] * 5 + ["+0100"] * 5
    assert all(i.closes_at - i.opens_at == timedelta(hours=7) for i in intervals)


def test_a_closed_day_once_or_every_year():
    once = ClosedDay(month=6, day=5, year=2026)
    yearly = ClosedDay(month=6, day=5)
    assert once.falls_on(date(2026, 6, 5)) and not once.falls_on(date(2027, 6, 5))
    assert yearly.falls_on(date(2026, 6, 5)) and yearly.falls_on(date(2027, 6, 5))

    def open_on(day: date) -> bool:
        return bool(open_intervals(day, day, hours=HOURS, closed=[once]))

    # 5 June 2026 is a Friday; in 2027 a Saturday, so Friday 4 June stands in for it.
    assert not open_on(date(2026, 6, 5))
    assert open_on(date(2026, 6, 4)) and open_on(date(2027, 6, 4))


@pytest.mark.parametrize(
    ("local_now", "due"),
    [
        # Open: due at once.
        (datetime(2026, 12, 22, 11, 0), datetime(2026, 12, 22, 11, 0)),
        # Before opening, on an open day.
        (datetime(2026, 12, 22, 7, 59), datetime(2026, 12, 22, 8, 0)),
        # After closing on 23 December: Christmas Eve, Christmas, the weekend go by.
        (datetime(2026, 12, 23, 15, 0), datetime(2026, 12, 28, 8, 0)),
        # On Christmas Eve morning.
        (datetime(2026, 12, 24, 9, 0), datetime(2026, 12, 28, 8, 0)),
        # After closing on 30 December: New Year's Eve and Day, the weekend.
        (datetime(2026, 12, 30, 16, 0), datetime(2027, 1, 4, 8, 0)),
        # Wednesday before Easter 2027, after hours: opens after Easter Monday, in summer time.
        (datetime(2027, 3, 24, 15, 30), datetime(2027, 3, 30, 8, 0)),
    ],
)
def test_the_next_opening(local_now, due):
    now = local_now.replace(tzinfo=CPH).astimezone(UTC)
    found = next_opening(now, hours=HOURS, closed=AUTHORITY)
    assert found == due.replace(tzinfo=CPH)
    assert found.tzinfo == UTC


def test_no_opening_within_the_horizon_is_none():
    never = WeeklyHours(timezone="Europe/Copenhagen", weekdays=frozenset(), opens=time(8),
                        closes=time(15))  # fmt: skip
    assert next_opening(datetime(2026, 12, 3, tzinfo=UTC), hours=never) is None


# The endpoint


def test_the_issues_example_range_exactly(client):
    response = client.get(
        "/opening-hours", params={"line": "stress", "from": "2026-12-21", "to": "2027-01-04"}
    )
    assert response.status_code == 200, response.text

    def day(text: str) -> dict[str, str]:
        return {"opens_at": f"{text}T08:00:00+01:00", "closes_at": f"{text}T15:00:00+01:00"}

    assert response.json() == {
        "line": "stress",
        "intervals": [
            day(d)
            for d in ("2026-12-21", "2026-12-22", "2026-12-23", "2026-12-28", "2026-12-29",
                      "2026-12-30", "2027-01-04")
        ],
    }  # fmt: skip


def test_the_endpoint_shows_summer_time_offsets(client):
    response = client.get(
        "/opening-hours", params={"line": "managers", "from": "2027-03-29", "to": "2027-03-30"}
    )
    assert response.json() == {
        "line": "managers",
        "intervals": [
            {"opens_at": "2027-03-30T08:00:00+02:00", "closes_at": "2027-03-30T15:00:00+02:00"}
        ],
    }


def test_closed_days_are_per_line(client, session):
    session.add(ClosedDayRecord(line="managers", month=12, day=22, year=2026, name="Seminar"))
    session.commit()

    def opening_days(line: str) -> list[str]:
        params = {"line": line, "from": "2026-12-21", "to": "2026-12-23"}
        intervals = client.get("/opening-hours", params=params).json()["intervals"]
        return [interval["opens_at"][:10] for interval in intervals]

    assert opening_days("managers") == ["2026-12-21", "2026-12-23"]
    assert opening_days("stress") == ["2026-12-21", "2026-12-22", "2026-12-23"]


def test_the_seeded_closed_days_are_christmas_eve_and_new_years_eve_on_every_line(session):
    rows = session.exec(select(ClosedDayRecord).where(ClosedDayRecord.year.is_(None))).all()
    assert sorted((row.line, row.month, row.day) for row in rows) == [
        ("managers", 12, 24), ("managers", 12, 31), ("stress", 12, 24), ("stress", 12, 31),
    ]  # fmt: skip


def test_a_range_of_366_days_is_answered(client):
    params = {"line": "stress", "from": "2027-01-01", "to": "2027-12-31"}
    assert client.get("/opening-hours", params=params).status_code == 200
    params = {"line": "stress", "from": "2028-01-01", "to": "2028-12-31"}  # a leap year
    assert client.get("/opening-hours", params=params).status_code == 200


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"line": "stress", "from": "2027-01-05", "to": "2027-01-04"}, "to"),
        ({"line": "stress", "from": "2027-01-01", "to": "2028-01-02"}, "to"),
        ({"line": "stress", "from": "2026-13-01", "to": "2027-01-04"}, "from"),
        ({"line": "stress", "from": "20261221", "to": "2027-01-04"}, "from"),
        ({"line": "stress", "from": "2026-12-21T00:00", "to": "2027-01-04"}, "from"),
        ({"line": "stress", "from": "1999-12-31", "to": "2000-01-04"}, "from"),
        ({"line": "stress", "to": "2027-01-04"}, "from"),
        ({"from": "2026-12-21", "to": "2027-01-04"}, "line"),
        ({"line": "nope", "from": "2026-12-21", "to": "2027-01-04"}, "line"),
        ({"line": "stress", "from": "2026-12-21", "to": "2027-01-04", "week": "2026-W52"},
         "week"),
    ],
)  # fmt: skip
def test_invalid_queries_are_422_naming_the_parameter(client, params, field):
    body = assert_problem(client.get("/opening-hours", params=params), 422, field)
    assert {error["location"] for error in body["errors"]} == {"query"}


def test_any_signed_in_role_may_read_the_opening_hours(client, session, clock):
    token = make_token(session, "adviser", now=clock())
    params = {"line": "stress", "from": "2026-12-21", "to": "2026-12-21"}
    response = client.get("/opening-hours", params=params, headers=bearer(token))
    assert response.status_code == 200, response.text
    client.headers.pop("Authorization")
    assert_problem(client.get("/opening-hours", params=params), 401)


# Managing the closed days


def test_supervisors_set_a_lines_closed_days_and_the_opening_hours_follow(client, session, clock):
    seeded = client.get("/closed-days/stress")
    assert seeded.status_code == 200, seeded.text
    assert seeded.json() == {
        "line": "stress",
        "closed_days": [
            {"month": 12, "day": 24, "year": None, "name": "Juleaftensdag"},
            {"month": 12, "day": 31, "year": None, "name": "Nytårsaftensdag"},
        ],
    }
    closed = [
        {"month": 12, "day": 24, "name": "Juleaftensdag"},
        {"month": 6, "day": 5, "year": 2026, "name": "Grundlovsdag"},
    ]
    supervisor = bearer(make_token(session, "supervisor", now=clock()))
    adviser = bearer(make_token(session, "adviser", now=clock()))
    body = {"closed_days": closed}
    assert_problem(client.put("/closed-days/stress", json=body, headers=adviser), 403)
    response = client.put("/closed-days/stress", json=body, headers=supervisor)
    assert response.status_code == 200, response.text
    assert [(d["month"], d["day"], d["year"]) for d in response.json()["closed_days"]] == [
        (12, 24, None), (6, 5, 2026),
    ]  # fmt: skip

    def opening_days(line: str, first: str, last: str) -> list[str]:
        params = {"line": line, "from": first, "to": last}
        intervals = client.get("/opening-hours", params=params, headers=adviser).json()
        return [interval["opens_at"][:10] for interval in intervals["intervals"]]

    assert opening_days("stress", "2026-06-04", "2026-06-05") == ["2026-06-04"]
    assert opening_days("managers", "2026-06-04", "2026-06-05") == ["2026-06-04", "2026-06-05"]
    # New Year's Eve is no longer closed on the stress line, and still is on managers.
    assert opening_days("stress", "2026-12-31", "2026-12-31") == ["2026-12-31"]
    assert opening_days("managers", "2026-12-31", "2026-12-31") == []


@pytest.mark.parametrize(
    ("closed", "field"),
    [
        ([{"month": 2, "day": 30, "name": "x"}], "closed_days.0.day"),
        ([{"month": 2, "day": 29, "year": 2027, "name": "x"}], "closed_days.0"),
        ([{"month": 13, "day": 1, "name": "x"}], "closed_days.0.month"),
        ([{"month": 12, "day": 24, "name": " "}], "closed_days.0.name"),
        ([{"month": 12, "day": 24, "name": "x", "every": True}], "closed_days.0.every"),
        ([{"month": 12, "day": 24, "name": "a"}, {"month": 12, "day": 24, "name": "b"}],
         "closed_days"),
    ],
)  # fmt: skip
def test_invalid_closed_days_are_422_and_change_nothing(client, closed, field):
    before = client.get("/closed-days/stress").json()
    response = client.put("/closed-days/stress", json={"closed_days": closed})
    assert_problem(response, 422, field)
    assert client.get("/closed-days/stress").json() == before


def test_closed_days_of_an_unknown_line_are_422(client):
    assert_problem(client.get("/closed-days/nope"), 422, "line")
    assert_problem(client.put("/closed-days/nope", json={"closed_days": []}), 422, "line")


# Callbacks


def close_with_callback(desk: Desk, at_local: datetime) -> tuple[dict, dict]:
    """A call closed with a callback request at `at_local`; the call and its callback."""
    desk.clock.set(at_local.replace(tzinfo=CPH).astimezone(UTC) - timedelta(minutes=10))
    adviser = desk.adviser()
    call = desk.incoming()["id"]
    desk.ok(call, "accept", adviser)
    desk.clock.set(at_local.replace(tzinfo=CPH).astimezone(UTC))
    desk.ok(call, "end", adviser)
    desk.ok(call, "close", adviser, **CLASSIFICATION, callback_requested=True,
            callback_phone=PHONE)  # fmt: skip
    desk.presence(adviser, "offline")
    [callback] = callbacks_of(desk.session, call)
    return desk.call(call), desk.call(callback)


def test_a_callback_closed_on_23_december_after_hours_is_due_28_december_at_08(
    client, session, clock
):
    origin, callback = close_with_callback(Desk(client, session, clock), datetime(2026, 12, 23, 16))
    assert parse_time(callback["callback_due_at"]) == datetime(2026, 12, 28, 8, tzinfo=CPH)
    assert parse_time(callback["callback_due_at"]).utcoffset() == timedelta(0)  # stored in UTC
    assert callback["direction"] == "outbound" and callback["origin_call_id"] == origin["id"]
    # The number to ring is on the call that rings it.
    assert callback["callback_phone"] == PHONE
    assert callback["callback_requested"] is True
    assert origin["callback_phone"] == PHONE


def test_a_callback_closed_while_open_is_due_at_once(client, session, clock):
    closed_at = datetime(2026, 12, 22, 11, 0)
    _, callback = close_with_callback(Desk(client, session, clock), closed_at)
    assert parse_time(callback["callback_due_at"]) == closed_at.replace(tzinfo=CPH)


def test_a_callback_on_christmas_eve_waits_for_the_line_not_the_weekday(client, session, clock):
    _, callback = close_with_callback(Desk(client, session, clock), datetime(2026, 12, 24, 10))
    assert parse_time(callback["callback_due_at"]) == datetime(2026, 12, 28, 8, tzinfo=CPH)


def test_closing_a_callback_schedules_no_other_unless_asked(client, session, clock):
    desk = Desk(client, session, clock)
    _, callback = close_with_callback(desk, datetime(2026, 12, 22, 11, 0))
    adviser = desk.adviser()
    assert desk.call(callback["id"])["adviser_id"] == adviser  # offered: it is due
    for action in ("accept", "end"):
        desk.ok(callback["id"], action, adviser)
    desk.ok(callback["id"], "close", adviser, **CLASSIFICATION)
    assert callbacks_of(session, callback["id"]) == []

    # The caller asks again during a callback: another is scheduled, to the same number.
    call = desk.incoming()["id"]
    for action in ("accept", "end"):
        desk.ok(call, action, adviser)
    desk.ok(call, "close", adviser, **CLASSIFICATION, callback_requested=True,
            callback_phone=PHONE)  # fmt: skip
    [second] = callbacks_of(session, call)
    for action in ("accept", "end"):
        desk.ok(second, action, adviser)
    desk.ok(second, "close", adviser, **CLASSIFICATION, callback_requested=True)
    [third] = callbacks_of(session, second)
    assert desk.call(third)["callback_phone"] == PHONE


def callbacks_of(session, call_id: str) -> list[str]:
    session.expire_all()
    rows = session.exec(select(Call.id).where(Call.origin_call_id == uuid.UUID(call_id)))
    return [str(row) for row in rows]
