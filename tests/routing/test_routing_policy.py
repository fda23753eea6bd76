"""Who is offered which call: the rules of `plan_offers`, one at a time, then together."""

import copy
import random
import uuid
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from service.routing.models import Strategy
from service.routing.policy import (
    AdviserState,
    Offer,
    OverflowRule,
    WaitingCall,
    plan_offers,
)

NOW = datetime(2025, 3, 4, 10, 0, tzinfo=UTC)


def aid(n: int) -> uuid.UUID:
    """Adviser ids whose order is their number, so the id tie-break is easy to read."""
    return uuid.UUID(int=n)


def cid(n: int) -> uuid.UUID:
    return uuid.UUID(int=1000 + n)


def ago(seconds: float) -> datetime:
    return NOW - timedelta(seconds=seconds)


def call(n: int = 1, **fields) -> WaitingCall:
    defaults = {"id": cid(n), "line": "stress", "language": "de", "waiting_since": ago(10)}
    return WaitingCall(**(defaults | fields))


def adviser(n: int = 1, **fields) -> AdviserState:
    defaults = {
        "id": aid(n),
        "lines": frozenset({"stress"}),
        "languages": frozenset({"de"}),
        "expertise": frozenset(),
        "capacity": 1,
        "load": 0,
        "ready": True,
        "idle_since": ago(600),
    }
    return AdviserState(**(defaults | fields))


def plan(calls, advisers, *, strategies=None, overflow=()) -> list[Offer]:
    return plan_offers(
        calls=calls,
        advisers=advisers,
        strategies=strategies or {},
        overflow=overflow,
        now=NOW,
    )


def pairs(offers: list[Offer]) -> list[tuple[uuid.UUID, uuid.UUID]]:
    return [(offer.call_id, offer.adviser_id) for offer in offers]


def offered_to(offers: list[Offer], call_id: uuid.UUID) -> uuid.UUID | None:
    matches = [offer.adviser_id for offer in offers if offer.call_id == call_id]
    assert len(matches) <= 1
    return matches[0] if matches else None


# Eligibility -------------------------------------------------------------------------------


def test_a_ready_adviser_on_the_line_gets_the_call():
    assert pairs(plan([call(1)], [adviser(1)])) == [(cid(1), aid(1))]


def test_no_calls_or_no_advisers_give_no_offers():
    assert plan([], [adviser(1)]) == []
    assert plan([call(1)], []) == []


# Each change makes adviser 1 (otherwise the best: idle longest, lowest id) ineligible.
INELIGIBLE = {
    "not ready": ({"ready": False}, {}),
    "full capacity": ({"load": 1}, {}),
    "over capacity": ({"capacity": 2, "load": 3}, {}),
    "no capacity at all": ({"capacity": 0}, {}),
    "language mismatch": ({"languages": frozenset({"en"})}, {}),
    "excluded": ({}, {"excluded_advisers": frozenset({aid(1)})}),
    "wrong line": ({"lines": frozenset({"managers"})}, {}),
}


@pytest.mark.parametrize(("adviser_change", "call_change"), INELIGIBLE.values(), ids=INELIGIBLE)
def test_an_ineligible_adviser_is_not_offered_the_call(adviser_change, call_change):
    barred = adviser(1, idle_since=ago(3600), **adviser_change)
    assert plan([call(1, **call_change)], [barred]) == []
    # With an eligible but lower-ranked colleague, the call goes to the colleague instead.
    colleague = adviser(2, idle_since=ago(60))
    offers = plan([call(1, **call_change)], [barred, colleague])
    assert pairs(offers) == [(cid(1), aid(2))]


def test_an_adviser_who_speaks_several_languages_serves_each():
    polyglot = adviser(1, languages=frozenset({"de", "en", "fr"}))
    assert pairs(plan([call(1, language="fr")], [polyglot])) == [(cid(1), aid(1))]


