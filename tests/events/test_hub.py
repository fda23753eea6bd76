"""The hub on a real database: what one reading hands out, and in which order."""

import asyncio
import uuid
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy import Engine
from sqlmodel import Session, col

from service.events import service as events_service
from service.events.hub import Hub
from service.events.models import DeskEvent, DeskEventType


def test_an_offer_is_handed_out_before_every_desks_summary_of_the_same_change(engine: Engine):
    adviser_id, other_id = uuid.uuid4(), uuid.uuid4()
    summaries = iter(range(1, 100))

    async def scenario(written: list[int]) -> list[tuple[str, object]]:
        hub = Hub()
        hub.summarise(DeskEventType.queue, lambda session: {"reading": next(summaries)})
        async with hub.running_with(engine):
            with hub.subscribed(adviser_id) as mine, hub.subscribed(other_id) as other:
                await asyncio.sleep(0.2)  # the hub's first reading: from now on
                written += await asyncio.to_thread(_offer_and_queue_change, engine, adviser_id)
                hub.wake()
                offer = await asyncio.wait_for(mine.queue.get(), 5)
                # The summary (a send to every desk) waits, so the offer goes out alone.
                pending = (mine.queue.qsize(), other.queue.qsize())
                summary = await asyncio.wait_for(mine.queue.get(), 5)
                told_other = await asyncio.wait_for(other.queue.get(), 5)
        return [
            ("offer", (offer.type, offer.data)),
            ("pending", pending),
            ("summary", (summary.type, summary.data, summary.id)),
            ("other", (told_other.type, told_other.data)),
        ]

    written: list[int] = []
    try:
        seen = dict(asyncio.run(scenario(written)))
    finally:
        with Session(engine) as session:  # the database is the session's: leave no events
            session.execute(sa.delete(DeskEvent).where(col(DeskEvent.id).in_(written)))
            session.commit()
    assert seen["offer"] == ("offer", {"call_id": "c1"})
    assert seen["pending"] == (0, 0)
    assert seen["summary"] == ("queue", {"reading": 1}, None)  # one summary for both desks
    assert seen["other"] == ("queue", {"reading": 1})


def _offer_and_queue_change(engine: Engine, adviser_id: uuid.UUID) -> list[int]:
    at = datetime.now(UTC)
    with Session(engine) as session:
        events_service.publish(
            session, type=DeskEventType.offer, at=at, adviser_id=adviser_id, data={"call_id": "c1"}
        )
        events_service.publish(session, type=DeskEventType.queue, at=at, data={"line": "stress"})
        session.flush()
        written = [row.id for row in session.identity_map.values() if isinstance(row, DeskEvent)]
        session.commit()
    return [id for id in written if id is not None]
