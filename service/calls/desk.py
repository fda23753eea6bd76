"""Use cases of the live desk: intake, offers, the call's life, presence, the queue.

Each use case takes the routing lock first, changes what it must, lets the routing pass
react (`dispatch.run`) and commits once, so no two routing decisions ever interleave.
"""

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session, select

from service.advisers.models import Adviser, Availability, PresenceChange
from service.calls import case_link, dispatch, journal, push, states
from service.calls import service as calls_service
from service.calls.desk_models import CallClosing, CallTransfer
from service.calls.errors import IllegalTransition
from service.calls.journal import CallOffer, EventType, OfferState
from service.calls.models import (
    Call,
    CallCreate,
    CallStatus,
    CallUpdate,
    Direction,
)
from service.calls.repeat import number_key_or_none
from service.calls.states import Step
from service.clock import Clock
from service.config import Settings
from service.db import commit_keeping_loaded
from service.errors import FieldProblem, ValidationFailed
from service.etag import Versioned, check_if_match
from service.opening_hours import service as opening_hours_service
from service.routing import lock
from service.taxonomy import service as taxonomy_service

CANCELLED_BY_PRESENCE = "adviser became {presence}"
NEEDS_AN_ADVISER = "name the adviser who acts: only an adviser's own token acts as its adviser"
# The If-Match header of the request, if any: the change is made only to this copy.
IfMatch = str | None


@dataclass(frozen=True, kw_only=True)
class Action:
    """One desk action on one call: who does it, on which copy, by which clock and settings.

    `adviser_id` is None only where nobody need act (the phone system says a caller hung up).
    """

    call: Call
    adviser_id: uuid.UUID | None
    clock: Clock
    settings: Settings
    if_match: IfMatch = None


def intake(
    *,
    session: Session,
    call_in: CallCreate,
    clock: Clock,
    settings: Settings,
    call_id: uuid.UUID | None = None,
) -> Call:
    """Record a call: a live one joins its line's queue and is routed at once."""
    if call_in.answered_at is not None or call_in.ended_at is not None or call_in.status:
        # A record of a call that is over: it joins no queue, so it needs no lock.
        call = calls_service.build(
            session=session, settings=settings, call_in=call_in, now=clock(), call_id=call_id
        )
        commit_keeping_loaded(session)
        return call
    now = lock.take(session, clock)
    call = calls_service.build(
        session=session, settings=settings, call_in=call_in, now=now, call_id=call_id
    )
    journal.record(session, call, EventType.queued, at=now)
    return _settle(session, call, settings, now=now, changed=False)


def tick(*, session: Session, clock: Clock, settings: Settings) -> None:
    """Let time pass on the desk: expire offers, route due callbacks and overflow, and tell
    the desks of the case tasks that fell due."""
    now = lock.take(session, clock)
    dispatch.run(session, now=now, settings=settings)
    for tick in case_link.ticks():  # under the routing lock: each task is told of once
        tick(session, now)
    session.commit()


def accept(*, session: Session, action: Action) -> Call:
    """The offered adviser takes the call."""
    call, now = action.call, _begin(session, action)
    adviser = _acting_adviser(session, action.adviser_id)
    offer = _offer_to(session, call, adviser, Step.accept)
    offer.state = OfferState.accepted
    offer.decided_at = now
    call.status = states.advance(call.status, Step.accept)
    # A transferred call keeps the moment it was first answered.
    call.answered_at = call.answered_at or now
    call.target_adviser_id = None
    adviser.missed_offers_in_row = 0
    journal.record(session, call, EventType.accepted, at=now, adviser_id=adviser.id)
    return _settle(session, call, action.settings, now=now)


def reject(*, session: Session, action: Action, reason: str | None) -> Call:
    """The offered adviser declines; the call goes to the next adviser who can take it."""
    call, now = action.call, _begin(session, action)
    adviser = _acting_adviser(session, action.adviser_id)
    offer = _offer_to(session, call, adviser, Step.reject)
    dispatch.withdraw_offer(
        session,
        offer,
        call,
        state=OfferState.rejected,
        now=now,
        event=EventType.rejected,
        reason=reason,
        step=Step.reject,
    )
    return _settle(session, call, action.settings, now=now)


def hold(*, session: Session, action: Action) -> Call:
    """Put the caller on hold."""
    call, now = action.call, _begin(session, action)
    adviser = _handling_adviser(session, action, Step.hold)
    if call.hold_started_at is not None:
        raise IllegalTransition(call, "The call is already on hold.")
    call.hold_started_at = now
    journal.record(session, call, EventType.held, at=now, adviser_id=adviser.id)
    return _settle(session, call, action.settings, now=now)


def resume(*, session: Session, action: Action) -> Call:
    """Take the caller off hold."""
    call, now = action.call, _begin(session, action)
    adviser = _handling_adviser(session, action, Step.resume)
    if call.hold_started_at is None:
        raise IllegalTransition(call, "The call is not on hold.")
    _resume(session, call, adviser, now=now)
    return _settle(session, call, action.settings, now=now)