def test_a_transfer_goes_only_to_the_target_adviser_even_if_others_rank_higher():
    others = [adviser(1, idle_since=ago(3600)), adviser(2, idle_since=ago(1800))]
    target = adviser(3, idle_since=ago(5))
    offers = plan([call(1, target_adviser_id=aid(3))], [*others, target])
    assert pairs(offers) == [(cid(1), aid(3))]


def test_a_transfer_ignores_lines_and_overflow():
    target = adviser(3, lines=frozenset({"managers"}))
    offers = plan([call(1, line="stress", target_adviser_id=aid(3))], [adviser(1), target])
    assert pairs(offers) == [(cid(1), aid(3))]


TARGET_INELIGIBLE = {
    "not ready": ({"ready": False}, {}),
    "full capacity": ({"load": 1}, {}),
    "language mismatch": ({"languages": frozenset({"en"})}, {}),
    "excluded": ({}, {"excluded_advisers": frozenset({aid(3)})}),
}


@pytest.mark.parametrize(
    ("adviser_change", "call_change"), TARGET_INELIGIBLE.values(), ids=TARGET_INELIGIBLE
)
def test_a_transfer_whose_target_is_ineligible_gets_no_offer(adviser_change, call_change):
    target = adviser(3, **adviser_change)
    transfer = call(1, target_adviser_id=aid(3), **call_change)
    # Nobody else stands in, however free they are.
    assert plan([transfer], [adviser(1), adviser(2), target]) == []


def test_a_transfer_to_an_adviser_not_in_the_list_gets_no_offer():
    assert plan([call(1, target_adviser_id=aid(9))], [adviser(1)]) == []


# Queue order -------------------------------------------------------------------------------


def test_higher_priority_goes_first_even_over_a_longer_wait():
    calls = [call(1, waiting_since=ago(300)), call(2, waiting_since=ago(5), priority=1)]
    assert pairs(plan(calls, [adviser(1)])) == [(cid(2), aid(1))]


def test_the_longest_waiting_call_goes_first_at_equal_priority():
    calls = [call(1, waiting_since=ago(30)), call(2, waiting_since=ago(90)), call(3)]
    assert pairs(plan(calls, [adviser(1)])) == [(cid(2), aid(1))]


def test_the_lowest_call_id_goes_first_at_equal_priority_and_wait():
    calls = [call(3, waiting_since=ago(30)), call(2, waiting_since=ago(30))]
    assert pairs(plan(calls, [adviser(1)])) == [(cid(2), aid(1))]


def test_offers_come_in_queue_order():
    calls = [
        call(1, waiting_since=ago(10)),
        call(2, waiting_since=ago(50)),
        call(3, waiting_since=ago(5), priority=2),
    ]
    advisers = [adviser(n, idle_since=ago(100 * n)) for n in (1, 2, 3)]
    # Each call in turn takes the longest idle adviser left: 3, then 2, then 1.
    assert pairs(plan(calls, advisers)) == [(cid(3), aid(3)), (cid(2), aid(2)), (cid(1), aid(1))]


def test_a_call_nobody_can_take_does_not_block_later_calls():
    calls = [call(1, waiting_since=ago(300), language="fr"), call(2, waiting_since=ago(5))]
    assert pairs(plan(calls, [adviser(1)])) == [(cid(2), aid(1))]


# Strategies --------------------------------------------------------------------------------


def test_longest_idle_picks_the_earliest_idle_since():
    advisers = [
        adviser(1, idle_since=ago(60), calls_today=0, talk_time_today_s=0),
        adviser(2, idle_since=ago(900), calls_today=9, talk_time_today_s=9000),
        adviser(3, idle_since=ago(300)),
    ]
    strategies = {"stress": Strategy.longest_idle}
    assert pairs(plan([call(1)], advisers, strategies=strategies)) == [(cid(1), aid(2))]


def test_longest_idle_is_the_default_for_a_line_without_a_rule():
    advisers = [adviser(1, idle_since=ago(60)), adviser(2, idle_since=ago(900), calls_today=9)]
    strategies = {"managers": Strategy.fewest_calls_today}
    assert pairs(plan([call(1)], advisers, strategies=strategies)) == [(cid(1), aid(2))]


