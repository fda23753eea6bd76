"""Disclosure control of the case figures, attacked as the call figures are.

An attacker that knows nothing of how cells were chosen writes down every relation a
reader knows between the case counts (all lines = the sum of the lines; backlog = its age
bands; cases_closed = its closes by outcome; referrals_sent = its states), fixes every
published count, and asks a linear programme (HiGHS, through scipy) for the least and the
greatest value of each withheld one. None may be pinned to a range narrower than the
threshold.
"""

from collections.abc import Hashable

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import linprog

from service.reports import case_figures, disclosure

THRESHOLD = 5
LINES = ("stress", "managers")
SCOPES = (disclosure.ALL, *LINES)
OUTCOMES: tuple[Hashable, ...] = ("resolved_by_advice", "duplicate", None)
TABLES = case_figures.tables()


def _week(counts: dict[str, dict[str, int]], outcomes: dict[str, dict[Hashable, int]]):
    """A week with plenty of calls (the call tables publish everything) and these cases."""
    calls = {"received": 100, "answered": 90, "abandoned": 6, "short_abandoned": 4}
    totals = {scope: {**calls, **counts[scope]} for scope in SCOPES}
    return disclosure.Week(lines=LINES, totals=totals, case_outcomes=outcomes)


def _with_all(per_line: dict[str, dict]) -> dict[str, dict]:
    every = {}
    for key in per_line[LINES[0]]:
        every[key] = sum(per_line[line][key] for line in LINES)
    return {disclosure.ALL: every, **per_line}


def _scope_counts(draw, line: str) -> dict[str, int]:
    small = st.integers(min_value=0, max_value=9)
    counts = {name: draw(small) for name in case_figures.RAW_COUNTS}
    for whole, *parts in TABLES.values():
        if parts:
            counts[whole] = sum(counts[part] for part in parts)
    return counts


@st.composite
def weeks(draw):
    counts = _with_all({line: _scope_counts(draw, line) for line in LINES})
    outcomes = {}
    for line in LINES:
        found = {code: draw(st.integers(min_value=0, max_value=9)) for code in OUTCOMES}
        outcomes[line] = found
        counts[line]["cases_closed"] = sum(found.values())
    outcomes = _with_all(outcomes)
    counts[disclosure.ALL]["cases_closed"] = sum(counts[line]["cases_closed"] for line in LINES)
    return counts, outcomes


def _ranges(counts, outcomes, withheld) -> dict[tuple, tuple[float, float]]:
    """The least and greatest value the published case figures leave each withheld one."""
    cells: list[tuple] = []
    true: dict[tuple, int] = {}
    for table, names in TABLES.items():
        rows: list[Hashable] = list(names)
        if table == case_figures.OUTCOME_TABLE:
            rows += [("outcome", code) for code in OUTCOMES]
        for row in rows:
            for scope in SCOPES:
                key = (table, row, scope)
                cells.append(key)
                if isinstance(row, tuple):
                    true[key] = outcomes[scope][row[1]]
                else:
                    true[key] = counts[scope][row]
    index = {key: i for i, key in enumerate(cells)}
    equations: list[dict[int, float]] = []
    for table, names in TABLES.items():
        whole, *parts = names
        part_rows: list[Hashable] = list(parts)
        if table == case_figures.OUTCOME_TABLE:
            part_rows = [("outcome", code) for code in OUTCOMES]
        for row in (whole, *part_rows):
            equations.append(
                {index[(table, row, disclosure.ALL)]: 1.0}
                | {index[(table, row, line)]: -1.0 for line in LINES}
            )
        if part_rows:
            for scope in SCOPES:
                equation = {index[(table, whole, scope)]: 1.0}
                equation |= {index[(table, row, scope)]: -1.0 for row in part_rows}
                equations.append(equation)
    hidden = {key for key in cells if withheld(key)}
    for key in cells:
        if key not in hidden:
            equations.append({index[key]: 1.0, "value": true[key]})
    a = np.zeros((len(equations), len(cells)))
    b = np.zeros(len(equations))
    for i, equation in enumerate(equations):
        for column, coefficient in equation.items():
            if column == "value":
                b[i] = coefficient
            else:
                a[i, column] = coefficient
    found = {}
    for key in hidden:
        objective = np.zeros(len(cells))
        objective[index[key]] = 1.0
        low = linprog(objective, A_eq=a, b_eq=b, bounds=(0, None), method="highs")
        high = linprog(-objective, A_eq=a, b_eq=b, bounds=(0, None), method="highs")
        assert low.status == 0 and high.status in (0, 3)  # 3: unbounded above
        found[key] = (low.fun, np.inf if high.status == 3 else -high.fun)
    return found


@settings(max_examples=40, deadline=None)
@given(weeks())
def test_no_withheld_case_count_follows_from_the_published_ones(week):
    counts, outcomes = week
    protected = disclosure.protect_week(_week(counts, outcomes), THRESHOLD)
    assert all(not p.unproven for p in protected.protections)
    cells = protected.cells.get(disclosure.CLOSED_BY_OUTCOME, set())

    def withheld(key: tuple) -> bool:
        _, row, scope = key
        if isinstance(row, tuple):
            return (row[1], scope) in cells
        return row in protected.figures[scope]

    for key, (low, high) in _ranges(counts, outcomes, withheld).items():
        assert high - low >= THRESHOLD - 1e-6, (key, low, high)
    # Every count below the threshold is withheld (zero included).
    for scope in SCOPES:
        for name in case_figures.COUNTS:
            if counts[scope][name] < THRESHOLD:
                assert name in protected.figures[scope], (scope, name)


def test_the_attacker_recovers_a_count_withheld_alone():
    # Not toothless: with only managers' small count withheld, all - stress gives it back.
    counts = _with_all({line: dict.fromkeys(case_figures.RAW_COUNTS, 20) for line in LINES})
    counts["managers"]["cases_opened"] = 2
    counts[disclosure.ALL]["cases_opened"] = 22
    outcomes = _with_all({line: dict.fromkeys(OUTCOMES, 20) for line in LINES})
    for scope in SCOPES:
        counts[scope]["cases_closed"] = sum(outcomes[scope].values())
        counts[scope]["backlog"] = sum(counts[scope][p] for p in TABLES["backlog"][1:])
        counts[scope]["referrals_sent"] = sum(counts[scope][p] for p in TABLES["referrals"][1:])

    target = ("cases_opened", "cases_opened", "managers")
    assert _ranges(counts, outcomes, lambda key: key == target) == {target: (2.0, 2.0)}
