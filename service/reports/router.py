from typing import Annotated

from fastapi import Header, Query, Response
from fastapi.responses import PlainTextResponse

from service import api
from service.advisers.dependencies import OwnAdviserDep
from service.auth.dependencies import (
    SIGNED_IN,
    SUPERVISORS,
)
from service.clock import NowDep
from service.config import SettingsDep
from service.db import SessionDep
from service.errors import problem_responses
from service.reports import export, xlsx
from service.reports import service as reports_service
from service.reports.models import AbandonedReport, AdviserWeek, Trend, WeeklyReport
from service.reports.params import AbandonedQuery, OwnFiguresQuery, TrendQuery, WeeklyQuery

# Advisers see no reports: the weekly figures name every adviser's own.
router = api.router(
    prefix="/reports",
    tags=["reports"],
    dependencies=[SUPERVISORS],
    responses=problem_responses(401, 403),
)

CSV = "text/csv; charset=utf-8"


def _weekly(
    session: SessionDep, settings: SettingsDep, query: WeeklyQuery, now: NowDep
) -> WeeklyReport:
    return reports_service.weekly(
        session=session,
        settings=settings,
        week=query.iso_week,
        line=query.line,
        publishable=query.publishable,
        now=now,
    )


def _attachment(report: WeeklyReport, extension: str) -> dict[str, str]:
    name = export.download_name(report, extension)
    return {"Content-Disposition": f'attachment; filename="{name}"'}


def _csv(report: WeeklyReport, language: str) -> Response:
    return PlainTextResponse(
        export.weekly_csv(report, language=language),
        media_type=CSV,
        headers=_attachment(report, "csv"),
    )


@router.get(
    "/weekly",
    response_model=WeeklyReport,
    status_code=200,
    summary="The weekly report of one ISO week",
    description="Send `Accept: text/csv` for the CSV table of `/reports/weekly.csv`. Every "
    "figure's definition is in the report's `definitions`.",
    responses=problem_responses(422) | {200: {"content": {CSV: {}}}},
)
def weekly_report(
    session: SessionDep,
    query: Annotated[WeeklyQuery, Query()],
    now: NowDep,
    settings: SettingsDep,
    accept: Annotated[str | None, Header()] = None,
) -> WeeklyReport | Response:
    report = _weekly(session, settings, query, now)
    if accept and "text/csv" in accept and "application/json" not in accept:
        return _csv(report, query.language)
    return report


@router.get(
    "/weekly.csv",
    status_code=200,
    summary="The weekly report as one tidy CSV table",
    description="Columns: week, line, dimension, code, label, count, share, value. Totals, "
    "breakdowns, arrivals per hour, staffing and advisers are rows.",
    response_class=PlainTextResponse,
    responses=problem_responses(422) | {200: {"content": {CSV: {}}}},
)
def weekly_report_csv(
    session: SessionDep, query: Annotated[WeeklyQuery, Query()], now: NowDep, settings: SettingsDep
) -> Response:
    return _csv(_weekly(session, settings, query, now), query.language)


@router.get(
    "/weekly.xlsx",
    status_code=200,
    summary="The weekly report as an XLSX workbook, a sheet per section",
    description="Sheets: totals with the previous week and the change, the totals of each "
    "line, each breakdown, advisers, arrivals per local weekday and hour (7 x 24, coloured "
    "as a heat map), the staffing forecast, the definitions and the report's own facts. "
    "Numbers are stored as numbers, formatted as counts, percentages or seconds; `language` "
    "picks Danish or English labels. In a publishable report a withheld figure is the text "
    f"{xlsx.WITHHELD!r} (an en dash, never 0) and the advisers' sheet has no rows.",
    response_class=Response,
    responses=problem_responses(422)
    | {
        200: {
            "description": "The workbook, as an attachment named by week, line and audience.",
            "content": {xlsx.MEDIA_TYPE: {"schema": {"type": "string", "format": "binary"}}},
        }
    },
)
def weekly_report_xlsx(
    session: SessionDep, query: Annotated[WeeklyQuery, Query()], now: NowDep, settings: SettingsDep
) -> Response:
    report = _weekly(session, settings, query, now)
    return Response(
        xlsx.weekly_xlsx(report, language=query.language),
        media_type=xlsx.MEDIA_TYPE,
        headers=_attachment(report, "xlsx"),
    )


@router.get(
    "/trend",
    response_model=Trend,
    status_code=200,
    summary="The totals of every week in a range, for charts",
    responses=problem_responses(422),
)
def trend_report(
    session: SessionDep,
    settings: SettingsDep,
    query: Annotated[TrendQuery, Query()],
    now: NowDep,
) -> Trend:
    return reports_service.trend(
        session=session,
        settings=settings,
        first=query.first_week,
        last=query.last_week,
        line=query.line,
        publishable=query.publishable,
        now=now,
    )


@router.get(
    "/abandoned",
    response_model=AbandonedReport,
    status_code=200,
    summary="The week's abandoned calls, and whether each was called back",
    responses=problem_responses(422),
)
def abandoned_report(
    session: SessionDep, settings: SettingsDep, query: Annotated[AbandonedQuery, Query()]
) -> AbandonedReport:
    return reports_service.abandoned(
        session=session,
        settings=settings,
        week=query.iso_week,
        line=query.line,
        publishable=query.publishable,
    )


# An adviser's own figures: reachable by the adviser themselves, unlike the reports above.
own_router = api.router(
    tags=["reports"], dependencies=[SIGNED_IN], responses=problem_responses(401, 403)
)


@own_router.get(
    "/advisers/{adviser_id}/figures",
    response_model=AdviserWeek,
    status_code=200,
    summary="An adviser's own figures of one week",
    description="The adviser's row of the weekly report's `by_adviser`: an adviser may read "
    "their own, supervisors anyone's. `figures` is null for a week off the desk.",
    responses=problem_responses(404, 422),
)
def own_figures(
    session: SessionDep,
    adviser: OwnAdviserDep,
    query: Annotated[OwnFiguresQuery, Query()],
    now: NowDep,
    settings: SettingsDep,
) -> AdviserWeek:
    return reports_service.adviser_week(
        session=session, settings=settings, adviser_id=adviser.id, week=query.iso_week, now=now
    )
