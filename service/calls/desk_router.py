"""The desk's actions on a call: accept, reject, hold, resume, end, close, abandon, transfer;
and the call's journal."""

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated

from fastapi import Body, Depends, Header, Query, Response
from fastapi.responses import JSONResponse
from sqlmodel import Session

from service import api
from service.audit import service as audit_service
from service.auth.dependencies import (
    SIGNED_IN,
    CurrentPrincipal,
    ensure_acting_as_self,
)
from service.auth.models import Principal, Role
from service.calls import desk as desk_service
from service.calls import journal
from service.calls.dependencies import CallDep
from service.calls.desk_models import (
    CallAction,
    CallClosing,
    CallRejection,
    CallTransfer,
)
from service.calls.journal import CallEventPublic
from service.calls.models import CLOSING_EXAMPLE, Call, CallPublic
from service.clock import Clock, ClockDep
from service.config import Settings, SettingsDep
from service.db import SessionDep
from service.errors import FieldProblem, ValidationFailed, problem_responses
from service.etag import etag
from service.idempotency.dependencies import IdempotencyDep, Replayed
from service.pagination import NoQuery

router = api.router(tags=["desk"], dependencies=[SIGNED_IN], responses=problem_responses(401, 403))
# An adviser acts only as themselves, and sees only their own presence and calls;
# supervisors and admins may act for and see anyone.

CALL_ETAG = {
    "ETag": {
        "description": "The call's version after the action; send it back as `If-Match` to act "
        "on this copy only.",
        "schema": {"type": "string"},
    }
}
ACTION_ERRORS = problem_responses(404, 409, 412, 422) | {200: {"headers": CALL_ETAG}}
ACTION_DESCRIPTION = (
    "An adviser's token acts as its own adviser and needs no body (or `{}`); naming another "
    "adviser is 403. A supervisor's or admin's token names the adviser it acts for in "
    "`adviser_id` (422 without one). Send the call's `ETag` as `If-Match` to act only if nobody "
    "changed the call since you read it (412 if someone did, and nothing is done); the answer "
    "carries the call's new `ETag`. An `Idempotency-Key` makes a retry safe."
)
CallIfMatch = Annotated[
    str | None,
    Header(description="The call's `ETag` as you read it: 412, and nothing done, if it changed."),
]
ADVISER_EXAMPLE = "0190c3c2-7d3e-7a4b-9c1d-2e3f4a5b6c7d"
ACTION_EXAMPLES = {
    "own": {"summary": "With an adviser's token: no body, or `{}`", "value": {}},
    "for_an_adviser": {
        "summary": "A supervisor acting for an adviser",
        "value": {"adviser_id": ADVISER_EXAMPLE},
    },
}
OptionalAction = Annotated[CallAction | None, Body(openapi_examples=ACTION_EXAMPLES)]


def acting_adviser_or_none(principal: Principal, named: uuid.UUID | None) -> uuid.UUID | None:
    """The adviser an action is done as: the one named, or else an adviser token's own."""
    ensure_acting_as_self(principal, named)
    if named is None and principal.role == Role.adviser:
        return principal.adviser_id
    return named


def acting_adviser(principal: Principal, named: uuid.UUID | None) -> uuid.UUID:
    """As `acting_adviser_or_none`, for an action that some adviser must do (422 if none)."""
    adviser_id = acting_adviser_or_none(principal, named)
    if adviser_id is None:
        raise ValidationFailed(
            [FieldProblem(field="adviser_id", reason=desk_service.NEEDS_AN_ADVISER)]
        )
    return adviser_id


def answer(session: Session, call: Call, response: Response) -> CallPublic:
    """The call as it is now, with its ETag; it shows the notes, so it is a recorded read."""
    public = CallPublic.from_call(call)
    response.headers["ETag"] = etag(call)
    audit_service.record_reads(session=session, calls=[public])
    return public


def call_action_idempotency(session: SessionDep, idem: IdempotencyDep, call: CallDep) -> None:
    """A retried action is answered with the call as it is now, and changes nothing."""
    idem.look_up()
    if idem.replay:
        public, tag = CallPublic.from_call(call), etag(call)
        audit_service.record_reads(session=session, calls=[public])  # the notes again
        raise Replayed(JSONResponse(public.model_dump(mode="json"), headers={"ETag": tag}))
    if idem.record is not None:
        # Known before the action runs, so the key commits with the action, once.
        idem.record.status, idem.record.object_id = 200, str(call.id)


@dataclass(frozen=True)
class DeskRequest:
    """What every action on a call starts from: the call, who asks, the clock and settings,
    the copy it was read from (`If-Match`), and the response that carries the new ETag."""

    session: Session
    call: Call
    principal: Principal
    clock: Clock
    settings: Settings
    response: Response
    if_match: str | None

    def by(self, named: uuid.UUID | None, *, someone: bool = True) -> desk_service.Action:
        """The action as the adviser named (or the token's own); `someone`: one must act."""
        pick = acting_adviser if someone else acting_adviser_or_none
        return desk_service.Action(
            call=self.call,
            adviser_id=pick(self.principal, named),
            clock=self.clock,
            settings=self.settings,
            if_match=self.if_match,
        )

    def answer(self, call: Call) -> CallPublic:
        """The call after the action, with its new ETag."""
        return answer(self.session, call, self.response)


def desk_request(
    _query: Annotated[NoQuery, Query()],
    session: SessionDep,
    call: CallDep,
    clock: ClockDep,
    settings: SettingsDep,
    principal: CurrentPrincipal,
    response: Response,
    if_match: CallIfMatch = None,
    # After If-Match, so the document lists the headers in the order they always had.
    _retry: Annotated[None, Depends(call_action_idempotency)] = None,
) -> DeskRequest:
    """The request of an action on a call; a retry with a known key is answered here."""
    return DeskRequest(session, call, principal, clock, settings, response, if_match)


