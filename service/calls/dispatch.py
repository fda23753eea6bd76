"""The desk's routing pass: expire offers, offer waiting calls, show advisers' presence.

Every live action ends with `run`, and so does the routing timer, always under the routing
lock. The decision itself is `policy.plan_offers`; this module only loads and stores.
"""

import uuid
from collections import Counter
from collections.abc import Sequence
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlmodel import Session, col, select

from service.advisers.models import Adviser, Availability, PresenceEvent
from service.calls import journal, push, states
from service.calls.journal import CallEvent, CallOffer, EventType, OfferState
from service.calls.models import Call, CallStatus
from service.calls.states import Step
from service.config import Settings
from service.db import seconds_between
from service.routing import policy
from service.routing.models import OverflowRule, RoutingRule, Strategy
from service.routing.presence import effective_presence

# Calls that occupy an adviser's capacity.
IN_HAND = (CallStatus.assigned, CallStatus.in_progress, CallStatus.wrap_up)
MISSED_OFFERS_REASON = "missed_offers"


def waiting_since(call: Call) -> datetime:
    """Since when a call has waited in its line's queue."""
    return call.callback_due_at or call.requeued_at or call.received_at


def waiting_since_sql() -> sa.ColumnElement[datetime]:
    """waiting_since(), in SQL."""
    return sa.func.coalesce(Call.callback_due_at, Call.requeued_at, Call.received_at)


def run(session: Session, *, now: datetime, settings: Settings) -> None:
    """Do everything the passing of time and the last change call for."""
    expire_offers(session, now=now, settings=settings)
    offer_waiting_calls(session, now=now, settings=settings)
    show_presence(session, now=now)


def pending_offer(session: Session, call_id: uuid.UUID) -> CallOffer | None:
    """Return the call's live offer, if it has one."""
    statement = select(CallOffer).where(
        CallOffer.call_id == call_id, CallOffer.state == OfferState.pending
    )
    return session.exec(statement).first()


def withdraw_offer(
    session: Session,
    offer: CallOffer,
    call: Call,
    *,
    state: OfferState,
    now: datetime,
    event: EventType,
    reason: str | None = None,
    step: Step = Step.withdraw,
) -> None:
    """End a live offer without an answer: the call goes back to the head of its queue."""
    offer.state = state
    offer.decided_at = now
    call.status = states.advance(call.status, step)
    call.adviser_id = None
    if call.target_adviser_id == offer.adviser_id:
        # A named transfer that the named adviser did not take falls back to the line.
        call.target_adviser_id = None
    journal.record(session, call, event, at=now, adviser_id=offer.adviser_id, reason=reason)


def expire_offers(session: Session, *, now: datetime, settings: Settings) -> None:
    """Time out every offer not accepted in time, and bench advisers who keep missing."""
    statement = select(CallOffer).where(
        CallOffer.state == OfferState.pending, CallOffer.expires_at <= now
    )
    for offer in session.exec(
        statement.order_by(col(CallOffer.expires_at), col(CallOffer.id))
    ).all():
        call = session.get_one(Call, offer.call_id)
        withdraw_offer(
            session, offer, call, state=OfferState.timed_out, now=now, event=EventType.timed_out
        )
        adviser = session.get_one(Adviser, offer.adviser_id)
        adviser.missed_offers_in_row += 1
        if adviser.missed_offers_in_row >= settings.missed_offers_limit:
            adviser.availability = Availability.break_
            adviser.presence_reason = MISSED_OFFERS_REASON


def offer_waiting_calls(session: Session, *, now: datetime, settings: Settings) -> None:
    """Offer waiting calls to the advisers the routing policy picks."""
    due = sa.or_(col(Call.callback_due_at).is_(None), col(Call.callback_due_at) <= now)
    calls = session.exec(select(Call).where(Call.status == CallStatus.queued, due)).all()
    if not calls:
        return
    ready = select(Adviser).where(
        col(Adviser.active).is_(True), Adviser.availability == Availability.available
    )
    advisers = [
        a for a in session.exec(ready).all() if a.wrap_up_until is None or a.wrap_up_until <= now
    ]
    if not advisers:
        return

    strategies = {
        rule.line: Strategy(rule.strategy) for rule in session.exec(select(RoutingRule)).all()
    }
    overflow = [
        policy.OverflowRule(from_line=r.from_line, to_line=r.to_line, after_s=r.after_s)
        for r in session.exec(select(OverflowRule)).all()
    ]
    offers = policy.plan_offers(
        calls=_waiting(session, calls),
        advisers=_states(session, advisers, now=now, settings=settings, strategies=strategies),
        strategies=strategies,
        overflow=overflow,
        now=now,
    )
    by_id = {call.id: call for call in calls}
    expires_at = now + timedelta(seconds=settings.offer_timeout_s)
    for planned in offers:
        call = by_id[planned.call_id]
        session.add(
            CallOffer(
                call_id=call.id,
                adviser_id=planned.adviser_id,
                offered_at=now,
                expires_at=expires_at,
            )
        )
        call.status = states.advance(call.status, Step.offer)
        call.adviser_id = planned.adviser_id
        journal.record(session, call, EventType.offered, at=now, adviser_id=planned.adviser_id)
    session.flush()


