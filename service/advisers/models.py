"""Advisers: who can take which calls, and their presence on the desk."""

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Annotated

import sqlalchemy as sa
from pydantic import AfterValidator, EmailStr, StrictBool, computed_field
from sqlmodel import Field, Relationship, SQLModel

from service.audit import registry as audit_registry
from service.clock import utcnow
from service.db import UTCDateTime, code_type
from service.ids import uuid7
from service.pagination import PageQuery
from service.privacy.fields import REDACTED_DESCRIPTION, WithoutCpr, redacted_fields
from service.taxonomy.codes import Code, CodeList, Language
from service.text import FreeText

MAX_CAPACITY = 5


class Availability(StrEnum):
    """What an adviser says about themselves."""

    available = "available"
    break_ = "break"
    offline = "offline"


class Presence(StrEnum):
    """What the desk shows: the adviser's own availability, or what their calls make them."""

    available = "available"
    break_ = "break"
    offline = "offline"
    offered = "offered"
    on_call = "on_call"
    wrap_up = "wrap_up"


def _unique_languages(languages: list[Language]) -> list[Language]:
    if len(set(languages)) != len(languages):
        raise ValueError("a language is listed twice")
    return languages


Name = Annotated[str, FreeText(strip_whitespace=True, min_length=1, max_length=200)]
Languages = Annotated[list[Language], AfterValidator(_unique_languages)]
Capacity = Annotated[int, Field(ge=1, le=MAX_CAPACITY)]


class Adviser(SQLModel, table=True):
    __tablename__ = "adviser"
    __table_args__ = (
        sa.CheckConstraint(
            "availability IN ('available', 'break', 'offline')", name="availability"
        ),
        sa.CheckConstraint(
            "presence IN ('available', 'break', 'offline', 'offered', 'on_call', 'wrap_up')",
            name="presence",
        ),
        sa.CheckConstraint(f"capacity BETWEEN 1 AND {MAX_CAPACITY}", name="capacity"),
    )

    id: uuid.UUID = Field(default_factory=uuid7, primary_key=True)
    name: str = Field(sa_type=sa.String(200))
    # Stored lower-case: e-mail addresses are compared without regard to case.
    email: str = Field(sa_type=sa.String(254), unique=True)
    capacity: int = 1
    active: bool = True
    availability: str = Field(default=Availability.offline, sa_type=sa.String(10))
    presence: str = Field(default=Presence.offline, sa_type=sa.String(10))
    presence_reason: str | None = Field(default=None, sa_type=sa.String(200))
    presence_since: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    # When the adviser last made themselves available, and when their last call ended:
    # longest-idle routing measures from the later of the two.
    available_since: datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_call_ended_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    missed_offers_in_row: int = 0
    # Minimum wrap-up: no new offer before this moment.
    wrap_up_until: datetime | None = Field(default=None, sa_type=UTCDateTime)
    version: int = 1
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)

    line_links: list["AdviserLine"] = Relationship(
        sa_relationship_kwargs={"cascade": "all, delete-orphan", "lazy": "selectin"}
    )
    language_links: list["AdviserLanguage"] = Relationship(
        sa_relationship_kwargs={"cascade": "all, delete-orphan", "lazy": "selectin"}
    )
    expertise_links: list["AdviserExpertise"] = Relationship(
        sa_relationship_kwargs={"cascade": "all, delete-orphan", "lazy": "selectin"}
    )

    @property
    def lines(self) -> list[str]:
        return sorted(link.line for link in self.line_links)

    @property
    def languages(self) -> list[str]:
        return sorted(link.language for link in self.language_links)

    @property
    def expertise(self) -> list[str]:
        return sorted(link.code for link in self.expertise_links)


class AdviserLine(SQLModel, table=True):
    """A line an adviser serves."""

    __tablename__ = "adviser_line"

    adviser_id: uuid.UUID = Field(foreign_key="adviser.id", primary_key=True, ondelete="CASCADE")
    line: str = Field(sa_type=code_type(), foreign_key="line.code", primary_key=True)


class AdviserLanguage(SQLModel, table=True):
    """A language an adviser can take calls in."""

    __tablename__ = "adviser_language"
    __table_args__ = (sa.CheckConstraint("language IN ('da', 'en')", name="language"),)

    adviser_id: uuid.UUID = Field(foreign_key="adviser.id", primary_key=True, ondelete="CASCADE")
    language: str = Field(sa_type=sa.String(2), primary_key=True)


class AdviserExpertise(SQLModel, table=True):
    """An issue category an adviser is an expert in; such calls go to them first."""

    __tablename__ = "adviser_expertise"

    adviser_id: uuid.UUID = Field(foreign_key="adviser.id", primary_key=True, ondelete="CASCADE")
    code: str = Field(sa_type=code_type(), foreign_key="issue_category.code", primary_key=True)


