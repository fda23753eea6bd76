"""Free text as people type it: names, reasons, notes.

Any script, emoji and direction marks are stored as sent. NUL is not: PostgreSQL's text
types cannot hold it (the insert fails, a 500), and no person types one, so it is refused
with a 422 naming the field rather than stripped behind the client's back. Other control
characters (tabs, line breaks, ...) both databases store as sent, so they are left alone.
"""

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from annotated_types import GroupedMetadata
from pydantic import AfterValidator, StringConstraints

UNSTORABLE = frozenset("\x00")


def storable(text: str) -> str:
    """The text unchanged; ValueError if a database could not store it."""
    if not UNSTORABLE.isdisjoint(text):
        raise ValueError("must not contain NUL characters")
    return text


@dataclass(frozen=True)
class FreeText(GroupedMetadata):
    """The rules of a free-text field of a request body: `Annotated[str, FreeText(...)]`.

    The length constraints come first, on the str itself: after a validator pydantic can
    only check them as a generic sequence ("at most 200 items"), and would strip whitespace
    after checking `min_length`, letting a blank name through. Metadata rather than a
    function returning a type, so that type checkers read the field as the str it is.
    """

    max_length: int
    min_length: int = 0
    strip_whitespace: bool = False

    def __iter__(self) -> Iterator[Any]:
        yield from StringConstraints(
            strip_whitespace=self.strip_whitespace,
            min_length=self.min_length or None,
            max_length=self.max_length,
        )
        yield AfterValidator(storable)


__all__ = ["FreeText", "storable"]
