"""The audit trail: who did what to which record, from where; append-only."""

import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from service.clock import utcnow
from service.db import UTCDateTime
from service.ids import uuid7


class AuditEvent(SQLModel, table=True):
    """One access or change. Names the fields touched, never their content.

    No foreign keys: the trail must outlive the people and calls it mentions.
    """

    __tablename__ = "audit_event"
    __table_args__ = (sa.Index("ix_audit_event_object", "object_type", "object_id"),)

    id: uuid.UUID = Field(default_factory=uuid7, primary_key=True)
    # The request's now (passed in); the clock only for an event outside any request.
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)
    adviser_id: uuid.UUID | None = Field(default=None, index=True)
    token_id: uuid.UUID | None = None
    subject: str | None = Field(default=None, sa_type=sa.String(255))
    role: str | None = Field(default=None, sa_type=sa.String(10))
    action: str = Field(sa_type=sa.String(40))
    object_type: str = Field(sa_type=sa.String(40))
    object_id: str | None = Field(default=None, sa_type=sa.String(64))
    fields: list[str] | None = Field(default=None, sa_type=sa.JSON)
    client_ip: str | None = Field(default=None, sa_type=sa.String(45))
    result: str = Field(default="ok", sa_type=sa.String(20))


class AuditEventPublic(SQLModel):
    id: uuid.UUID
    at: datetime
    adviser_id: uuid.UUID | None
    token_id: uuid.UUID | None
    subject: str | None
    role: str | None
    action: str
    object_type: str
    object_id: str | None
    fields: list[str] | None
    client_ip: str | None
    result: str
