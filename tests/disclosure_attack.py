"""An attacker of publishable reports: every published relation, solved as linear programmes.

It knows nothing of how the service chose what to withhold. It reads the published figures
(a `Published`: what the JSON, CSV and XLSX outputs carry, gathered by the caller), writes
down every relation between them that a reader can know, and for each withheld count asks
a linear-programme solver (HiGHS, through scipy) for the least and greatest value that fits
all of them with no negative count. A count whose range is narrower than the threshold is
recovered (exactly, when the range is a single value). A withheld mean is recovered when
both its sum and its number of calls are pinned.

Relations used, in every scope (all and each line) of the week:
- all = the sum of the lines, for every count, every hidden count and every sum;
- received = answered + abandoned + short_abandoned + waiting (waiting given);
- a counted breakdown's cells, unclassified included, = answered; the issue categories'
  unclassified row = the primary category's;
- the arrivals' cells = received;
- every published rate, share and mean as the linear relation it is: abandonment_rate r
  gives (1 - r) abandoned = r answered; service_level s gives within = s (answered +
  abandoned_late); asa gives wait_sum = asa x answered; aht gives handle_sum = aht x
  handled; mean hold gives hold_sum = mean hold x handled; a share p gives count = p
  (answered - unclassified); stress_reported_share q gives reported = q closed;
- within <= answered, abandoned_late <= abandoned, handled <= answered, reported <= closed.
"""

from collections.abc import Hashable, Iterable
from dataclasses import dataclass, field

import numpy as np
from scipy.optimize import linprog
from scipy.sparse import coo_matrix

ALL = "all"
OUTCOMES = ("received", "answered", "abandoned", "short_abandoned")
COUNTS = (*OUTCOMES, "callbacks_requested", "callbacks_completed", "transfers", "called_back")
HIDDEN = ("within", "abandoned_late", "handled", "closed", "stress_reported")
SUMS = ("wait_sum", "handle_sum", "hold_sum")
COUNTED = ("by_caller_type", "by_sector", "by_workplace_size", "primary_issue_category")
CARRIED = ("by_issue_category", "by_advice_type")


@dataclass
class Published:
    """The figures a reader sees, None where withheld, for every scope of one week."""

    lines: tuple[str, ...]
    waiting: dict[str, int]
    counts: dict[tuple[str, str], int | None]
    """(figure, scope) of the totals' counts."""
    measures: dict[tuple[str, str], float | None]
    """(measure, scope): abandonment_rate, service_level, asa_s, aht_s, stress_reported_share."""
    cells: dict[tuple[str, Hashable, str], int | None] = field(default_factory=dict)
    """(breakdown or `arrivals`, code, scope)."""
    shares: dict[tuple[str, Hashable, str], float | None] = field(default_factory=dict)

    @property
    def scopes(self) -> tuple[str, ...]:
        return (ALL, *self.lines)


@dataclass
class Breach:
    what: tuple
    low: float
    high: float


class _Programme:
    def __init__(self) -> None:
        self.index: dict[tuple, int] = {}
        self.eq: list[tuple[dict[int, float], float]] = []
        self.le: list[tuple[dict[int, float], float]] = []

    def var(self, key: tuple) -> int:
        return self.index.setdefault(key, len(self.index))

    def equal(self, terms: Iterable[tuple[tuple, float]], constant: float = 0.0) -> None:
        row: dict[int, float] = {}
        for key, coef in terms:
            i = self.var(key)
            row[i] = row.get(i, 0.0) + coef
        self.eq.append((row, constant))

    def at_most(self, terms: Iterable[tuple[tuple, float]], constant: float = 0.0) -> None:
        row: dict[int, float] = {}
        for key, coef in terms:
            i = self.var(key)
            row[i] = row.get(i, 0.0) + coef
        self.le.append((row, constant))

    def _matrix(self, rows):
        data, r, c = [], [], []
        for k, (row, _) in enumerate(rows):
            for i, coef in row.items():
                data.append(coef)
                r.append(k)
                c.append(i)
        shape = (len(rows), len(self.index))
        return coo_matrix((data, (r, c)), shape=shape).tocsr(), np.array([b for _, b in rows])

    def ranges(self, keys: list[tuple]) -> dict[tuple, tuple[float, float]]:
        a_eq, b_eq = self._matrix(self.eq)
        a_le, b_le = self._matrix(self.le) if self.le else (None, None)
        found = {}
        for key in keys:
            c = np.zeros(len(self.index))
            c[self.index[key]] = 1.0
            low = linprog(c, A_eq=a_eq, b_eq=b_eq, A_ub=a_le, b_ub=b_le, bounds=(0, None))
            assert low.status == 0, (key, low.message)
            high = linprog(-c, A_eq=a_eq, b_eq=b_eq, A_ub=a_le, b_ub=b_le, bounds=(0, None))
            assert high.status in (0, 3), (key, high.message)
            ends = (low.fun, float("inf") if high.status == 3 else -high.fun)
            found[key] = (ends[0], ends[1])
        return found


