"""The registry of the report's figures: one entry says everything about one figure.

An entry names the figure, its unit, the raw aggregates it is computed from (each a count,
sum or percentile of a population of the week's calls, which `figure_sql` turns into SQL),
the pure formula over them, its population and definition, its labels, whether it adds up
across the lines, and how a publishable report withholds it. The JSON models (`Totals`,
`Change`), the CSV, the workbook, the terminal table, the trend, the change from last week,
the definitions and the disclosure control all read this table.

Pure: no database here. A population (`answered`, `handled`, ...) and a per-call value
(`wait`, `handle`, or any column of the call, like `hold_s`) are names that `figure_sql`
resolves; `tests/reports/test_report_figures.py` checks that every name used here resolves.

To add a figure: one `Figure` below, and a test of it.
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Literal

Unit = Literal["count", "rate", "seconds"]
Raw = Mapping[str, float | None]
"""A scope's raw aggregates by name: counts, sums and percentiles, None where there is none."""


@dataclass(frozen=True)
class Count:
    """How many of the week's received calls are in `population` (all of them if None)."""

    population: str | None = None


@dataclass(frozen=True)
class Sum:
    """The sum of a per-call `value` over `population`; `whole`: a whole number."""

    value: str
    population: str | None = None
    whole: bool = False


@dataclass(frozen=True)
class Percentile:
    """The `percent`th percentile (nearest rank) of a per-call `value` over `population`.

    Not additive: each scope (all lines, each line) is ranked on its own.
    """

    value: str
    population: str
    percent: int


Aggregate = Count | Sum | Percentile


@dataclass(frozen=True)
class Cells:
    """A count withheld by cell suppression (see `disclosure`).

    `outcomes`: in the table where received = answered + abandoned + short_abandoned + still
    waiting; `own`: in a table of its own, tied only across the lines.
    """

    table: Literal["outcomes", "own"]


@dataclass(frozen=True)
class OverCounts:
    """A rate or mean, published only over published counts and enough calls.

    Withheld where any of `published` is withheld, or where the raw counts `at_least` add up
    to fewer calls than the threshold; with it withheld for one line alone, another scope's
    goes too (the smallest by the raw count `size`), so that no line's follows by subtraction.
    """

    published: tuple[str, ...]
    at_least: tuple[str, ...] = ()
    size: str = "answered"


Disclosure = Cells | OverCounts
Formula = Callable[[Raw], float | None]


@dataclass(frozen=True)
class Figure:
    """One figure of the report's totals; see the module's docstring."""

    name: str
    unit: Unit
    inputs: Mapping[str, Aggregate]
    population: str
    definition: str
    """After "Population: <population>.": `{short}` and `{threshold}` are the settings'."""
    label: tuple[str, str]
    """Danish, English."""
    disclosure: Disclosure
    formula: Formula | None = None
    """None: the figure is its one input."""
    additive: bool = field(default=False)
    """Whether the all-lines figure is the sum of the lines' (counts are, rates and means not)."""

    def value(self, raw: Raw) -> float | None:
        """The figure from a scope's raw aggregates, rounded as the report shows it."""
        if self.formula is None:
            (name,) = self.inputs
            value = raw[name]
        else:
            value = self.formula(raw)
        return shown(value, self.unit)

    def change(self, now: float | None, before: float | None) -> float | None:
        """This week's figure minus last week's, rounded as the figures are."""
        if now is None or before is None:
            return None
        difference = now - before
        return round(difference, 3) if self.unit == "seconds" else difference

    def describe(self, *, short: float, threshold: float) -> str:
        """The definition, with the thresholds in force."""
        text = f"Population: {self.population}. {self.definition}"
        return text.format(short=short, threshold=threshold)


def shown(value: float | None, unit: str) -> float | None:
    """A figure's value as the report shows it: a count whole, a time to the millisecond
    (seconds) or the thousandth of a day (days), a rate as it is."""
    if value is None:
        return None
    if unit == "count":
        return int(value)
    if unit in ("seconds", "days"):
        return round(float(value), 3)
    return value


def rate(numerator: float, denominator: float) -> float | None:
    """numerator ÷ denominator, or None when there is nothing to divide by (never 0)."""
    return None if not denominator else numerator / denominator


def _n(raw: Raw, name: str) -> float:
    return raw[name] or 0


