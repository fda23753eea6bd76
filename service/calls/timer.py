"""The routing timer: time passes on the desk even when no request comes in.

Offers time out, callbacks fall due and waiting calls reach their overflow threshold without
anyone calling the API. Every process runs a timer; the routing lock makes them take turns,
and an offer can only time out once, so running several replicas is safe.
"""

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

import anyio

from service.calls import desk as desk_service
from service.clock import Clock
from service.config import get_settings
from service.db import get_engine, writing_session

logger = logging.getLogger(__name__)


def tick_once(clock: Clock) -> None:
    """Run one routing pass in its own transaction."""
    with writing_session(get_engine()) as session:
        desk_service.tick(session=session, clock=clock, settings=get_settings())


async def _loop(clock: Clock, stop: asyncio.Event, interval_s: float) -> None:
    while not stop.is_set():
        try:
            await anyio.to_thread.run_sync(tick_once, clock)
        except Exception as exc:  # the timer must outlive a database hiccup
            logger.error("routing tick failed: %s", type(exc).__name__)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=interval_s)


@contextlib.asynccontextmanager
async def running(clock: Clock) -> AsyncIterator[None]:
    """Run the timer for as long as the context lasts, if the settings want one."""
    settings = get_settings()
    if not settings.routing_timer:
        yield
        return
    stop = asyncio.Event()
    task = asyncio.create_task(_loop(clock, stop, settings.routing_tick_s))
    try:
        yield
    finally:
        stop.set()
        await task
