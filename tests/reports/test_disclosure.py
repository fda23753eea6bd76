"""Disclosure control (`service.reports.disclosure`), pure: no HTTP, no database.

The property test makes random small weeks call by call, lets the method choose what to
withhold, and sets the attacker of tests/disclosure_attack.py on what is left: every
published relation, solved as linear programmes. It must never recover a withheld figure.
"""

from collections import Counter
from dataclasses import dataclass

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from service.reports import disclosure
from service.reports.disclosure import ALL, Table, Week, check_move, protect, protect_week
from tests.disclosure_attack import Published, attack

T = 5
LINES = ("stress", "managers")
CALLER_TYPES = ("employee", "manager", None)
SECTORS = ("health", "education", "public", None)
CATEGORIES = ("workload", "violence", "demands")
ADVICE = ("apv", "talk")
HOURS = ((1, 9), (1, 10), (2, 9), (3, 14))
TOTAL_COUNTS = (
    *disclosure.OUTCOMES,
    *disclosure.SEPARATE_COUNTS,
    "waiting",
    "within",
    "abandoned_late",
    "handled",
    "closed",
    "stress_reported",
)


@dataclass(frozen=True)
class FakeCall:
    line: str
    outcome: str  # answered, abandoned, short, waiting
    caller_type: str | None
    sector: str | None
    categories: tuple[str, ...]
    advice: tuple[str, ...]
    hour: tuple[int, int]
    wait: float
    handle: float
    within: bool
    late: bool
    handled: bool
    closed: bool
    stress: bool
    callback: int  # 0 none, 1 requested, 2 requested and completed
    transfers: int
    called_back: bool


calls_strategy = st.lists(
    st.builds(
        FakeCall,
        line=st.sampled_from(LINES),
        outcome=st.sampled_from(("answered", "answered", "answered", "abandoned", "short")),
        caller_type=st.sampled_from(CALLER_TYPES),
        sector=st.sampled_from(SECTORS),
        categories=st.lists(st.sampled_from(CATEGORIES), max_size=2, unique=True).map(tuple),
        advice=st.lists(st.sampled_from(ADVICE), max_size=2, unique=True).map(tuple),
        hour=st.sampled_from(HOURS),
        wait=st.floats(0, 300).map(lambda w: round(w, 3)),
        handle=st.floats(30, 3000).map(lambda h: round(h, 3)),
        within=st.booleans(),
        late=st.booleans(),
        handled=st.booleans() | st.just(True),
        closed=st.booleans() | st.just(True),
        stress=st.booleans(),
        callback=st.sampled_from((0, 0, 1, 2)),
        transfers=st.sampled_from((0, 0, 0, 1)),
        called_back=st.booleans(),
    ),
    max_size=45,
)


def _scopes_of(call: FakeCall) -> tuple[str, str]:
    return ALL, call.line


def aggregate(calls: list[FakeCall]):
    """The week's counts, sums and breakdowns, scope by scope, as the SQL would give them."""
    totals = {s: Counter() for s in (ALL, *LINES)}
    sums = {s: Counter() for s in (ALL, *LINES)}
    breakdowns = {
        name: {s: Counter() for s in (ALL, *LINES)}
        for name in (
            "by_caller_type",
            "by_sector",
            "primary_issue_category",
            "by_issue_category",
            "by_advice_type",
        )
    }
    arrivals = {s: Counter({hour: 0 for hour in HOURS}) for s in (ALL, *LINES)}
    for call in calls:
        for s in _scopes_of(call):
            t = totals[s]
            t["received"] += 1
            arrivals[s][call.hour] += 1
            t["waiting"] += call.outcome == "waiting"
            t["short_abandoned"] += call.outcome == "short"
            if call.outcome == "abandoned":
                t["abandoned"] += 1
                t["abandoned_late"] += call.late
            if call.outcome in ("abandoned", "short"):
                t["called_back"] += call.called_back
            t["transfers"] += call.transfers
            if call.outcome != "answered":
                continue
            t["answered"] += 1
            t["within"] += call.within
            sums[s]["wait_sum"] += call.wait
            if call.handled:
                t["handled"] += 1
                sums[s]["handle_sum"] += call.handle
            if call.closed:
                t["closed"] += 1
                t["stress_reported"] += call.stress
                t["callbacks_requested"] += call.callback >= 1
                t["callbacks_completed"] += call.callback == 2
            b = breakdowns
            b["by_caller_type"][s][call.caller_type] += 1
            b["by_sector"][s][call.sector] += 1
            b["primary_issue_category"][s][call.categories[0] if call.categories else None] += 1
            for code in call.categories:
                b["by_issue_category"][s][code] += 1
            for code in call.advice:
                b["by_advice_type"][s][code] += 1
            if not call.advice:
                b["by_advice_type"][s][None] += 1
    for s in (ALL, *LINES):
        for name, codes in (
            ("by_caller_type", CALLER_TYPES),
            ("by_sector", SECTORS),
            ("primary_issue_category", (*CATEGORIES, None)),
            ("by_issue_category", (*CATEGORIES, None)),
            ("by_advice_type", (*ADVICE, None)),
        ):
            counter = breakdowns[name][s]
            for code in codes:
                counter[code] += 0
        breakdowns["by_issue_category"][s][None] = breakdowns["primary_issue_category"][s][None]
    return totals, sums, breakdowns, arrivals


