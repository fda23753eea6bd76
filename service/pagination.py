"""Keyset (cursor) pagination: pages stay as fast on page 1,000 as on page 1.

Every listing pages as `/calls` does: `limit` (default 50, at most 500) and `cursor`, the
`next_cursor` of the previous page (null or absent on the last page). `/calls` answers a
`Page`; the listings that answered a bare list before they paged still do, and send the
next page's cursor in the `Next-Cursor` header instead, so that their clients keep working.
"""

import base64
import binascii
import json
import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Any, Generic, TypeVar

import sqlalchemy as sa
from fastapi import APIRouter, Response
from pydantic import BaseModel, Field, ValidationError
from sqlmodel import SQLModel

from service.api import AUDITED_READ
from service.db import UTCDateTime
from service.errors import FieldProblem, ValidationFailed, problem_responses

DEFAULT_LIMIT = 50
MAX_LIMIT = 500
NEXT_CURSOR_HEADER = "Next-Cursor"

T = TypeVar("T")
M = TypeVar("M", bound=BaseModel)


class NoQuery(SQLModel):
    """The query of an endpoint that takes no parameters: any parameter sent is a 422."""

    # A dict literal, which mypy checks against SQLModel's own config type.
    model_config = {"extra": "forbid"}


class PageQuery(SQLModel):
    """`limit` and `cursor`, as `/calls` takes them; unknown parameters are refused."""

    model_config = {"extra": "forbid"}

    limit: int = Field(default=DEFAULT_LIMIT, ge=1, le=MAX_LIMIT, description="Page size.")
    cursor: str | None = Field(
        default=None, max_length=200, description="The `Next-Cursor` of the previous page."
    )


NEXT_CURSOR_RESPONSE: dict[int | str, dict[str, Any]] = {
    200: {
        "headers": {
            NEXT_CURSOR_HEADER: {
                "description": "Pass it back as `cursor` for the next page; absent on the last.",
                "schema": {"type": "string"},
            }
        }
    }
}
"""The OpenAPI `responses` entry of a listing that pages with the `Next-Cursor` header."""


class Page(BaseModel, Generic[T]):
    """One page of a listing; pass `next_cursor` back to get the next one."""

    items: list[T]
    next_cursor: str | None


class Cursor(BaseModel):
    """The sort key of the last item on a page."""

    at: datetime
    id: uuid.UUID


class NameCursor(BaseModel):
    """The sort key of the last item on a page of a listing ordered by name."""

    name: str
    id: uuid.UUID


class RankCursor(BaseModel):
    """The sort key of the last item on a page of a listing ordered by rank (search)."""

    rank: float
    id: uuid.UUID


def encode_cursor(*, at: datetime, id: uuid.UUID) -> str:
    """Encode a sort key as an opaque URL-safe token."""
    return _encode(Cursor(at=at, id=id))


def decode_cursor(token: str) -> Cursor:
    """Decode a token made by :func:`encode_cursor`, or raise a 422 naming `cursor`."""
    cursor = _decode(token, Cursor)
    if cursor.at.tzinfo is None:
        raise _not_a_cursor()
    return cursor


def encode_name_cursor(*, name: str, id: uuid.UUID) -> str:
    """Encode a (name, id) sort key as an opaque URL-safe token."""
    return _encode(NameCursor(name=name, id=id))


def decode_name_cursor(token: str) -> NameCursor:
    """Decode a token made by :func:`encode_name_cursor`, or raise a 422 naming `cursor`."""
    return _decode(token, NameCursor)


def encode_rank_cursor(*, rank: float, id: uuid.UUID) -> str:
    """Encode a (rank, id) sort key as an opaque URL-safe token; the rank round-trips exactly
    (JSON writes a float's shortest exact form)."""
    return _encode(RankCursor(rank=rank, id=id))


def decode_rank_cursor(token: str) -> RankCursor:
    """Decode a token made by :func:`encode_rank_cursor`, or raise a 422 naming `cursor`."""
    return _decode(token, RankCursor)


def before_cursor(at: Any, id: Any, cursor: Cursor) -> sa.ColumnElement[bool]:
    """The rows past the cursor's in newest-first order: `(at, id)` below its key."""
    key = sa.tuple_(sa.literal(cursor.at, UTCDateTime()), sa.literal(cursor.id, sa.Uuid()))
    return sa.tuple_(at, id) < key


def cut(rows: list[T], limit: int, cursor_of: Callable[[T], str]) -> tuple[list[T], str | None]:
    """The first `limit` of `limit + 1` rows fetched, and the cursor of the next page if any."""
    if len(rows) <= limit:
        return rows, None
    rows = rows[:limit]
    return rows, cursor_of(rows[-1])


def send_next_cursor(response: Response, next_cursor: str | None) -> None:
    """Put the next page's cursor in the `Next-Cursor` header; none on the last page."""
    if next_cursor is not None:
        response.headers[NEXT_CURSOR_HEADER] = next_cursor


def _encode(key: BaseModel) -> str:
    return base64.urlsafe_b64encode(key.model_dump_json().encode()).decode().rstrip("=")


def _decode(token: str, model: type[M]) -> M:
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        return model.model_validate(json.loads(raw))
    except (binascii.Error, ValueError, ValidationError, UnicodeDecodeError):
        raise _not_a_cursor() from None


def _not_a_cursor() -> ValidationFailed:
    return ValidationFailed(
        [FieldProblem(field="cursor", reason="not a cursor from this API", location="query")]
    )


def audited_listing(
    router: APIRouter, path: str, item: type[Any], *, summary: str, description: str
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """`GET <path>`: a page of `item`s that show free text (a recorded read); 422 for a bad
    filter or cursor."""
    return router.get(
        path,
        openapi_extra=AUDITED_READ,
        response_model=Page[item],  # type: ignore[valid-type]  # a model chosen by the caller
        status_code=200,
        summary=summary,
        description=description,
        responses=problem_responses(422),
    )