def test_longest_idle_breaks_ties_by_adviser_id():
    advisers = [adviser(3, idle_since=ago(60)), adviser(2, idle_since=ago(60))]
    assert pairs(plan([call(1)], advisers)) == [(cid(1), aid(2))]


def test_fewest_calls_today_picks_the_adviser_with_fewest_calls():
    advisers = [
        adviser(1, idle_since=ago(900), calls_today=5),
        adviser(2, idle_since=ago(60), calls_today=2),
        adviser(3, idle_since=ago(600), calls_today=3),
    ]
    strategies = {"stress": Strategy.fewest_calls_today}
    assert pairs(plan([call(1)], advisers, strategies=strategies)) == [(cid(1), aid(2))]


def test_fewest_calls_today_breaks_ties_by_idle_since_then_id():
    strategies = {"stress": Strategy.fewest_calls_today}
    advisers = [
        adviser(1, idle_since=ago(60), calls_today=2),
        adviser(2, idle_since=ago(600), calls_today=2),
        adviser(3, idle_since=ago(900), calls_today=4),
    ]
    assert pairs(plan([call(1)], advisers, strategies=strategies)) == [(cid(1), aid(2))]
    advisers = [adviser(4, idle_since=ago(60), calls_today=2), *advisers[:1]]
    assert pairs(plan([call(1)], advisers, strategies=strategies)) == [(cid(1), aid(1))]


def test_least_talk_time_today_picks_the_adviser_with_least_talk_time():
    advisers = [
        adviser(1, idle_since=ago(900), talk_time_today_s=1200.0, calls_today=1),
        adviser(2, idle_since=ago(60), talk_time_today_s=300.5, calls_today=8),
        adviser(3, idle_since=ago(600), talk_time_today_s=301.0),
    ]
    strategies = {"stress": Strategy.least_talk_time_today}
    assert pairs(plan([call(1)], advisers, strategies=strategies)) == [(cid(1), aid(2))]


def test_least_talk_time_today_breaks_ties_by_idle_since_then_id():
    strategies = {"stress": Strategy.least_talk_time_today}
    advisers = [
        adviser(1, idle_since=ago(60), talk_time_today_s=300.0),
        adviser(2, idle_since=ago(600), talk_time_today_s=300.0),
        adviser(3, idle_since=ago(900), talk_time_today_s=900.0),
    ]
    assert pairs(plan([call(1)], advisers, strategies=strategies)) == [(cid(1), aid(2))]
    advisers = [adviser(4, idle_since=ago(60), talk_time_today_s=300.0), *advisers[:1]]
    assert pairs(plan([call(1)], advisers, strategies=strategies)) == [(cid(1), aid(1))]


def test_each_call_uses_the_strategy_of_its_own_line():
    both = frozenset({"stress", "managers"})
    advisers = [
        adviser(1, lines=both, idle_since=ago(900), calls_today=5),
        adviser(2, lines=both, idle_since=ago(60), calls_today=1),
    ]
    strategies = {"stress": Strategy.fewest_calls_today, "managers": Strategy.longest_idle}
    stress = plan([call(1, line="stress")], advisers, strategies=strategies)
    managers = plan([call(1, line="managers")], advisers, strategies=strategies)
    assert pairs(stress) == [(cid(1), aid(2))]
    assert pairs(managers) == [(cid(1), aid(1))]


# Expertise ---------------------------------------------------------------------------------


def test_expertise_in_the_primary_category_goes_first_over_a_longer_idle_adviser():
    advisers = [
        adviser(1, idle_since=ago(3600), expertise=frozenset({"grief"})),
        adviser(2, idle_since=ago(60), expertise=frozenset({"burnout", "grief"})),
    ]
    assert pairs(plan([call(1, primary_category="burnout")], advisers)) == [(cid(1), aid(2))]