def ratio(numerator: str, *denominator: str) -> Formula:
    """raw[numerator] ÷ the sum of raw[denominator...]."""
    return lambda raw: rate(_n(raw, numerator), sum(_n(raw, name) for name in denominator))


def _count(
    name: str,
    counted: str | None,
    label: tuple[str, str],
    *,
    population: str,
    definition: str,
    disclosure: Cells,
) -> Figure:
    """A count of the calls in population `counted`: its own input, added up across lines."""
    return Figure(
        name=name,
        unit="count",
        inputs={name: Count(counted)},
        population=population,
        definition=definition,
        label=label,
        disclosure=disclosure,
        additive=True,
    )


ANSWERED = {"answered": Count("answered")}
HANDLED = {"handled": Count("handled")}
# Means of answered calls that have ended: over the published answered, and at least the
# threshold of calls averaged.
OVER_HANDLED = OverCounts(published=("answered",), at_least=("handled",), size="handled")

FIGURES: tuple[Figure, ...] = (
    _count(
        "received",
        None,
        ("Modtagne opkald", "Calls received"),
        population="inbound calls whose received_at falls in the week, whatever the outcome",
        definition="A transferred call counts once, on the line it is on last (where it "
        "ended, or waits now), with all its figures: answered, wait, aht_s and transfers.",
        disclosure=Cells("outcomes"),
    ),
    _count(
        "answered",
        "answered",
        ("Besvarede opkald", "Calls answered"),
        population="received calls",
        definition="Those with an answered_at (calls, not legs: a transferred call answered "
        "twice counts once).",
        disclosure=Cells("outcomes"),
    ),
    _count(
        "abandoned",
        "abandoned",
        ("Opgivne opkald", "Calls abandoned"),
        population="received calls",
        definition="Never answered, the caller hung up after more than {short:g} s.",
        disclosure=Cells("outcomes"),
    ),
    _count(
        "short_abandoned",
        "short_abandoned",
        ("Korte opgivne opkald", "Short abandoned calls"),
        population="received calls",
        definition="Never answered, hung up within {short:g} s; counted in no rate. received "
        "= answered + abandoned + short_abandoned + calls still waiting.",
        disclosure=Cells("outcomes"),
    ),
    Figure(
        name="abandonment_rate",
        unit="rate",
        inputs={"abandoned": Count("abandoned"), **ANSWERED},
        formula=ratio("abandoned", "answered", "abandoned"),
        population="received calls answered or abandoned",
        definition="abandoned ÷ (answered + abandoned).",
        label=("Andel opgivne", "Abandonment rate"),
        disclosure=OverCounts(published=("answered", "abandoned")),
    ),
    Figure(
        name="service_level",
        unit="rate",
        inputs={
            "within": Count("answered_within"),
            "abandoned_late": Count("abandoned_late"),
            **ANSWERED,
        },
        formula=ratio("within", "answered", "abandoned_late"),
        population="received calls answered, or abandoned after {threshold:g} s",
        definition="Answered within {threshold:g} s ÷ (answered + abandoned after "
        "{threshold:g} s). Every wait and threshold is compared to the microsecond.",
        label=("Serviceniveau", "Service level"),
        disclosure=OverCounts(
            published=("answered", "abandoned"), at_least=("answered", "abandoned_late")
        ),
    ),
    Figure(
        name="asa_s",
        unit="seconds",
        inputs={"wait_sum": Sum("wait", "answered"), **ANSWERED},
        formula=ratio("wait_sum", "answered"),
        population="answered calls",
        definition="Mean wait, seconds.",
        label=("Gns. ventetid til svar (s)", "Average speed of answer (s)"),
        disclosure=OverCounts(published=("answered",)),
    ),
    Figure(
        name="wait_p90_s",
        unit="seconds",
        inputs={"wait_p90_s": Percentile("wait", "answered", percent=90)},
        population="answered calls",
        definition="90th percentile (nearest rank) of their waits, seconds.",
        label=("Ventetid, 90 %-fraktil (s)", "Wait, 90th percentile (s)"),
        disclosure=OverCounts(published=("answered",)),
    ),
    Figure(
        name="aht_s",
        unit="seconds",
        inputs={"handle_sum": Sum("handle", "handled"), **HANDLED},
        formula=ratio("handle_sum", "handled"),
        population="answered calls that have ended",
        definition="Mean handle time, seconds. Handle time = the time advisers had the call, "
        "each leg from accepted to transferred or ended in the journal (hold is inside its "
        "leg, so hold_s is not added again), + wrap-up from ended to closed where the desk "
        "measured it (closed through POST /close); the waits in a queue between legs are not "
        "in it. A call recorded after the fact has no journal: answered_at to ended_at, no "
        "wrap-up. A transferred call's whole handle time, every leg, counts on the line it "
        "ended on.",
        label=("Gns. behandlingstid (s)", "Average handle time (s)"),
        disclosure=OVER_HANDLED,
    ),
    _count(
        "callbacks_requested",
        "callback_requested",
        ("Ønskede tilbageringninger", "Callbacks requested"),
        population="received calls",
        definition="Those closed with a callback requested.",
        disclosure=Cells("own"),
    ),
    _count(
        "callbacks_completed",
        "callback_completed",
        ("Gennemførte tilbageringninger", "Callbacks completed"),
        population="callbacks_requested",
        definition="Those whose callback call has been closed (the callback itself is an "
        "outbound call, in no other total).",
        disclosure=Cells("own"),
    ),
    Figure(
        name="transfers",
        unit="count",
        inputs={"transfers": Sum("transfers", whole=True)},
        population="received calls",
        definition="Their transfers (journal events; a call transferred twice counts 2), on "
        "the line the call is on last, like the call: not on the line it was transferred "
        "from.",
        label=("Viderestillinger", "Transfers"),
        disclosure=Cells("own"),
        additive=True,
    ),
    Figure(
        name="mean_hold_s",
        unit="seconds",
        inputs={"hold_sum": Sum("hold_s", "handled"), **HANDLED},
        formula=ratio("hold_sum", "handled"),
        population="answered calls that have ended",
        definition="Mean time the caller was on hold (the call's hold_s: from each hold to "
        "its resume, in whole seconds; a call never held counts 0 s), seconds. A call "
        "recorded after the fact has no hold recorded and counts 0 s. Hold is part of the "
        "handle time (aht_s), not added to it.",
        label=("Gns. ventetid på hold (s)", "Mean hold time (s)"),
        disclosure=OVER_HANDLED,
    ),
)