def attack(published: Published, threshold: int) -> list[Breach]:
    """Every withheld figure that the published ones give back to within `threshold`."""
    p = _Programme()
    scopes, lines = published.scopes, published.lines
    rows_of: dict[str, set] = {}
    for name, code, _ in published.cells:
        rows_of.setdefault(name, set()).add(code)

    def cell_key(name: str, code: Hashable, scope: str) -> tuple:
        if name == "by_issue_category" and code is None:
            name = "primary_issue_category"
        return ("cell", name, code, scope)

    figures = [("count", n) for n in COUNTS] + [("hidden", n) for n in HIDDEN]
    figures += [("sum", n) for n in SUMS]
    for kind, name in figures:
        p.equal([((kind, name, ALL), 1.0)] + [((kind, name, line), -1.0) for line in lines])
    for name, codes in rows_of.items():
        for code in codes:
            key = [(cell_key(name, code, ALL), 1.0)]
            p.equal(key + [(cell_key(name, code, line), -1.0) for line in lines])
    for scope in scopes:
        p.equal(
            [(("count", "received", scope), 1.0)]
            + [(("count", n, scope), -1.0) for n in OUTCOMES[1:]],
            published.waiting[scope],
        )
        answered = ("count", "answered", scope)
        for name in COUNTED:
            if name in rows_of:
                terms = [(cell_key(name, code, scope), 1.0) for code in rows_of[name]]
                p.equal([*terms, (answered, -1.0)])
        if "arrivals" in rows_of:
            terms = [(cell_key("arrivals", code, scope), 1.0) for code in rows_of["arrivals"]]
            p.equal([*terms, (("count", "received", scope), -1.0)])
        p.at_most([(("hidden", "within", scope), 1.0), (answered, -1.0)])
        p.at_most([(("hidden", "handled", scope), 1.0), (answered, -1.0)])
        p.at_most(
            [(("hidden", "abandoned_late", scope), 1.0), (("count", "abandoned", scope), -1.0)]
        )
        p.at_most(
            [(("hidden", "stress_reported", scope), 1.0), (("hidden", "closed", scope), -1.0)]
        )

    withheld: list[tuple] = []
    for (name, scope), value in published.counts.items():
        key = ("count", name, scope)
        if value is None:
            withheld.append(key)
        else:
            p.equal([(key, 1.0)], value)
    for (name, code, scope), value in published.cells.items():
        key = cell_key(name, code, scope)
        if value is None:
            withheld.append(key)
        else:
            p.equal([(key, 1.0)], value)
    for (name, scope), value in published.measures.items():
        if value is None:
            continue
        count = lambda n, s=scope: ("count", n, s)  # noqa: E731
        hidden = lambda n, s=scope: ("hidden", n, s)  # noqa: E731
        if name == "abandonment_rate":
            p.equal([(count("abandoned"), 1.0 - value), (count("answered"), -value)])
        elif name == "service_level":
            p.equal(
                [
                    (hidden("within"), 1.0),
                    (count("answered"), -value),
                    (hidden("abandoned_late"), -value),
                ]
            )
        elif name == "asa_s":
            p.equal([(("sum", "wait_sum", scope), 1.0), (count("answered"), -value)])
        elif name == "aht_s":
            p.equal([(("sum", "handle_sum", scope), 1.0), (hidden("handled"), -value)])
        elif name == "mean_hold_s":
            p.equal([(("sum", "hold_sum", scope), 1.0), (hidden("handled"), -value)])
        elif name == "stress_reported_share":
            p.equal([(hidden("stress_reported"), 1.0), (hidden("closed"), -value)])
    for (name, code, scope), share in published.shares.items():
        if share is None:
            continue
        unclassified = cell_key(name, None, scope)
        p.equal(
            [
                (cell_key(name, code, scope), 1.0),
                (("count", "answered", scope), -share),
                (unclassified, share),
            ]
        )

    means = {
        "asa_s": ("wait_sum", "answered"),
        "aht_s": ("handle_sum", "handled"),
        "mean_hold_s": ("hold_sum", "handled"),
    }
    mean_keys = []
    for (name, scope), value in published.measures.items():
        if value is None and name in means:
            total, calls = means[name]
            kind = "count" if calls == "answered" else "hidden"
            mean_keys.append((name, scope, ("sum", total, scope), (kind, calls, scope)))
    wanted = withheld + [k for _, _, s, c in mean_keys for k in (s, c)]
    for key in wanted:
        p.var(key)
    ranges = p.ranges(list(dict.fromkeys(wanted)))
    breaches = [
        Breach(key, *ranges[key])
        for key in withheld
        if ranges[key][1] - ranges[key][0] < threshold - 1e-6
    ]
    for name, scope, total, calls in mean_keys:
        (s_low, s_high), (c_low, c_high) = ranges[total], ranges[calls]
        if s_high - s_low < 1e-6 and c_high - c_low < 1e-6:
            breaches.append(Breach(("mean", name, scope), s_low / max(c_low, 1), s_low))
    return breaches