def end(*, session: Session, action: Action) -> Call:
    """The conversation is over; the adviser wraps up."""
    call, now = action.call, _begin(session, action)
    adviser = _handling_adviser(session, action, Step.end)
    _resume(session, call, adviser, now=now)
    call.ended_at = now
    call.status = states.advance(call.status, Step.end)
    adviser.last_call_ended_at = now
    journal.record(session, call, EventType.ended, at=now, adviser_id=adviser.id)
    return _settle(session, call, action.settings, now=now)


def close(*, session: Session, action: Action, close_in: CallClosing) -> Call:
    """Record the classification and close the call; a requested callback is scheduled."""
    call, now = action.call, _begin(session, action)
    adviser = _acting_adviser(session, action.adviser_id)
    _check(call, Step.close)
    if call.adviser_id != adviser.id:
        raise IllegalTransition(call, states.TRANSITIONS[Step.close].refusal)
    changes = close_in.model_dump(
        exclude_unset=True, exclude={"adviser_id", "join_case_id", "open_case"}
    )
    update = CallUpdate(**changes, status=CallStatus.closed, closed_at=now)
    calls_service.apply_changes(
        session=session, settings=action.settings, call=call, call_in=update, now=now
    )
    # apply_changes refuses to close a call that has not ended, so this holds.
    assert call.ended_at is not None
    wrap_up_until = call.ended_at + timedelta(seconds=action.settings.min_wrap_up_s)
    adviser.wrap_up_until = wrap_up_until if wrap_up_until > now else None
    journal.record(session, call, EventType.closed, at=now, adviser_id=adviser.id)
    if close_in.case_request is not None:
        case_link.registered()(
            session=session,
            call=call,
            request=close_in.case_request,
            adviser_id=adviser.id,
            settings=action.settings,
            now=now,
        )
    # A callback carries its number already: it asks for another only if the close says so.
    asked = call.origin_call_id is None or "callback_requested" in changes
    if call.callback_requested and call.callback_phone and asked:
        _schedule_callback(session, call, action.settings, now=now)
    return _settle(session, call, action.settings, now=now)


def abandon(*, session: Session, action: Action) -> Call:
    """The caller hung up while waiting; `adviser_id` is who said so, if an adviser did."""
    call, now = action.call, _begin(session, action)
    if action.adviser_id is not None:
        _acting_adviser(session, action.adviser_id)
    _check(call, Step.abandon)
    offer = dispatch.pending_offer(session, call.id)
    if offer is not None:
        offer.state = OfferState.cancelled
        offer.decided_at = now
        push.offer_ended(
            session, call_id=call.id, adviser_id=offer.adviser_id, at=now, reason="abandoned"
        )
    call.status = states.advance(call.status, Step.abandon)
    call.ended_at = now
    call.adviser_id = None
    journal.record(session, call, EventType.abandoned, at=now, adviser_id=action.adviser_id)
    return _settle(session, call, action.settings, now=now)


def transfer(*, session: Session, action: Action, transfer_in: CallTransfer) -> Call:
    """Send a call in progress to another line's queue or to a named adviser."""
    call, now = action.call, _begin(session, action)
    adviser = _handling_adviser(session, action, Step.transfer)
    _check_transfer_target(session, transfer_in, adviser_id=adviser.id)
    _resume(session, call, adviser, now=now)
    journal.record(
        session,
        call,
        EventType.transferred,
        at=now,
        adviser_id=adviser.id,
        target_line=transfer_in.to_line,
        target_adviser_id=transfer_in.to_adviser_id,
        reason=transfer_in.reason,
    )
    if transfer_in.to_line is not None:
        call.line = transfer_in.to_line
    call.target_adviser_id = transfer_in.to_adviser_id
    call.requeued_at = now
    call.status = states.advance(call.status, Step.transfer)
    call.adviser_id = None
    adviser.last_call_ended_at = now
    journal.record(session, call, EventType.queued, at=now, reason="transfer")
    return _settle(session, call, action.settings, now=now)


def set_presence(
    *,
    session: Session,
    adviser: Adviser,
    change: PresenceChange,
    clock: Clock,
    settings: Settings,
    if_match: IfMatch = None,
) -> Adviser:
    """An adviser makes themselves available, takes a break or logs off."""
    now = _take(session, clock, adviser, if_match, noun="adviser")
    adviser.availability = change.presence
    adviser.presence_reason = change.reason
    if change.presence is Availability.available:
        adviser.available_since = now
        adviser.missed_offers_in_row = 0
    else:
        reason = CANCELLED_BY_PRESENCE.format(presence=change.presence.value)
        pending = select(CallOffer).where(
            CallOffer.adviser_id == adviser.id, CallOffer.state == OfferState.pending
        )
        for offer in session.exec(pending).all():
            call = session.get_one(Call, offer.call_id)
            dispatch.withdraw_offer(
                session,
                offer,
                call,
                state=OfferState.cancelled,
                now=now,
                event=EventType.offer_cancelled,
                reason=reason,
            )
    adviser.version += 1
    adviser.updated_at = now
    dispatch.run(session, now=now, settings=settings)
    session.commit()
    session.refresh(adviser)
    return adviser


