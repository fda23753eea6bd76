"""Personal API tokens (made, checked, revoked) and OpenID Connect users as principals."""

import hashlib
import secrets
import uuid
from datetime import datetime, timedelta

from sqlalchemy.exc import OperationalError
from sqlmodel import Session, col, select

from service.advisers import service as advisers_service
from service.auth.models import RANK, Principal, Role
from service.config import Settings
from service.errors import Unauthorized
from service.pagination import DEFAULT_LIMIT, before_cursor, cut, decode_cursor, encode_cursor
from service.tokens import oidc
from service.tokens.errors import NoRole, TokenNotFound
from service.tokens.models import ApiToken, ApiTokenCreate

# Recognisable in logs and secret scanners; the rest is 256 random bits.
TOKEN_PREFIX = "hl_"
# last_used_at is a hint, not a log: written at most this often, to spare the database.
LAST_USED_RESOLUTION = timedelta(minutes=1)


def hash_secret(secret: str) -> str:
    """The stored form of a token: its SHA-256 in hex."""
    return hashlib.sha256(secret.encode()).hexdigest()


def create_token(
    *,
    session: Session,
    settings: Settings,
    token_in: ApiTokenCreate,
    now: datetime,
    token_id: uuid.UUID | None = None,
) -> tuple[ApiToken, str]:
    """Make a token for the person with this e-mail, registering them if unknown; or, with
    no e-mail (role telephony), the phone system's, which belongs to no person."""
    adviser_id = None
    if token_in.email is not None:
        person = advisers_service.person_for_email(
            session=session, email=str(token_in.email), name=token_in.name
        )
        adviser_id = person.id
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    days = token_in.days or settings.token_days
    token = ApiToken(
        adviser_id=adviser_id,
        name=token_in.name,
        role=token_in.role,
        token_hash=hash_secret(secret),
        created_at=now,
        expires_at=now + timedelta(days=days),
    )
    if token_id is not None:
        token.id = token_id  # promised beforehand, e.g. to the request's Idempotency-Key
    session.add(token)
    session.commit()
    session.refresh(token)
    return token, secret


def list_tokens(
    *, session: Session, limit: int = DEFAULT_LIMIT, cursor: str | None = None
) -> tuple[list[ApiToken], str | None]:
    """One page of the tokens, newest first, revoked and expired ones too, and the cursor
    of the next page (None on the last)."""
    statement = select(ApiToken)
    if cursor is not None:
        statement = statement.where(
            before_cursor(ApiToken.created_at, ApiToken.id, decode_cursor(cursor))
        )
    statement = statement.order_by(col(ApiToken.created_at).desc(), col(ApiToken.id).desc())
    tokens = list(session.exec(statement.limit(limit + 1)).all())
    return cut(tokens, limit, lambda last: encode_cursor(at=last.created_at, id=last.id))


def get_token(*, session: Session, token_id: uuid.UUID) -> ApiToken:
    token = session.get(ApiToken, token_id)
    if token is None:
        raise TokenNotFound(token_id)
    return token


def revoke_token(*, session: Session, token: ApiToken, now: datetime) -> ApiToken:
    """Stop a token from working; revoking twice keeps the first time."""
    if token.revoked_at is None:
        token.revoked_at = now
        session.add(token)
        session.commit()
        session.refresh(token)
    return token


def authenticate(
    *, session: Session, settings: Settings, credential: str, now: datetime
) -> Principal:
    """The principal a bearer credential stands for, or Unauthorized."""
    if settings.oidc_issuer and settings.oidc_jwks and oidc.looks_like_jwt(credential):
        return _oidc_principal(session=session, settings=settings, credential=credential, now=now)
    token = session.exec(
        select(ApiToken).where(ApiToken.token_hash == hash_secret(credential))
    ).first()
    if token is None:
        raise Unauthorized("The token is not known.")
    if token.revoked_at is not None:
        raise Unauthorized("The token has been revoked.")
    if token.expires_at <= now:
        raise Unauthorized("The token has expired.")
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_RESOLUTION:
        token.last_used_at = now
        session.add(token)
        try:
            session.commit()
        except OperationalError:
            # A hint only: a busy database must not fail the request over it.
            session.rollback()
    return Principal(role=Role(token.role), adviser_id=token.adviser_id, token_id=token.id)


_jwks_caches: dict[str, oidc.JwksCache] = {}


def _oidc_principal(
    *, session: Session, settings: Settings, credential: str, now: datetime
) -> Principal:
    config = oidc.OidcConfig(
        issuer=settings.oidc_issuer or "",
        audience=settings.oidc_audience,
        jwks=settings.oidc_jwks or "",
        roles_claim=settings.oidc_roles_claim,
        email_claim=settings.oidc_email_claim,
    )
    keys = _jwks_caches.setdefault(config.jwks, oidc.JwksCache(config.jwks))
    try:
        identity = oidc.verify(credential, config, keys, now=now.timestamp())
    except oidc.InvalidToken as exc:
        raise Unauthorized(f"The token cannot be trusted: {exc}.") from None
    return oidc_principal_for(session=session, settings=settings, identity=identity)


def oidc_principal_for(
    *, session: Session, settings: Settings, identity: oidc.Identity
) -> Principal:
    """Whom a verified identity-provider user stands for (an access token's on the API, an ID
    token's on the pages): their highest role, and their adviser record found by e-mail."""
    # A person's roles only: the phone system signs in with its own token, never as a user.
    roles = [role for role in RANK if role.value in identity.roles]
    if not roles:
        raise NoRole(settings.oidc_roles_claim)
    role = max(roles, key=RANK.__getitem__)
    person = advisers_service.find_by_email(session=session, email=identity.email or "")
    if role == Role.adviser and person is None:
        raise NoRole(settings.oidc_email_claim, adviser=True)
    return Principal(role=role, adviser_id=person.id if person else None, subject=identity.subject)
