"""Property-based tests of the pure parts: ISO weeks, CPR detection, Erlang C, routing."""

import re
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import assume, example, given, settings
from hypothesis import strategies as st

from service.privacy.cpr import REPLACEMENT, find_cpr, redact_cpr
from service.reports.erlang import average_speed_of_answer, erlang_c, service_level
from service.reports.weeks import (
    FIRST_YEAR,
    LAST_YEAR,
    IsoWeek,
    parse_week,
    weeks_between,
    weeks_in_year,
)
from service.routing.models import Strategy
from service.routing.policy import AdviserState, Offer, OverflowRule, WaitingCall, plan_offers

ZONE = "Europe/Copenhagen"
# Every date Python has, from 0001-01-01 to 9999-12-31: the ends are where weeks overflowed.
days = st.dates()
# Years near the ends come up often: there, and not in between, is where weeks break.
years = st.one_of(st.integers(min_value=0, max_value=9999), st.sampled_from([0, 1, 2, 9998, 9999]))
week_texts = st.builds("{:04d}-W{:02d}".format, years, st.integers(0, 54))
# Zones at the extremes of the offsets in use, and the service's own.
zones = st.sampled_from([ZONE, "UTC", "Pacific/Kiritimati", "Etc/GMT+12", "America/St_Johns"])


def supported(week: IsoWeek) -> bool:
    return FIRST_YEAR <= week.year <= LAST_YEAR


@given(days)
@example(date.min)
@example(date(1, 1, 8))
@example(date(1, 12, 31))  # the Monday of 0002-W01
@example(date(9999, 1, 3))  # the Sunday of 9998-W53
@example(date.max)
def test_a_day_lies_in_its_iso_week_and_a_supported_week_survives_its_text(day):
    week = IsoWeek.of(day)
    assert 1 <= week.week <= weeks_in_year(week.year)
    assert 0 <= (day - week.monday).days < 7
    if supported(week):
        assert parse_week(str(week)) == week
    else:
        with pytest.raises(ValueError, match="0002-W01 to 9998-W53"):
            parse_week(str(week))


@given(days.filter(lambda day: supported(IsoWeek.of(day))), zones)
def test_a_week_lasts_seven_days_give_or_take_a_daylight_saving_hour(day, zone):
    start, end = IsoWeek.of(day).bounds(zone)
    assert timedelta(days=7) - timedelta(hours=1) <= end - start <= timedelta(days=7, hours=1)
    assert IsoWeek.of(day).shifted(1).bounds(zone)[0] == end


@given(week_texts, zones)
@example("0001-W01", ZONE)
@example("0001-W02", ZONE)
@example("0002-W01", "Pacific/Kiritimati")
@example("9998-W53", "Etc/GMT+12")
@example("9999-W52", ZONE)
def test_every_week_that_parses_can_be_reported_on_in_any_zone(text, zone):
    """What a report does with its week: the bounds, the week before and its bounds, and
    (for a trend) the week after. None of it may overflow (it did for 0001-W01, a 500)."""
    try:
        week = parse_week(text)
    except ValueError:
        year, number = int(text[:4]), int(text[6:])
        assert not (FIRST_YEAR <= year <= LAST_YEAR and 1 <= number <= weeks_in_year(year))
        return
    assert str(week) == text
    start, end = week.bounds(zone)
    previous = week.shifted(-1)
    assert previous.bounds(zone)[1] == start
    assert week.shifted(1).bounds(zone)[0] == end
    assert weeks_between(previous, week) == [previous, week]


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


# The ways people write one: what goes between date and serial, and a dotted date's parts.
SERIAL_SEPARATORS = [
    "",
    "-",
    " ",
    "\u00a0",
    "\u202f",
    "\u2013",
    "—",
    "\u2212",
    " - ",
    " \u2013 ",
    ".",
    "/",
]
DATE_SEPARATORS = [".", "-", "/"]
# The zero of each script's decimal digits: ASCII, Arabic-Indic, Extended Arabic-Indic,
# Devanagari, Bengali, full-width.
ZEROS = [0x30, 0x660, 0x6F0, 0x966, 0x9E6, 0xFF10]
JOINERS = ["-", ".", "/", "\u2013", "—"]


