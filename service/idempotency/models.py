"""Idempotency keys: a retried request with the same key is answered, not done again."""

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from service.db import UTCDateTime


class IdempotencyRecord(SQLModel, table=True):
    """One key a principal sent, the request it came with, and what that request made.

    Added, with the status and id the request will answer, in the transaction of the
    request's change: a key exists exactly when the change does, and a retry always finds
    what to answer. Two requests with one key at once both insert it; the loser's is 409.
    """

    __tablename__ = "idempotency_key"

    principal: str = Field(sa_type=sa.String(80), primary_key=True)
    key: str = Field(sa_type=sa.String(200), primary_key=True)
    request_hash: str = Field(sa_type=sa.String(64))
    method: str = Field(sa_type=sa.String(10))
    path: str = Field(sa_type=sa.String(200))
    status: int | None = None
    object_id: str | None = Field(default=None, sa_type=sa.String(64))
    created_at: datetime = Field(sa_type=UTCDateTime, index=True)