def test_expertise_goes_first_over_any_strategy():
    advisers = [
        adviser(1, calls_today=0, talk_time_today_s=0.0),
        adviser(2, calls_today=9, talk_time_today_s=9999.0, expertise=frozenset({"burnout"})),
    ]
    for strategy in Strategy:
        offers = plan(
            [call(1, primary_category="burnout")], advisers, strategies={"stress": strategy}
        )
        assert pairs(offers) == [(cid(1), aid(2))], strategy


def test_among_experts_the_strategy_decides():
    advisers = [
        adviser(1, idle_since=ago(3600)),
        adviser(2, idle_since=ago(60), expertise=frozenset({"burnout"})),
        adviser(3, idle_since=ago(600), expertise=frozenset({"burnout"})),
    ]
    assert pairs(plan([call(1, primary_category="burnout")], advisers)) == [(cid(1), aid(3))]


def test_expertise_is_ignored_without_a_primary_category():
    advisers = [
        adviser(1, idle_since=ago(3600)),
        adviser(2, idle_since=ago(60), expertise=frozenset({"burnout"})),
    ]
    assert pairs(plan([call(1, primary_category=None)], advisers)) == [(cid(1), aid(1))]


def test_without_an_expert_the_call_still_goes_to_someone():
    advisers = [adviser(1, idle_since=ago(60)), adviser(2, idle_since=ago(600))]
    assert pairs(plan([call(1, primary_category="burnout")], advisers)) == [(cid(1), aid(2))]


# Overflow ----------------------------------------------------------------------------------

STRESS_TO_MANAGERS = (OverflowRule(from_line="stress", to_line="managers", after_s=60),)


def manager_adviser(n: int = 5, **fields) -> AdviserState:
    return adviser(n, lines=frozenset({"managers"}), **fields)


@pytest.mark.parametrize(
    ("waited", "reached"),
    [(0, False), (59, False), (59.999999, False), (60, True), (60.000001, True), (3600, True)],
)
def test_overflow_reaches_the_other_line_only_after_after_s(waited, reached):
    offers = plan(
        [call(1, line="stress", waiting_since=ago(waited))],
        [manager_adviser(5)],
        overflow=STRESS_TO_MANAGERS,
    )
    assert offers == ([Offer(call_id=cid(1), adviser_id=aid(5))] if reached else [])


def test_overflow_with_after_s_zero_applies_at_once():
    rule = (OverflowRule(from_line="stress", to_line="managers", after_s=0),)
    offers = plan([call(1, waiting_since=NOW)], [manager_adviser(5)], overflow=rule)
    assert pairs(offers) == [(cid(1), aid(5))]


def test_a_direct_line_adviser_is_preferred_to_an_overflow_adviser():
    advisers = [manager_adviser(1, idle_since=ago(7200)), adviser(2, idle_since=ago(60))]
    offers = plan([call(1, waiting_since=ago(600))], advisers, overflow=STRESS_TO_MANAGERS)
    assert pairs(offers) == [(cid(1), aid(2))]


def test_an_overflow_expert_is_preferred_to_a_direct_line_non_expert():
    # Expertise is rule (a), the direct line rule (b): the specialist is worth the borrowing.
    advisers = [manager_adviser(1, expertise=frozenset({"burnout"})), adviser(2)]
    transfer = call(1, waiting_since=ago(600), primary_category="burnout")
    offers = plan([transfer], advisers, overflow=STRESS_TO_MANAGERS)
    assert pairs(offers) == [(cid(1), aid(1))]


def test_overflow_rules_are_directional():
    stress_adviser = adviser(1)
    offers = plan(
        [call(1, line="managers", waiting_since=ago(3600))],
        [stress_adviser],
        overflow=STRESS_TO_MANAGERS,
    )
    assert offers == []


def test_another_line_s_overflow_rule_does_not_apply():
    rule = (OverflowRule(from_line="students", to_line="managers", after_s=0),)
    offers = plan([call(1, waiting_since=ago(600))], [manager_adviser(5)], overflow=rule)
    assert offers == []


