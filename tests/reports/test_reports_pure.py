"""Pure parts of the reports: ISO weeks in Copenhagen time, Erlang C, the KPI formulas."""

from datetime import UTC, date, datetime

import pytest

from service.reports import kpi
from service.reports.erlang import (
    advisers_needed,
    average_speed_of_answer,
    erlang_c,
    service_level,
)
from service.reports.weeks import IsoWeek, local_hour_slots, parse_week, weeks_between

ZONE = "Europe/Copenhagen"


@pytest.mark.parametrize(
    ("text", "start", "end", "hours"),
    [
        (
            "2025-W23",
            datetime(2025, 6, 1, 22, tzinfo=UTC),
            datetime(2025, 6, 8, 22, tzinfo=UTC),
            168,
        ),
        (
            "2025-W13",
            datetime(2025, 3, 23, 23, tzinfo=UTC),
            datetime(2025, 3, 30, 22, tzinfo=UTC),
            167,
        ),
        (
            "2025-W43",
            datetime(2025, 10, 19, 22, tzinfo=UTC),
            datetime(2025, 10, 26, 23, tzinfo=UTC),
            169,
        ),
        (
            "2026-W53",
            datetime(2026, 12, 27, 23, tzinfo=UTC),
            datetime(2027, 1, 3, 23, tzinfo=UTC),
            168,
        ),
        (
            "2025-W01",
            datetime(2024, 12, 29, 23, tzinfo=UTC),
            datetime(2025, 1, 5, 23, tzinfo=UTC),
            168,
        ),
    ],
)
def test_weeks_run_from_local_monday_midnight(text, start, end, hours):
    week = parse_week(text)
    assert str(week) == text
    assert week.bounds(ZONE) == (start, end)
    assert (end - start).total_seconds() == hours * 3600
    assert len(local_hour_slots(start, end, ZONE)) == hours


@pytest.mark.parametrize(
    "text", ["2025-W53", "2025-W00", "2025-W5", "2025-23", "2025W23", "W23", "", "2025-W023"]
)
def test_weeks_that_do_not_exist_are_refused(text):
    with pytest.raises(ValueError):
        parse_week(text)


def test_2026_has_53_weeks_and_1_january_2027_is_in_the_last():
    assert IsoWeek.of(date(2027, 1, 1)) == IsoWeek(2026, 53)
    assert parse_week("2026-W53").shifted(1) == IsoWeek(2027, 1)
    assert parse_week("2027-W01").shifted(-1) == IsoWeek(2026, 53)


def test_a_range_of_weeks_crosses_the_year():
    weeks = weeks_between(parse_week("2026-W52"), parse_week("2027-W02"))
    assert [str(w) for w in weeks] == ["2026-W52", "2026-W53", "2027-W01", "2027-W02"]


def test_local_hours_skip_and_repeat_at_the_daylight_saving_changes():
    spring = local_hour_slots(*parse_week("2025-W13").bounds(ZONE), ZONE)
    assert (7, 2) not in spring  # 02:00-03:00 on Sunday 30 March does not exist
    assert spring[-23:-20] == [(7, 0), (7, 1), (7, 3)]
    autumn = local_hour_slots(*parse_week("2025-W43").bounds(ZONE), ZONE)
    assert autumn.count((7, 2)) == 2  # 02:00-03:00 on Sunday 26 October happens twice


def test_erlang_c_against_the_published_vector():
    # 100 calls in 30 minutes, AHT 3 minutes: 10 Erlang; 14 advisers; 20 s threshold.
    assert erlang_c(10, 14) == pytest.approx(0.1741, abs=5e-5)
    assert service_level(10, 14, 180, 20) == pytest.approx(0.8884, abs=5e-5)
    assert average_speed_of_answer(10, 14, 180) == pytest.approx(7.8, abs=0.05)
    staffing = advisers_needed(arrivals=100, interval_s=1800, aht_s=180, target=0.8, threshold_s=20)
    assert (staffing.traffic, staffing.agents) == (10, 14)
    assert staffing.occupancy == pytest.approx(10 / 14)
    # 13 advisers would fall short of the target; that is why 14 is the answer.
    assert service_level(10, 13, 180, 20) < 0.8


def test_erlang_c_edges_and_large_traffic():
    assert erlang_c(0, 1) == 0.0
    assert erlang_c(5, 5) == 1.0  # as many advisers as Erlang: the queue never clears
    assert service_level(5, 4, 180, 20) == 0.0
    # The recursion stays finite where factorials of 500 would overflow a float.
    big = advisers_needed(arrivals=9000, interval_s=3600, aht_s=180, target=0.8, threshold_s=20)
    assert 450 < big.agents < 480
    assert 0.8 <= big.service_level < 0.9
    assert (
        advisers_needed(arrivals=0, interval_s=3600, aht_s=180, target=0.8, threshold_s=20).agents
        == 0
    )


def test_rates_are_null_not_zero_without_a_denominator():
    assert kpi.rate(0, 0) is None
    assert kpi.rate(3, 4) == 0.75


def figures(**overrides):
    base = {
        "received": 10,
        "answered": 6,
        "abandoned": 2,
        "short_abandoned": 2,
        "within": 4,
        "abandoned_late": 1,
        "wait_sum": 6 * 12.3456,
        "handled": 6,
        "handle_sum": 6 * 600.0,
        "wait_p90_s": 30.0,
        "callbacks_requested": 1,
        "callbacks_completed": 0,
        "transfers": 1,
        "hold_sum": 6 * 45.0 + 1,
    }
    return base | overrides


def test_totals_apply_the_stated_formulas():
    totals = kpi.totals(figures())
    assert totals.abandonment_rate == 2 / 8
    assert totals.service_level == 4 / 7
    assert totals.asa_s == 12.346
    assert totals.aht_s == 600.0
    assert totals.mean_hold_s == 45.167  # 271 / 6, rounded as the other times are


def test_change_is_this_week_minus_last_and_null_where_either_is():
    now = kpi.totals(figures())
    before = kpi.totals(
        figures(answered=0, abandoned=0, within=0, abandoned_late=0, wait_sum=0, handled=0)
    )
    change = kpi.change(now, before)
    assert change.received == 0
    assert change.answered == 6
    assert isinstance(change.answered, int)  # a count's change is a count, not 6.0
    assert change.abandonment_rate is None
    assert change.asa_s is None
