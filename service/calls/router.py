from typing import Annotated

from fastapi import APIRouter, Body, Query, Response

from service.calls import service as calls_service
from service.calls.dependencies import CallDep
from service.calls.filters import CallQuery
from service.calls.models import CALL_CREATE_EXAMPLES, CallCreate, CallPublic, CallUpdate
from service.clock import ClockDep, NowDep
from service.db import SessionDep
from service.errors import problem_responses
from service.pagination import Page
from service.routing import service as routing_service

router = APIRouter(prefix="/calls", tags=["calls"])


@router.post(
    "",
    response_model=CallPublic,
    status_code=201,
    summary="Record a call",
    description="Record a live call (no `answered_at`: it waits in the queue) or a call "
    "recorded after the fact. The status follows from the timestamps.",
    responses=problem_responses(422),
)
def create_call(
    session: SessionDep,
    call_in: Annotated[CallCreate, Body(openapi_examples=CALL_CREATE_EXAMPLES)],
    response: Response,
    clock: ClockDep,
) -> CallPublic:
    call = routing_service.intake(session=session, call_in=call_in, clock=clock)
    response.headers["Location"] = f"/calls/{call.id}"
    return CallPublic.from_call(call)


@router.get(
    "",
    response_model=Page[CallPublic],
    status_code=200,
    summary="List calls, newest first",
    description="Filters combine with AND. Pass `next_cursor` back as `cursor` for the next "
    "page; it is null on the last page.",
    responses=problem_responses(422),
)
def list_calls(session: SessionDep, query: Annotated[CallQuery, Query()]) -> Page[CallPublic]:
    return calls_service.list_calls(session=session, query=query)


@router.get(
    "/{call_id}",
    response_model=CallPublic,
    status_code=200,
    summary="Read a call",
    responses=problem_responses(404, 422),
)
def read_call(call: CallDep) -> CallPublic:
    return CallPublic.from_call(call)


@router.patch(
    "/{call_id}",
    response_model=CallPublic,
    status_code=200,
    summary="Change a call",
    description="Only the fields sent change; a list replaces the stored list; null clears "
    "an optional field. Send `status: closed` to close the record.",
    responses=problem_responses(404, 409, 422),
)
def update_call(session: SessionDep, call: CallDep, call_in: CallUpdate, now: NowDep) -> CallPublic:
    call = calls_service.update(session=session, call=call, call_in=call_in, now=now)
    return CallPublic.from_call(call)