def in_digits(text: str, zero: int) -> str:
    return "".join(chr(zero + int(c)) if c.isascii() and c.isdigit() else c for c in text)


@st.composite
def written_cprs(draw: st.DrawFn) -> str:
    day, serial = draw(cpr_days), draw(serials)
    between = draw(st.sampled_from(SERIAL_SEPARATORS))
    if draw(st.booleans()):
        written = f"{day:%d%m%y}{between}{serial:04d}"
    else:
        parts = draw(st.sampled_from(DATE_SEPARATORS))
        written = f"{day:%d}{parts}{day:%m}{parts}{day:%y}{between}{serial:04d}"
    return in_digits(written, draw(st.sampled_from(ZEROS)))


# Text with no digits in it, and what may stand between it and a number.
prose = st.text(st.characters(exclude_categories=("Nd", "Cs")), max_size=20)
boundaries = st.sampled_from([" ", "\n", "\t", "(", ")", ",", ";", ":", "!", "?", '"', "«", "»",
                              ".", "-", "x", "æ"])  # fmt: skip


@given(written_cprs(), prose, boundaries, boundaries, prose)
@example("010190 1234", "", " ", " ", "")
@example("01.01.90-1234", "cpr", " ", ".", "")
@example("010190\u20131234", "", "(", ")", "")
def test_every_way_of_writing_a_cpr_number_is_found_and_redacted(number, before, b1, b2, after):
    text = f"{before}{b1}{number}{b2}{after}"
    start = len(before) + 1
    assert find_cpr(text) == [(start, start + len(number))]
    redacted, found = redact_cpr(text)
    assert found and redacted == f"{before}{b1}{REPLACEMENT}{b2}{after}"
    assert redact_cpr(redacted) == (redacted, False)


hex_tokens = st.text("0123456789abcdefABCDEF", min_size=11, max_size=64)
digit_runs = st.builds(in_digits, st.text("0123456789", min_size=11, max_size=40),
                       st.sampled_from(ZEROS))  # fmt: skip
uuids = st.builds(lambda u, upper: str(u).upper() if upper else str(u), st.uuids(), st.booleans())


@given(st.one_of(uuids, hex_tokens, digit_runs), prose, boundaries, boundaries, prose)
@example("0a1b2c3d-0101-9012-3456-426614174000", "", " ", " ", "")
@example("123e4567-e89b-12d3-a456-426614174000", "", " ", " ", "")
@example("c0a80101-9012-4abc-8def-ab0101901234", "sag", " ", ".", "")
@example("5f010190-1234-4abc-8def-0123456789ab", "", " ", " ", "")
def test_uuids_hex_tokens_and_long_digit_runs_are_never_changed(token, before, b1, b2, after):
    text = f"{before}{b1}{token}{b2}{after}"
    assert find_cpr(text) == []
    assert redact_cpr(text) == (text, False)


@given(
    written_cprs(), st.sampled_from("0123456789abcdefABCDEF\u0665\uff15"), st.sampled_from(JOINERS)
)
def test_a_cpr_number_joined_to_a_longer_token_is_left_alone(number, neighbour, joiner):
    for text in (f"{neighbour}{number}", f"{number}{neighbour}"):
        assert find_cpr(text) == []
    if neighbour.isdigit():
        for text in (f"{neighbour}{joiner}{number}", f"{number}{joiner}{neighbour}"):
            assert find_cpr(text) == []


@given(st.text("0123456789٣ .-/\u2013— abcx", max_size=60))
def test_redacting_digits_and_separators_leaves_no_cpr_number(text):
    redacted, _ = redact_cpr(text)
    assert find_cpr(redacted) == []


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
# A third line that no overflow rule need reach, so that some rules lead nowhere useful.
LINES = ["stress", "managers", "third"]
LANGUAGES = ["da", "en"]
CATEGORIES = ["workload", "violence", "moral_stress"]


def seconds_ago(*choices: int) -> st.SearchStrategy[datetime]:
    # Few distinct values: ties are common, so the tie-breaks are exercised too.
    return st.sampled_from(choices).map(lambda s: NOW - timedelta(seconds=s))


