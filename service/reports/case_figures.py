"""The registry of the report's case figures: one entry says everything about one figure.

The call figures (`figures`) are aggregates of one population, the week's calls; these are
counts of cases, their steps, tasks and referrals, each its own population, so they have a
registry of their own of the same shape: name, unit, label, definition, how a publishable
report withholds it, and whether the trend shows it. The JSON model (`CaseFigures`), the
CSV, the workbook, the terminal table, the trend, the definitions and the disclosure control
all read this table; `case_sql` computes the raw counts and percentiles it names.

Pure: no database here. To add a figure: one `CaseFigure` below, its count in `case_sql`,
and a test of it.
"""

from dataclasses import dataclass
from typing import Literal

from service.reports.figures import Formula, OverCounts, Raw, ratio, shown

CaseUnit = Literal["count", "rate", "days"]
DAY_S = 86400
FCR_DAYS = 30
"""How long after an answered call a further contact means it was not resolved."""
BACKLOG_AGES = ((0, 7), (8, 30), (31, 90), (91, None))
"""The backlog's age bands in whole days, both ends included; None: no upper end."""


@dataclass(frozen=True)
class Tally:
    """A count withheld by cell suppression in table `table` (see `disclosure`).

    The table's first count is its whole, the others (`part`) add up to it in every scope,
    as the backlog's age bands add up to the backlog; a table of one count is tied only
    across the lines (all lines = the sum of the lines).
    """

    table: str
    part: bool = False


@dataclass(frozen=True)
class CaseFigure:
    """One case figure of the report; see the module's docstring."""

    name: str
    unit: CaseUnit
    population: str
    definition: str
    label: tuple[str, str]
    """Danish, English."""
    disclosure: Tally | OverCounts
    formula: Formula | None = None
    """None: the figure is the raw aggregate of its own name."""
    percent: int | None = None
    """A percentile (nearest rank) of the days to close: each scope is ranked on its own."""
    trend: bool = False
    """Whether the trend shows it week by week."""

    def value(self, raw: Raw) -> float | None:
        """The figure from a scope's raw aggregates, rounded as the report shows it."""
        return shown(raw[self.name] if self.formula is None else self.formula(raw), self.unit)

    def describe(self) -> str:
        return f"Population: {self.population}. {self.definition}"


def _count(
    name: str,
    label: tuple[str, str],
    population: str,
    definition: str,
    disclosure: Tally,
    *,
    trend: bool = False,
) -> CaseFigure:
    return CaseFigure(
        name=name,
        unit="count",
        population=population,
        definition=definition,
        label=label,
        disclosure=disclosure,
        trend=trend,
    )


def backlog_band(low: int, high: int | None) -> str:
    return f"backlog_{low}_{high}" if high is not None else f"backlog_over_{low - 1}"


OUTCOME_TABLE = "cases_closed"
"""The table whose parts are the outcomes of the closes (`closed_by_outcome`)."""
CLOSED_RULE = OverCounts(
    published=("cases_closed",), at_least=("cases_closed",), size="cases_closed"
)


def _days_to_close(
    percent: int, definition: str, label: tuple[str, str], *, name: str | None = None
) -> CaseFigure:
    """A percentile of the days from opening to close of the week's closes."""
    return CaseFigure(
        name=name or f"days_to_close_p{percent}",
        unit="days",
        population="closes in the week",
        definition=definition,
        label=label,
        disclosure=CLOSED_RULE,
        percent=percent,
    )


