"""The weekly report as a page: the figures of GET /reports/weekly, its charts and downloads.

The figures come from the reports' own service functions, so the page shows exactly what
the API answers; the charts are drawn here on the server as SVG (`charts`). The downloads
are plain links to `/reports/weekly.csv` and `/reports/weekly.xlsx`, which the session
cookie authenticates (GET needs no CSRF token).
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Annotated, Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Query
from sqlmodel import Session, col, select
from starlette.responses import HTMLResponse

from service.clock import NowDep
from service.config import Settings, SettingsDep
from service.db import SessionDep
from service.reports import case_figures, export, figures
from service.reports import service as reports_service
from service.reports.models import BreakdownRow, Totals, WeeklyReport
from service.reports.weeks import IsoWeek, parse_week
from service.taxonomy.models import Line
from service.web import charts
from service.web.board_pages import Formats
from service.web.dependencies import Page, SupervisorPage
from service.web.i18n import translate
from service.web.templating import render

router = APIRouter(include_in_schema=False)

# The trend shows the report's week and the weeks before it.
TREND_WEEKS = 8
# The figures the table of the lines side by side shows (all of them are in the totals).
BY_LINE_FIGURES = (
    "received",
    "answered",
    "abandoned",
    "service_level",
    "abandonment_rate",
    "asa_s",
)
# The breakdowns in the order the CSV export gives them.
BREAKDOWNS = export.BREAKDOWNS


@dataclass(frozen=True)
class FigureRow:
    """One figure of the totals: this week's, last week's and the change, each shown."""

    name: str
    label: str
    unit: str
    value: float | None
    previous: float | None
    change: float | None
    suppressed: bool
    previous_suppressed: bool


@dataclass(frozen=True)
class Chart:
    """An SVG chart and the table that says the same in numbers."""

    ident: str
    svg: str
    head: Sequence[str]
    rows: Sequence[Sequence[str]]


def last_complete_week(now: datetime, settings: Settings) -> IsoWeek:
    """The week before the one `now` is in, in the reports' time zone."""
    return IsoWeek.of(now.astimezone(ZoneInfo(settings.timezone)).date()).shifted(-1)


def _lines(session: Session, lang: str) -> list[tuple[str, str]]:
    rows = session.exec(select(Line).order_by(col(Line.sort_order), col(Line.code))).all()
    return [(line.code, line.label_en if lang == "en" else line.label_da) for line in rows]


def _figure_rows(report: WeeklyReport, lang: str) -> list[FigureRow]:
    totals, previous = report.totals, report.previous_week
    return [
        FigureRow(
            name=figure.name,
            label=figure.label[1] if lang == "en" else figure.label[0],
            unit=figure.unit,
            value=getattr(totals, figure.name),
            previous=getattr(previous.totals, figure.name),
            change=getattr(previous.change, figure.name),
            suppressed=figure.name in totals.suppressed,
            previous_suppressed=figure.name in previous.totals.suppressed,
        )
        for figure in figures.FIGURES
    ]


def _case_rows(report: WeeklyReport, lang: str) -> list[tuple[str, str, Any, bool, str]]:
    found = report.cases.totals
    return [
        (
            figure.name,
            figure.label[1] if lang == "en" else figure.label[0],
            getattr(found, figure.name),
            figure.name in found.suppressed,
            figure.unit,
        )
        for figure in case_figures.BY_NAME.values()
    ]


def _percent(value: float | None) -> float | None:
    return None if value is None else round(value * 100, 1)


def _weekday(page: Page, day: int) -> str:
    return translate(page.lang, f"report.weekday.{day}")


def _charts(
    page: Page,
    report: WeeklyReport,
    trend: Sequence[tuple[str, Totals]],
    logged_in: list[list[float | None]] | None,
    fmt: Formats,
) -> list[Chart]:
    lang = page.lang

    def t(key: str, **values: object) -> str:
        return translate(lang, key, **values)

    weeks = [week for week, _ in trend]
    received = [totals.received for _, totals in trend]
    level = [_percent(totals.service_level) for _, totals in trend]
    abandonment = [_percent(totals.abandonment_rate) for _, totals in trend]
    trend_received = Chart(
        ident="trend-received",
        svg=charts.line_chart(
            title=t("report.chart.received"),
            x_labels=weeks,
            series=[charts.Series(t("report.series.received"), received)],
            y_unit=t("report.unit.calls"),
            lang=lang,
            chart_id="trend-received",
        ),
        head=[t("report.week"), t("report.series.received")],
        rows=[[w, fmt.number(v)] for w, v in zip(weeks, received, strict=True)],
    )
    trend_rates = Chart(
        ident="trend-rates",
        svg=charts.line_chart(
            title=t("report.chart.rates"),
            x_labels=weeks,
            series=[
                charts.Series(t("report.series.service_level"), level),
                charts.Series(t("report.series.abandonment"), abandonment),
            ],
            y_unit="%",
            y_max=100,
            lang=lang,
            chart_id="trend-rates",
        ),
        head=[t("report.week"), t("report.series.service_level"), t("report.series.abandonment")],
        rows=[
            [w, fmt.number(s, 1), fmt.number(a, 1)]
            for w, s, a in zip(weeks, level, abandonment, strict=True)
        ],
    )
    days = [_weekday(page, day) for day in range(1, 8)]
    hours = [f"{hour:02d}" for hour in range(24)]
    heat = Chart(
        ident="arrivals",
        svg=charts.heat_map(
            title=t("report.chart.arrivals"),
            row_labels=days,
            col_labels=hours,
            values=report.arrivals_by_hour,
            unit=t("report.unit.calls"),
            lang=lang,
            chart_id="arrivals",
        ),
        head=[t("report.weekday"), *hours],
        rows=[
            [day, *(fmt.number(v) for v in row)]
            for day, row in zip(days, report.arrivals_by_hour, strict=True)
        ],
    )
    # Each hour with calls or with advisers logged in; a publishable report has no presence
    # (as it has no advisers' figures: a few advisers' hours would say who worked when).
    slots = {(slot.weekday, slot.hour): slot for slot in report.staffing}
    hours_in = sorted(
        set(slots)
        | {
            (day, hour)
            for day, row in enumerate(logged_in or [], start=1)
            for hour, value in enumerate(row)
            if value
        }
    )
    labels = [f"{_weekday(page, day)} {hour:02d}" for day, hour in hours_in]
    # An hour without calls needs no adviser.
    needed = [slots[key].advisers if key in slots else 0 for key in hours_in]
    series = [charts.Series(t("report.series.needed"), needed)]
    head = [t("report.hour"), t("report.series.arrivals"), t("report.series.needed")]
    present: list[float | None] = []
    if logged_in is not None:
        present = [logged_in[day - 1][hour] for day, hour in hours_in]
        series.append(charts.Series(t("report.series.logged_in"), present))
        head.append(t("report.series.logged_in"))
    rows = []
    for index, key in enumerate(hours_in):
        slot = slots.get(key)
        row = [labels[index], fmt.number(slot.arrivals if slot else 0), fmt.number(needed[index])]
        if logged_in is not None:
            row.append(fmt.number(present[index], 1))
        rows.append(row)
    staffing = Chart(
        ident="staffing",
        svg=charts.bar_chart(
            title=t("report.chart.staffing" if logged_in is not None else "report.chart.needed"),
            labels=labels,
            series=series,
            y_unit=t("report.unit.advisers"),
            lang=lang,
            chart_id="staffing",
        ),
        head=head,
        rows=rows,
    )
    return [trend_received, trend_rates, heat, staffing]


