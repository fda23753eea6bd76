"""A signed-in browser of the web pages: the session its HttpOnly cookie names, and the
CSRF token of its forms. Signed in with a personal token or the identity provider."""

import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from service.db import UTCDateTime
from service.ids import uuid7


class WebSession(SQLModel, table=True):
    """One browser's sign-in; the cookie holds a secret of which only the SHA-256 is stored."""

    __tablename__ = "web_session"

    id: uuid.UUID = Field(default_factory=uuid7, primary_key=True)
    secret_hash: str = Field(sa_type=sa.String(64), unique=True)
    # Sent by the pages with every change (a form field or the X-CSRF-Token header); a site
    # that makes the browser post cannot read it.
    csrf_token: str = Field(sa_type=sa.String(64))
    role: str = Field(sa_type=sa.String(12))
    adviser_id: uuid.UUID | None = Field(
        default=None, foreign_key="adviser.id", index=True, ondelete="CASCADE"
    )
    # How the person signed in: the personal token (checked again on every request, so a
    # revoked token ends its sessions) or the identity provider's subject.
    token_id: uuid.UUID | None = Field(
        default=None, foreign_key="api_token.id", index=True, ondelete="CASCADE"
    )
    subject: str | None = Field(default=None, sa_type=sa.String(255))
    created_at: datetime = Field(sa_type=UTCDateTime)
    expires_at: datetime = Field(sa_type=UTCDateTime, index=True)
    ended_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