def test_overflow_to_a_third_line_does_not_reach_other_advisers():
    rule = (OverflowRule(from_line="stress", to_line="students", after_s=0),)
    offers = plan([call(1, waiting_since=ago(600))], [manager_adviser(5)], overflow=rule)
    assert offers == []


def test_each_overflow_rule_has_its_own_delay():
    rules = (
        OverflowRule(from_line="stress", to_line="managers", after_s=300),
        OverflowRule(from_line="stress", to_line="students", after_s=30),
    )
    advisers = [
        manager_adviser(1, idle_since=ago(7200)),
        adviser(2, lines=frozenset({"students"}), idle_since=ago(60)),
    ]
    early = plan([call(1, waiting_since=ago(100))], advisers, overflow=rules)
    late = plan([call(1, waiting_since=ago(400))], advisers, overflow=rules)
    assert pairs(early) == [(cid(1), aid(2))]
    assert pairs(late) == [(cid(1), aid(1))]


def test_overflow_calls_are_ranked_by_the_strategy_of_the_call_line():
    advisers = [
        manager_adviser(1, idle_since=ago(7200), calls_today=9),
        manager_adviser(2, idle_since=ago(60), calls_today=1),
    ]
    strategies = {"stress": Strategy.longest_idle, "managers": Strategy.fewest_calls_today}
    offers = plan(
        [call(1, waiting_since=ago(600))],
        advisers,
        strategies=strategies,
        overflow=STRESS_TO_MANAGERS,
    )
    assert pairs(offers) == [(cid(1), aid(1))]


# Capacity ----------------------------------------------------------------------------------


def test_capacity_two_takes_two_calls_in_one_run_and_no_third():
    calls = [call(n, waiting_since=ago(100 - n)) for n in (1, 2, 3)]
    offers = plan(calls, [adviser(1, capacity=2)])
    assert pairs(offers) == [(cid(1), aid(1)), (cid(2), aid(1))]


def test_current_load_counts_against_capacity():
    calls = [call(n, waiting_since=ago(100 - n)) for n in (1, 2)]
    assert pairs(plan(calls, [adviser(1, capacity=2, load=1)])) == [(cid(1), aid(1))]


def test_a_planned_offer_passes_the_next_call_to_the_next_adviser():
    calls = [call(1, waiting_since=ago(90)), call(2, waiting_since=ago(30))]
    advisers = [adviser(1, idle_since=ago(900)), adviser(2, idle_since=ago(60))]
    assert pairs(plan(calls, advisers)) == [(cid(1), aid(1)), (cid(2), aid(2))]


def test_an_adviser_with_spare_capacity_keeps_their_rank_for_the_next_call():
    # Idle time is not updated within a run: the longest idle adviser takes both calls.
    calls = [call(1, waiting_since=ago(90)), call(2, waiting_since=ago(30))]
    advisers = [adviser(1, idle_since=ago(900), capacity=2), adviser(2, idle_since=ago(60))]
    assert pairs(plan(calls, advisers)) == [(cid(1), aid(1)), (cid(2), aid(1))]


# A whole desk, worked by hand ----------------------------------------------------------------

