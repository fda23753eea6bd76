from typing import Annotated

from fastapi import APIRouter, Header, Query, Response
from fastapi.responses import PlainTextResponse

from service.advisers.dependencies import AdviserDep
from service.auth.dependencies import (
    SIGNED_IN,
    SUPERVISORS,
    CurrentPrincipal,
    ensure_acting_as_self,
)
from service.clock import NowDep
from service.db import SessionDep
from service.errors import problem_responses
from service.reports import export
from service.reports import service as reports_service
from service.reports.models import AbandonedReport, AdviserWeek, Trend, WeeklyReport
from service.reports.params import AbandonedQuery, OwnFiguresQuery, TrendQuery, WeeklyQuery

# Advisers see no reports: the weekly figures name every adviser's own.
router = APIRouter(
    prefix="/reports",
    tags=["reports"],
    dependencies=[SUPERVISORS],
    responses=problem_responses(401, 403),
)

CSV = "text/csv; charset=utf-8"


def _weekly(session: SessionDep, query: WeeklyQuery, now: NowDep) -> WeeklyReport:
    return reports_service.weekly(
        session=session,
        week=query.iso_week,
        line=query.line,
        publishable=query.publishable,
        now=now,
    )


def _csv(report: WeeklyReport, language: str) -> Response:
    return PlainTextResponse(
        export.weekly_csv(report, language=language),
        media_type=CSV,
        headers={"Content-Disposition": f'attachment; filename="hotline-{report.week}.csv"'},
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
    accept: Annotated[str | None, Header()] = None,
) -> WeeklyReport | Response:
    report = _weekly(session, query, now)
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
    session: SessionDep, query: Annotated[WeeklyQuery, Query()], now: NowDep
) -> Response:
    return _csv(_weekly(session, query, now), query.language)


@router.get(
    "/trend",
    response_model=Trend,
    status_code=200,
    summary="The totals of every week in a range, for charts",
    responses=problem_responses(422),
)
def trend_report(session: SessionDep, query: Annotated[TrendQuery, Query()]) -> Trend:
    return reports_service.trend(
        session=session,
        first=query.first_week,
        last=query.last_week,
        line=query.line,
        publishable=query.publishable,
    )


@router.get(
    "/abandoned",
    response_model=AbandonedReport,
    status_code=200,
    summary="The week's abandoned calls, and whether each was called back",
    responses=problem_responses(422),
)
def abandoned_report(
    session: SessionDep, query: Annotated[AbandonedQuery, Query()]
) -> AbandonedReport:
    return reports_service.abandoned(
        session=session, week=query.iso_week, line=query.line, publishable=query.publishable
    )


# An adviser's own figures: reachable by the adviser themselves, unlike the reports above.
own_router = APIRouter(
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
    adviser: AdviserDep,
    query: Annotated[OwnFiguresQuery, Query()],
    principal: CurrentPrincipal,
    now: NowDep,
) -> AdviserWeek:
    ensure_acting_as_self(principal, adviser.id)
    return reports_service.adviser_week(
        session=session, adviser_id=adviser.id, week=query.iso_week, now=now
    )
