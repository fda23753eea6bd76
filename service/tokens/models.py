"""API tokens: made for a person (or the phone system), shown once, stored as a hash, revoked."""

import uuid
from datetime import datetime
from typing import Annotated

import sqlalchemy as sa
from pydantic import EmailStr, ValidationInfo, field_validator
from sqlmodel import Field, SQLModel

from service.audit import registry as audit_registry
from service.auth.models import Role
from service.clock import utcnow
from service.db import UTCDateTime
from service.ids import uuid7
from service.text import FreeText

TokenName = Annotated[str, FreeText(min_length=1, max_length=100)]


class ApiToken(SQLModel, table=True):
    """An API token; only its SHA-256 is stored, the token is shown once.

    A person's token belongs to their adviser record; the phone system's (role telephony)
    is a service account, named by its `name`, and belongs to nobody.
    """

    __tablename__ = "api_token"
    __table_args__ = (
        sa.CheckConstraint("role IN ('adviser', 'supervisor', 'admin', 'telephony')", name="role"),
        sa.CheckConstraint(
            "(role = 'telephony' AND adviser_id IS NULL AND name IS NOT NULL)"
            " OR (role <> 'telephony' AND adviser_id IS NOT NULL)",
            name="owner",
        ),
    )

    id: uuid.UUID = Field(default_factory=uuid7, primary_key=True)
    adviser_id: uuid.UUID | None = Field(default=None, foreign_key="adviser.id", index=True)
    name: str | None = Field(default=None, sa_type=sa.String(100))
    role: str = Field(sa_type=sa.String(10))
    token_hash: str = Field(sa_type=sa.String(64), unique=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    expires_at: datetime = Field(sa_type=UTCDateTime)
    last_used_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class ApiTokenCreate(SQLModel):
    """A person's token (their e-mail), or the phone system's: role telephony, a name, no e-mail."""

    model_config = {
        "extra": "forbid",
        # Unsent e-mail and name are checked too: whether they are needed follows from the role.
        "validate_default": True,
        "json_schema_extra": {
            "examples": [
                {"email": "leder@example.dk", "role": "supervisor", "days": 90},
                {"role": "telephony", "name": "phone system", "days": 365},
            ]
        },
    }

    # The role comes first: whether an e-mail or a name is needed follows from it.
    role: Role
    email: EmailStr | None = Field(
        default=None,
        description="The person's; registered if unknown. None for a telephony token.",
    )
    name: TokenName | None = Field(
        default=None,
        description="The person's name, or the token's; a telephony token's label, needed.",
    )
    days: int | None = Field(default=None, ge=1, le=3650, description="Valid for; default 90.")

    @field_validator("email")
    @classmethod
    def _a_person_or_none(cls, email: str | None, info: ValidationInfo) -> str | None:
        role = info.data.get("role")
        if role == Role.telephony and email is not None:
            raise ValueError("a telephony token is the phone system's and belongs to no person")
        if role not in (None, Role.telephony) and email is None:
            raise ValueError("the e-mail of the person the token is for is needed")
        return email

    @field_validator("name")
    @classmethod
    def _a_service_account_is_named(cls, name: str | None, info: ValidationInfo) -> str | None:
        if info.data.get("role") == Role.telephony and name is None:
            raise ValueError("a telephony token needs a name, such as 'phone system'")
        return name


class ApiTokenPublic(SQLModel):
    id: uuid.UUID
    adviser_id: uuid.UUID | None = Field(description="The person's; none for a telephony token.")
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
