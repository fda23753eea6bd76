"""The process's hub: it reads the desk events once and hands each to the desks it concerns.

Every connected desk (`GET /desk/events`) subscribes here. When a transaction that wrote
events commits, the hub is woken: in this process by the session's commit, from other
processes by PostgreSQL's LISTEN/NOTIFY. It reads the new events in one query and puts
each in the queues of the desks it is for (an adviser's own, or every desk's). On SQLite
all writers are one process (the file's single writer), so the commit alone wakes it.

Every desk's summary (the queues) is made once per reading, not once per desk: a change of
the queue is journaled as a `queue` event, and the hub asks the summary registered for it.
A poll every `POLL_S` catches what a lost notification would have missed.
"""

import asyncio
import contextlib
import logging
import threading
import time
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import anyio
import sqlalchemy as sa
from sqlalchemy import Engine
from sqlmodel import Session

from service.events import service as events_service
from service.events.models import DeskEventType
from service.events.ordering import Tracker

logger = logging.getLogger(__name__)

POLL_S = 1.0
READ_LIMIT = 1000
# A desk that falls this far behind is let go; it reconnects and reads what it missed.
QUEUE_LIMIT = 1000
# How long every desk's summary waits after the reading that made it (see `_read`).
SUMMARY_DELAY_S = 0.05
Summary = Callable[[Session], dict[str, Any]]


@dataclass(frozen=True)
class Delivery:
    """What a desk is sent: an event of the journal (`id`), or a summary (no id)."""

    type: str
    data: dict[str, Any]
    id: int | None = None


CLOSED = Delivery(type="closed", data={})
"""Put in a desk's queue when the hub lets it go: the stream ends."""


@dataclass(eq=False)
class Subscription:
    adviser_id: uuid.UUID
    queue: asyncio.Queue[Delivery] = field(default_factory=lambda: asyncio.Queue(QUEUE_LIMIT))
    loop: asyncio.AbstractEventLoop = field(default_factory=asyncio.get_running_loop)

    def end(self) -> None:
        """End the stream (from any thread, a signal handler's included)."""
        with contextlib.suppress(RuntimeError):  # its loop has closed: nothing to end
            self.loop.call_soon_threadsafe(self._end)

    def _end(self) -> None:
        with contextlib.suppress(asyncio.QueueEmpty):
            while self.queue.full():
                self.queue.get_nowait()
        self.queue.put_nowait(CLOSED)

    def put(self, delivery: Delivery) -> bool:
        try:
            self.queue.put_nowait(delivery)
        except asyncio.QueueFull:
            return False
        return True


