"""Each line's routing rules: how its calls are offered, and where they overflow."""

from typing import Annotated

from fastapi import Query

from service import api
from service.auth.dependencies import (
    SIGNED_IN,
    SUPERVISORS,
)
from service.db import SessionDep
from service.errors import problem_responses
from service.pagination import NoQuery
from service.routing import rules
from service.routing.models import LineRouting, LineRoutingPublic
from service.taxonomy.codes import Code

router = api.router(tags=["desk"], dependencies=[SIGNED_IN], responses=problem_responses(401, 403))


@router.get(
    "/routing/rules",
    response_model=list[LineRoutingPublic],
    status_code=200,
    summary="Each line's routing strategy and overflow rules",
    responses=problem_responses(422),
)
def read_rules(session: SessionDep, _: Annotated[NoQuery, Query()]) -> list[LineRoutingPublic]:
    return rules.get_rules(session=session)


@router.put(
    "/routing/rules/{line}",
    openapi_extra=api.REPEATABLE,
    response_model=LineRoutingPublic,
    status_code=200,
    summary="Set a line's routing strategy and overflow rules (supervisors)",
    dependencies=[SUPERVISORS],
    responses=problem_responses(422),
)
def write_rules(
    _query: Annotated[NoQuery, Query()], session: SessionDep, line: Code, rules_in: LineRouting
) -> LineRoutingPublic:
    return rules.set_rules(session=session, line=line, rules=rules_in)
