from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response
from fastapi.responses import JSONResponse

from service.advisers import service as advisers_service
from service.advisers.dependencies import AdviserDep
from service.advisers.models import AdviserPublic, PresenceChange, PresenceEventPublic
from service.audit import service as audit_service
from service.auth.dependencies import (
    SIGNED_IN,
    SUPERVISORS,
    CurrentPrincipal,
    ensure_acting_as_self,
)
from service.calls.dependencies import CallDep
from service.calls.models import CallClose, CallPublic, Code
from service.clock import ClockDep, NowDep
from service.db import SessionDep
from service.errors import problem_responses
from service.idempotency.dependencies import IdempotencyDep, Replayed
from service.pagination import NEXT_CURSOR_RESPONSE, NoQuery, PageQuery, send_next_cursor
from service.routing import journal, rules, views
from service.routing import service as routing_service
from service.routing.models import (
    AdviserCalls,
    CallAction,
    CallEventPublic,
    CallRejection,
    CallTransfer,
    LineRouting,
    LineRoutingPublic,
    QueueSnapshot,
)

router = APIRouter(tags=["desk"], dependencies=[SIGNED_IN], responses=problem_responses(401, 403))
# An adviser acts only as themselves, and sees only their own presence and calls;
# supervisors and admins may act for and see anyone.

ACTION_ERRORS = problem_responses(404, 409, 422)


def acting(action: CallAction, principal: CurrentPrincipal) -> CallAction:
    """The action's body, once it names the adviser the token is for (or anyone, above)."""
    ensure_acting_as_self(principal, action.adviser_id)
    return action


ActingAction = Annotated[CallAction, Depends(acting)]


def call_action_idempotency(idem: IdempotencyDep, call: CallDep) -> None:
    """A retried action is answered with the call as it is now, and changes nothing."""
    idem.look_up()
    if idem.replay:
        raise Replayed(JSONResponse(CallPublic.from_call(call).model_dump(mode="json")))
    if idem.record is not None:
        # Known before the action runs, so the key commits with the action, once.
        idem.record.status, idem.record.object_id = 200, str(call.id)


IDEMPOTENT = Depends(call_action_idempotency)


@router.post(
    "/calls/{call_id}/accept",
    dependencies=[IDEMPOTENT],
    response_model=CallPublic,
    status_code=200,
    summary="Accept a call offered to you",
    responses=ACTION_ERRORS,
)
def accept_call(
    session: SessionDep, call: CallDep, action: ActingAction, clock: ClockDep
) -> CallPublic:
    call = routing_service.accept(
        session=session, call=call, adviser_id=action.adviser_id, clock=clock
    )
    return CallPublic.from_call(call)


@router.post(
    "/calls/{call_id}/reject",
    dependencies=[IDEMPOTENT],
    response_model=CallPublic,
    status_code=200,
    summary="Decline a call offered to you",
    description="The call goes back to the head of its queue and is offered to someone else; "
    "it is not offered to you again.",
    responses=ACTION_ERRORS,
)
def reject_call(
    session: SessionDep,
    call: CallDep,
    rejection: CallRejection,
    clock: ClockDep,
    principal: CurrentPrincipal,
) -> CallPublic:
    ensure_acting_as_self(principal, rejection.adviser_id)
    call = routing_service.reject(
        session=session,
        call=call,
        adviser_id=rejection.adviser_id,
        reason=rejection.reason,
        clock=clock,
    )
    return CallPublic.from_call(call)


@router.post(
    "/calls/{call_id}/hold",
    dependencies=[IDEMPOTENT],
    response_model=CallPublic,
    status_code=200,
    summary="Put the caller on hold",
    responses=ACTION_ERRORS,
)
def hold_call(
    session: SessionDep, call: CallDep, action: ActingAction, clock: ClockDep
) -> CallPublic:
    call = routing_service.hold(
        session=session, call=call, adviser_id=action.adviser_id, clock=clock
    )
    return CallPublic.from_call(call)


@router.post(
    "/calls/{call_id}/resume",
    dependencies=[IDEMPOTENT],
    response_model=CallPublic,
    status_code=200,
    summary="Take the caller off hold",
    responses=ACTION_ERRORS,
)
def resume_call(
    session: SessionDep, call: CallDep, action: ActingAction, clock: ClockDep
) -> CallPublic:
    call = routing_service.resume(
        session=session, call=call, adviser_id=action.adviser_id, clock=clock
    )
    return CallPublic.from_call(call)


@router.post(
    "/calls/{call_id}/end",
    dependencies=[IDEMPOTENT],
    response_model=CallPublic,
    status_code=200,
    summary="End the conversation and start wrap-up",
    responses=ACTION_ERRORS,
)
def end_call(
    session: SessionDep, call: CallDep, action: ActingAction, clock: ClockDep
) -> CallPublic:
    call = routing_service.end(
        session=session, call=call, adviser_id=action.adviser_id, clock=clock
    )
    return CallPublic.from_call(call)


