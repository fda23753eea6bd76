"""The authority's closed days per line, and what `GET /opening-hours` takes and answers."""

import re
import uuid
from datetime import date
from typing import Annotated

import sqlalchemy as sa
from pydantic import (
    AwareDatetime,
    BeforeValidator,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic import Field as PydanticField
from sqlmodel import Field, SQLModel

from service.db import code_type
from service.ids import uuid7
from service.taxonomy.codes import Code
from service.text import FreeText

# The longest range one request may ask for, both ends included.
MAX_RANGE_DAYS = 366
FIRST_DATE, LAST_DATE = date(2000, 1, 1), date(2099, 12, 31)


class ClosedDayRecord(SQLModel, table=True):
    """A day the authority closes a line beyond the public holidays: every year on
    `month`-`day` (Christmas Eve), or once when `year` is set."""

    __tablename__ = "closed_day"
    __table_args__ = (
        sa.CheckConstraint("month BETWEEN 1 AND 12", name="month"),
        sa.CheckConstraint("day BETWEEN 1 AND 31", name="day"),
        sa.Index("ix_closed_day_line", "line"),
    )

    id: uuid.UUID = Field(default_factory=uuid7, primary_key=True)
    line: str = Field(sa_type=code_type(), foreign_key="line.code")
    month: int
    day: int
    year: int | None = None
    name: str = Field(sa_type=sa.String(80))


_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def _iso_date(value: object) -> object:
    if isinstance(value, str):
        if not _ISO_DATE.fullmatch(value):
            raise ValueError("must be an ISO date, YYYY-MM-DD")
        try:
            value = date.fromisoformat(value)
        except ValueError:
            raise ValueError("must be a date that exists") from None
    if isinstance(value, date) and not FIRST_DATE <= value <= LAST_DATE:
        raise ValueError(f"must be from {FIRST_DATE} to {LAST_DATE}")
    return value


def _exists(year: int, month: int, day: int) -> bool:
    try:
        date(year, month, day)
    except ValueError:
        return False
    return True


IsoDate = Annotated[date, BeforeValidator(_iso_date)]
DayName = Annotated[str, FreeText(max_length=80, min_length=1, strip_whitespace=True)]


class OpeningHoursQuery(SQLModel):
    # Dict literals, which mypy checks against SQLModel's own config type (pydantic's
    # ConfigDict is another TypedDict to it); pydantic reads both the same.
    model_config = {"extra": "forbid", "populate_by_name": True}

    line: Code = PydanticField(description="`stress` or `managers`.", examples=["stress"])
    first: IsoDate = PydanticField(
        alias="from", description="First local day, YYYY-MM-DD.", examples=["2026-12-21"]
    )
    last: IsoDate = PydanticField(
        alias="to",
        description=f"Last local day, included; at most {MAX_RANGE_DAYS} days from `from`.",
        examples=["2027-01-04"],
    )

    @field_validator("last")
    @classmethod
    def _a_bounded_forward_range(cls, last: date, info: ValidationInfo) -> date:
        first = info.data.get("first")
        if first is None:
            return last
        if last < first:
            raise ValueError("must not be before `from`")
        if (last - first).days + 1 > MAX_RANGE_DAYS:
            raise ValueError(f"at most {MAX_RANGE_DAYS} days from `from`, both included")
        return last


class ClosedDayIn(SQLModel):
    """A closed day: every year on `month`-`day`, or only in `year`."""

    model_config = {"extra": "forbid"}

    month: int = PydanticField(ge=1, le=12)
    day: int = PydanticField(ge=1, le=31)
    year: int | None = PydanticField(
        default=None, ge=FIRST_DATE.year, le=LAST_DATE.year, description="Absent: every year."
    )
    name: DayName = PydanticField(description="What the day is, e.g. Juleaftensdag.")

    @field_validator("day")
    @classmethod
    def _a_day_of_the_month(cls, day: int, info: ValidationInfo) -> int:
        month = info.data.get("month")
        # 29 February exists in leap years; a yearly one closes those years only.
        if month is not None and day > (31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)[month - 1]:
            raise ValueError("not a day of that month")
        return day

    @model_validator(mode="after")
    def _a_day_of_that_year(self) -> "ClosedDayIn":
        if self.year is not None and not _exists(self.year, self.month, self.day):
            raise ValueError(f"{self.year} has no {self.month}-{self.day}")
        return self


class ClosedDays(SQLModel):
    """The days a line is closed beyond the Danish public holidays."""

    model_config = {
        "extra": "forbid",
        "json_schema_extra": {
            "examples": [
                {
                    "closed_days": [
                        {"month": 12, "day": 24, "name": "Juleaftensdag"},
                        {"month": 12, "day": 31, "name": "Nytårsaftensdag"},
                        {"month": 6, "day": 5, "year": 2026, "name": "Grundlovsdag"},
                    ]
                }
            ]
        },
    }

    closed_days: list[ClosedDayIn] = PydanticField(max_length=200)


class ClosedDaysPublic(ClosedDays):
    line: str


class OpeningInterval(SQLModel):
    opens_at: AwareDatetime = PydanticField(
        description="Local time with its offset (+01:00, +02:00)."
    )
    closes_at: AwareDatetime


class OpeningHours(SQLModel):
    """When a line is open, day by day, in Copenhagen time."""

    model_config = {
        "json_schema_extra": {
            "examples": [
                {
                    "line": "stress",
                    "intervals": [
                        {
                            "opens_at": "2026-12-21T08:00:00+01:00",
                            "closes_at": "2026-12-21T15:00:00+01:00",
                        }
                    ],
                }
            ]
        }
    }

    line: str
    intervals: list[OpeningInterval]
