"""Disclosure control of publishable reports: cell suppression with complementary cells, audited.

The method is the one statistical offices use for frequency tables (the threshold rule with
secondary suppression, as in tau-ARGUS and the hypercube method of Destatis' GHMITER):

1. **Primary suppression.** Every count below the threshold, zero included, is withheld, so
   that a blank never tells a zero from a small group.
2. **Secondary (complementary) suppression.** Published figures are tied together: the
   all-lines figure is the sum of the lines', a breakdown's cells add up to the calls it
   counts, received = answered + abandoned + short_abandoned + still waiting. A withheld cell
   could be got back by subtraction, so further cells are withheld until the audit passes.
3. **Audit.** Every withheld cell, complementary ones included, must be protected: there must
   be two tables that agree with every published figure and every relation, have no negative
   count, and differ in that cell by at least the threshold. The audit does not trust the
   choice of cells: it builds the two tables (moves of the true counts along rectangles of
   withheld cells, the "hypercubes") and checks them against every relation, so a
   withheld cell is only called protected when its protection is shown.

Rates and means publish nothing the counts do not: a rate or share is published only where
its numerator and denominator are published counts, and a mean (of waits, of handle time)
only where the calls it averages are a published count of at least the threshold. Their
hidden sums are checked across the lines as the counts are (`measures`).

Everything here is pure: counts in, the cells to withhold out. The tables of one week are
protected together, whichever line a report is asked for, so the report for all lines, each
line's report, the trend and the previous-week block all withhold the same cells.
"""

from collections.abc import Hashable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field

from service.reports import case_figures, figures

ALL = "all"
"""The scope that is the sum of the lines."""

Cell = tuple[Hashable, str]
"""(row, scope): one count of a table."""


@dataclass
class Table:
    """Counts by row and scope (`all` and each line); in every row, `all` = sum of the lines.

    `weights`: where each scope's rows add up to a figure, each row's coefficient in that sum
    (breakdowns: +1 for every row, their total being a published count outside the table;
    the outcomes: received +1, answered, abandoned and short_abandoned -1). None where the rows
    do not add up (a call carries several issue categories).
    `free_scopes`: scopes withheld whole because their total is withheld (see `protect`).
    """

    name: str
    rows: tuple[Hashable, ...]
    lines: tuple[str, ...]
    values: dict[Cell, int]
    weights: Mapping[Hashable, int] | None = None
    free_scopes: frozenset[str] = frozenset()

    @property
    def scopes(self) -> tuple[str, ...]:
        return (ALL, *self.lines)

    def cells(self) -> Iterator[Cell]:
        for row in self.rows:
            for scope in self.scopes:
                yield row, scope


@dataclass
class Protection:
    """The cells of a table to withhold, and for each the two moves that prove it protected."""

    table: Table
    withheld: set[Cell]
    moves: dict[Cell, tuple[dict[Cell, int], dict[Cell, int]]] = field(default_factory=dict)
    unproven: set[Cell] = field(default_factory=set)


def _sign(scope: str) -> int:
    """A scope's coefficient in its row's relation: all - sum of the lines = 0."""
    return 1 if scope == ALL else -1


def _corners(
    table: Table, row: Hashable, scope: str, partner: Hashable, other: str
) -> dict[Cell, int]:
    """A move of +1 at (row, scope) that keeps every relation: the corners of a rectangle.

    Without column sums (`weights` None) the move is a pair within the row.
    """
    rho = -_sign(scope) * _sign(other)
    corners = {(row, scope): 1, (row, other): rho}
    if table.weights is not None:
        kappa = -table.weights[row] * table.weights[partner]
        corners[(partner, scope)] = kappa
        corners[(partner, other)] = rho * kappa
    return corners


def _partners(table: Table, row: Hashable) -> Sequence[Hashable]:
    if table.weights is None:
        return (None,)
    return [r for r in table.rows if r != row]


