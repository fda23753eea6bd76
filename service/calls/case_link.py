"""A call's close may open a case or join one, and time passing makes case tasks due; the
cases domain, above this one, does that.

The desk's close cannot import cases (they import calls), so the cases domain registers the
use case here when it loads (`service.cases.service`), as the domains declare their audited
tables to the audit trail.
"""

import uuid
from datetime import datetime
from typing import Annotated, Protocol

from pydantic import Field
from sqlmodel import Session, SQLModel

from service.calls.models import Call
from service.config import Settings
from service.privacy.fields import WithoutCpr
from service.text import FreeText


class CaseOpening(SQLModel):
    """A case to open for the call being closed."""

    model_config = {"extra": "forbid"}

    title: Annotated[Annotated[str, FreeText(min_length=1, max_length=200)], WithoutCpr]


class CaseAtClose(SQLModel):
    """What the close does about a case: join one (`join_case_id`) or open one."""

    join_case_id: uuid.UUID | None = Field(
        default=None, description="Make the call part of this open case, one you may change."
    )
    open_case: CaseOpening | None = Field(
        default=None, description="Open a case for the call, owned by the adviser closing it."
    )


class LinkCase(Protocol):
    def __call__(
        self,
        *,
        session: Session,
        call: Call,
        request: CaseAtClose,
        adviser_id: uuid.UUID,
        settings: Settings,
        now: datetime,
    ) -> None: ...


_registered: list[LinkCase] = []


def register(link: LinkCase) -> None:
    """The cases domain's use case that opens or joins a case, uncommitted."""
    _registered[:] = [link]


def registered() -> LinkCase:
    """The use case that opens or joins the case a close asks for, in the close's transaction."""
    if not _registered:
        raise RuntimeError("the cases domain is not loaded: import service.cases.service")
    return _registered[0]


class Tick(Protocol):
    def __call__(self, session: Session, now: datetime) -> None: ...


_ticks: list[Tick] = []


def register_tick(tick: Tick) -> None:
    """What the cases domain does as time passes, in the routing timer's transaction."""
    if tick not in _ticks:
        _ticks.append(tick)


def ticks() -> list[Tick]:
    """The registered ticks, run by `desk.tick` under the routing lock."""
    return list(_ticks)
