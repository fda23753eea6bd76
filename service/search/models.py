"""The search's query and its hits. Search has no tables of its own in the models: its
index is the databases' (see `service.search.index`)."""

import uuid
from enum import StrEnum

from pydantic import AwareDatetime, BaseModel
from sqlmodel import Field, SQLModel

from service.pagination import DEFAULT_LIMIT, MAX_LIMIT
from service.search.query import MAX_QUERY_LENGTH
from service.taxonomy.codes import Code
from service.timeutil import UtcDatetime


class SearchKind(StrEnum):
    """What to search: `calls` (call notes, callback numbers) or `cases` (cases' titles and
    summaries, their notes, references and CVR numbers)."""

    calls = "calls"
    cases = "cases"


class HitKind(StrEnum):
    call = "call"
    case = "case"
    case_note = "case_note"


class HitStatus(StrEnum):
    """A call's status or a case's (a note's is its case's)."""

    queued = "queued"
    assigned = "assigned"
    in_progress = "in_progress"
    wrap_up = "wrap_up"
    closed = "closed"
    abandoned = "abandoned"
    open = "open"
    waiting = "waiting"
    merged = "merged"


class SearchQuery(SQLModel):
    model_config = {"extra": "forbid", "populate_by_name": True}

    q: str = Field(
        max_length=MAX_QUERY_LENGTH,
        description="Words (all must be in the text), `word*` prefixes (3 letters at least) "
        'and "quoted phrases"; or, typed alone, a case reference (`2026-00042`), a CVR number '
        "or a callback number.",
    )
    kind: SearchKind | None = Field(default=None, description="Calls only, or cases only.")
    line: Code | None = None
    from_: UtcDatetime | None = Field(
        default=None,
        alias="from",
        description="Hits at or after this time (a call's `received_at`, a case's or note's "
        "`created_at`), inclusive.",
    )
    to: UtcDatetime | None = Field(default=None, description="Hits before this time (exclusive).")
    status: HitStatus | None = Field(
        default=None, description="A call's status, or a case's (for a case and its notes)."
    )
    limit: int = Field(default=DEFAULT_LIMIT, ge=1, le=MAX_LIMIT, description="Page size.")
    cursor: str | None = Field(
        default=None, max_length=200, description="The `next_cursor` of the previous page."
    )


class SearchHit(BaseModel):
    """One record found: what it is, where it is, and the piece of its text that matched."""

    kind: HitKind
    id: uuid.UUID = Field(description="The call's, case's or case note's id.")
    case_id: uuid.UUID | None = Field(
        description="The case it is part of (a case's own id; null for a call in no case)."
    )
    reference: str | None = Field(description="That case's reference.")
    line: str
    at: AwareDatetime = Field(
        description="A call's `received_at`; a case's or a note's `created_at`."
    )
    status: HitStatus = Field(description="The call's status, or the case's.")
    title: str | None = Field(description="A case's title (case hits only).")
    snippet: str | None = Field(
        description="Up to about 200 characters of the text around the first match, as HTML: "
        "escaped, each matching word in `<mark>…</mark>`, `…` where the text was cut. Null "
        "for a call found by its number that has no notes."
    )
    rank: float = Field(description="Higher is better; 1 for a hit by reference or number.")
    href: str = Field(description="Where to open it: the call, the case, or the case's timeline.")
