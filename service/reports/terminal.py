"""The weekly report as readable tables in a terminal."""

from rich.console import Console
from rich.table import Table

from service.reports import labels
from service.reports.export import BREAKDOWNS
from service.reports.models import (
    CASE_COLUMNS,
    TOTAL_COUNTS,
    TOTAL_RATES,
    TOTAL_SECONDS,
    BreakdownRow,
    WeeklyReport,
)

# Shown for a figure that has no value (no calls to average over, or withheld).
MISSING = labels.WITHHELD


def print_report(report: WeeklyReport, console: Console, *, language: str = "en") -> None:
    """Print the totals, each breakdown, the advisers and the staffing forecast."""

    def heading(name: str) -> str:
        return labels.column(name, language)

    scope = report.line or labels.word("all_lines", language)
    console.print(
        f"[bold]{labels.word('title', language)} {report.week}[/bold] ({scope}), "
        f"{report.start:%Y-%m-%d %H:%M %z} to {report.end:%Y-%m-%d %H:%M %z}"
        + (" [italic]publishable[/italic]" if report.publishable else "")
    )
    console.print(_totals_table(report, language))
    for name in BREAKDOWNS:
        console.print(_breakdown_table(name, getattr(report, name), language))
    console.print(
        f"{labels.figure('stress_reported_share', language)}: "
        f"{_percent(report.stress_reported_share)} {labels.word('of_closed_calls', language)}"
    )
    if report.by_adviser:
        table = Table(title=labels.section("by_adviser", language), title_justify="left")
        columns: tuple[str, ...] = ("name", "calls_answered", "legs_answered", "mean_handle_s")
        columns += ("offers_missed", "on_call_s", "occupancy")
        for column in columns:
            table.add_column(heading(column), justify="left" if column == "name" else "right")
        for adviser in report.by_adviser:
            table.add_row(
                adviser.name,
                str(adviser.calls_answered),
                str(adviser.legs_answered),
                _seconds(adviser.mean_handle_s),
                str(adviser.offers_missed),
                _seconds(adviser.on_call_s),
                _percent(adviser.occupancy),
            )
        console.print(table)
    if report.staffing:
        table = Table(
            title=f"{labels.section('staffing', language)} (Erlang C)", title_justify="left"
        )
        for column in ("weekday", "hour", "arrivals", "advisers", "occupancy"):
            table.add_column(heading(column), justify="right")
        for slot in report.staffing:
            table.add_row(
                labels.weekday(slot.weekday, language)[:3],
                f"{slot.hour:02d}",
                _number(slot.arrivals),
                _number(slot.advisers),
                _percent(slot.occupancy),
            )
        console.print(table)
    console.print(_cases_table(report, language))
    outcomes = report.cases.totals.closed_by_outcome
    console.print(_breakdown_table("closed_by_outcome", outcomes, language))


def _breakdown_table(name: str, rows: list[BreakdownRow], language: str) -> Table:
    table = Table(title=labels.section(name, language), title_justify="left")
    table.add_column(labels.column("code", language))
    table.add_column(labels.column("label", language))
    table.add_column(labels.column("count", language), justify="right")
    table.add_column(labels.column("share", language), justify="right")
    for row in rows:
        label = row.label_da if language == "da" else row.label_en
        table.add_row(row.code or "-", label, _number(row.count), _percent(row.share))
    return table


def _cases_table(report: WeeklyReport, language: str) -> Table:
    """The case figures of the report's scope and of each line, a column each."""
    cases = report.cases
    scopes = {report.line or labels.word("all_lines", language): cases.totals, **cases.by_line}
    table = Table(title=labels.section("cases", language), title_justify="left")
    table.add_column(labels.column("figure", language))
    for scope in scopes:
        table.add_column(scope, justify="right")
    for names, column in CASE_COLUMNS:
        shown = {"count": _number, "share": _percent, "value": _days}[column]
        for name in names:
            values = [shown(getattr(figures, name)) for figures in scopes.values()]
            table.add_row(labels.figure(name, language), *values)
    return table


def _totals_table(report: WeeklyReport, language: str) -> Table:
    table = Table(title=labels.section("totals", language), title_justify="left")
    table.add_column(labels.column("figure", language))
    table.add_column(report.week, justify="right")
    table.add_column(report.previous_week.week, justify="right")
    table.add_column(labels.column("change", language), justify="right")
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
                labels.figure(name, language),
                shown(getattr(current, name)),
                shown(getattr(previous, name)),
                _signed(getattr(change, name), change_template),
            )
    return table


def _number(value: float | None) -> str:
    return MISSING if value is None else f"{value:g}"


def _percent(value: float | None) -> str:
    return MISSING if value is None else f"{value:.1%}"


def _days(value: float | None) -> str:
    return MISSING if value is None else f"{value:.1f} d"


def _seconds(value: float | None) -> str:
    return MISSING if value is None else f"{value:.1f} s"


def _signed(value: float | None, template: str) -> str:
    return MISSING if value is None else template.format(value)
