"""The desk's clock: one source of "now", which tests replace to drive time themselves."""

from collections.abc import Callable
from datetime import datetime
from typing import Annotated

from fastapi import Depends, Request

from service.db import utcnow

Clock = Callable[[], datetime]


def get_now(request: Request) -> datetime:
    """Return the current time of the app's clock (``app.state.clock``)."""
    clock: Clock = getattr(request.app.state, "clock", utcnow)
    return clock()


NowDep = Annotated[datetime, Depends(get_now)]