_AT_WEEK_END = "the case's status at the week's end, from its timeline"
_BANDS = tuple(
    _count(
        backlog_band(low, high),
        (
            f"Verserende, {low}-{high} dage" if high else f"Verserende, over {low - 1} dage",
            f"Backlog, {low}-{high} days" if high else f"Backlog, over {low - 1} days",
        ),
        "the backlog",
        f"Those aged {low} to {high} days at the week's end."
        if high
        else f"Those aged over "
        f"{low - 1} days at the week's end. backlog = the sum of the age bands.",
        Tally("backlog", part=True),
    )
    for low, high in BACKLOG_AGES
)
_REFERRAL_STATES = (
    ("sent", "unanswered", ("ubesvaret", "no answer yet")),
    ("acknowledged", "acknowledged", ("modtaget", "acknowledged")),
    ("accepted", "accepted", ("accepteret", "accepted")),
    ("declined", "declined", ("afvist", "declined")),
)
REFERRAL_STATES: dict[str, str] = {
    state: f"referrals_{name}" for state, name, _ in _REFERRAL_STATES
}
"""Each state of a referral (case_referral.status), and the figure that counts it."""

CASE_FIGURES: tuple[CaseFigure, ...] = (
    _count(
        "cases_opened",
        ("Sager oprettet", "Cases opened"),
        "cases (case_file) on the line",
        "Those created in the week (created_at), merged ones included.",
        Tally("cases_opened"),
        trend=True,
    ),
    _count(
        "cases_closed",
        ("Sager lukket", "Cases closed"),
        "closes in the week",
        "Each close of a case in the week (a status change to closed on its timeline, "
        "case_event): a case closed, reopened and closed again counts once for every close. "
        "A merge is not a close. cases_closed = the sum of closed_by_outcome.",
        Tally(OUTCOME_TABLE),
        trend=True,
    ),
    _count(
        "cases_reopened",
        ("Sager genåbnet", "Cases reopened"),
        "reopenings in the week",
        "Each status change from closed to open on a case's timeline in the week.",
        Tally("cases_reopened"),
        trend=True,
    ),
    _count(
        "backlog",
        ("Verserende sager", "Backlog"),
        "cases opened before the week's end",
        f"Those open or waiting at the week's end instant ({_AT_WEEK_END}; a case never "
        "moved is open), whatever week they were opened in. Age = whole 24-hour periods "
        "from created_at to the week's end (elapsed time, so a daylight saving change "
        "neither adds nor takes a day): 0-7 is under 8 x 24 h.",
        Tally("backlog"),
        trend=True,
    ),
    *_BANDS,
    _days_to_close(
        50,
        "Median (nearest rank: the smallest value with at least half of the closes at or "
        "below it) of the days from the case's created_at to the close, in 24-hour periods "
        "with decimals; a case closed again after a reopening counts from its first opening.",
        ("Dage til lukning, median", "Days to close, median"),
        name="days_to_close_median",
    ),
    _days_to_close(
        90,
        "90th percentile (nearest rank, like wait_p90_s) of the days to close, as "
        "days_to_close_median measures them.",
        ("Dage til lukning, 90 %-fraktil", "Days to close, 90th percentile"),
    ),
    CaseFigure(
        name="first_contact_resolution",
        unit="rate",
        population="answered calls (totals.answered: inbound, received in the week, on "
        "the line they ended on)",
        definition=f"fcr_resolved ÷ answered: the share that needed no further contact "
        f"within {FCR_DAYS} days (see fcr_resolved).",
        label=("Løst ved første kontakt", "First-contact resolution"),
        formula=ratio("fcr_resolved", "fcr_calls"),
        disclosure=OverCounts(
            published=("answered", "fcr_resolved"), at_least=("answered",), size="answered"
        ),
    ),
    _count(
        "fcr_resolved",
        ("Løst ved første kontakt, opkald", "Resolved at first contact, calls"),
        "answered calls",
        f"Those after which, within {FCR_DAYS} x 24 h of received_at, no other call (inbound "
        "or outbound) was received in the same case or as a callback of the call "
        "(origin_call_id). A later call from the same callback number alone does not count: "
        "numbers are erased 14 days on, and the figure must not change when they are. A "
        "call whose 30 days are not over at "
        "the time of the report counts as resolved if nothing came so far: provisional, "
        "counted in fcr_provisional too.",
        Tally("fcr_resolved"),
    ),
    _count(
        "fcr_provisional",
        ("Foreløbigt løst ved første kontakt", "Provisionally resolved at first contact"),
        "fcr_resolved",
        f"Those whose {FCR_DAYS} days are not over at the time of the report: they may "
        "still get a further contact, and the week's figure may fall.",
        Tally("fcr_provisional"),
    ),
    _count(
        "tasks_due",
        ("Opgaver med frist", "Tasks due"),
        "follow-up tasks (case_task) of the line's cases, added before the week's end",
        "Those due (due_at) in the week, open or done; cancelled tasks are not counted.",
        Tally("tasks_due"),
    ),
    _count(
        "tasks_done_on_time",
        ("Opgaver udført til tiden", "Tasks done on time"),
        "tasks_due",
        "Those done at or before their due_at.",
        Tally("tasks_done_on_time"),
    ),
    _count(
        "tasks_overdue",
        ("Opgaver over frist", "Tasks overdue"),
        "follow-up tasks of the line's cases, added before the week's end",
        "Those due before the week's end and not done by then (open, or done at or after "
        "the week's end), whatever week they were due in; a task cancelled since is not "
        "counted (a task does not keep when it was cancelled).",
        Tally("tasks_overdue"),
    ),
    _count(
        "referrals_sent",
        ("Henvisninger sendt", "Referrals sent"),
        "referrals (case_referral) of the line's cases",
        "Those sent (created_at) in the week. referrals_sent = the sum of the referrals_* "
        "by state.",
        Tally("referrals"),
    ),
    *(
        _count(
            f"referrals_{name}",
            (f"Henvisninger, {da}", f"Referrals, {en}"),
            "referrals_sent",
            f"Those whose state (case_referral.status) is now {state}.",
            Tally("referrals", part=True),
        )
        for state, name, (da, en) in _REFERRAL_STATES
    ),
)

