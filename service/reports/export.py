"""The weekly report as one tidy CSV table that opens cleanly in a spreadsheet."""

import csv
import io
from collections.abc import Callable

from service.reports import labels
from service.reports.models import (
    CASE_COLUMNS,
    TOTAL_COLUMNS,
    BreakdownRow,
    Columns,
    FigureValues,
    WeeklyReport,
)

COLUMNS = ["week", "line", "dimension", "code", "label", "count", "share", "value"]
BREAKDOWNS = (
    "by_caller_type",
    "by_sector",
    "by_issue_category",
    "primary_issue_category",
    "by_advice_type",
    "by_workplace_size",
)
# A spreadsheet runs a cell that starts like a formula; names and labels must stay text.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def download_name(report: WeeklyReport, extension: str) -> str:
    """The file name a download is saved as: week, line and whether it is publishable, so
    that the reports of one week for different lines or audiences do not overwrite each other,
    e.g. hotline-2025-W23-stress-publishable.xlsx."""
    parts = ["hotline", report.week, report.line or "all"]
    if report.publishable:
        parts.append("publishable")
    return f"{'-'.join(parts)}.{extension}"


def weekly_csv(report: WeeklyReport, *, language: str = "da") -> str:
    """Render the report: totals, breakdowns, hours and staffing as rows of one table.

    The text starts with a byte-order mark and its lines end in CRLF: encoded as UTF-8, it is
    the body of GET /reports/weekly.csv and what `hotline report --format csv` writes."""
    out = io.StringIO()
    # The byte-order mark tells spreadsheet programs that the file is UTF-8 (æ, ø, å).
    out.write("\ufeff")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    week, line = report.week, report.line or "all"

    def row(
        line_: str,
        dimension: str,
        code: object,
        label: str,
        count: object = None,
        share: object = None,
        value: object = None,
    ) -> None:
        writer.writerow(
            [
                week,
                line_,
                dimension,
                _cell(code),
                _cell(label),
                _cell(count),
                _cell(share),
                _cell(value),
            ]
        )

    _totals(row, line, report.totals, language)
    for code, totals in report.by_line.items():
        _totals(row, code, totals, language, dimension="by_line")
    for dimension in BREAKDOWNS:
        _breakdown(row, line, dimension, getattr(report, dimension), language)
    row(
        line,
        "stress_reported",
        "share",
        labels.figure("stress_reported_share", language),
        share=report.stress_reported_share,
    )
    for weekday, hours in enumerate(report.arrivals_by_hour, start=1):
        for hour, count in enumerate(hours):
            row(line, "arrivals_by_hour", f"{weekday}-{hour:02d}", "", count)
    needed = labels.column("advisers", language)
    for slot in report.staffing:
        code = f"{slot.weekday}-{slot.hour:02d}"
        row(line, "staffing", code, needed, slot.arrivals, slot.occupancy, slot.advisers)
    for adviser in report.by_adviser:
        row(
            line,
            "by_adviser",
            adviser.adviser_id,
            adviser.name,
            # Calls, as totals.answered counts them (legs_answered is in the JSON and XLSX).
            adviser.calls_answered,
            adviser.occupancy,
            adviser.mean_handle_s,
        )
    _totals(row, line, report.previous_week.totals, language, dimension="previous_week")
    cases = report.cases
    _totals(row, line, cases.totals, language, dimension="cases", columns=CASE_COLUMNS)
    for code, figures in cases.by_line.items():
        _totals(row, code, figures, language, dimension="cases_by_line", columns=CASE_COLUMNS)
    _breakdown(row, line, "closed_by_outcome", cases.totals.closed_by_outcome, language)
    return out.getvalue()


def _breakdown(
    row: Callable[..., None],
    line: str,
    dimension: str,
    entries: list[BreakdownRow],
    language: str,
) -> None:
    for entry in entries:
        label = entry.label_da if language == "da" else entry.label_en
        row(line, dimension, entry.code, label, entry.count, entry.share)


def _totals(
    row: Callable[..., None],
    line: str,
    totals: FigureValues,
    language: str,
    dimension: str = "totals",
    columns: Columns = TOTAL_COLUMNS,
) -> None:
    for names, column in columns:
        for name in names:
            label = labels.figure(name, language)
            row(line, dimension, name, label, **{column: getattr(totals, name)})


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return str(value)
