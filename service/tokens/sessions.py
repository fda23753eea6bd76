"""Sign a browser in and out, and tell who a session cookie stands for."""

import hashlib
import secrets
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlmodel import Session, col, select

from service.auth.models import Principal, Role
from service.config import Settings
from service.errors import Unauthorized
from service.tokens.models import ApiToken
from service.tokens.session_models import WebSession


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def start(
    *,
    session: Session,
    settings: Settings,
    principal: Principal,
    now: datetime,
    expires_at: datetime | None = None,
) -> tuple[str, WebSession]:
    """Sign a browser in as `principal`: the cookie's secret (shown once) and the session."""
    secret = secrets.token_urlsafe(32)
    ends = now + timedelta(hours=settings.web_session_h)
    if principal.token_id is not None:
        token = session.get(ApiToken, principal.token_id)
        if token is not None:
            ends = min(ends, token.expires_at)
    if expires_at is not None:
        ends = min(ends, expires_at)
    web_session = WebSession(
        secret_hash=_hash(secret),
        csrf_token=secrets.token_urlsafe(32),
        role=principal.role.value,
        adviser_id=principal.adviser_id,
        token_id=principal.token_id,
        subject=principal.subject,
        created_at=now,
        expires_at=ends,
    )
    session.add(web_session)
    session.commit()
    session.refresh(web_session)
    return secret, web_session


def find(*, session: Session, secret: str, now: datetime) -> WebSession | None:
    """The live session a cookie's secret names, or None (unknown, ended, expired, revoked)."""
    found = session.exec(select(WebSession).where(WebSession.secret_hash == _hash(secret))).first()
    if found is None or found.ended_at is not None or found.expires_at <= now:
        return None
    if found.token_id is not None:
        token = session.get(ApiToken, found.token_id)
        # A revoked token ends the browsers it signed in, at their next request.
        if token is None or token.revoked_at is not None or token.expires_at <= now:
            return None
    return found


def principal_of(web_session: WebSession) -> Principal:
    """Whom the session acts for, as a bearer token would."""
    return Principal(
        role=Role(web_session.role),
        adviser_id=web_session.adviser_id,
        token_id=web_session.token_id,
        subject=web_session.subject,
    )


def authenticate(*, session: Session, cookie: str, now: datetime) -> tuple[Principal, str]:
    """Who a session cookie stands for, with the CSRF token its changes must carry."""
    found = find(session=session, secret=cookie, now=now)
    if found is None:
        raise Unauthorized("The session has ended; sign in again.", error=None)
    return principal_of(found), found.csrf_token


def end(*, session: Session, web_session: WebSession, now: datetime) -> None:
    """Sign the browser out: its cookie no longer works, even if kept."""
    web_session.ended_at = now
    session.add(web_session)
    session.commit()


def prune(session: Session, *, before: datetime) -> int:
    """Delete the sessions that ended or expired before `before` (uncommitted); how many."""
    result = session.execute(
        sa.delete(WebSession).where(
            sa.or_(col(WebSession.expires_at) < before, col(WebSession.ended_at) < before)
        ),
        execution_options={"synchronize_session": False},
    )
    return int(getattr(result, "rowcount", 0) or 0)