def _take(
    session: Session, clock: Clock, record: Versioned, if_match: IfMatch, *, noun: str = "call"
) -> datetime:
    """Take the routing lock; then refuse (412) a change made from a stale copy of `record`.

    Checked under the lock, on the record as it is now (taking the lock reloads it), so that
    no other decision slips in between the check and the change.
    """
    now = lock.take(session, clock)
    check_if_match(record, if_match, noun=noun)
    return now


def _begin(session: Session, action: Action) -> datetime:
    """Take the lock and check the action's copy of the call (`_take`)."""
    return _take(session, action.clock, action.call, action.if_match)


def _settle(
    session: Session, call: Call, settings: Settings, *, now: datetime, changed: bool = True
) -> Call:
    if changed:
        call.version += 1
        call.updated_at = now
    dispatch.run(session, now=now, settings=settings)
    session.commit()
    session.refresh(call)
    return call


def _acting_adviser(session: Session, adviser_id: uuid.UUID | None) -> Adviser:
    if adviser_id is None:
        raise ValidationFailed([FieldProblem(field="adviser_id", reason=NEEDS_AN_ADVISER)])
    adviser = session.get(Adviser, adviser_id)
    if adviser is None:
        raise ValidationFailed([FieldProblem(field="adviser_id", reason="no adviser has this id")])
    return adviser


def _check(call: Call, step: Step) -> None:
    """409 for a step the call's status does not allow (the table in `states`)."""
    try:
        states.check(call.status, step)
    except states.Refused as exc:
        raise IllegalTransition(call, str(exc)) from None


def _offer_to(session: Session, call: Call, adviser: Adviser, step: Step) -> CallOffer:
    _check(call, step)
    offer = dispatch.pending_offer(session, call.id)
    if offer is None:
        raise IllegalTransition(call, states.TRANSITIONS[step].refusal)
    if offer.adviser_id != adviser.id:
        raise IllegalTransition(call, "The call is offered to another adviser.")
    return offer


def _handling_adviser(session: Session, action: Action, step: Step) -> Adviser:
    call, adviser = action.call, _acting_adviser(session, action.adviser_id)
    _check(call, step)
    if call.adviser_id != adviser.id:
        raise IllegalTransition(call, "Another adviser is handling the call.")
    return adviser


def _resume(session: Session, call: Call, adviser: Adviser, *, now: datetime) -> None:
    if call.hold_started_at is None:
        return
    call.hold_s += round((now - call.hold_started_at).total_seconds())
    call.hold_started_at = None
    journal.record(session, call, EventType.resumed, at=now, adviser_id=adviser.id)


def _check_transfer_target(
    session: Session, transfer_in: CallTransfer, *, adviser_id: uuid.UUID
) -> None:
    to_line, to_adviser_id = transfer_in.to_line, transfer_in.to_adviser_id
    if (to_line is None) == (to_adviser_id is None):
        reason = "name exactly one of to_line and to_adviser_id"
        raise ValidationFailed([FieldProblem(field="to_line", reason=reason)])
    if to_line is not None:
        problems = taxonomy_service.code_problems(
            session=session, list_name="line", field="to_line", codes=[to_line]
        )
        if problems:
            raise ValidationFailed(problems)
        return
    target = session.get(Adviser, to_adviser_id)
    if target is None or not target.active:
        reason = "no active adviser has this id"
        raise ValidationFailed([FieldProblem(field="to_adviser_id", reason=reason)])
    if target.id == adviser_id:
        reason = "a call cannot be transferred to the adviser handling it"
        raise ValidationFailed([FieldProblem(field="to_adviser_id", reason=reason)])


def _schedule_callback(session: Session, call: Call, settings: Settings, *, now: datetime) -> None:
    # The next opening of the line: weekly hours less public holidays and closed days.
    due_at = opening_hours_service.next_opening(
        session=session, settings=settings, line=call.line, now=now
    )
    callback = Call(
        line=call.line,
        direction=Direction.outbound,
        received_at=due_at,
        callback_due_at=due_at,
        origin_call_id=call.id,
        case_id=call.case_id,  # the callback is part of the origin call's case
        # The number to ring goes with the call that rings it; retention erases it there
        # as on the origin, once the callback has ended.
        callback_requested=True,
        callback_phone=call.callback_phone,
        callback_phone_key=number_key_or_none(settings.number_key, call.callback_phone),
        language=call.language,
        priority=call.priority,
        status=CallStatus.queued,
    )
    session.add(callback)
    session.flush()
    journal.record(session, callback, EventType.queued, at=now, reason="callback")