def _download(kind: str, week: IsoWeek, line: str | None, publishable: bool, lang: str) -> str:
    query = {"week": str(week), "language": lang} | ({"line": line} if line else {})
    if publishable:
        query["publishable"] = "true"
    return f"/reports/weekly.{kind}?{urlencode(query)}"


@router.get("/web/report", summary="The weekly report")
def report_page(
    page: SupervisorPage,
    session: SessionDep,
    settings: SettingsDep,
    now: NowDep,
    week: Annotated[str | None, Query(max_length=20)] = None,
    line: Annotated[str | None, Query(max_length=40)] = None,
    publishable: bool = False,
) -> HTMLResponse:
    lines = _lines(session, page.lang)
    line = line or None
    problems = []
    chosen = last_complete_week(now, settings)
    if week:
        try:
            chosen = parse_week(week)
        except ValueError as refused:
            problems.append(translate(page.lang, "report.bad_week", reason=str(refused)))
    if line is not None and line not in {code for code, _ in lines}:
        problems.append(translate(page.lang, "report.bad_line"))
    form = {"week": week or str(chosen), "line": line, "publishable": publishable}
    if problems:
        return render(
            page,
            "report.html",
            status_code=422,
            problems=problems,
            lines=lines,
            form=form,
            suppress_below=settings.suppress_below,
        )
    report = reports_service.weekly(
        session=session,
        settings=settings,
        week=chosen,
        line=line,
        publishable=publishable,
        now=now,
    )
    trend = _trend(session, settings, report, chosen, line, publishable, now)
    logged_in = None
    if not publishable:
        logged_in = reports_service.logged_in_by_hour(
            session=session, settings=settings, week=chosen, now=now
        )
    fmt = Formats(page.lang, ZoneInfo(settings.timezone))
    return render(
        page,
        "report.html",
        problems=[],
        lines=lines,
        form=form,
        report=report,
        fmt=fmt,
        figure_rows=_figure_rows(report, page.lang),
        by_line_figures=[
            row for row in _figure_rows(report, page.lang) if row.name in BY_LINE_FIGURES
        ],
        line_labels=dict(lines),
        case_rows=_case_rows(report, page.lang),
        breakdowns=[(name, getattr(report, name)) for name in BREAKDOWNS],
        charts=_charts(page, report, trend, logged_in, fmt),
        label_of=_label_of(page.lang),
        suppress_below=settings.suppress_below,
        csv_url=_download("csv", chosen, line, publishable, page.lang),
        xlsx_url=_download("xlsx", chosen, line, publishable, page.lang),
        last_day=(report.end - timedelta(days=1)).date(),
    )


def _trend(
    session: Session,
    settings: Settings,
    report: WeeklyReport,
    week: IsoWeek,
    line: str | None,
    publishable: bool,
    now: datetime,
) -> list[tuple[str, Totals]]:
    """The totals of the report's week and the weeks before it, oldest first, as the trend
    report has them."""
    # Each week of the trend costs a query over its calls (a quarter of the page's time with
    # eight weeks), and the report has already counted the last two: the trend's totals of
    # a week are the week's report's, both kpi.totals over figure_sql.figures_by_line. Not
    # when publishable: the report protects its totals together with its breakdowns, the
    # trend protects each week's totals on their own, so they may withhold different cells.
    known: list[tuple[str, Totals]] = []
    if not publishable:
        known = [
            (report.previous_week.week, report.previous_week.totals),
            (report.week, report.totals),
        ]
    found = reports_service.trend(
        session=session,
        settings=settings,
        first=week.shifted(-(TREND_WEEKS - 1)),
        last=week.shifted(-len(known)),
        line=line,
        publishable=publishable,
        now=now,
    )
    return [(w.week, w.totals) for w in found.weeks] + known


def _label_of(lang: str) -> Any:
    def label(row: BreakdownRow) -> str:
        return row.label_en if lang == "en" else row.label_da

    return label
