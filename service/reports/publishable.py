"""A report made publishable: the cells `disclosure` withholds, blanked in the report's shape.

Pure: a report and the week's `Withheld` in, the publishable report out.
"""

from service.reports import kpi
from service.reports.disclosure import ALL, Withheld
from service.reports.export import BREAKDOWNS
from service.reports.models import (
    TOTAL_COUNTS,
    TOTAL_RATES,
    TOTAL_SECONDS,
    BreakdownRow,
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