def _reach(
    table: Table, withheld: set[Cell], cell: Cell, direction: int, need: int
) -> tuple[int, dict[Cell, int]]:
    """How far (up to `need`) `cell` can move in `direction`, by rectangles of withheld cells.

    Rectangles are added up, each taking what its corners still have, so that the mass of
    many small cells, in any scope, can protect one.
    """
    row, scope = cell
    values = table.values
    move: dict[Cell, int] = {}
    moved = 0
    for other in table.scopes:
        if other == scope or (row, other) not in withheld:
            continue
        for partner in _partners(table, row):
            corners = _corners(table, row, scope, partner, other)
            # What the corners that would shrink still hold; a rectangle with an empty one
            # (most of the arrivals' night hours) moves nothing, whatever else it has.
            take = need - moved
            for corner, coef in corners.items():
                if coef * direction < 0:
                    take = min(take, values[corner] + move.get(corner, 0))
            if take <= 0 or not all(corner in withheld for corner in corners):
                continue
            for corner, coef in corners.items():
                move[corner] = move.get(corner, 0) + coef * direction * take
            moved += take
            if moved >= need:
                return moved, move
    return moved, move


def _certify(
    table: Table, withheld: set[Cell], cell: Cell, threshold: int
) -> tuple[dict[Cell, int], dict[Cell, int]] | None:
    """Two moves of the true table that keep every relation and move `cell` >= threshold apart."""
    up, raised = _reach(table, withheld, cell, +1, threshold)
    down, lowered = _reach(table, withheld, cell, -1, threshold - up) if up < threshold else (0, {})
    if up + down < threshold:
        return None
    return raised, lowered


def check_move(table: Table, withheld: set[Cell], move: Mapping[Cell, int]) -> bool:
    """Whether `move` changes withheld cells only, keeps every relation and leaves no count < 0."""
    if any(cell not in withheld for cell, delta in move.items() if delta):
        return False
    if any(table.values[cell] + delta < 0 for cell, delta in move.items()):
        return False
    for row in table.rows:
        if sum(_sign(scope) * move.get((row, scope), 0) for scope in table.scopes):
            return False
    if table.weights is not None:
        for scope in table.scopes:
            if sum(table.weights[row] * move.get((row, scope), 0) for row in table.rows):
                return False
    return True


def _complement(table: Table, withheld: set[Cell], cell: Cell, threshold: int) -> set[Cell]:
    """The published cells whose withholding gives `cell` the best rectangle, at least cost.

    The cost of a rectangle is the sum of the counts it would newly withhold; a rectangle
    that alone moves the cell by the threshold both ways beats any that does not.
    """
    row, scope = cell
    best: tuple[object, ...] | None = None
    best_cells: set[Cell] = set()
    for other in table.scopes:
        if other == scope:
            continue
        for partner in _partners(table, row):
            corners = _corners(table, row, scope, partner, other)
            new = {corner for corner in corners if corner not in withheld}
            if not new:
                continue
            reach = sum(min(_single(table, corners, direction), threshold) for direction in (1, -1))
            cost = sum(table.values[c] for c in new)
            key = (
                reach < threshold,
                -min(reach, threshold),
                cost,
                len(new),
                sorted(map(repr, new)),
            )
            if best is None or key < best:
                best, best_cells = key, new
    return best_cells


def _single(table: Table, corners: Mapping[Cell, int], direction: int) -> int:
    """How far one rectangle moves its first corner in `direction`, all corners withheld."""
    caps = [table.values[c] for c, coef in corners.items() if coef * direction < 0]
    return min(caps) if caps else 1 << 30


