"""Who is asking, and whether they may: the dependencies every route declares."""

import uuid
from collections.abc import Awaitable, Callable, Mapping
from datetime import datetime
from typing import Annotated, Any, Protocol

from fastapi import Depends, Request, Security
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlmodel import Session

from service.auth.errors import (
    NotYourself,
    RoleTooLow,
    SetByRoutingOrSupervisors,
)
from service.auth.models import Principal, Role
from service.clock import NowDep
from service.config import Settings, SettingsDep
from service.db import SessionDep
from service.errors import Unauthorized

# auto_error off: a missing header must be our 401 problem, not FastAPI's 403.
bearer = HTTPBearer(
    auto_error=False,
    description="A personal API token (`hotline token create`), or an OpenID Connect "
    "access token from the authority's identity provider when one is configured.",
)


class Authenticate(Protocol):
    """Who a bearer credential stands for, or Unauthorized: the app's one way to tell.

    `service.main` sets it (`app.state.authenticate`) to the tokens' and identity provider's
    check, which needs the advisers; passing it in keeps the role checks below every domain.
    """

    def __call__(
        self, *, session: Session, settings: Settings, credential: str, now: datetime
    ) -> Principal: ...


def get_principal(
    request: Request,
    session: SessionDep,
    now: NowDep,
    settings: SettingsDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Security(bearer)],
) -> Principal:
    """The principal of the request's bearer token, or 401."""
    if credentials is None:
        raise Unauthorized("Send a bearer token in the Authorization header.", error=None)
    authenticate: Authenticate = request.app.state.authenticate
    principal = authenticate(
        session=session, settings=settings, credential=credentials.credentials, now=now
    )
    # The audit trail records who did what from where, in the request's own transaction.
    session.info["principal"] = principal
    session.info["now"] = now
    session.info["client_ip"] = request.client.host if request.client else None
    return principal


CurrentPrincipal = Annotated[Principal, Depends(get_principal)]


def require(role: Role) -> Callable[[Principal], Awaitable[Principal]]:
    """A dependency that lets through `role` and the roles above it, and 403s the rest."""

    # async: it only compares, and a plain function would take a trip through the thread pool.
    async def check(principal: CurrentPrincipal) -> Principal:
        if not principal.at_least(role):
            raise RoleTooLow(role.value)
        return principal

    check.__name__ = f"require_{role.value}"
    return check


# For `dependencies=[...]` of routers and routes.
SIGNED_IN = Depends(require(Role.adviser))
SUPERVISORS = Depends(require(Role.supervisor))
ADMINS = Depends(require(Role.admin))

SupervisorPrincipal = Annotated[Principal, SUPERVISORS]
AdminPrincipal = Annotated[Principal, ADMINS]


def ensure_acting_as_self(principal: Principal, adviser_id: uuid.UUID | None) -> None:
    """An adviser's token may name no adviser but its own; supervisors may name anyone."""
    if principal.role == Role.adviser and adviser_id not in (None, principal.adviser_id):
        raise NotYourself()


SET_BY_ROUTING_OR_SUPERVISORS = {"direction": "inbound", "priority": 0}
"""What an adviser may not change from its default: a callback's direction, a priority."""


def ensure_adviser_may_set(
    principal: Principal, sent: Mapping[str, Any], current: Mapping[str, Any] | None = None
) -> None:
    """An adviser may not make a call outbound or change its priority (403 naming it)."""
    if principal.role != Role.adviser:
        return
    current = current or SET_BY_ROUTING_OR_SUPERVISORS
    for field in SET_BY_ROUTING_OR_SUPERVISORS:
        if field in sent and sent[field] != current[field]:
            raise SetByRoutingOrSupervisors(field)
