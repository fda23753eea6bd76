"""Code lists (lines, caller types, sectors, issue categories, advice types, case outcomes,
task kinds) as tables.

Codes are stable keys that calls reference by foreign key; labels and the active flag can
change without touching a call. A deactivated code stays valid on old calls.
"""

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from service.db import code_type


class CodeBase(SQLModel):
    code: str = Field(primary_key=True, sa_type=code_type())
    label_da: str = Field(sa_type=sa.String(200))
    label_en: str = Field(sa_type=sa.String(200))
    active: bool = Field(default=True, sa_column_kwargs={"server_default": sa.true()})
    sort_order: int = Field(default=0, sa_column_kwargs={"server_default": "0"})


class Line(CodeBase, table=True):
    __tablename__ = "line"


class CallerType(CodeBase, table=True):
    __tablename__ = "caller_type"


class Sector(CodeBase, table=True):
    __tablename__ = "sector"

    # The DB07/NACE section letter; kept apart from the code since NACE Rev. 2.1 moves letters.
    nace_section: str = Field(sa_type=sa.String(1))


class IssueCategory(CodeBase, table=True):
    __tablename__ = "issue_category"


class AdviceType(CodeBase, table=True):
    __tablename__ = "advice_type"


class CaseOutcome(CodeBase, table=True):
    """How a case ended (resolved by advice, referred to the inspection, ...)."""

    __tablename__ = "case_outcome"


class TaskKind(CodeBase, table=True):
    """What a case's follow-up task is (a callback, material to send, ...)."""

    __tablename__ = "task_kind"


# The name each list has in the API, and its table.
CODE_LISTS: dict[str, type[CodeBase]] = {
    "line": Line,
    "caller_type": CallerType,
    "sector": Sector,
    "issue_category": IssueCategory,
    "advice_type": AdviceType,
    "case_outcome": CaseOutcome,
    "task_kind": TaskKind,
}


class CodePublic(SQLModel):
    code: str
    label_da: str
    label_en: str
    active: bool
    sort_order: int


class SectorPublic(CodePublic):
    nace_section: str


class TaxonomyPublic(SQLModel):
    """Every code list, each ordered by `sort_order`."""

    line: list[CodePublic]
    caller_type: list[CodePublic]
    sector: list[SectorPublic]
    issue_category: list[CodePublic]
    advice_type: list[CodePublic]
    case_outcome: list[CodePublic]
    task_kind: list[CodePublic]
