"""The desk's board: the queue, an adviser's presence and their calls."""

from typing import Annotated

from fastapi import Header, Query, Response

from service import api
from service.advisers import service as advisers_service
from service.advisers.dependencies import OwnAdviserDep
from service.advisers.models import AdviserPublic, PresenceChange, PresenceEventPublic
from service.audit import service as audit_service
from service.auth.dependencies import (
    SIGNED_IN,
)
from service.calls import desk as desk_service
from service.calls import views
from service.calls.desk_models import (
    AdviserCalls,
    QueueSnapshot,
)
from service.clock import ClockDep, NowDep
from service.config import SettingsDep
from service.db import SessionDep
from service.errors import problem_responses
from service.etag import etag
from service.pagination import NEXT_CURSOR_RESPONSE, NoQuery, PageQuery, send_next_cursor

router = api.router(tags=["desk"], dependencies=[SIGNED_IN], responses=problem_responses(401, 403))


@router.get(
    "/queue",
    response_model=QueueSnapshot,
    status_code=200,
    summary="Waiting calls per line, in the order they will be offered",
    responses=problem_responses(422),
)
def read_queue(session: SessionDep, now: NowDep, _: Annotated[NoQuery, Query()]) -> QueueSnapshot:
    return views.queue(session=session, now=now)


ADVISER_ETAG = {
    "ETag": {
        "description": "The adviser's version after the change, as `GET /advisers/{id}` gives "
        "it; send it back as `If-Match` to change this copy only.",
        "schema": {"type": "string"},
    }
}


@router.put(
    "/advisers/{adviser_id}/presence",
    openapi_extra=api.AUDITED_READ | api.REPEATABLE,
    response_model=AdviserPublic,
    status_code=200,
    summary="Set your presence: available, break or offline",
    description="`offered`, `on_call` and `wrap_up` are set by the desk. A break or log-off "
    "during a call takes effect when the call is closed; a pending offer is withdrawn. Send "
    "the adviser's `ETag` (from `GET /advisers/{id}` or the last change) as `If-Match` to "
    "change only the adviser as you read them (412 if they changed, and nothing is done); the "
    "answer carries the new `ETag`.",
    responses=problem_responses(404, 412, 422) | {200: {"headers": ADVISER_ETAG}},
)
def set_presence(
    _query: Annotated[NoQuery, Query()],
    session: SessionDep,
    adviser: OwnAdviserDep,
    change: PresenceChange,
    clock: ClockDep,
    settings: SettingsDep,
    response: Response,
    if_match: Annotated[
        str | None,
        Header(description="The adviser's `ETag` as you read it: 412 if they changed since."),
    ] = None,
) -> AdviserPublic:
    adviser = desk_service.set_presence(
        session=session,
        adviser=adviser,
        change=change,
        clock=clock,
        settings=settings,
        if_match=if_match,
    )
    response.headers["ETag"] = etag(adviser)
    public = advisers_service.to_public(adviser)
    audit_service.record_adviser_reads(session=session, advisers=[public])
    return public


@router.get(
    "/advisers/{adviser_id}/presence",
    openapi_extra=api.AUDITED_READ,
    response_model=list[PresenceEventPublic],
    status_code=200,
    summary="An adviser's presence history, newest first",
    description="Pages of `limit` (default 50, at most 500): pass the `Next-Cursor` header "
    "back as `cursor` for the next page; it is absent on the last page.",
    responses=NEXT_CURSOR_RESPONSE | problem_responses(404, 422),
)
def presence_history(
    session: SessionDep,
    adviser: OwnAdviserDep,
    query: Annotated[PageQuery, Query()],
    response: Response,
) -> list[PresenceEventPublic]:
    events, next_cursor = views.presence_history(session=session, adviser=adviser, page=query)
    audit_service.record_presence_reads(session=session, adviser_id=adviser.id, events=events)
    send_next_cursor(response, next_cursor)
    return events


@router.get(
    "/advisers/{adviser_id}/calls",
    openapi_extra=api.AUDITED_READ,
    response_model=AdviserCalls,
    status_code=200,
    summary="An adviser's current calls and the ones they took most recently",
    responses=problem_responses(404, 422),
)
def adviser_calls(
    session: SessionDep,
    adviser: OwnAdviserDep,
    _: Annotated[NoQuery, Query()],
) -> AdviserCalls:
    calls = views.adviser_calls(session=session, adviser=adviser)
    audit_service.record_reads(session=session, calls=[*calls.current, *calls.recent])
    return calls