BY_NAME: dict[str, CaseFigure] = {figure.name: figure for figure in CASE_FIGURES}
TREND: tuple[str, ...] = tuple(figure.name for figure in CASE_FIGURES if figure.trend)
PERCENTILES: dict[str, int] = {
    figure.name: figure.percent for figure in CASE_FIGURES if figure.percent is not None
}
COUNTS: tuple[str, ...] = tuple(f.name for f in CASE_FIGURES if f.unit == "count")
RAW_COUNTS: tuple[str, ...] = (*COUNTS, "fcr_calls")
"""Every raw count `case_sql` gives per scope: the figures' counts and the rate's calls."""


def named(unit: CaseUnit) -> tuple[str, ...]:
    """The names of the case figures of one unit, in the registry's order."""
    return tuple(figure.name for figure in CASE_FIGURES if figure.unit == unit)


def values(raw: Raw, names: tuple[str, ...] | None = None) -> dict[str, float | None]:
    """The case figures of a scope (those `names`, else all), by name, from its raw counts."""
    chosen = CASE_FIGURES if names is None else tuple(BY_NAME[name] for name in names)
    return {figure.name: figure.value(raw) for figure in chosen}


def empty() -> dict[str, float | None]:
    """The raw aggregates of a scope without cases or calls."""
    return dict.fromkeys(RAW_COUNTS, 0) | dict.fromkeys(PERCENTILES)


def tables() -> dict[str, tuple[str, ...]]:
    """Each disclosure table of case counts: its whole first, then its parts."""
    found: dict[str, list[str]] = {}
    for figure in CASE_FIGURES:
        if isinstance(figure.disclosure, Tally):
            rows = found.setdefault(figure.disclosure.table, [])
            if figure.disclosure.part:
                rows.append(figure.name)
            else:
                rows.insert(0, figure.name)
    return {table: tuple(rows) for table, rows in found.items()}


def measure_rules() -> dict[str, OverCounts]:
    """The case rates and percentiles, with the rule that withholds each."""
    return {
        figure.name: figure.disclosure
        for figure in CASE_FIGURES
        if isinstance(figure.disclosure, OverCounts)
    }