def protect(table: Table, threshold: int) -> Protection:
    """Withhold every count below `threshold` and enough others that each is protected.

    A scope in `free_scopes` is withheld whole: its total is withheld (and protected) in
    the totals, so its cells are bounded only by that total, which no published figure pins
    to fewer than `threshold` values; such a table needs at least two free scopes, else the
    one would follow from the others by subtraction (`free_scopes_of` adds the second).
    """
    withheld = {cell for cell in table.cells() if table.values[cell] < threshold}
    withheld |= {(row, scope) for row in table.rows for scope in table.free_scopes}
    protection = Protection(table=table, withheld=withheld)
    whole = False
    while True:
        added = False
        unproven = []
        for cell in table.cells():
            if cell not in withheld or cell[1] in table.free_scopes or cell in protection.moves:
                continue
            # A proof stays a proof: withholding more only adds ways to move a cell.
            moves = _certify(table, withheld, cell, threshold)
            if moves is not None:
                protection.moves[cell] = moves
                continue
            unproven.append(cell)
            complement = _complement(table, withheld, cell, threshold)
            if complement:
                withheld |= complement
                added = True
        if not unproven:
            return protection
        if added:
            continue
        if whole:
            # Not seen in the property tests; should it happen, nothing of the table is
            # published, which is safe, and `unproven` says which proof is missing.
            protection.unproven = set(unproven)
            return protection
        # No rectangle adds a cell: withhold the table whole; its totals protect it.
        whole = True
        withheld |= set(table.cells())


def free_scopes_of(
    lines: Sequence[str], totals_withheld: Iterable[str], totals: Mapping[str, int]
) -> frozenset[str]:
    """Scopes whose cells a table withholds whole: those whose total is withheld.

    A single one would follow from the others (all = sum of the lines), so a second joins
    it: the scope with the smallest total.
    """
    free = set(totals_withheld)
    if len(free) == 1:
        others = [scope for scope in (ALL, *lines) if scope not in free]
        free.add(min(others, key=lambda scope: (totals[scope], scope != ALL, scope)))
    return frozenset(free)


def across_lines(lines: Sequence[str], withheld: set[str], sizes: Mapping[str, float]) -> set[str]:
    """Scopes whose figure is withheld, with one more where one alone would follow.

    For figures that add up across the lines (counts, or the sums behind a mean), a single
    withheld scope is the all-lines figure minus the others'.
    """
    withheld = set(withheld)
    scopes = (ALL, *lines)
    if len(withheld) == 1:
        others = [scope for scope in scopes if scope not in withheld]
        withheld.add(min(others, key=lambda scope: (sizes[scope], scope != ALL, scope)))
    return withheld


OUTCOMES = ("received", "answered", "abandoned", "short_abandoned")
"""received = answered + abandoned + short_abandoned + waiting, in every scope."""
OUTCOME_WEIGHTS: dict[Hashable, int] = {
    "received": 1,
    "answered": -1,
    "abandoned": -1,
    "short_abandoned": -1,
}
SEPARATE_COUNTS = (
    *(f.name for f in figures.FIGURES if f.disclosure == figures.Cells("own")),
    "called_back",
)
"""Counts tied only across the lines (all = the sum of the lines): the registry's counts in
tables of their own, and the abandoned list's called_back."""
COUNTED_BREAKDOWNS = (
    "by_caller_type",
    "by_sector",
    "by_workplace_size",
    "primary_issue_category",
)
"""Breakdowns whose cells, the unclassified row included, add up to the answered calls."""
CARRIED_BREAKDOWNS = ("by_issue_category", "by_advice_type")
"""Breakdowns where a call counts once for each code it carries: rows do not add up."""
SHARED_UNCLASSIFIED = {"by_issue_category": "primary_issue_category"}
"""Breakdowns whose unclassified row is another's: the same calls, the same count."""


@dataclass(frozen=True)
class Week:
    """One week's counts in every scope: what all its publishable outputs are made of.

    `totals[scope]` holds the counts above plus `waiting` (received, not yet ended) and the
    counts behind the rates and means: `within` (answered within the service-level
    threshold), `abandoned_late` (hung up after it), `handled` (answered calls with a handle
    time), `closed` and `stress_reported`. `breakdowns[name][scope][code]` (code None =
    unclassified) and `arrivals[scope][(weekday, hour)]` may be left out (the trend needs
    only the totals, whose protection does not depend on them).
    """

    lines: tuple[str, ...]
    totals: Mapping[str, Mapping[str, int]]
    breakdowns: Mapping[str, Mapping[str, Mapping[Hashable, int]]] = field(default_factory=dict)
    arrivals: Mapping[str, Mapping[Hashable, int]] | None = None
    case_outcomes: Mapping[str, Mapping[Hashable, int]] | None = None
    """`case_outcomes[scope][code]`: the closes by outcome (code None: reopened since),
    every code the report lists; the case counts themselves are in `totals`."""

    @property
    def scopes(self) -> tuple[str, ...]:
        return (ALL, *self.lines)


