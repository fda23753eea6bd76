"""Keyset (cursor) pagination: pages stay as fast on page 1,000 as on page 1."""

import base64
import binascii
import json
import uuid
from datetime import datetime
from typing import Generic, TypeVar

from pydantic import BaseModel, ValidationError

from service.errors import FieldProblem, ValidationFailed

DEFAULT_LIMIT = 50
MAX_LIMIT = 500

T = TypeVar("T")


class Page(BaseModel, Generic[T]):
    """One page of a listing; pass `next_cursor` back to get the next one."""

    items: list[T]
    next_cursor: str | None


class Cursor(BaseModel):
    """The sort key of the last item on a page."""

    at: datetime
    id: uuid.UUID


def encode_cursor(*, at: datetime, id: uuid.UUID) -> str:
    """Encode a sort key as an opaque URL-safe token."""
    raw = Cursor(at=at, id=id).model_dump_json().encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(token: str) -> Cursor:
    """Decode a token made by :func:`encode_cursor`, or raise a 422 naming `cursor`."""
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        cursor = Cursor.model_validate(json.loads(raw))
        if cursor.at.tzinfo is None:
            raise ValueError("naive cursor time")
    except (binascii.Error, ValueError, ValidationError, UnicodeDecodeError):
        raise ValidationFailed(
            [FieldProblem(field="cursor", reason="not a cursor from this API", location="query")]
        ) from None
    return cursor