class PresenceEvent(SQLModel, table=True):
    """One change of an adviser's presence; append-only, for idle time, occupancy, log-in."""

    __tablename__ = "presence_event"
    __table_args__ = (sa.Index("ix_presence_event_adviser_id_at", "adviser_id", "at"),)

    id: uuid.UUID = Field(default_factory=uuid7, primary_key=True)
    adviser_id: uuid.UUID = Field(foreign_key="adviser.id")
    presence: str = Field(sa_type=sa.String(10))
    reason: str | None = Field(default=None, sa_type=sa.String(200))
    at: datetime = Field(sa_type=UTCDateTime, index=True)


class AdviserCreate(SQLModel):
    model_config = {
        "extra": "forbid",
        "json_schema_extra": {
            "examples": [
                {
                    "name": "Mette Sørensen",
                    "email": "mette.sorensen@example.dk",
                    "lines": ["stress", "managers"],
                    "languages": ["da", "en"],
                    "expertise": ["violence", "emotional_demands"],
                    "capacity": 1,
                }
            ]
        },
    }

    name: Name
    email: EmailStr
    lines: CodeList = Field(min_length=1, max_length=10)
    languages: Languages = Field(default_factory=lambda: [Language.da], min_length=1)
    expertise: CodeList = Field(default_factory=list, max_length=20)
    capacity: Capacity = 1
    active: StrictBool = True


class AdviserUpdate(SQLModel):
    """A partial update; lists replace the stored list."""

    model_config = {
        "extra": "forbid",
        "json_schema_extra": {"examples": [{"expertise": ["moral_stress"]}]},
    }

    name: Name | None = None
    email: EmailStr | None = None
    lines: CodeList | None = Field(default=None, min_length=1, max_length=10)
    languages: Languages | None = Field(default=None, min_length=1)
    expertise: CodeList | None = Field(default=None, max_length=20)
    capacity: Capacity | None = None
    active: StrictBool | None = None


class AdviserPublic(SQLModel):
    id: uuid.UUID
    name: str
    email: str
    lines: list[str]
    languages: list[str]
    expertise: list[str]
    capacity: int
    active: bool
    availability: Availability
    presence: Presence
    presence_reason: str | None
    presence_since: datetime
    last_call_ended_at: datetime | None
    missed_offers_in_row: int
    version: int
    created_at: datetime
    updated_at: datetime

    @computed_field(description=REDACTED_DESCRIPTION)  # type: ignore[prop-decorator]  # mypy takes no decorator on a property
    @property
    def redacted(self) -> list[str]:
        return redacted_fields(presence_reason=self.presence_reason)


class AdviserListed(SQLModel):
    """Another adviser as an adviser's desk sees them: who, on which lines, and how they are.

    No e-mail and no presence reason: a desk needs neither to pass a call on, and both are
    the colleague's own.
    """

    id: uuid.UUID
    name: str
    lines: list[str]
    languages: list[str]
    active: bool
    presence: Presence
    presence_since: datetime


class PresenceChange(SQLModel):
    """What an adviser sets; `offered`, `on_call` and `wrap_up` are set by the desk itself."""

    model_config = {
        "extra": "forbid",
        "json_schema_extra": {"examples": [{"presence": "break", "reason": "lunch"}]},
    }

    presence: Availability
    reason: Annotated[Annotated[str, FreeText(max_length=200)], WithoutCpr] | None = None


class PresenceEventPublic(SQLModel):
    presence: Presence
    reason: str | None
    at: datetime

    @computed_field(description=REDACTED_DESCRIPTION)  # type: ignore[prop-decorator]  # mypy takes no decorator on a property
    @property
    def redacted(self) -> list[str]:
        return redacted_fields(reason=self.reason)


class AdviserQuery(PageQuery):
    """Filters and pages of the adviser listing; unknown parameters are refused."""

    active: bool | None = None
    line: Code | None = Field(default=None, description="A code of the `line` list.")
    presence: Presence | None = None
    # The cursor carries the last name of the page, which may be 200 characters of any script.
    cursor: str | None = Field(
        default=None, max_length=1500, description="The `Next-Cursor` of the previous page."
    )


# Changes of an adviser and of their lists are on record (`service.audit`).
audit_registry.changes(Adviser, kind="adviser")
audit_registry.part(AdviserLine, kind="adviser", parent="adviser_id", field="lines")
audit_registry.part(AdviserLanguage, kind="adviser", parent="adviser_id", field="languages")
audit_registry.part(AdviserExpertise, kind="adviser", parent="adviser_id", field="expertise")