def mostly(common: object, rare: st.SearchStrategy) -> st.SearchStrategy:
    """`common` three times in four, else a draw from `rare`: enough advisers are free and
    enough calls plain that most examples have a real choice to make."""
    return st.one_of(st.just(common), st.just(common), st.just(common), rare)


advisers = st.builds(
    AdviserState,
    id=st.uuids(),
    lines=st.frozensets(st.sampled_from(LINES), min_size=1, max_size=2),
    languages=mostly(frozenset({"da"}), st.frozensets(st.sampled_from(LANGUAGES), min_size=1)),
    expertise=st.frozensets(st.sampled_from(CATEGORIES)),
    capacity=st.integers(1, 3),
    load=mostly(0, st.integers(0, 3)),
    ready=mostly(True, st.booleans()),
    idle_since=seconds_ago(0, 60, 600, 3600),
    calls_today=st.integers(0, 3),
    talk_time_today_s=st.sampled_from([0.0, 90.5, 600.0, 1800.0]),
)
overflow_rules = st.builds(
    OverflowRule,
    from_line=st.sampled_from(LINES),
    to_line=st.sampled_from(LINES),
    after_s=st.sampled_from([0, 30, 60, 600]),
).filter(lambda rule: rule.from_line != rule.to_line)


@st.composite
def desks(draw) -> tuple[list[WaitingCall], list[AdviserState], dict, list[OverflowRule]]:
    """Waiting calls, advisers, each line's strategy and the overflow rules of one moment.

    Calls may be named transfers (to an adviser in the list or not), carry a primary
    category, and exclude advisers who rejected or missed them.
    """
    staff = draw(st.lists(advisers, min_size=1, max_size=8, unique_by=lambda a: a.id))
    someone = st.sampled_from([a.id for a in staff])
    calls = draw(
        st.lists(
            st.builds(
                WaitingCall,
                id=st.uuids(),
                line=st.sampled_from(LINES),
                language=mostly("da", st.sampled_from(LANGUAGES)),
                waiting_since=seconds_ago(0, 10, 30, 60, 120, 600, 3600),
                priority=st.integers(0, 2),
                primary_category=st.none() | st.sampled_from(CATEGORIES),
                target_adviser_id=mostly(None, someone | st.uuids()),
                excluded_advisers=mostly(frozenset(), st.frozensets(someone, max_size=3)),
            ),
            min_size=1,
            max_size=12,
            unique_by=lambda c: c.id,
        )
    )
    # None: the line has no rule and routes by the default.
    chosen = draw(st.lists(st.sampled_from([None, *Strategy]), min_size=3, max_size=3))
    strategies = {line: s for line, s in zip(LINES, chosen, strict=True) if s is not None}
    overflow = draw(
        st.lists(overflow_rules, max_size=4, unique_by=lambda r: (r.from_line, r.to_line))
    )
    return calls, staff, strategies, overflow


def plan(desk) -> list[Offer]:
    calls, staff, strategies, overflow = desk
    return plan_offers(
        calls=calls, advisers=staff, strategies=strategies, overflow=overflow, now=NOW
    )


def may_take(call: WaitingCall, adviser: AdviserState, overflow: list[OverflowRule]) -> bool:
    """Who may be offered a call, in the words of docs/desk.md, not of the policy's code."""
    if not adviser.ready or call.language not in adviser.languages:
        return False
    if adviser.id in call.excluded_advisers:
        return False  # rejected or missed it before
    if call.target_adviser_id is not None:
        return adviser.id == call.target_adviser_id  # a named transfer: them or nobody
    waited_s = (NOW - call.waiting_since).total_seconds()
    return call.line in adviser.lines or any(
        rule.from_line == call.line and rule.to_line in adviser.lines and waited_s >= rule.after_s
        for rule in overflow
    )


def preference(call: WaitingCall, adviser: AdviserState, strategy: Strategy) -> tuple:
    """Lower is better: expertise in the primary category first, then the line's own
    advisers before overflow ones, then the line's strategy, then longest idle, then id."""
    measure = {
        Strategy.longest_idle: 0,
        Strategy.fewest_calls_today: adviser.calls_today,
        Strategy.least_talk_time_today: adviser.talk_time_today_s,
    }[strategy]
    expert = call.primary_category is not None and call.primary_category in adviser.expertise
    return (not expert, call.line not in adviser.lines, measure, adviser.idle_since, adviser.id)


