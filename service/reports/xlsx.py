"""The weekly report as an XLSX workbook for supervisors: one sheet per section.

Pure: a WeeklyReport in, the workbook's bytes out. Numbers are stored as numbers, with a
count, percent or seconds format, so that a spreadsheet can sum and chart them; the labels
are Danish or English; each sheet's header row stays in view. In a publishable report a
withheld figure is the text `labels.WITHHELD` (an en dash), never 0; a figure with nothing
to compute it from (a rate without a denominator) is an empty cell.

The rows of a breakdown, an adviser and a staffing slot are rendered field by field from
their models, and the totals from TOTAL_COUNTS, TOTAL_RATES and TOTAL_SECONDS, so that a
field added to the report shows up here too, under its label from `labels` or its name.
"""

import io
import re
from collections.abc import Iterable
from datetime import datetime
from typing import Any, get_args

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell
from openpyxl.formatting.rule import ColorScaleRule
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet
from pydantic import BaseModel

from service.reports import labels
from service.reports.export import BREAKDOWNS
from service.reports.models import (
    CASE_DAYS,
    CASE_NAMES,
    CASE_RATES,
    TOTAL_COUNTS,
    TOTAL_RATES,
    TOTAL_SECONDS,
    AdviserFigures,
    BreakdownRow,
    FigureValues,
    StaffingSlot,
    WeeklyReport,
)

MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
WITHHELD = labels.WITHHELD

COUNT = "#,##0"
PERCENT = "0.0%"
SECONDS = '#,##0.0 "s"'
DAYS = '#,##0.0 "d"'
HOUR = "00"
# A change is signed: +12, -1.5 % (percentage points), +0.9 s.
CHANGE = {
    COUNT: "+#,##0;-#,##0;0",
    PERCENT: "+0.0%;-0.0%;0.0%",
    SECONDS: '+#,##0.0 "s";-#,##0.0 "s";0.0 "s"',
}

FIGURES = (*TOTAL_COUNTS, *TOTAL_RATES, *TOTAL_SECONDS)
# Fields that are fractions of 1 wherever they appear, besides the totals' rates.
_FRACTIONS = {*TOTAL_RATES, *CASE_RATES, "share", "occupancy", "service_level"}
# Fields that say what is withheld, rather than being figures themselves.
_FLAGS = re.compile(r"(^|_)suppressed$")
# Breakdown fields shown as the one `label` column in the report's language.
_LABELS = {"label_da", "label_en"}
# On a sheet of their own, not among the report's facts on the last sheet.
_SHOWN_ELSEWHERE = {"stress_reported_share"}
# Excel holds at most this many characters in a cell.
_CELL_TEXT = 32767

_HEADER_FONT = Font(bold=True)
_HEADER_FILL = PatternFill("solid", start_color="DDE4EE")
_WITHHELD_FONT = Font(color="808080")
_RIGHT = Alignment(horizontal="right")
_WRAP = Alignment(wrap_text=True, vertical="top")


def weekly_xlsx(report: WeeklyReport, *, language: str = "da") -> bytes:
    """The workbook of one weekly report, labelled in `language` (da or en)."""
    book = Workbook()
    book.remove(book.active)
    scope = report.line or labels.word("all_lines", language)
    book.properties.title = f"Hotline {report.week} ({scope})"
    book.properties.creator = "hotline"
    book.properties.language = "da-DK" if language == "da" else "en-GB"

    def sheet(section: str) -> Worksheet:
        return book.create_sheet(labels.section(section, language)[:31])

    _totals_sheet(sheet("totals"), report, language)
    _lines_sheet(sheet("by_line"), report, language)
    for name in BREAKDOWNS:
        rows = getattr(report, name)
        _rows_sheet(sheet(name), BreakdownRow, rows, language, first=("code", "label"))
    _rows_sheet(sheet("by_adviser"), AdviserFigures, report.by_adviser, language, first=("name",))
    _arrivals_sheet(sheet("arrivals_by_hour"), report, language)
    _rows_sheet(sheet("staffing"), StaffingSlot, report.staffing, language)
    cases = report.cases
    scope = report.line or labels.word("all_lines", language)
    _figures_sheet(
        sheet("cases"),
        CASE_NAMES,
        {scope: cases.totals, **cases.by_line},
        report.publishable,
        language,
    )
    outcomes = cases.totals.closed_by_outcome
    _rows_sheet(
        sheet("closed_by_outcome"), BreakdownRow, outcomes, language, first=("code", "label")
    )
    _definitions_sheet(sheet("definitions"), report, language)
    _about_sheet(sheet("about"), report, language)
    for sheet in book.worksheets:
        _fit_columns(sheet)

    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _totals_sheet(sheet: Worksheet, report: WeeklyReport, language: str) -> None:
    """Each figure of the week, of the week before, and the change."""
    previous = report.previous_week
    _header(
        sheet,
        [
            labels.column("figure", language),
            labels.column("code", language),
            report.week,
            previous.week,
            labels.column("change", language),
        ],
    )
    for row, name in enumerate(FIGURES, start=2):
        kind = _format(name, getattr(report.totals, name, None))
        _text(sheet.cell(row, 1), labels.figure(name, language))
        _text(sheet.cell(row, 2), name)
        _figure(sheet.cell(row, 3), report.totals, name, report.publishable)
        _figure(sheet.cell(row, 4), previous.totals, name, report.publishable)
        change = getattr(previous.change, name, None)
        withheld = change is None and (
            _is_withheld(report.totals, name) or _is_withheld(previous.totals, name)
        )
        _number(
            sheet.cell(row, 5), change, CHANGE.get(kind, kind) if kind else None, withheld=withheld
        )
    row = len(FIGURES) + 2
    name = "stress_reported_share"
    _text(sheet.cell(row, 1), labels.figure(name, language))
    _text(sheet.cell(row, 2), name)
    share = report.stress_reported_share
    _number(sheet.cell(row, 3), share, PERCENT, withheld=share is None and report.publishable)
    sheet.freeze_panes = "A2"


