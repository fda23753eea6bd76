"""A report made publishable: the cells `disclosure` withholds, blanked in the report's shape.

Pure: a report and the week's `Withheld` in, the publishable report out.
"""

from service.reports import kpi
from service.reports.disclosure import ALL, CLOSED_BY_OUTCOME, Withheld
from service.reports.export import BREAKDOWNS
from service.reports.models import (
    CASE_NAMES,
    TOTAL_COUNTS,
    TOTAL_RATES,
    TOTAL_SECONDS,
    BreakdownRow,
    CaseFigures,
    CaseReport,
    CaseTrendFigures,
    PreviousWeek,
    StaffingSlot,
    Totals,
    WeeklyReport,
)


def scope_of(line: str | None) -> str:
    return ALL if line is None else line


def totals(figures: Totals, withheld: Withheld, scope: str) -> Totals:
    """The totals of one scope with every withheld count, rate and mean blanked."""
    hidden = withheld.figures[scope]
    names = [n for n in (*TOTAL_COUNTS, *TOTAL_RATES, *TOTAL_SECONDS) if n in hidden]
    return figures.model_copy(update=dict.fromkeys(names) | {"suppressed": names})


def _blanked(figures: CaseFigures | CaseTrendFigures, hidden: set[str]) -> dict[str, object]:
    names = [n for n in CASE_NAMES if n in hidden]
    names = [n for n in names if n in type(figures).model_fields]
    return dict.fromkeys(names) | {"suppressed": names}


def case_trend(figures: CaseTrendFigures, withheld: Withheld, scope: str) -> CaseTrendFigures:
    """The trend's case figures of one scope with every withheld one blanked."""
    return figures.model_copy(update=_blanked(figures, withheld.figures[scope]))


def case_figures(figures: CaseFigures, withheld: Withheld, scope: str) -> CaseFigures:
    """The case figures of one scope with every withheld count, rate and percentile blanked,
    and the closes by outcome whose count is withheld (a share goes with its count, the
    closes with an outcome or the closes reopened since, which it is of)."""
    hidden = withheld.figures[scope]
    cells = withheld.cells.get(CLOSED_BY_OUTCOME, set())
    denominator_hidden = (None, scope) in cells or "cases_closed" in hidden
    rows = []
    for row in figures.closed_by_outcome:
        if (row.code, scope) in cells:
            rows.append(row.model_copy(update={"count": None, "share": None, "suppressed": True}))
        elif row.code is not None and denominator_hidden:
            rows.append(row.model_copy(update={"share": None, "suppressed": True}))
        else:
            rows.append(row)
    update = _blanked(figures, hidden) | {"closed_by_outcome": rows}
    return figures.model_copy(update=update)


def weekly(report: WeeklyReport, withheld: Withheld, previous: Withheld) -> WeeklyReport:
    """The report with everything `withheld` (this week) and `previous` (last week) withholds."""
    scope = scope_of(report.line)
    current = totals(report.totals, withheld, scope)
    previous_totals = totals(report.previous_week.totals, previous, scope)
    hidden = withheld.figures[scope]

    def rows(name: str) -> list[BreakdownRow]:
        out = []
        for row in getattr(report, name):
            if withheld.count(name, row.code, scope):
                out.append(
                    row.model_copy(update={"count": None, "share": None, "suppressed": True})
                )
            elif row.code is not None and withheld.share(name, row.code, scope):
                out.append(row.model_copy(update={"share": None, "suppressed": True}))
            else:
                out.append(row)
        return out

    arrivals = [
        [
            None if withheld.count("arrivals", (weekday, hour), scope) else count
            for hour, count in enumerate(hours)
        ]
        for weekday, hours in enumerate(report.arrivals_by_hour, start=1)
    ]
    return report.model_copy(
        update={
            "totals": current,
            "by_line": {
                line: totals(figures, withheld, line) for line, figures in report.by_line.items()
            },
            **{name: rows(name) for name in BREAKDOWNS},
            "stress_reported_share": (
                None if "stress_reported_share" in hidden else report.stress_reported_share
            ),
            "cases": CaseReport(
                totals=case_figures(report.cases.totals, withheld, scope),
                by_line={
                    line: case_figures(figures, withheld, line)
                    for line, figures in report.cases.by_line.items()
                },
            ),
            # Named advisers' figures are not statistics of callers: they stay internal.
            "by_adviser": [],
            "arrivals_by_hour": arrivals,
            "staffing": [
                _slot(slot, withheld, scope, aht_withheld="aht_s" in hidden)
                for slot in report.staffing
            ],
            "previous_week": PreviousWeek(
                week=report.previous_week.week,
                totals=previous_totals,
                change=kpi.change(current, previous_totals),
            ),
        }
    )


def _slot(
    slot: StaffingSlot, withheld: Withheld, scope: str, *, aht_withheld: bool
) -> StaffingSlot:
    """A staffing slot: its arrivals as the arrivals grid has them; the advisers need both.

    Advisers, occupancy and service level follow from the hour's arrivals and the week's
    aht_s (Erlang C), so they would give either back: withheld with either.
    """
    if withheld.count("arrivals", (slot.weekday, slot.hour), scope):
        blank = {"arrivals": None, "advisers": None, "occupancy": None, "service_level": None}
        return slot.model_copy(update=blank | {"suppressed": True})
    if aht_withheld:
        blank = {"advisers": None, "occupancy": None, "service_level": None}
        return slot.model_copy(update=blank | {"suppressed": True})
    return slot
