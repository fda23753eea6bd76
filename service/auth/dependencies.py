"""Who is asking, and whether they may: the dependencies every route declares."""

import hmac
import uuid
from collections.abc import Awaitable, Callable, Mapping
from datetime import datetime
from typing import Annotated, Any, Protocol

from fastapi import Depends, Request, Security
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlmodel import Session

from service.auth.errors import (
    CsrfRejected,
    NotYourself,
    RoleTooLow,
    SetByRoutingOrSupervisors,
    TelephonyIsNoAdviser,
    TelephonyMayNot,
    TelephonyPostsLiveCalls,
    TelephonySetsPriorityOnly,
)
from service.auth.models import TELEPHONY_SETS, Principal, Role
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


class AuthenticateCookie(Protocol):
    """Who a web page's session cookie stands for, and the CSRF token its changes carry.

    `service.main` sets it (`app.state.authenticate_cookie`) to the web sessions' check.
    """

    def __call__(
        self, *, session: Session, cookie: str, now: datetime
    ) -> tuple[Principal, str]: ...


SESSION_COOKIE = "hotline_session"
CSRF_HEADER = "X-CSRF-Token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def get_principal(
    request: Request,
    session: SessionDep,
    now: NowDep,
    settings: SettingsDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Security(bearer)],
) -> Principal:
    """The principal of the request's bearer token, or of the web page's session, or 401."""
    if credentials is not None:
        authenticate: Authenticate = request.app.state.authenticate
        principal = authenticate(
            session=session, settings=settings, credential=credentials.credentials, now=now
        )
    elif (cookie := request.cookies.get(SESSION_COOKIE)) is not None:
        principal = _cookie_principal(request, session, cookie, now)
    else:
        raise Unauthorized("Send a bearer token in the Authorization header.", error=None)
    # The audit trail records who did what from where, in the request's own transaction.
    session.info["principal"] = principal
    session.info["now"] = now
    session.info["client_ip"] = request.client.host if request.client else None
    return principal


def _cookie_principal(request: Request, session: Session, cookie: str, now: datetime) -> Principal:
    # The browser sends the cookie with whatever page makes it ask; only our pages can read
    # the CSRF token, so a change without it is refused (SameSite=Strict is the second wall).
    authenticate_cookie: AuthenticateCookie = request.app.state.authenticate_cookie
    principal, csrf_token = authenticate_cookie(session=session, cookie=cookie, now=now)
    if request.method not in SAFE_METHODS and not hmac.compare_digest(
        request.headers.get(CSRF_HEADER, "").encode(), csrf_token.encode()
    ):
        raise CsrfRejected()
    return principal


CurrentPrincipal = Annotated[Principal, Depends(get_principal)]


def require(role: Role) -> Callable[[Request, Principal], Awaitable[Principal]]:
    """A dependency that lets through `role` and the roles above it, and 403s the rest;
    the phone system's token (telephony) through to the operations it may use alone."""

    # async: it only compares, and a plain function would take a trip through the thread pool.
    async def check(request: Request, principal: CurrentPrincipal) -> Principal:
        if principal.role == Role.telephony:
            # Its own table decides, not a rank: it is no person, and no role is below it.
            route = getattr(request.scope.get("route"), "path", request.url.path)
            if not principal.may_use(request.method, route):
                raise TelephonyMayNot()
        elif not principal.at_least(role):
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
    """An adviser's token may name no adviser but its own; supervisors may name anyone;
    the phone system's token no adviser at all."""
    if principal.role == Role.adviser and adviser_id not in (None, principal.adviser_id):
        raise NotYourself()
    if principal.role == Role.telephony and adviser_id is not None:
        raise TelephonyIsNoAdviser()


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


# What makes a posted call a record rather than a live call (`calls.router._live`).
NOT_LIVE = ("answered_at", "ended_at", "closed_at")


def ensure_telephony_posts_live(principal: Principal, sent: Mapping[str, Any]) -> None:
    """The phone system posts live calls only: none answered, ended or closed (403 naming it)."""
    if principal.role != Role.telephony:
        return
    for field in NOT_LIVE:
        if sent.get(field) is not None:
            raise TelephonyPostsLiveCalls(field)
    if sent.get("status") not in (None, "queued"):
        raise TelephonyPostsLiveCalls("status")


def ensure_telephony_may_change(
    principal: Principal, sent: Mapping[str, Any], *, waiting: bool
) -> None:
    """The phone system changes a waiting call's priority and nothing else (403 naming it)."""
    if principal.role != Role.telephony:
        return
    for field in sorted(sent):
        if field not in TELEPHONY_SETS:
            raise TelephonySetsPriorityOnly(field)
    if not waiting:
        raise TelephonySetsPriorityOnly(next(iter(sorted(sent)), "priority"), waiting=False)