def _lines_sheet(sheet: Worksheet, report: WeeklyReport, language: str) -> None:
    """The totals of each line, a column each."""
    _figures_sheet(sheet, FIGURES, dict(report.by_line), report.publishable, language)


def _figures_sheet(
    sheet: Worksheet,
    names: tuple[str, ...],
    scopes: dict[str, FigureValues],
    publishable: bool,
    language: str,
) -> None:
    """The figures `names` of each scope (a line, or all), a column each."""
    _header(sheet, [labels.column("figure", language), labels.column("code", language), *scopes])
    for row, name in enumerate(names, start=2):
        _text(sheet.cell(row, 1), labels.figure(name, language))
        _text(sheet.cell(row, 2), name)
        for col, values in enumerate(scopes.values(), start=3):
            _figure(sheet.cell(row, col), values, name, publishable)
    sheet.freeze_panes = "C2"


def _rows_sheet(
    sheet: Worksheet,
    model: type[BaseModel],
    rows: Iterable[BaseModel],
    language: str,
    first: tuple[str, ...] = (),
) -> None:
    """A row per entry and a column per field of `model`, `first` ones first."""
    fields = [n for n in model.model_fields if not _FLAGS.search(n) and n not in _LABELS]
    if "label" in first:
        fields.append("label")
    columns = [*first, *(n for n in fields if n not in first)]
    _header(sheet, [labels.column(name, language) for name in columns])
    for row, entry in enumerate(rows, start=2):
        for col, name in enumerate(columns, start=1):
            cell = sheet.cell(row, col)
            if name == "label":
                _text(
                    cell,
                    getattr(entry, f"label_{language}", None) or getattr(entry, "label_en", None),
                )
                continue
            value = getattr(entry, name, None)
            if name == "weekday" and isinstance(value, int):
                _text(cell, labels.weekday(value, language))
            elif name == "hour" and isinstance(value, int):
                _number(cell, value, HOUR)
            elif isinstance(value, bool):
                _text(cell, labels.word("yes" if value else "no", language))
            elif isinstance(value, int | float) or _numeric(model, name):
                _number(cell, value, _format(name, value), withheld=_is_withheld(entry, name))
            else:
                _text(cell, _shown(value))
    sheet.freeze_panes = "A2"


def _arrivals_sheet(sheet: Worksheet, report: WeeklyReport, language: str) -> None:
    """The 7 x 24 received calls per local weekday and hour, coloured as a heat map."""
    grid = report.arrivals_by_hour
    _header(sheet, [labels.column("weekday", language), *(f"{h:02d}" for h in range(24))])
    for row, hours in enumerate(grid, start=2):
        _text(sheet.cell(row, 1), labels.weekday(row - 1, language))
        for col, count in enumerate(hours, start=2):
            withheld = count is None and report.publishable
            _number(sheet.cell(row, col), count, COUNT, withheld=withheld)
    width = max((len(hours) for hours in grid), default=24)
    cells = f"B2:{get_column_letter(width + 1)}{len(grid) + 1}"
    # White for the quietest hour, through yellow, to red for the busiest; a withheld cell
    # (text) is left uncoloured.
    sheet.conditional_formatting.add(
        cells,
        ColorScaleRule(
            start_type="min",
            start_color="FFFFFF",
            mid_type="percentile",
            mid_value=50,
            mid_color="FFEB84",
            end_type="max",
            end_color="F8696B",
        ),
    )
    sheet.freeze_panes = "B2"