def _rate(numerator: float, denominator: float) -> float | None:
    return None if not denominator else numerator / denominator


def publish(calls: list[FakeCall]) -> tuple[Published, disclosure.Withheld]:
    """What every publishable output of the week shows, as the service would publish it."""
    totals, sums, breakdowns, arrivals = aggregate(calls)
    week = Week(
        lines=LINES,
        totals={s: {k: t[k] for k in TOTAL_COUNTS} for s, t in totals.items()},
        breakdowns={name: {s: dict(c) for s, c in b.items()} for name, b in breakdowns.items()},
        arrivals={s: dict(c) for s, c in arrivals.items()},
    )
    withheld = protect_week(week, T)
    counts, measures, cells, shares = {}, {}, {}, {}
    for s in week.scopes:
        t, hidden = totals[s], withheld.figures[s]
        for name in disclosure.OUTCOMES + disclosure.SEPARATE_COUNTS:
            counts[(name, s)] = None if name in hidden else t[name]
        values = {
            "abandonment_rate": _rate(t["abandoned"], t["answered"] + t["abandoned"]),
            "service_level": _rate(t["within"], t["answered"] + t["abandoned_late"]),
            "asa_s": _rate(sums[s]["wait_sum"], t["answered"]),
            "aht_s": _rate(sums[s]["handle_sum"], t["handled"]),
            "stress_reported_share": _rate(t["stress_reported"], t["closed"]),
        }
        for name, value in values.items():
            measures[(name, s)] = None if name in hidden else value
        for name, by_scope in breakdowns.items():
            unclassified = by_scope[s][None]
            for code, n in by_scope[s].items():
                cells[(name, code, s)] = None if withheld.count(name, code, s) else n
                if code is not None:
                    share = _rate(n, t["answered"] - unclassified)
                    shares[(name, code, s)] = None if withheld.share(name, code, s) else share
        for hour, n in arrivals[s].items():
            cells[("arrivals", hour, s)] = None if withheld.count("arrivals", hour, s) else n
    waiting = {s: totals[s]["waiting"] for s in week.scopes}
    published = Published(
        lines=LINES,
        waiting=waiting,
        counts=counts,
        measures=measures,
        cells=cells,
        shares=shares,
    )
    return published, withheld


@settings(max_examples=60)
@given(calls_strategy)
def test_no_withheld_figure_is_recovered_from_all_published_relations(calls):
    published, withheld = publish(calls)
    breaches = attack(published, T)
    assert breaches == []
    # Every count below the threshold was withheld, and every move proves what it claims.
    for value in published.counts.values():
        assert value is None or value >= T
    for protection in withheld.protections:
        assert protection.unproven == set()
        free = protection.table.free_scopes
        assert {c for c in protection.withheld if c[1] not in free} == set(protection.moves)
        for cell, moves in protection.moves.items():
            up, down = moves
            assert check_move(protection.table, protection.withheld, up)
            assert check_move(protection.table, protection.withheld, down)
            assert up.get(cell, 0) - down.get(cell, 0) >= T


def _calls(line: str, outcome: str, n: int, **fields) -> list[FakeCall]:
    base = dict(
        caller_type="employee",
        sector="health",
        categories=("workload",),
        advice=("apv",),
        hour=(1, 9),
        wait=10.0,
        handle=600.0,
        within=True,
        late=False,
        handled=True,
        closed=True,
        stress=False,
        callback=0,
        transfers=0,
        called_back=False,
    )
    return [FakeCall(line=line, outcome=outcome, **(base | fields)) for _ in range(n)]


