"""Optimistic concurrency: an ETag from a record's `version`, checked against If-Match."""

import uuid
from typing import Protocol

from service.errors import PreconditionFailed


class Versioned(Protocol):
    id: uuid.UUID
    version: int


def etag(record: Versioned) -> str:
    """The record's current entity tag (strong: it changes with every stored change)."""
    return f'"{record.id}-{record.version}"'


def check_if_match(record: Versioned, if_match: str | None, *, noun: str) -> None:
    """Refuse a change made from a copy that is no longer current (RFC 9110 If-Match)."""
    if if_match is None:
        return  # documented: without If-Match the change is made
    tags = [tag.strip() for tag in if_match.split(",")]
    if "*" not in tags and etag(record) not in tags:
        raise PreconditionFailed(
            f"The {noun} changed since you read it (If-Match no longer matches its ETag); "
            "read it again and reapply your change.",
            extensions={"etag": etag(record)},
        )
