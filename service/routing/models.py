"""Routing's records: each line's rules, its overflow, and the lock that serialises the desk."""

from datetime import datetime

import sqlalchemy as sa
from pydantic import Field as PydanticField
from sqlmodel import Field, SQLModel

from service.audit import registry as audit_registry
from service.db import UTCDateTime, code_type
from service.routing.policy import Strategy as Strategy  # re-exported
from service.taxonomy.codes import Code


class RoutingRule(SQLModel, table=True):
    """How one line picks among eligible advisers."""

    __tablename__ = "routing_rule"
    __table_args__ = (
        sa.CheckConstraint(
            "strategy IN ('longest_idle', 'fewest_calls_today', 'least_talk_time_today')",
            name="strategy",
        ),
    )

    line: str = Field(sa_type=code_type(), foreign_key="line.code", primary_key=True)
    strategy: str = Field(default=Strategy.longest_idle, sa_type=sa.String(24))


class OverflowRule(SQLModel, table=True):
    """A call of `from_line` waiting `after_s` seconds may also go to `to_line`'s advisers."""

    __tablename__ = "overflow_rule"
    __table_args__ = (
        sa.CheckConstraint("after_s >= 0", name="after_s"),
        sa.CheckConstraint("from_line <> to_line", name="other_line"),
    )

    from_line: str = Field(sa_type=code_type(), foreign_key="line.code", primary_key=True)
    to_line: str = Field(sa_type=code_type(), foreign_key="line.code", primary_key=True)
    after_s: int


class RoutingLock(SQLModel, table=True):
    """One row that every routing decision updates first, so decisions never interleave.

    Updating it takes PostgreSQL's row lock, or SQLite's write lock, until the transaction
    ends; this holds across threads, processes and replicas alike.
    """

    __tablename__ = "routing_lock"

    id: int = Field(primary_key=True)
    taken: int = 0
    last_decided_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class OverflowRulePublic(SQLModel):
    model_config = {"extra": "forbid"}

    to_line: Code
    after_s: int = PydanticField(ge=0, le=86_400)


class LineRouting(SQLModel):
    """The routing rules of one line."""

    model_config = {
        "extra": "forbid",
        "json_schema_extra": {
            "examples": [
                {
                    "strategy": "least_talk_time_today",
                    "overflow": [{"to_line": "stress", "after_s": 60}],
                }
            ]
        },
    }

    strategy: Strategy = Strategy.longest_idle
    overflow: list[OverflowRulePublic] = PydanticField(default_factory=list, max_length=10)


class LineRoutingPublic(LineRouting):
    line: str


audit_registry.changes(RoutingRule, kind="routing_rule", named_by="line")
audit_registry.member(OverflowRule, kind="routing_rule", parent="from_line", field="overflow")
