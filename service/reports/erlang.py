"""Erlang C: how many advisers an hour's calls need to meet a service level.

Traffic A (Erlang) = arrivals * AHT ÷ interval. The probability that a call waits is computed
from the Erlang B recursion B(k) = A·B(k-1) ÷ (k + A·B(k-1)), which stays stable for large N
where the textbook formula's factorials overflow.
"""

import math
from dataclasses import dataclass


def erlang_c(traffic: float, agents: int) -> float:
    """Probability that a call has to wait, with `agents` advisers and `traffic` Erlang."""
    if traffic <= 0:
        return 0.0
    if agents <= traffic:
        return 1.0
    blocking = 1.0
    for k in range(1, agents + 1):
        blocking = traffic * blocking / (k + traffic * blocking)
    return agents * blocking / (agents - traffic * (1 - blocking))


def service_level(traffic: float, agents: int, aht_s: float, threshold_s: float) -> float:
    """Share of calls answered within `threshold_s`."""
    if traffic <= 0:
        return 1.0
    if agents <= traffic:
        return 0.0
    waiting = erlang_c(traffic, agents)
    return 1 - waiting * math.exp(-(agents - traffic) * threshold_s / aht_s)


def average_speed_of_answer(traffic: float, agents: int, aht_s: float) -> float:
    """Mean wait over all calls, in seconds."""
    if traffic <= 0:
        return 0.0
    if agents <= traffic:
        return math.inf
    return erlang_c(traffic, agents) * aht_s / (agents - traffic)


@dataclass(frozen=True)
class Staffing:
    traffic: float
    agents: int
    service_level: float
    occupancy: float


def advisers_needed(
    *, arrivals: float, interval_s: float, aht_s: float, target: float, threshold_s: float
) -> Staffing:
    """The fewest advisers whose service level reaches `target`, and what that implies."""
    traffic = arrivals * aht_s / interval_s
    if traffic <= 0:
        return Staffing(traffic=0.0, agents=0, service_level=1.0, occupancy=0.0)
    agents = max(1, math.floor(traffic) + 1)
    while service_level(traffic, agents, aht_s, threshold_s) < target:
        agents += 1
    return Staffing(
        traffic=traffic,
        agents=agents,
        service_level=service_level(traffic, agents, aht_s, threshold_s),
        occupancy=traffic / agents,
    )