DeskRequestDep = Annotated[DeskRequest, Depends(desk_request)]
Route = Callable[..., CallPublic]


def action_route(verb: str, *, summary: str, description: str) -> Callable[[Route], Route]:
    """`POST /calls/{id}/<verb>`: an idempotent action answered with the call (a read)."""
    return router.post(
        f"/calls/{{call_id}}/{verb}",
        openapi_extra=api.AUDITED_READ | api.BY_KEY,
        response_model=CallPublic,
        status_code=200,
        summary=summary,
        description=description,
        responses=ACTION_ERRORS,
    )


def _route_action(verb: str, use_case: Callable[..., Call], summary: str) -> None:
    """Route `POST /calls/{id}/<verb>` to a use case that needs nothing but who acts."""

    def act(desk: DeskRequestDep, action: OptionalAction = None) -> CallPublic:
        named = action.adviser_id if action else None
        return desk.answer(use_case(session=desk.session, action=desk.by(named)))

    # The function's name is the route's name and its OpenAPI operationId.
    act.__name__ = act.__qualname__ = f"{verb}_call"
    action_route(verb, summary=summary, description=ACTION_DESCRIPTION)(act)


_route_action("accept", desk_service.accept, "Accept a call offered to you")
_route_action("hold", desk_service.hold, "Put the caller on hold")
_route_action("resume", desk_service.resume, "Take the caller off hold")
_route_action("end", desk_service.end, "End the conversation and start wrap-up")


REJECTION_EXAMPLES = {
    "own": {"summary": "With an adviser's token", "value": {"reason": "Midt i en anden samtale"}},
    "for_an_adviser": {
        "summary": "A supervisor acting for an adviser",
        "value": {"adviser_id": ADVISER_EXAMPLE},
    },
}


@action_route(
    "reject",
    summary="Decline a call offered to you",
    description="The call goes back to the head of its queue and is offered to someone else; "
    "it is not offered to you again. " + ACTION_DESCRIPTION,
)
def reject_call(
    desk: DeskRequestDep,
    rejection: Annotated[CallRejection | None, Body(openapi_examples=REJECTION_EXAMPLES)] = None,
) -> CallPublic:
    rejection = rejection or CallRejection()
    action = desk.by(rejection.adviser_id)
    return desk.answer(
        desk_service.reject(session=desk.session, action=action, reason=rejection.reason)
    )


CLOSING_EXAMPLES = {
    "own": {"summary": "With an adviser's token", "value": CLOSING_EXAMPLE},
    "for_an_adviser": {
        "summary": "A supervisor closing for an adviser, classification recorded before",
        "value": {"adviser_id": ADVISER_EXAMPLE},
    },
}


@action_route(
    "close",
    summary="Record the classification and close the call",
    description="Needs caller type, sector, at least one issue category and one advice code "
    "(sent here or recorded before). A requested callback is scheduled for the next opening "
    "hour as an outbound call. " + ACTION_DESCRIPTION,
)
def close_call(
    desk: DeskRequestDep,
    close_in: Annotated[CallClosing | None, Body(openapi_examples=CLOSING_EXAMPLES)] = None,
) -> CallPublic:
    close_in = close_in or CallClosing()
    action = desk.by(close_in.adviser_id)
    return desk.answer(desk_service.close(session=desk.session, action=action, close_in=close_in))


ABANDON_EXAMPLES = {
    "phone_system": {
        "summary": "The phone system, with its telephony token: no body",
        "value": {},
    },
    "for_an_adviser": {
        "summary": "A supervisor, for the adviser who saw the caller hang up",
        "value": {"adviser_id": ADVISER_EXAMPLE},
    },
}


@action_route(
    "abandon",
    summary="The caller hung up while waiting",
    description="Whoever says so is recorded as the journal event's `adviser_id`: an adviser's "
    "token as its own adviser (naming another is 403), a supervisor's or admin's token as the "
    "adviser it names, or as nobody when it names none; the phone system's token (telephony) "
    "as nobody, and it may name no adviser (403). Send the "
    "call's `ETag` as `If-Match` to abandon only the call as you read it (412 otherwise); the "
    "answer carries the call's new `ETag`.",
)
def abandon_call(
    desk: DeskRequestDep,
    action: Annotated[CallAction | None, Body(openapi_examples=ABANDON_EXAMPLES)] = None,
) -> CallPublic:
    by = desk.by(action.adviser_id if action else None, someone=False)
    return desk.answer(desk_service.abandon(session=desk.session, action=by))


@action_route(
    "transfer",
    summary="Transfer a call to another line or a named adviser",
    description="Name exactly one of `to_line` and `to_adviser_id`, and why. "
    + ACTION_DESCRIPTION.replace("needs no body (or `{}`)", "needs no `adviser_id`"),
)
def transfer_call(desk: DeskRequestDep, transfer_in: CallTransfer) -> CallPublic:
    action = desk.by(transfer_in.adviser_id)
    return desk.answer(
        desk_service.transfer(session=desk.session, action=action, transfer_in=transfer_in)
    )


@router.get(
    "/calls/{call_id}/events",
    openapi_extra=api.AUDITED_READ,
    response_model=list[CallEventPublic],
    status_code=200,
    summary="Every step of a call, oldest first",
    responses=problem_responses(404, 422),
)
def call_events(
    session: SessionDep, call: CallDep, _: Annotated[NoQuery, Query()]
) -> list[CallEventPublic]:
    events = [
        CallEventPublic.model_validate(event, from_attributes=True)
        for event in journal.events_of(session, call.id)
    ]
    audit_service.record_event_reads(session=session, call_id=call.id, events=events)
    return events
