"""The formulas of the report, as pure functions of the counts the database returns."""

from collections.abc import Mapping

from service.reports.models import TOTAL_COUNTS, TOTAL_RATES, TOTAL_SECONDS, Change, Totals


def rate(numerator: float, denominator: float) -> float | None:
    """numerator ÷ denominator, or None when there is nothing to divide by (never 0)."""
    return None if not denominator else numerator / denominator


def totals(figures: Mapping[str, float | int | None]) -> Totals:
    """Totals from the raw figures of a scope (see `queries.figures_by_line`)."""
    answered, abandoned = figures["answered"], figures["abandoned"]
    return Totals(
        received=figures["received"],
        answered=answered,
        abandoned=abandoned,
        short_abandoned=figures["short_abandoned"],
        abandonment_rate=rate(abandoned, answered + abandoned),
        service_level=rate(figures["within"], answered + figures["abandoned_late"]),
        asa_s=_seconds(rate(figures["wait_sum"], answered)),
        wait_p90_s=_seconds(figures["wait_p90_s"]),
        aht_s=_seconds(rate(figures["handle_sum"], figures["handled"])),
        callbacks_requested=figures["callbacks_requested"],
        callbacks_completed=figures["callbacks_completed"],
        transfers=figures["transfers"],
    )


def change(current: Totals, previous: Totals) -> Change:
    """Each figure's change from last week; None where either week has none."""
    values = {}
    for name in (*TOTAL_COUNTS, *TOTAL_RATES, *TOTAL_SECONDS):
        now, before = getattr(current, name), getattr(previous, name)
        values[name] = None if now is None or before is None else now - before
    # Rates and times are rounded as the figures are, so that change = this - last as shown.
    for name in TOTAL_SECONDS:
        if values[name] is not None:
            values[name] = round(values[name], 3)
    return Change(**values)


def _seconds(value: float | None) -> float | None:
    return None if value is None else round(float(value), 3)