BY_NAME: dict[str, Figure] = {figure.name: figure for figure in FIGURES}


def named(unit: Unit) -> tuple[str, ...]:
    """The names of the figures of one unit, in the registry's order."""
    return tuple(figure.name for figure in FIGURES if figure.unit == unit)


def _raw_aggregates() -> dict[str, Aggregate]:
    """Every raw aggregate the figures use, by name; a name means one aggregate only."""
    found: dict[str, Aggregate] = {}
    for figure in FIGURES:
        for name, aggregate in figure.inputs.items():
            if found.setdefault(name, aggregate) != aggregate:
                raise ValueError(f"{figure.name}: {name} is already {found[name]}")
    return found


RAW: dict[str, Aggregate] = _raw_aggregates()
ADDITIVE: tuple[str, ...] = tuple(
    name for name, aggregate in RAW.items() if not isinstance(aggregate, Percentile)
)
"""The raw aggregates that add up across the lines: every count and sum."""
PERCENTILES: tuple[str, ...] = tuple(
    name for name, aggregate in RAW.items() if isinstance(aggregate, Percentile)
)


def values(raw: Raw) -> dict[str, float | None]:
    """Every figure of a scope, by name, from its raw aggregates."""
    return {figure.name: figure.value(raw) for figure in FIGURES}


def empty() -> dict[str, float | None]:
    """The raw aggregates of a scope without calls."""
    return dict.fromkeys(ADDITIVE, 0) | dict.fromkeys(PERCENTILES)


def disclosed_counts() -> tuple[str, ...]:
    """The raw counts disclosure control needs of each scope: the counts it protects, and
    those the rules of the rates and means are over."""
    names = [figure.name for figure in FIGURES if isinstance(figure.disclosure, Cells)]
    for figure in FIGURES:
        if isinstance(figure.disclosure, OverCounts):
            rule = figure.disclosure
            names += [n for n in (*rule.at_least, rule.size) if isinstance(RAW.get(n), Count)]
    return tuple(dict.fromkeys(names))
