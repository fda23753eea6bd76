"""The formulas of the report, as pure functions of the counts the database returns.

Each figure's own formula is in the registry (`figures`); this builds the report's models.
"""

from service.reports import case_figures as case_registry
from service.reports.figures import FIGURES, Raw, rate
from service.reports.models import (
    BreakdownRow,
    CaseFigures,
    CaseTrendFigures,
    Change,
    Totals,
)

__all__ = ["case_figures", "case_trend", "change", "rate", "totals"]


def totals(raw: Raw) -> Totals:
    """Totals from the raw aggregates of a scope (see `figure_sql.figures_by_line`)."""
    return Totals.model_validate({figure.name: figure.value(raw) for figure in FIGURES})


def change(current: Totals, previous: Totals) -> Change:
    """Each figure's change from last week; None where either week has none."""
    return Change.model_validate(
        {
            figure.name: figure.change(
                getattr(current, figure.name), getattr(previous, figure.name)
            )
            for figure in FIGURES
        }
    )


def case_figures(raw: Raw, closed_by_outcome: list[BreakdownRow]) -> CaseFigures:
    """A scope's case figures from its raw counts (see `case_sql.case_week`)."""
    found = case_registry.values(raw)
    return CaseFigures.model_validate(found | {"closed_by_outcome": closed_by_outcome})


def case_trend(raw: Raw) -> CaseTrendFigures:
    """The case figures the trend shows, from a scope's raw counts."""
    return CaseTrendFigures.model_validate(case_registry.values(raw, case_registry.TREND))