def show_presence(session: Session, *, now: datetime) -> None:
    """Bring every adviser's shown presence up to date, keeping each change on record."""
    session.flush()
    rows = session.exec(
        select(Call.adviser_id, Call.status, sa.func.count())
        .where(col(Call.status).in_(IN_HAND), col(Call.adviser_id).is_not(None))
        .group_by(col(Call.adviser_id), col(Call.status))
    ).all()
    counts = {(adviser_id, status): n for adviser_id, status, n in rows}
    # Presence needs no adviser's lines, languages or expertise: not loaded (selectin).
    unlinked = (
        sa.orm.lazyload(Adviser.line_links),  # type: ignore[arg-type]
        sa.orm.lazyload(Adviser.language_links),  # type: ignore[arg-type]
        sa.orm.lazyload(Adviser.expertise_links),  # type: ignore[arg-type]
    )
    for adviser in session.exec(select(Adviser).options(*unlinked)).all():
        if adviser.wrap_up_until is not None and adviser.wrap_up_until <= now:
            adviser.wrap_up_until = None
        presence = effective_presence(
            availability=Availability(adviser.availability),
            on_call=counts.get((adviser.id, CallStatus.in_progress), 0),
            offered=counts.get((adviser.id, CallStatus.assigned), 0),
            in_wrap_up=counts.get((adviser.id, CallStatus.wrap_up), 0),
            wrap_up_until=adviser.wrap_up_until,
            now=now,
        )
        if presence != adviser.presence:
            adviser.presence = presence
            adviser.presence_since = now
            reason = adviser.presence_reason if presence == adviser.availability else None
            session.add(
                PresenceEvent(adviser_id=adviser.id, presence=presence, reason=reason, at=now)
            )
            push.presence(session, adviser_id=adviser.id, presence=presence, at=now)


def _waiting(session: Session, calls: Sequence[Call]) -> list[policy.WaitingCall]:
    ids = [call.id for call in calls]
    # Who declined or missed a call, or passed it on, is not offered it again.
    declined = session.exec(
        select(CallOffer.call_id, CallOffer.adviser_id).where(
            col(CallOffer.call_id).in_(ids),
            col(CallOffer.state).in_([OfferState.rejected, OfferState.timed_out]),
        )
    ).all()
    passed_on = session.exec(
        select(CallEvent.call_id, CallEvent.adviser_id).where(
            col(CallEvent.call_id).in_(ids), CallEvent.type == EventType.transferred
        )
    ).all()
    excluded: dict[uuid.UUID, set[uuid.UUID]] = {}
    for call_id, adviser_id in [*declined, *passed_on]:
        excluded.setdefault(call_id, set()).add(adviser_id)
    return [
        policy.WaitingCall(
            id=call.id,
            line=call.line,
            language=call.language,
            waiting_since=waiting_since(call),
            priority=call.priority,
            primary_category=call.issue_categories[0] if call.issue_categories else None,
            target_adviser_id=call.target_adviser_id,
            excluded_advisers=frozenset(excluded.get(call.id, ())),
        )
        for call in calls
    ]


def _states(
    session: Session,
    advisers: list[Adviser],
    *,
    now: datetime,
    settings: Settings,
    strategies: dict[str, Strategy],
) -> list[policy.AdviserState]:
    ids = [adviser.id for adviser in advisers]
    load = Counter(
        dict(
            session.exec(
                select(Call.adviser_id, sa.func.count())
                .where(col(Call.adviser_id).in_(ids), col(Call.status).in_(IN_HAND))
                .group_by(col(Call.adviser_id))
            ).all()
        )
    )
    calls_today: dict[uuid.UUID, int] = {}
    talk_today: dict[uuid.UUID, float] = {}
    if any(strategy is not Strategy.longest_idle for strategy in strategies.values()):
        calls_today, talk_today = _today(session, ids, now=now, settings=settings)
    return [
        policy.AdviserState(
            id=adviser.id,
            lines=frozenset(adviser.lines),
            languages=frozenset(adviser.languages),
            expertise=frozenset(adviser.expertise),
            capacity=adviser.capacity,
            load=load[adviser.id],
            ready=True,
            idle_since=_idle_since(adviser),
            calls_today=calls_today.get(adviser.id, 0),
            talk_time_today_s=talk_today.get(adviser.id, 0.0),
        )
        for adviser in advisers
    ]


def _idle_since(adviser: Adviser) -> datetime:
    # The later of the end of the last call and becoming available; an adviser is always
    # made available before routing considers them, so created_at is only a fallback.
    moments = [m for m in (adviser.last_call_ended_at, adviser.available_since) if m is not None]
    return max(moments) if moments else adviser.created_at


def _today(
    session: Session, ids: list[uuid.UUID], *, now: datetime, settings: Settings
) -> tuple[dict[uuid.UUID, int], dict[uuid.UUID, float]]:
    """Calls answered and seconds talked since local midnight, per adviser."""
    zone = ZoneInfo(settings.timezone)
    midnight = datetime.combine(now.astimezone(zone).date(), time(0), tzinfo=zone)
    rows = session.exec(
        select(
            Call.adviser_id,
            sa.func.count(),
            sa.func.coalesce(sa.func.sum(seconds_between(Call.answered_at, Call.ended_at)), 0.0),
        )
        .where(
            col(Call.adviser_id).in_(ids),
            col(Call.answered_at) >= midnight,
            col(Call.ended_at).is_not(None),
        )
        .group_by(col(Call.adviser_id))
    ).all()
    # Every row is one of `ids`, never None; the filter tells mypy so.
    named = [(adviser_id, n, seconds) for adviser_id, n, seconds in rows if adviser_id is not None]
    return (
        {adviser_id: n for adviser_id, n, _ in named},
        {adviser_id: float(seconds) for adviser_id, _, seconds in named},
    )