@dataclass(frozen=True)
class CaseCounts:
    """A week's case counts by scope and name, and its closes by outcome, for `Week`."""

    totals: Mapping[str, Mapping[str, int]]
    outcomes: Mapping[str, Mapping[Hashable, int]] | None = None


CLOSED_BY_OUTCOME = "closed_by_outcome"
"""The cells of the closes by outcome in `Withheld.cells`."""


@dataclass
class Withheld:
    """What a publishable output of the week leaves out."""

    figures: dict[str, set[str]]
    """Per scope, the totals' figures withheld: counts, rates and means."""
    cells: dict[str, set[Cell]]
    """Per breakdown (and `arrivals`), the (code, scope) cells withheld."""
    protections: list[Protection]

    def count(self, name: str, row: Hashable, scope: str) -> bool:
        """Whether a breakdown's (or the arrivals') count is withheld."""
        if row is None and name in SHARED_UNCLASSIFIED:
            name = SHARED_UNCLASSIFIED[name]
        return (row, scope) in self.cells.get(name, set())

    def share(self, name: str, row: Hashable, scope: str) -> bool:
        """Whether a breakdown row's share is withheld.

        A share is published only where its count and its denominator (answered minus the
        unclassified) are published, so it tells nothing the counts do not.
        """
        return (
            self.count(name, row, scope)
            or self.count(name, None, scope)
            or "answered" in self.figures[scope]
        )


def protect_week(week: Week, threshold: int) -> Withheld:
    """Choose every figure of the week to withhold in a publishable output, and audit it."""
    totals = week.totals
    outcome = Table(
        name="totals",
        rows=OUTCOMES,
        lines=week.lines,
        values={(n, s): int(totals[s][n]) for n in OUTCOMES for s in week.scopes},
        weights=OUTCOME_WEIGHTS,
    )
    protections = [protect(outcome, threshold)]
    # Each of these is tied only across the lines: one table each, so that each is
    # withheld the same whether or not an output also carries the others.
    for name in SEPARATE_COUNTS:
        if name in totals[ALL]:
            separate = Table(
                name=name,
                rows=(name,),
                lines=week.lines,
                values={(name, s): int(totals[s].get(name, 0)) for s in week.scopes},
            )
            protections.append(protect(separate, threshold))
    if case_figures.COUNTS[0] in totals[ALL]:
        protections += [protect(table, threshold) for table in _case_tables(week)]
    withheld: dict[str, set[str]] = {scope: set() for scope in week.scopes}
    cells: dict[str, set[Cell]] = {}
    for protection in protections:
        for row, scope in protection.withheld:
            if isinstance(row, _Outcome):
                cells.setdefault(CLOSED_BY_OUTCOME, set()).add((row.code, scope))
            else:
                withheld[scope].add(str(row))
    _withhold_measures(week, withheld, threshold)

    answered = {scope: int(totals[scope]["answered"]) for scope in week.scopes}
    answered_free = free_scopes_of(
        week.lines, [s for s in week.scopes if "answered" in withheld[s]], answered
    )
    for name, counts in week.breakdowns.items():
        table = _breakdown_table(week, name, counts, answered_free)
        protection = protect(table, threshold)
        protections.append(protection)
        cells[name] = protection.withheld
    if week.arrivals is not None:
        received = {scope: int(totals[scope]["received"]) for scope in week.scopes}
        found = {row for scope in week.scopes for row in week.arrivals[scope]}
        rows = tuple(sorted(found))  # type: ignore[type-var]  # (weekday, hour) pairs sort
        table = Table(
            name="arrivals",
            rows=rows,
            lines=week.lines,
            values={(r, s): int(week.arrivals[s].get(r, 0)) for r in rows for s in week.scopes},
            weights=dict.fromkeys(rows, 1),
            free_scopes=free_scopes_of(
                week.lines, [s for s in week.scopes if "received" in withheld[s]], received
            ),
        )
        protection = protect(table, threshold)
        protections.append(protection)
        cells["arrivals"] = protection.withheld
    return Withheld(figures=withheld, cells=cells, protections=protections)


