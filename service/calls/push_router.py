"""`GET /desk/events`: the adviser's desk, pushed (Server-Sent Events).

The stream lasts as long as the desk is open, hours. So it holds no database session and
no place at the request gate while it waits: its dependencies are function-scoped (closed
once the answer starts), and it is the one route without `record_denials` (see
`service.main`), which would hold a session. Each send that needs the database opens a
short session of its own.
"""

import asyncio
import contextlib
import json
import time
import uuid
from collections.abc import AsyncIterator, Callable
from datetime import datetime
from typing import Annotated, Any

import anyio
from fastapi import APIRouter, Depends, Header, Query, Request, Response, Security
from fastapi.security import HTTPAuthorizationCredentials
from fastapi.sse import EventSourceResponse, format_sse_event
from sqlalchemy import Engine
from sqlmodel import Session, select

from service.audit import service as audit_service
from service.audit.dependencies import record_denial
from service.auth.dependencies import bearer, get_principal
from service.auth.models import Principal
from service.calls import views
from service.calls.journal import CallOffer, OfferState
from service.calls.models import Call, CallStatus
from service.calls.related import CallWithContacts
from service.clock import Clock, ClockDep, NowDep
from service.config import Settings, SettingsDep
from service.db import get_engine, get_session, writing_session
from service.errors import Forbidden, HotlineError, problem_responses
from service.events import service as events_service
from service.events.hub import CLOSED, HUB, Delivery
from service.events.models import DeskEventType
from service.pagination import NoQuery

router = APIRouter(tags=["desk"])

EVENT_TYPES = ", ".join(f"`{t.value}`" for t in DeskEventType)
STREAM_DESCRIPTION = f"""\
What the adviser's desk must know, as it happens: `text/event-stream`, one event per
change, with an adviser's token. Events: {EVENT_TYPES} and `heartbeat`.

- `offer`: a call offered to you, `{{"call": …, "offer_id": …, "expires_at": …}}` (the
  call as `GET /calls/{{id}}` shows it, with `related`; a recorded read);
- `offer_cancelled`: `{{"call_id": …, "reason": "rejected" | "timed_out" | "cancelled" |
  "abandoned"}}`;
- `call_changed`: a step of a call you have in hand, `{{"call_id", "step", "status"}}`;
- `presence`: what the desk shows you as, `{{"presence", "since"}}`;
- `queue`: every line's waiting calls and longest wait, `{{"at", "lines": [{{"line",
  "waiting", "longest_wait_s"}}]}}`, on connecting and whenever the queues change;
- `task_due`: a case task of yours fell due, `{{"task_id", "case_id", "kind", "due_at"}}`
  (told once, by the routing timer; again if the task is moved or passed on);
- `heartbeat`: `{{"at"}}` on a quiet stream, every `HOTLINE_DESK_HEARTBEAT_S`.

Each event of the journal has an `id`; a desk that reconnects sends the last one it got
as `Last-Event-ID` (browsers do) and is sent what it missed first (kept
`HOTLINE_DESK_EVENTS_KEPT_H` hours), then the stream goes on.
"""


# One event of the stream, as OpenAPI 3.2 describes Server-Sent Events (`itemSchema`);
# `data` is JSON, as the description says for each event.
EVENT_SCHEMA = {
    "type": "object",
    "required": ["event", "data"],
    "properties": {
        "event": {"type": "string", "enum": [*(t.value for t in DeskEventType), "heartbeat"]},
        "data": {"type": "string", "contentMediaType": "application/json"},
        "id": {"type": "string", "pattern": "^[0-9]+$"},
    },
}


class NotAnAdviser(Forbidden):
    def __init__(self) -> None:
        super().__init__("The desk's events are an adviser's: sign in with an adviser's token.")


def desk_adviser(
    request: Request,
    session: Annotated[Session, Depends(get_session, scope="function")],
    now: NowDep,
    settings: SettingsDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Security(bearer)],
) -> Principal:
    """The adviser the stream is for; a refusal is on record as every other is."""
    principal = get_principal(request, session, now, settings, credentials)
    if principal.adviser_id is None:
        record_denial(request, session)
        raise NotAnAdviser
    return principal


