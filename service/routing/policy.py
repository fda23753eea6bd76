"""The routing decision, as a pure function: waiting calls + advisers + clock -> offers.

No database and no HTTP here: the desk service loads the state, calls `plan_offers`, and
stores what it returns. Every rule of who gets which call lives in this module.
"""

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum


class Strategy(StrEnum):
    longest_idle = "longest_idle"
    fewest_calls_today = "fewest_calls_today"
    least_talk_time_today = "least_talk_time_today"


@dataclass(frozen=True)
class WaitingCall:
    id: uuid.UUID
    line: str
    language: str
    # When the call started waiting: received_at, or a callback's due time.
    waiting_since: datetime
    priority: int = 0
    # The primary issue category, when already known (e.g. on a transfer).
    primary_category: str | None = None
    # A transfer to a named adviser: nobody else may be offered the call.
    target_adviser_id: uuid.UUID | None = None
    # Advisers who rejected or missed this call: it is not offered to them again.
    excluded_advisers: frozenset[uuid.UUID] = field(default_factory=frozenset)


@dataclass(frozen=True)
class AdviserState:
    id: uuid.UUID
    lines: frozenset[str]
    languages: frozenset[str]
    expertise: frozenset[str]
    capacity: int
    # Calls offered to, in progress with, or in wrap-up with this adviser now.
    load: int
    # Active, set themselves available, and past any minimum wrap-up.
    ready: bool
    # Since when the adviser has been idle: the end of their last call, or when they became
    # available if they have had no call yet.
    idle_since: datetime
    calls_today: int = 0
    talk_time_today_s: float = 0.0


@dataclass(frozen=True)
class OverflowRule:
    from_line: str
    to_line: str
    after_s: int


@dataclass(frozen=True)
class Offer:
    call_id: uuid.UUID
    adviser_id: uuid.UUID


def plan_offers(
    *,
    calls: Sequence[WaitingCall],
    advisers: Sequence[AdviserState],
    strategies: dict[str, Strategy],
    overflow: Sequence[OverflowRule],
    now: datetime,
) -> list[Offer]:
    """Return the offers to make now, one at most per call, in the order calls were considered.

    Calls go in queue order (priority, then longest waiting, then id); each takes the best
    eligible adviser with spare capacity. Greedy on purpose, like contact-centre routers: a
    call never waits for a busy better match, and no adviser with room is left idle while a
    call they may take is waiting. Every rule has its examples in
    tests/routing/test_routing_policy.py.
    """
    # Total orders on both sides (ids last) make the result independent of input order.
    queue = sorted(calls, key=lambda c: (-c.priority, c.waiting_since, c.id))
    pool = list(advisers)
    # Offers planned in this run count against capacity like the load already there.
    planned = {adviser.id: 0 for adviser in pool}

    offers: list[Offer] = []
    for call in queue:
        waited_s = (now - call.waiting_since).total_seconds()
        # Lines this call may reach besides its own, given how long it has waited.
        overflow_lines = {
            rule.to_line
            for rule in overflow
            if rule.from_line == call.line and waited_s >= rule.after_s
        }
        candidates = [
            adviser
            for adviser in pool
            if adviser.load + planned[adviser.id] < adviser.capacity
            and _eligible(call, adviser, overflow_lines)
        ]
        if not candidates:
            continue
        strategy = Strategy(strategies.get(call.line, Strategy.longest_idle))
        best = min(candidates, key=lambda adviser: _rank(call, adviser, strategy))
        planned[best.id] += 1
        offers.append(Offer(call_id=call.id, adviser_id=best.id))
    return offers


def _eligible(call: WaitingCall, adviser: AdviserState, overflow_lines: set[str]) -> bool:
    if not adviser.ready or call.language not in adviser.languages:
        return False
    if adviser.id in call.excluded_advisers:
        return False
    if call.target_adviser_id is not None:
        # A named transfer goes to that adviser whatever lines they serve, or waits for them.
        return adviser.id == call.target_adviser_id
    return call.line in adviser.lines or not overflow_lines.isdisjoint(adviser.lines)


def _rank(call: WaitingCall, adviser: AdviserState, strategy: Strategy) -> tuple[object, ...]:
    """Sort key: the lowest tuple gets the call."""
    # False sorts before True, so each flag is "lacks this advantage".
    lacks_expertise = (
        call.primary_category is not None and call.primary_category not in adviser.expertise
    )
    # Keep advisers borrowed through overflow free for their own line's callers.
    via_overflow = call.line not in adviser.lines
    if strategy is Strategy.fewest_calls_today:
        load_today: tuple[object, ...] = (adviser.calls_today,)
    elif strategy is Strategy.least_talk_time_today:
        load_today = (adviser.talk_time_today_s,)
    else:
        load_today = ()
    return (lacks_expertise, via_overflow, *load_today, adviser.idle_since, adviser.id)