def replay(desk, offers: list[Offer]) -> Iterator[tuple[WaitingCall, AdviserState, list]]:
    """Each offer with its call and the advisers who could have had it at that moment:
    those who may take the call and still had room after the offers made before it."""
    calls, staff, _, overflow = desk
    call_of = {c.id: c for c in calls}
    adviser_of = {a.id: a for a in staff}
    planned = Counter()
    for offer in offers:
        call, chosen = call_of[offer.call_id], adviser_of[offer.adviser_id]
        candidates = [
            a for a in staff if a.load + planned[a.id] < a.capacity and may_take(call, a, overflow)
        ]
        yield call, chosen, candidates
        planned[chosen.id] += 1


def offered_once_within_capacity(desk, offers: list[Offer]) -> None:
    calls, staff, _, _ = desk
    assert len({o.call_id for o in offers}) == len(offers), "a call offered twice"
    assert {o.call_id for o in offers} <= {c.id for c in calls}
    by_id = {a.id: a for a in staff}
    for adviser_id, count in Counter(o.adviser_id for o in offers).items():
        adviser = by_id[adviser_id]
        assert adviser.ready and adviser.load + count <= adviser.capacity, (adviser, count)


def each_to_someone_allowed_and_the_best_free(desk, offers: list[Offer]) -> None:
    _, _, strategies, overflow = desk
    for call, chosen, candidates in replay(desk, offers):
        assert chosen.id not in call.excluded_advisers, "offered again to who turned it down"
        assert call.language in chosen.languages
        if call.target_adviser_id is not None:
            assert chosen.id == call.target_adviser_id, "a named transfer went to another"
        elif call.line not in chosen.lines:  # borrowed: an overflow rule must allow it now
            waited_s = (NOW - call.waiting_since).total_seconds()
            assert any(
                r.from_line == call.line and r.to_line in chosen.lines and waited_s >= r.after_s
                for r in overflow
            ), (call, chosen, overflow)
        assert chosen in candidates
        # E.g. under least_talk_time_today, no one free for the call with the same expertise
        # and line standing has less talk time today than the adviser chosen.
        strategy = Strategy(strategies.get(call.line, Strategy.longest_idle))
        best = min(candidates, key=lambda a: preference(call, a, strategy))
        assert chosen == best, (strategy, call, chosen, best)


def in_queue_order_and_none_waits_for_someone_free(desk, offers: list[Offer]) -> None:
    calls, staff, _, overflow = desk
    queue = [c.id for c in sorted(calls, key=lambda c: (-c.priority, c.waiting_since, c.id))]
    offered = [o.call_id for o in offers]
    assert offered == [c for c in queue if c in set(offered)], "offers out of queue order"
    used = Counter(o.adviser_id for o in offers)
    for call in calls:
        if call.id in offered:
            continue
        for adviser in staff:
            room = adviser.load + used[adviser.id] < adviser.capacity
            assert not (room and may_take(call, adviser, overflow)), (call, adviser)


# The rarer situations (a borrowed adviser, a choice under a non-default strategy) need a
# few hundred examples to come up dozens of times; each rule is checked on every example.
@settings(max_examples=max(300, settings.default.max_examples))
@given(desks())
def test_routing_keeps_every_rule_for_every_strategy_overflow_expertise_and_transfer(desk):
    offers = plan(desk)
    offered_once_within_capacity(desk, offers)
    each_to_someone_allowed_and_the_best_free(desk, offers)
    in_queue_order_and_none_waits_for_someone_free(desk, offers)


@given(desks(), st.randoms())
def test_the_offers_do_not_depend_on_the_order_of_the_inputs(desk, rng):
    calls, staff, strategies, overflow = desk
    shuffled = [rng.sample(part, len(part)) for part in (calls, staff, overflow)]
    reordered = dict(rng.sample(list(strategies.items()), len(strategies)))
    assert plan((shuffled[0], shuffled[1], reordered, shuffled[2])) == plan(desk)
