"""The retention timer: personal data is erased on schedule, with nobody running a command.

Every process runs one; a run only erases what is past its time, so two replicas running
at once erase nothing twice.
"""

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable
from datetime import datetime

from service.config import get_settings
from service.db import get_engine, writing_session
from service.retention.service import RetentionResult, run_retention

logger = logging.getLogger(__name__)

# Not at once: a server that is starting up serves its first requests before anything else.
FIRST_RUN_DELAY_S = 60.0


def run_once(now: datetime) -> RetentionResult:
    """Run retention in its own transaction on the configured database."""
    with writing_session(get_engine()) as session:
        return run_retention(session=session, settings=get_settings(), now=now)


async def run_logged(now: Callable[[], datetime]) -> RetentionResult | None:
    """Run retention off the event loop and log its counts; None if it failed."""
    try:
        result = await asyncio.to_thread(run_once, now())
    except Exception as exc:  # the timer must outlive a database hiccup
        # The type only: a message could quote a statement's parameters.
        logger.error("retention run failed: %s", type(exc).__name__)
        return None
    logger.info(
        "retention erased notes of %d calls and callback numbers of %d calls, "
        "deleted %d audit rows, erased the free text of %d cases",
        result.notes_erased,
        result.phones_erased,
        result.audit_rows_deleted,
        result.case_texts_erased,
    )
    return result


async def _loop(now: Callable[[], datetime], first_delay_s: float, interval_s: float) -> None:
    await asyncio.sleep(first_delay_s)
    while True:
        await run_logged(now)
        await asyncio.sleep(interval_s)


@contextlib.asynccontextmanager
async def running(now: Callable[[], datetime]) -> AsyncIterator[None]:
    """Run retention periodically for as long as the context lasts, if the settings want it."""
    settings = get_settings()
    if not settings.retention_timer:
        yield
        return
    task = asyncio.create_task(
        _loop(now, FIRST_RUN_DELAY_S, settings.retention_interval_h * 3600.0),
        name="retention-timer",
    )
    try:
        yield
    finally:
        # A run in its thread finishes its transaction; only the waiting is cancelled.
        task.cancel()
        try:
            await task
        except asyncio.CancelledError:
            current = asyncio.current_task()
            if current is not None and current.cancelling():
                raise
