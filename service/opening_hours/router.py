from typing import Annotated

from fastapi import Query

from service import api
from service.auth.dependencies import SIGNED_IN, SUPERVISORS
from service.config import SettingsDep
from service.db import SessionDep
from service.errors import problem_responses
from service.opening_hours import service as opening_hours_service
from service.opening_hours.models import (
    MAX_RANGE_DAYS,
    ClosedDays,
    ClosedDaysPublic,
    OpeningHours,
    OpeningHoursQuery,
)
from service.pagination import NoQuery
from service.taxonomy.codes import Code

router = api.router(
    tags=["desk"],
    dependencies=[SIGNED_IN],
    responses=problem_responses(401, 403),
)


@router.get(
    "/opening-hours",
    response_model=OpeningHours,
    status_code=200,
    summary="When a line is open, day by day",
    description="Each local day's opening interval from `from` to `to` (both included, at "
    f"most {MAX_RANGE_DAYS} days), in Copenhagen time with its offset: the weekly hours, "
    "less the Danish public holidays and the days the authority closes the line (Christmas "
    "Eve and New Year's Eve). Callbacks fall due at the next of these openings.",
    responses=problem_responses(422),
)
def read_opening_hours(
    session: SessionDep, settings: SettingsDep, query: Annotated[OpeningHoursQuery, Query()]
) -> OpeningHours:
    return opening_hours_service.opening_hours(
        session=session, settings=settings, line=query.line, first=query.first, last=query.last
    )


@router.get(
    "/closed-days/{line}",
    response_model=ClosedDaysPublic,
    status_code=200,
    summary="The days a line is closed beyond the public holidays",
    responses=problem_responses(422),
)
def read_closed_days(
    session: SessionDep, line: Code, _: Annotated[NoQuery, Query()]
) -> ClosedDaysPublic:
    return opening_hours_service.get_closed_days(session=session, line=line)


@router.put(
    "/closed-days/{line}",
    openapi_extra=api.REPEATABLE,
    response_model=ClosedDaysPublic,
    status_code=200,
    summary="Set the days a line is closed beyond the public holidays (supervisors)",
    description="Replaces the line's list: a day every year (`month`, `day`) or in one "
    "`year`. Callbacks already scheduled keep their due time.",
    dependencies=[SUPERVISORS],
    responses=problem_responses(422),
)
def write_closed_days(
    _query: Annotated[NoQuery, Query()], session: SessionDep, line: Code, closed_in: ClosedDays
) -> ClosedDaysPublic:
    return opening_hours_service.set_closed_days(session=session, line=line, closed=closed_in)