class Hub:
    def __init__(self) -> None:
        self._subscriptions: set[Subscription] = set()
        self._summaries: dict[str, Summary] = {}
        self._loop: asyncio.AbstractEventLoop | None = None
        self._wake: asyncio.Event | None = None

    @property
    def running(self) -> bool:
        return self._loop is not None

    def summarise(self, type: DeskEventType, summary: Summary) -> None:
        """Send `summary` to every desk, instead of the events of `type`, once per reading."""
        self._summaries[type] = summary

    def wake(self) -> None:
        """Ask for a reading soon; safe from any thread."""
        loop, wake = self._loop, self._wake
        if loop is not None and wake is not None:
            with contextlib.suppress(RuntimeError):  # the loop has just closed
                loop.call_soon_threadsafe(wake.set)

    @contextlib.contextmanager
    def subscribed(self, adviser_id: uuid.UUID) -> Iterator[Subscription]:
        subscription = Subscription(adviser_id)
        self._subscriptions.add(subscription)
        try:
            yield subscription
        finally:
            self._subscriptions.discard(subscription)

    def end_streams(self) -> None:
        """End every desk's stream: the server is shutting down (safe from any thread)."""
        for subscription in list(self._subscriptions):
            subscription.end()

    def summary_now(self, engine: Engine, type: DeskEventType) -> dict[str, Any] | None:
        """The summary registered for `type`, as it is now (None without one)."""
        summary = self._summaries.get(type)
        if summary is None:
            return None
        with Session(engine) as session:
            return summary(session)

    @contextlib.asynccontextmanager
    async def running_with(self, engine: Engine) -> AsyncIterator[None]:
        """Read and hand out events for as long as the context lasts."""
        self._loop, self._wake = asyncio.get_running_loop(), asyncio.Event()
        stop = threading.Event()
        if engine.dialect.name == "postgresql":
            threading.Thread(
                target=_listen, args=(engine, self.wake, stop), name="desk-events", daemon=True
            ).start()
        task = asyncio.create_task(self._loop_reading(engine))
        try:
            yield
        finally:
            stop.set()
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
            for subscription in list(self._subscriptions):
                subscription.put(CLOSED)
            # The listener sees `stop` within its next wait and ends; no need to wait for it.
            self._loop = self._wake = None

    async def _loop_reading(self, engine: Engine) -> None:
        assert self._wake is not None
        tracker: Tracker | None = None
        while True:
            more = False
            try:
                if tracker is None:
                    # From now on: a desk is sent the past only when it asks (Last-Event-ID).
                    tracker = Tracker(after=await anyio.to_thread.run_sync(_latest_id, engine))
                more = await anyio.to_thread.run_sync(self._read, engine, tracker)
            except Exception as exc:  # the hub must outlive a database hiccup
                logger.error("reading desk events failed: %s", type(exc).__name__)
            if not more:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), timeout=POLL_S)
            self._wake.clear()

    def _read(self, engine: Engine, tracker: Tracker) -> bool:
        """One reading (in a worker thread); True if there may be more to read."""
        with Session(engine) as session:
            rows = events_service.after(session, after_id=tracker.after, limit=READ_LIMIT)
            fresh = set(tracker.fresh([row.id for row in rows if row.id], now=time.monotonic()))
            events = [row for row in rows if row.id in fresh]
            summaries = {
                row.type: self._summaries[row.type](session)
                for row in events
                if row.type in self._summaries and self._subscriptions
            }
        deliveries = [
            (row.adviser_id, Delivery(type=row.type, data=row.data, id=row.id))
            for row in events
            if row.type not in self._summaries
        ]
        told: list[tuple[uuid.UUID | None, Delivery]] = [
            (None, Delivery(type=type, data=data)) for type, data in summaries.items()
        ]
        loop = self._loop
        if loop is not None:
            if deliveries:
                loop.call_soon_threadsafe(self._hand_out, deliveries)
            if told:
                # Every desk's summary (a send to each of them) waits a little, so that an
                # offer read in the same go reaches its desk first; summaries keep their
                # order, and a later change is summarised again, so the last state arrives.
                loop.call_soon_threadsafe(loop.call_later, SUMMARY_DELAY_S, self._hand_out, told)
        return len(rows) == READ_LIMIT

    def _hand_out(self, deliveries: list[tuple[uuid.UUID | None, Delivery]]) -> None:
        for subscription in list(self._subscriptions):
            for adviser_id, delivery in deliveries:
                if adviser_id is not None and adviser_id != subscription.adviser_id:
                    continue
                if not subscription.put(delivery):
                    # Too far behind: let it go (it reconnects and reads what it missed).
                    self._subscriptions.discard(subscription)
                    with contextlib.suppress(asyncio.QueueFull):
                        subscription.queue.get_nowait()
                        subscription.queue.put_nowait(CLOSED)
                    break


def _latest_id(engine: Engine) -> int:
    with Session(engine) as session:
        return events_service.latest_id(session)


def _listen(engine: Engine, wake: Callable[[], None], stop: threading.Event) -> None:
    """Wake the hub on every NOTIFY of the channel, until `stop` (a thread of its own)."""
    import psycopg  # only on PostgreSQL

    url = engine.url.set(drivername="postgresql")
    while not stop.is_set():
        try:
            with psycopg.connect(
                url.render_as_string(hide_password=False), autocommit=True
            ) as connection:
                connection.execute(f"LISTEN {events_service.CHANNEL}")
                wake()  # what was written while not listening
                while not stop.is_set():
                    for _ in connection.notifies(timeout=0.5, stop_after=1):
                        wake()
        except Exception as exc:  # reconnect: the poll covers the gap
            logger.error("listening for desk events failed: %s", type(exc).__name__)
            stop.wait(POLL_S)


HUB = Hub()
"""The process's hub, run by the app's lifespan."""


@sa.event.listens_for(Session, "after_commit")
def _after_commit(session: Session) -> None:
    if events_service.written_by(session):
        HUB.wake()


@sa.event.listens_for(Session, "after_soft_rollback")
def _after_rollback(session: Session, previous_transaction: Any) -> None:
    events_service.written_by(session)