BOTH = frozenset({"stress", "managers"})
BURNOUT = frozenset({"burnout"})
DESK_STRATEGIES = {"stress": Strategy.longest_idle, "managers": Strategy.fewest_calls_today}
DESK_ADVISERS = [
    adviser(1, languages=frozenset({"de", "en"}), expertise=BURNOUT, idle_since=ago(600)),
    adviser(2, capacity=2, load=1, idle_since=ago(1800)),
    manager_adviser(3, idle_since=ago(300), calls_today=4),
    manager_adviser(4, languages=frozenset({"de", "en"}), idle_since=ago(2400), calls_today=2),
    adviser(5, ready=False, idle_since=ago(9000)),
    adviser(6, lines=BOTH, expertise=BURNOUT, load=1, idle_since=ago(9000)),
]
DESK_CALLS = [
    call(1, priority=1, waiting_since=ago(10), primary_category="burnout"),
    call(2, waiting_since=ago(120)),
    call(3, language="en", waiting_since=ago(90)),
    call(4, line="managers", waiting_since=ago(60)),
    call(5, waiting_since=ago(30)),
    call(6, line="managers", language="fr", waiting_since=ago(600)),
    call(7, target_adviser_id=aid(5), waiting_since=ago(900)),
    call(8, line="managers", waiting_since=ago(5)),
]
# Queue order: 1 (priority), then by wait 7, 6, 2, 3, 4, 5, 8.
#  1 -> A1: the only ready burnout expert with room (A6 is full).
#  7 -> none: its target A5 is not ready, and nobody else may take a transfer.
#  6 -> none: nobody speaks French.
#  2 -> A2: stress, waited past overflow; A2 (direct, load 1 of 2) beats A4 (overflow, idler).
#  3 -> A4: English; A1 is full, A2 is German only, A4 is reached through overflow.
#  4 -> A3: managers, fewest calls would pick A4 (2 calls), but A3 is the one left.
#  5 -> none: every stress adviser is full or not ready, and 30 s is under the overflow.
#  8 -> none: the managers advisers are both full.
DESK_EXPECTED = [(cid(1), aid(1)), (cid(2), aid(2)), (cid(3), aid(4)), (cid(4), aid(3))]


def plan_desk(calls=DESK_CALLS, advisers=DESK_ADVISERS) -> list[Offer]:
    return plan(calls, advisers, strategies=DESK_STRATEGIES, overflow=STRESS_TO_MANAGERS)


def test_a_whole_desk_gets_the_hand_worked_offers():
    assert pairs(plan_desk()) == DESK_EXPECTED


@pytest.mark.parametrize("seed", range(10))
def test_the_order_of_the_inputs_does_not_matter(seed):
    rng = random.Random(seed)
    calls, advisers = list(DESK_CALLS), list(DESK_ADVISERS)
    rng.shuffle(calls)
    rng.shuffle(advisers)
    assert pairs(plan_desk(calls, advisers)) == DESK_EXPECTED
    assert pairs(plan_desk(tuple(calls), tuple(advisers))) == DESK_EXPECTED


@pytest.mark.parametrize("seed", range(5))
def test_ties_broken_by_id_do_not_depend_on_input_order(seed):
    rng = random.Random(seed)
    calls = [call(n, waiting_since=ago(60)) for n in range(1, 7)]
    advisers = [adviser(n, idle_since=ago(60)) for n in range(1, 4)]
    rng.shuffle(calls)
    rng.shuffle(advisers)
    expected = [(cid(1), aid(1)), (cid(2), aid(2)), (cid(3), aid(3))]
    assert pairs(plan(calls, advisers)) == expected


def test_the_inputs_are_not_mutated():
    calls, advisers = list(reversed(DESK_CALLS)), list(reversed(DESK_ADVISERS))
    strategies, overflow = dict(DESK_STRATEGIES), list(STRESS_TO_MANAGERS)
    before = copy.deepcopy((calls, advisers, strategies, overflow))
    plan_offers(calls=calls, advisers=advisers, strategies=strategies, overflow=overflow, now=NOW)
    assert (calls, advisers, strategies, overflow) == before


def test_the_same_inputs_give_the_same_offers_twice():
    assert plan_desk() == plan_desk()


def test_a_strategy_given_as_its_string_value_works():
    advisers = [adviser(1, idle_since=ago(900), calls_today=5), adviser(2, calls_today=1)]
    offers = plan([call(1)], advisers, strategies={"stress": "fewest_calls_today"})
    assert pairs(offers) == [(cid(1), aid(2))]


def test_offers_are_plain_records_of_call_and_adviser():
    (offer,) = plan([call(1)], [replace(adviser(1), capacity=3)])
    assert offer == Offer(call_id=cid(1), adviser_id=aid(1))
