"""Property-based tests of the pure parts: ISO weeks, CPR detection, Erlang C, routing."""

import re
from collections import Counter
from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from service.privacy.cpr import REPLACEMENT, find_cpr, redact_cpr
from service.reports.erlang import average_speed_of_answer, erlang_c, service_level
from service.reports.weeks import IsoWeek, parse_week, weeks_in_year
from service.routing.policy import AdviserState, WaitingCall, plan_offers

ZONE = "Europe/Copenhagen"
days = st.dates(min_value=date(1971, 1, 1), max_value=date(2099, 12, 31))


@given(days)
def test_a_day_lies_in_its_iso_week_and_the_week_survives_its_text(day):
    week = IsoWeek.of(day)
    assert week.monday <= day < week.monday + timedelta(days=7)
    assert parse_week(str(week)) == week
    assert 1 <= week.week <= weeks_in_year(week.year)


@given(days)
def test_a_copenhagen_week_lasts_seven_days_give_or_take_a_daylight_saving_hour(day):
    start, end = IsoWeek.of(day).bounds(ZONE)
    assert timedelta(days=7) - timedelta(hours=1) <= end - start <= timedelta(days=7, hours=1)
    assert IsoWeek.of(day).shifted(1).bounds(ZONE)[0] == end


@given(st.text(max_size=12))
def test_parsing_a_week_never_fails_other_than_with_value_error(text):
    try:
        week = parse_week(text)
    except ValueError:
        return
    assert str(week) == text  # only the canonical spelling is accepted


def test_a_week_in_other_digits_is_refused():
    with pytest.raises(ValueError):
        parse_week("٢٠٢٥-W٢٣")  # Arabic-Indic digits: \d matched them once


cpr_days = st.dates(min_value=date(1900, 1, 1), max_value=date(2099, 12, 31))
serials = st.integers(min_value=0, max_value=9999)


def cpr(day: date, serial: int, hyphen: bool) -> str:
    return f"{day:%d%m%y}{'-' if hyphen else ''}{serial:04d}"


@given(cpr_days, serials, st.booleans(), st.text(alphabet="abc æøå.,:;()", max_size=20))
def test_every_real_cpr_number_is_found_and_redacted(day, serial, hyphen, around):
    number = cpr(day, serial, hyphen)
    text = f"{around} {number} {around}"
    [(start, end)] = find_cpr(text)
    assert text[start:end] == number
    redacted, found = redact_cpr(text)
    assert found and number not in redacted and REPLACEMENT in redacted
    assert redact_cpr(redacted) == (redacted, False)


@given(cpr_days, serials, st.booleans(), st.integers(min_value=0, max_value=9))
def test_a_cpr_number_inside_a_longer_digit_run_is_left_alone(day, serial, hyphen, digit):
    number = cpr(day, serial, hyphen)
    assert find_cpr(f"{digit}{number}") == []
    assert find_cpr(f"{number}{digit}") == []


@given(st.text(max_size=60))
def test_redacted_text_holds_no_cpr_number(text):
    redacted, _ = redact_cpr(text)
    assert find_cpr(redacted) == []
    assert not re.search(r"(?<!\d)\d{6}-?\d{4}(?!\d)", redacted) or not find_cpr(redacted)


traffics = st.floats(min_value=0.01, max_value=60, allow_nan=False)


@given(traffics, st.integers(min_value=1, max_value=120))
def test_the_chance_of_waiting_is_a_probability_falling_with_each_adviser(traffic, agents):
    waiting = erlang_c(traffic, agents)
    assert 0.0 <= waiting <= 1.0
    assert erlang_c(traffic, agents + 1) <= waiting + 1e-12


@given(
    traffics,
    st.integers(min_value=1, max_value=120),
    st.floats(min_value=30, max_value=3600),
    st.floats(min_value=0, max_value=600),
)
def test_service_level_is_a_share_and_rises_with_advisers(traffic, agents, aht, threshold):
    assume(agents > traffic)
    level = service_level(traffic, agents, aht, threshold)
    assert 0.0 <= level <= 1.0 + 1e-12
    assert service_level(traffic, agents + 1, aht, threshold) >= level - 1e-9
    assert average_speed_of_answer(traffic, agents, aht) >= 0


@pytest.mark.parametrize("agents", [1, 2, 5])
def test_too_few_advisers_means_everyone_waits(agents):
    assert erlang_c(agents + 0.5, agents) == 1.0


# -- the routing choice --------------------------------------------------------------------

NOW = datetime(2025, 6, 2, 10, 0, tzinfo=UTC)
LINES = ["stress", "managers"]
waiting_calls = st.builds(
    WaitingCall,
    id=st.uuids(),
    line=st.sampled_from(LINES),
    language=st.sampled_from(["da", "en"]),
    waiting_since=st.integers(0, 3600).map(lambda s: NOW - timedelta(seconds=s)),
    priority=st.integers(0, 2),
)
advisers = st.builds(
    AdviserState,
    id=st.uuids(),
    lines=st.frozensets(st.sampled_from(LINES), min_size=1),
    languages=st.frozensets(st.sampled_from(["da", "en"]), min_size=1),
    expertise=st.just(frozenset()),
    capacity=st.integers(1, 3),
    load=st.integers(0, 3),
    ready=st.booleans(),
    idle_since=st.integers(0, 7200).map(lambda s: NOW - timedelta(seconds=s)),
)
plans = st.tuples(
    st.lists(waiting_calls, max_size=12, unique_by=lambda c: c.id),
    st.lists(advisers, max_size=8, unique_by=lambda a: a.id),
)


@given(plans, st.randoms())
def test_routing_offers_each_call_once_within_capacity_and_ignores_input_order(plan, rng):
    calls, staff = plan
    offers = plan_offers(calls=calls, advisers=staff, strategies={}, overflow=[], now=NOW)
    by_id = {a.id: a for a in staff}
    assert len({o.call_id for o in offers}) == len(offers)  # one offer at most per call
    for adviser_id, count in Counter(o.adviser_id for o in offers).items():
        adviser = by_id[adviser_id]
        assert adviser.ready and adviser.load + count <= adviser.capacity
    for offer in offers:
        call = next(c for c in calls if c.id == offer.call_id)
        assert call.line in by_id[offer.adviser_id].lines  # no overflow rules given
    shuffled_calls, shuffled_staff = list(calls), list(staff)
    rng.shuffle(shuffled_calls)
    rng.shuffle(shuffled_staff)
    again = plan_offers(
        calls=shuffled_calls, advisers=shuffled_staff, strategies={}, overflow=[], now=NOW
    )
    assert sorted(again, key=str) == sorted(offers, key=str)


@given(plans)
def test_no_ready_adviser_with_room_is_left_idle_while_a_call_they_may_take_waits(plan):
    calls, staff = plan
    offers = plan_offers(calls=calls, advisers=staff, strategies={}, overflow=[], now=NOW)
    offered = {o.call_id for o in offers}
    used = Counter(o.adviser_id for o in offers)
    for call in calls:
        if call.id in offered:
            continue
        for adviser in staff:
            room = adviser.load + used[adviser.id] < adviser.capacity
            fits = call.line in adviser.lines and call.language in adviser.languages
            assert not (adviser.ready and room and fits), (call, adviser)