@router.post(
    "/calls/{call_id}/close",
    dependencies=[IDEMPOTENT],
    response_model=CallPublic,
    status_code=200,
    summary="Record the classification and close the call",
    description="Needs caller type, sector, at least one issue category and one advice code "
    "(sent here or recorded before). A requested callback is scheduled for the next opening "
    "hour as an outbound call.",
    responses=ACTION_ERRORS,
)
def close_call(
    session: SessionDep,
    call: CallDep,
    close_in: CallClose,
    clock: ClockDep,
    principal: CurrentPrincipal,
) -> CallPublic:
    ensure_acting_as_self(principal, close_in.adviser_id)
    call = routing_service.close(session=session, call=call, close_in=close_in, clock=clock)
    return CallPublic.from_call(call)


@router.post(
    "/calls/{call_id}/abandon",
    dependencies=[IDEMPOTENT],
    response_model=CallPublic,
    status_code=200,
    summary="The caller hung up while waiting",
    responses=problem_responses(404, 409, 422),
)
def abandon_call(session: SessionDep, call: CallDep, clock: ClockDep) -> CallPublic:
    call = routing_service.abandon(session=session, call=call, clock=clock)
    return CallPublic.from_call(call)


@router.post(
    "/calls/{call_id}/transfer",
    dependencies=[IDEMPOTENT],
    response_model=CallPublic,
    status_code=200,
    summary="Transfer a call to another line or a named adviser",
    responses=ACTION_ERRORS,
)
def transfer_call(
    session: SessionDep,
    call: CallDep,
    transfer_in: CallTransfer,
    clock: ClockDep,
    principal: CurrentPrincipal,
) -> CallPublic:
    ensure_acting_as_self(principal, transfer_in.adviser_id)
    call = routing_service.transfer(
        session=session, call=call, transfer_in=transfer_in, clock=clock
    )
    return CallPublic.from_call(call)


@router.get(
    "/calls/{call_id}/events",
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


@router.get(
    "/queue",
    response_model=QueueSnapshot,
    status_code=200,
    summary="Waiting calls per line, in the order they will be offered",
    responses=problem_responses(422),
)
def read_queue(session: SessionDep, now: NowDep, _: Annotated[NoQuery, Query()]) -> QueueSnapshot:
    return views.queue(session=session, now=now)


@router.put(
    "/advisers/{adviser_id}/presence",
    response_model=AdviserPublic,
    status_code=200,
    summary="Set your presence: available, break or offline",
    description="`offered`, `on_call` and `wrap_up` are set by the desk. A break or log-off "
    "during a call takes effect when the call is closed; a pending offer is withdrawn.",
    responses=problem_responses(404, 422),
)
def set_presence(
    session: SessionDep,
    adviser: AdviserDep,
    change: PresenceChange,
    clock: ClockDep,
    principal: CurrentPrincipal,
) -> AdviserPublic:
    ensure_acting_as_self(principal, adviser.id)
    adviser = routing_service.set_presence(
        session=session, adviser=adviser, change=change, clock=clock
    )
    return advisers_service.to_public(adviser)


@router.get(
    "/advisers/{adviser_id}/presence",
    response_model=list[PresenceEventPublic],
    status_code=200,
    summary="An adviser's presence history, newest first",
    description="Pages of `limit` (default 50, at most 500): pass the `Next-Cursor` header "
    "back as `cursor` for the next page; it is absent on the last page.",
    responses=NEXT_CURSOR_RESPONSE | problem_responses(404, 422),
)
def presence_history(
    session: SessionDep,
    adviser: AdviserDep,
    principal: CurrentPrincipal,
    query: Annotated[PageQuery, Query()],
    response: Response,
) -> list[PresenceEventPublic]:
    ensure_acting_as_self(principal, adviser.id)
    events, next_cursor = views.presence_history(session=session, adviser=adviser, page=query)
    send_next_cursor(response, next_cursor)
    return events


@router.get(
    "/advisers/{adviser_id}/calls",
    response_model=AdviserCalls,
    status_code=200,
    summary="An adviser's current calls and the ones they took most recently",
    responses=problem_responses(404, 422),
)
def adviser_calls(
    session: SessionDep,
    adviser: AdviserDep,
    principal: CurrentPrincipal,
    _: Annotated[NoQuery, Query()],
) -> AdviserCalls:
    ensure_acting_as_self(principal, adviser.id)
    calls = views.adviser_calls(session=session, adviser=adviser)
    audit_service.record_reads(session=session, calls=[*calls.current, *calls.recent])
    return calls


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
    response_model=LineRoutingPublic,
    status_code=200,
    summary="Set a line's routing strategy and overflow rules (supervisors)",
    dependencies=[SUPERVISORS],
    responses=problem_responses(422),
)
def write_rules(session: SessionDep, line: Code, rules_in: LineRouting) -> LineRoutingPublic:
    return rules.set_rules(session=session, line=line, rules=rules_in)