def _definitions_sheet(sheet: Worksheet, report: WeeklyReport, language: str) -> None:
    _header(sheet, [labels.column("field", language), labels.column("definition", language)])
    for row, (name, text) in enumerate(report.definitions.items(), start=2):
        _text(sheet.cell(row, 1), name)
        _text(sheet.cell(row, 2), text)
        sheet.cell(row, 2).alignment = _WRAP
    sheet.freeze_panes = "A2"


def _about_sheet(sheet: Worksheet, report: WeeklyReport, language: str) -> None:
    """The report's own facts (week, period, line, publishable, ...) and how to read it."""
    _header(sheet, [labels.column("field", language), labels.column("value", language)])
    facts: list[tuple[str, Any]] = []
    for name in type(report).model_fields:
        value = getattr(report, name)
        scalar = value is None or isinstance(value, str | bool | int | float | datetime)
        if scalar and name not in _SHOWN_ELSEWHERE:
            facts.append((name, value))
    facts.append(("previous_week", report.previous_week.week))
    row = 2
    for name, value in facts:
        _text(sheet.cell(row, 1), labels.column(name, language))
        if name == "line" and value is None:
            value = labels.word("all_lines", language)
        if isinstance(value, bool):
            value = labels.word("yes" if value else "no", language)
        _text(sheet.cell(row, 2), _shown(value))
        row += 1
    notes = [labels.word("legend", language)]
    if report.publishable:
        notes.append(labels.word("left_out", language))
    for at, note in enumerate(notes, start=row + 1):
        _text(sheet.cell(at, 2), note)
        sheet.cell(at, 2).alignment = _WRAP
    sheet.freeze_panes = "A2"


def _figure(cell: Cell, totals: FigureValues, name: str, publishable: bool) -> None:
    value = getattr(totals, name, None)
    withheld = value is None and publishable and _is_withheld(totals, name)
    _number(cell, value, _format(name, value), withheld=withheld)


def _is_withheld(owner: object, name: str) -> bool:
    """Whether the model marks `name` of `owner` as withheld: a `suppressed` flag on the
    whole row, a `suppressed` list of names, or a `<name>_suppressed` flag."""
    if getattr(owner, f"{name}_suppressed", False) is True:
        return True
    flags = getattr(owner, "suppressed", None)
    if isinstance(flags, bool):
        return flags and getattr(owner, name, None) is None
    if isinstance(flags, list | tuple | set | frozenset | dict):
        return name in flags
    return False


def _numeric(model: type[BaseModel], name: str) -> bool:
    """Whether a field of `model` holds a number (when it is not None)."""
    field = model.model_fields.get(name)
    if field is None:
        return False
    return any(kind in (int, float) for kind in (get_args(field.annotation) or (field.annotation,)))


def _format(name: str, value: object) -> str | None:
    """The number format of a field, by its name: seconds, a fraction or a count."""
    if name.endswith("_s"):
        return SECONDS
    if name in CASE_DAYS:
        return DAYS
    if name in _FRACTIONS or name.endswith(("_rate", "_share")):
        return PERCENT
    if isinstance(value, int) or name in TOTAL_COUNTS:
        return COUNT
    return None


def _number(cell: Cell, value: float | None, fmt: str | None, *, withheld: bool = False) -> None:
    if withheld:
        _text(cell, WITHHELD)
        cell.font, cell.alignment = _WITHHELD_FONT, _RIGHT
        return
    # An empty cell gets the format too: the column reads alike, and a number typed in fits.
    if fmt:
        cell.number_format = fmt
    if value is not None:
        cell.value = value


def _text(cell: Cell, text: str | None) -> None:
    """Text stays text: a name that starts with = is not a formula, #N/A is not an error."""
    if text is None:
        return
    cell.value = ILLEGAL_CHARACTERS_RE.sub("\ufffd", text)[:_CELL_TEXT]
    cell.data_type = "s"


def _shown(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, list | tuple | set):
        return ", ".join(str(v) for v in value)
    return str(value)


def _header(sheet: Worksheet, headings: list[str]) -> None:
    for col, heading in enumerate(headings, start=1):
        cell = sheet.cell(1, col)
        _text(cell, heading)
        cell.font, cell.fill = _HEADER_FONT, _HEADER_FILL


def _fit_columns(sheet: Worksheet) -> None:
    """Columns as wide as their longest text, within reason (longer text wraps)."""
    widths: dict[int, int] = {}
    for row in sheet.iter_rows():
        for cell in row:
            if cell.value is not None:
                length = len(str(cell.value)) if cell.data_type == "s" else 10
                widths[cell.column] = max(widths.get(cell.column, 0), length)
    for col, width in widths.items():
        sheet.column_dimensions[get_column_letter(col)].width = min(max(width + 2, 6), 80)