DeskAdviser = Annotated[Principal, Depends(desk_adviser)]


@router.get(
    "/desk/events",
    # Not FastAPI's SSE route class: that runs the route as the stream, inside its
    # dependencies; this route returns the stream once it has let them go.
    response_class=Response,
    status_code=200,
    summary="The desk's events, pushed as they happen (Server-Sent Events)",
    description=STREAM_DESCRIPTION,
    responses={
        200: {"content": {"text/event-stream": {"itemSchema": EVENT_SCHEMA}}},
        **problem_responses(401, 403, 422),
    },
)
async def desk_events(
    request: Request,
    principal: DeskAdviser,
    clock: ClockDep,
    settings: SettingsDep,
    _: Annotated[NoQuery, Query()],
    last_event_id: Annotated[
        int | None,
        Header(ge=0, description="The id of the last event this desk got: send what it missed."),
    ] = None,
) -> EventSourceResponse:
    assert principal.adviser_id is not None
    credentials = await bearer(request)

    def still_signed_in(session: Session) -> bool:
        # The credential the desk connected with, asked again: a revoked token, an ended
        # web session or an expired OpenID Connect token ends the stream, which would
        # otherwise go on pushing calls (their notes included) to whoever holds it.
        try:
            again = get_principal(request, session, clock(), settings, credentials)
        except HotlineError:
            return False
        return again.adviser_id == principal.adviser_id

    stream = _Stream(
        engine=get_engine(),
        principal=principal,
        client_ip=request.client.host if request.client else None,
        clock=clock,
        heartbeat_s=settings.desk_heartbeat_s,
        still_signed_in=still_signed_in,
    )
    return EventSourceResponse(stream.events(last_event_id), headers={"Cache-Control": "no-store"})


