"""The formulas of the report, as pure functions of the counts the database returns.

Each figure's own formula is in the registry (`figures`); this builds the report's models.
"""

from service.reports.figures import FIGURES, Raw, rate
from service.reports.models import Change, Totals

__all__ = ["change", "rate", "totals"]


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
