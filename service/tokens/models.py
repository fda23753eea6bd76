"""Personal API tokens: made for a person, shown once, stored as a hash, revoked."""

import uuid
from datetime import datetime
from typing import Annotated

import sqlalchemy as sa
from pydantic import EmailStr
from sqlmodel import Field, SQLModel

from service.audit import registry as audit_registry
from service.auth.models import Role
from service.clock import utcnow
from service.db import UTCDateTime
from service.ids import uuid7
from service.text import FreeText

TokenName = Annotated[str, FreeText(min_length=1, max_length=100)]


class ApiToken(SQLModel, table=True):
    """A personal API token; only its SHA-256 is stored, the token is shown once."""

    __tablename__ = "api_token"
    __table_args__ = (
        sa.CheckConstraint("role IN ('adviser', 'supervisor', 'admin')", name="role"),
    )

    id: uuid.UUID = Field(default_factory=uuid7, primary_key=True)
    adviser_id: uuid.UUID = Field(foreign_key="adviser.id", index=True)
    name: str | None = Field(default=None, sa_type=sa.String(100))
    role: str = Field(sa_type=sa.String(10))
    token_hash: str = Field(sa_type=sa.String(64), unique=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    expires_at: datetime = Field(sa_type=UTCDateTime)
    last_used_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class ApiTokenCreate(SQLModel):
    model_config = {
        "extra": "forbid",
        "json_schema_extra": {
            "examples": [{"email": "leder@example.dk", "role": "supervisor", "days": 90}]
        },
    }

    email: EmailStr
    role: Role
    name: TokenName | None = None
    days: int | None = Field(default=None, ge=1, le=3650, description="Valid for; default 90.")


class ApiTokenPublic(SQLModel):
    id: uuid.UUID
    adviser_id: uuid.UUID
    name: str | None
    role: Role
    created_at: datetime
    expires_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


class ApiTokenCreated(ApiTokenPublic):
    token: str = Field(description="The bearer token. Shown only here, never again.")


# Tokens made and revoked are on record (`service.audit`).
audit_registry.changes(ApiToken, kind="token")