class _Stream:
    def __init__(
        self,
        *,
        engine: Engine,
        principal: Principal,
        client_ip: str | None,
        clock: Any,
        heartbeat_s: float,
        still_signed_in: Callable[[Session], bool],
    ) -> None:
        assert principal.adviser_id is not None
        self.engine, self.principal, self.client_ip = engine, principal, client_ip
        self.adviser_id: uuid.UUID = principal.adviser_id
        self.clock, self.heartbeat_s = clock, heartbeat_s
        self.still_signed_in = still_signed_in
        self.checked_at = time.monotonic()

    def _signed_in(self) -> bool:
        with Session(self.engine) as session:
            self.checked_at = time.monotonic()
            return self.still_signed_in(session)

    async def events(self, last_event_id: int | None) -> AsyncIterator[bytes]:
        # Subscribed before the journal is read, so nothing falls between the two; what
        # comes both ways is sent once.
        with HUB.subscribed(self.adviser_id) as subscription:
            replayed: set[int] = set()
            if last_event_id is not None:
                for delivery in await anyio.to_thread.run_sync(self._missed, last_event_id):
                    replayed.add(delivery.id or 0)
                    sent = await self._render(delivery)
                    if sent is not None:
                        yield sent
            queue = await anyio.to_thread.run_sync(
                HUB.summary_now, self.engine, DeskEventType.queue
            )
            if queue is not None:
                yield format_sse_event(event="queue", data_str=_json(queue))
            while True:
                try:
                    delivery = await asyncio.wait_for(
                        subscription.queue.get(), timeout=self.heartbeat_s
                    )
                except TimeoutError:
                    if not await anyio.to_thread.run_sync(self._signed_in):
                        return
                    beat = {"at": self.clock().isoformat()}
                    yield format_sse_event(event="heartbeat", data_str=_json(beat))
                    continue
                if delivery is CLOSED:
                    return
                if delivery.id is not None and delivery.id in replayed:
                    continue
                # An offer carries the call, so it is sent only to a desk still signed in
                # (checked in the same trip to a worker thread as the offer's read); the
                # rest (ids and states) at most a heartbeat after the last check.
                if delivery.type == DeskEventType.offer:
                    signed_in, data = await anyio.to_thread.run_sync(
                        self._offer_if_signed_in, delivery.data
                    )
                    if not signed_in:
                        return
                    if data is not None:  # else no longer offered: its offer_cancelled follows
                        yield _frame(delivery, data)
                    continue
                recheck = time.monotonic() - self.checked_at >= self.heartbeat_s
                if recheck and not await anyio.to_thread.run_sync(self._signed_in):
                    return
                sent = await self._render(delivery)
                if sent is not None:
                    yield sent

    def _missed(self, last_event_id: int) -> list[Delivery]:
        with Session(self.engine) as session:
            rows = events_service.missed(
                session, adviser_id=self.adviser_id, after_id=last_event_id
            )
            return [Delivery(type=row.type, data=row.data, id=row.id) for row in rows]

    async def _render(self, delivery: Delivery) -> bytes | None:
        data: dict[str, Any] | None = delivery.data
        if delivery.type == DeskEventType.offer:
            data = await anyio.to_thread.run_sync(self._offer, delivery.data)
            if data is None:
                return None  # no longer offered: its offer_cancelled follows
        return _frame(delivery, data)

    def _offer_if_signed_in(self, data: dict[str, Any]) -> tuple[bool, dict[str, Any] | None]:
        """Whether the desk is still signed in, and if so the offer as `_offer` reads it."""
        if not self._signed_in():
            return False, None
        return True, self._offer(data)

    def _offer(self, data: dict[str, Any]) -> dict[str, Any] | None:
        """The call offered, as the desk reads it, if it is still offered to this adviser."""
        call_id = uuid.UUID(data["call_id"])
        with writing_session(self.engine) as session:
            offer = session.exec(
                select(CallOffer).where(
                    CallOffer.call_id == call_id,
                    CallOffer.adviser_id == self.adviser_id,
                    CallOffer.state == OfferState.pending,
                )
            ).first()
            call = session.get(Call, call_id)
            if offer is None or call is None or call.status != CallStatus.assigned:
                return None
            shown = CallWithContacts.of(session, call)
            # The call's notes are read here as by GET /calls/{id}: on record.
            session.info.update(
                principal=self.principal, now=self.clock(), client_ip=self.client_ip
            )
            audit_service.record_reads(session=session, calls=[call])
            return {
                "call": shown.model_dump(mode="json"),
                "offer_id": str(offer.id),
                "expires_at": _iso(offer.expires_at),
            }


def _frame(delivery: Delivery, data: dict[str, Any] | None) -> bytes:
    event_id = None if delivery.id is None else str(delivery.id)
    return format_sse_event(event=delivery.type, data_str=_json(data), id=event_id)


def _iso(moment: datetime) -> str:
    return moment.isoformat()


def _json(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


@contextlib.asynccontextmanager
async def pushing(now: Clock, settings: Settings) -> AsyncIterator[None]:
    """Run the process's hub for as long as the app runs, with the queues' summary."""
    if not settings.desk_push:
        yield
        return
    HUB.summarise(DeskEventType.queue, lambda session: views.queue_summary(session, now=now()))
    async with HUB.running_with(get_engine()):
        yield


def end_streams_on_exit() -> None:
    """On the server's exit signal, end the desks' streams first.

    uvicorn waits for every open connection to close before it shuts the app down, and a
    desk's stream never closes by itself: without this a server with a desk connected would
    not stop on SIGTERM. Applied to uvicorn's Server once per process (each worker imports
    the app).
    """
    import uvicorn.server

    original = uvicorn.server.Server.handle_exit
    if getattr(original, "ends_desk_streams", False):
        return

    def handle_exit(server: uvicorn.server.Server, sig: int, frame: Any) -> None:
        HUB.end_streams()
        original(server, sig, frame)

    handle_exit.ends_desk_streams = True  # type: ignore[attr-defined]
    uvicorn.server.Server.handle_exit = handle_exit  # type: ignore[method-assign,assignment]
