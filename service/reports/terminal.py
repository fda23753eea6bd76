"""The weekly report as readable tables in a terminal."""

from rich.console import Console
from rich.table import Table

from service.reports.export import BREAKDOWNS
from service.reports.models import TOTAL_COUNTS, TOTAL_RATES, TOTAL_SECONDS, WeeklyReport

# Shown for a figure that has no value (no calls to average over, or withheld).
MISSING = "\u2013"
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def print_report(report: WeeklyReport, console: Console) -> None:
    """Print the totals, each breakdown, the advisers and the staffing forecast."""
    scope = report.line or "all lines"
    console.print(
        f"[bold]Hotline weekly report {report.week}[/bold] ({scope}), "
        f"{report.start:%Y-%m-%d %H:%M %z} to {report.end:%Y-%m-%d %H:%M %z}"
        + (" [italic]publishable[/italic]" if report.publishable else "")
    )
    console.print(_totals_table(report))
    for name in BREAKDOWNS:
        table = Table(title=name.replace("_", " "), title_justify="left")
        table.add_column("code")
        table.add_column("label")
        table.add_column("count", justify="right")
        table.add_column("share", justify="right")
        for row in getattr(report, name):
            table.add_row(row.code or "-", row.label_en, _number(row.count), _percent(row.share))
        console.print(table)
    console.print(f"stress reported: {_percent(report.stress_reported_share)} of closed calls")
    if report.by_adviser:
        table = Table(title="advisers", title_justify="left")
        for column in ("name", "answered", "mean handle", "missed", "on call", "occupancy"):
            table.add_column(column, justify="left" if column == "name" else "right")
        for adviser in report.by_adviser:
            table.add_row(
                adviser.name,
                str(adviser.answered),
                _seconds(adviser.mean_handle_s),
                str(adviser.offers_missed),
                _seconds(adviser.on_call_s),
                _percent(adviser.occupancy),
            )
        console.print(table)
    if report.staffing:
        table = Table(title="staffing forecast (Erlang C)", title_justify="left")
        for column in ("day", "hour", "arrivals", "advisers", "occupancy"):
            table.add_column(column, justify="right")
        for slot in report.staffing:
            table.add_row(
                WEEKDAYS[slot.weekday - 1],
                f"{slot.hour:02d}",
                _number(slot.arrivals),
                _number(slot.advisers),
                _percent(slot.occupancy),
            )
        console.print(table)


def _totals_table(report: WeeklyReport) -> Table:
    table = Table(title="totals", title_justify="left")
    table.add_column("figure")
    table.add_column(report.week, justify="right")
    table.add_column(report.previous_week.week, justify="right")
    table.add_column("change", justify="right")
    current, previous, change = (
        report.totals,
        report.previous_week.totals,
        report.previous_week.change,
    )
    kinds = (
        (TOTAL_COUNTS, _number, "{:+.0f}"),
        (TOTAL_RATES, _percent, "{:+.1%}"),
        (TOTAL_SECONDS, _seconds, "{:+.1f} s"),
    )
    for names, shown, change_template in kinds:
        for name in names:
            table.add_row(
                name,
                shown(getattr(current, name)),
                shown(getattr(previous, name)),
                _signed(getattr(change, name), change_template),
            )
    return table


def _number(value: float | None) -> str:
    return MISSING if value is None else f"{value:g}"


def _percent(value: float | None) -> str:
    return MISSING if value is None else f"{value:.1%}"


def _seconds(value: float | None) -> str:
    return MISSING if value is None else f"{value:.1f} s"


def _signed(value: float | None, template: str) -> str:
    return MISSING if value is None else template.format(value)