def _breakdown_table(
    week: Week, name: str, counts: Mapping[str, Mapping[Hashable, int]], free: frozenset[str]
) -> Table:
    codes = {code for scope in week.scopes for code in counts[scope]}
    counted = name not in CARRIED_BREAKDOWNS
    if name in SHARED_UNCLASSIFIED:
        codes.discard(None)  # protected with the breakdown it is shared with
    rows = tuple(sorted(codes, key=lambda code: (code is None, str(code))))
    return Table(
        name=name,
        rows=rows,
        lines=week.lines,
        values={(r, s): int(counts[s].get(r, 0)) for r in rows for s in week.scopes},
        weights=dict.fromkeys(rows, 1) if counted else None,
        # Rows that do not add up are not bounded by the total: nothing to withhold whole.
        free_scopes=free if counted else frozenset(),
    )


@dataclass(frozen=True)
class _Outcome:
    """A row of the closes by outcome, in the table of the week's closes."""

    code: Hashable


def _case_tables(week: Week) -> list[Table]:
    """The case counts' tables (`case_figures.tables`): a whole and the parts that add up
    to it, the closes' parts being their outcomes; a table of one count is tied only
    across the lines."""
    found = []
    outcomes = week.case_outcomes or {}
    codes = sorted(
        {code for counts in outcomes.values() for code in counts},
        key=lambda code: (code is None, str(code)),
    )
    for name, names in case_figures.tables().items():
        rows: tuple[Hashable, ...] = names
        values: dict[Cell, int] = {
            (n, s): int(week.totals[s][n]) for n in names for s in week.scopes
        }
        if name == case_figures.OUTCOME_TABLE and codes:
            rows += tuple(_Outcome(code) for code in codes)
            values |= {
                (_Outcome(code), s): int(outcomes[s].get(code, 0))
                for code in codes
                for s in week.scopes
            }
        weights = None
        if len(rows) > 1:
            weights = {row: 1 if row == names[0] else -1 for row in rows}
        found.append(Table(name=name, rows=rows, lines=week.lines, values=values, weights=weights))
    return found


# Not a figure of the totals, but withheld by the same kind of rule.
STRESS_SHARE = figures.OverCounts(published=(), at_least=("closed",), size="closed")


def measure_rules() -> dict[str, figures.OverCounts]:
    """Every rate and mean, from the registry, with the rule that withholds it."""
    rules = {
        figure.name: figure.disclosure
        for figure in figures.FIGURES
        if isinstance(figure.disclosure, figures.OverCounts)
    }
    return rules | {"stress_reported_share": STRESS_SHARE} | case_figures.measure_rules()


def _withhold_measures(week: Week, withheld: dict[str, set[str]], threshold: int) -> None:
    """Withhold each rate and mean whose counts are withheld or few, across the lines too.

    A rate over published counts tells nothing new (abandoned ÷ (answered + abandoned));
    one over hidden counts (service level's abandoned late) or a mean (the sum of waits
    behind asa_s) is published only over at least `threshold` calls.
    """
    totals = week.totals
    for measure, rule in measure_rules().items():
        if any(name not in totals[ALL] for name in (*rule.at_least, rule.size)):
            continue  # not in this output (the case figures outside a weekly report)
        scopes = {
            scope
            for scope in week.scopes
            if any(name in withheld[scope] for name in rule.published)
            or (
                rule.at_least
                and sum(int(totals[scope][name]) for name in rule.at_least) < threshold
            )
        }
        sizes = {scope: float(totals[scope][rule.size]) for scope in week.scopes}
        for scope in across_lines(week.lines, scopes, sizes):
            withheld[scope].add(measure)