def test_the_issues_subtractions_no_longer_work():
    """All-lines abandoned 19 - stress 17 = managers' 2; received - answered - abandoned."""
    calls = (
        _calls("stress", "answered", 60)
        + _calls("stress", "abandoned", 17)
        + _calls("managers", "answered", 30)
        + _calls("managers", "abandoned", 2)
        + _calls("stress", "short", 3)
    )
    published, _ = publish(calls)
    assert published.counts[("abandoned", "managers")] is None
    # Its complement: the subtraction has more than one unknown.
    assert sum(published.counts[("abandoned", s)] is None for s in (ALL, *LINES)) >= 2
    assert published.counts[("short_abandoned", "stress")] is None
    assert attack(published, T) == []


def test_a_single_callers_wait_cannot_be_had_from_two_means():
    """11 x 8.825 - 10 x 8.249: the issue's small week, one managers' caller."""
    calls = _calls("stress", "answered", 10, wait=8.249) + _calls(
        "managers", "answered", 1, wait=15.0
    )
    published, _ = publish(calls)
    asa = [published.measures[("asa_s", s)] for s in (ALL, *LINES)]
    assert asa[2] is None
    assert sum(value is None for value in asa) >= 2
    assert attack(published, T) == []


def test_the_attacker_does_recover_what_plain_threshold_suppression_leaves():
    """The attacker is not toothless: without complements it gets the managers' 2 back."""
    calls = (
        _calls("stress", "answered", 60)
        + _calls("stress", "abandoned", 17)
        + _calls("managers", "answered", 30)
        + _calls("managers", "abandoned", 2)
    )
    published, _ = publish(calls)
    naive = published
    naive.counts = {
        key: None if value is None and key != ("abandoned", "managers") else value
        for key, value in published.counts.items()
    }
    totals, *_ = aggregate(calls)
    for key in naive.counts:
        name, scope = key
        if key != ("abandoned", "managers") and naive.counts[key] is None:
            naive.counts[key] = totals[scope][name] if totals[scope][name] >= T else None
    breaches = attack(naive, T)
    assert any(b.what == ("count", "abandoned", "managers") for b in breaches)


def test_every_count_below_the_threshold_is_withheld_zero_included():
    table = Table(
        name="t",
        rows=("a", "b", "c"),
        lines=LINES,
        values={
            ("a", ALL): 20,
            ("a", "stress"): 20,
            ("a", "managers"): 0,
            ("b", ALL): 12,
            ("b", "stress"): 9,
            ("b", "managers"): 3,
            ("c", ALL): 30,
            ("c", "stress"): 22,
            ("c", "managers"): 8,
        },
        weights={"a": 1, "b": 1, "c": 1},
    )
    protection = protect(table, T)
    assert {("a", "managers"), ("b", "managers")} <= protection.withheld
    # The two small managers' cells hold 3 together: one more managers' cell must go.
    assert ("c", "managers") in protection.withheld
    for cell in protection.withheld:
        up, down = protection.moves[cell]
        assert up.get(cell, 0) - down.get(cell, 0) >= T


def test_a_move_that_breaks_a_relation_is_refused():
    table = Table(
        name="t",
        rows=("a", "b"),
        lines=LINES,
        values={
            ("a", ALL): 5,
            ("a", "stress"): 3,
            ("a", "managers"): 2,
            ("b", ALL): 5,
            ("b", "stress"): 2,
            ("b", "managers"): 3,
        },
        weights={"a": 1, "b": 1},
    )
    everything = set(table.cells())
    rectangle = {("a", "stress"): 1, ("a", "managers"): -1, ("b", "stress"): -1}
    assert check_move(table, everything, rectangle | {("b", "managers"): 1})
    assert not check_move(table, everything, rectangle)  # column managers and row b broken
    assert not check_move(table, everything, {("a", "stress"): 1})  # row and column broken
    assert not check_move(table, everything, {("a", "stress"): 1, ("b", "stress"): -1})
    assert not check_move(table, everything, {("a", "managers"): -3, ("a", "stress"): 3})
    assert not check_move(table, everything - {("a", ALL)}, {("a", ALL): 1, ("a", "stress"): 1})


@pytest.mark.parametrize(
    ("withheld", "sizes", "expected"),
    [
        (set(), {ALL: 9, "stress": 5, "managers": 4}, set()),
        ({"managers"}, {ALL: 9, "stress": 5, "managers": 4}, {"managers", "stress"}),
        ({ALL}, {ALL: 12, "stress": 5, "managers": 7}, {ALL, "stress"}),
        ({ALL, "managers"}, {ALL: 9, "stress": 5, "managers": 4}, {ALL, "managers"}),
    ],
)
def test_a_figure_withheld_in_one_scope_alone_takes_another_with_it(withheld, sizes, expected):
    assert disclosure.across_lines(LINES, withheld, sizes) == expected
