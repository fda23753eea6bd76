"""The desk's clock: one source of "now", which tests replace to drive time themselves."""

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Annotated

from fastapi import Depends, Request

Clock = Callable[[], datetime]


def utcnow() -> datetime:
    """Return the current time, tz-aware in UTC: the production clock."""
    return datetime.now(UTC)


# async: FastAPI runs a plain function dependency in its thread pool, a trip that costs
# more than these do.
async def get_clock(request: Request) -> Clock:
    """Return the app's clock (``app.state.clock``)."""
    return getattr(request.app.state, "clock", utcnow)


async def get_now(clock: Annotated[Clock, Depends(get_clock)]) -> datetime:
    """Return the current time of the app's clock."""
    return clock()


ClockDep = Annotated[Clock, Depends(get_clock)]
NowDep = Annotated[datetime, Depends(get_now)]
