"""What a person types into the search box, read as words, `word*` prefixes and "quoted
phrases", or as one identifier: a case reference, a CVR number or a callback number.

Pure: no database, no HTTP. The match expressions (FTS5's on SQLite, the tsquery's parts on
PostgreSQL) are built from the terms read here, never from the typed text, so no input can
be a syntax error of either engine.
"""

import contextlib
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TypeVar

from service.calls.phone import normalise_danish_phone
from service.cases.reference import parse_reference
from service.cases.workplace import InvalidCvr, normalise_cvr

MAX_QUERY_LENGTH = 200
MAX_TERMS = 16
# A shorter prefix matches most of the index: too costly to rank, and of no use to anyone.
MIN_PREFIX_LENGTH = 3

# A word is a run of letters and digits, as both indexes cut text: SQLite's unicode61
# tokenizer and PostgreSQL's parser both split at everything else (space, punctuation,
# `-`, `'`, `_`). `[^\W_]` is a letter or digit in any script, æ, ø and å included.
_WORD = re.compile(r"[^\W_]+")
_CHUNK = re.compile(r'"([^"]*)"?|(\S+)')  # a quoted phrase (closed or not), or a word
_REFERENCE_SHAPE = re.compile(r"[0-9]{4}-[0-9]{5,}")
_DIGITS_AND_SPACING = re.compile(r"(?:\+|DK|dk)?[0-9 \-.()]+")

# PostgreSQL's `danish` text search configuration leaves these out of its index (its
# snowball stop list, tsearch_data/danish.stop). They are left out of every query here, on
# both databases, so that SQLite (which indexes every word) finds what PostgreSQL finds.
STOP_WORDS = frozenset(
    """og i jeg det at en den til er som på de med han af for ikke der var mig sig men et har
    om vi min havde ham hun nu over da fra du ud sin dem os op man hans hvor eller hvad skal
    selv her alle vil blev kunne ind når være dog noget ville jo deres efter ned skulle denne
    end dette mit også under have dig anden hende mine alt meget sit sine vor mod disse hvis
    din nogle hos blive mange ad bliver hendes været thi jer sådan""".split()  # noqa: SIM905
)


T = TypeVar("T")


class QueryError(ValueError):
    """The search text cannot be searched; the message says why, for the person typing."""


@dataclass(frozen=True)
class TextQuery:
    """Full text: every word, every prefix and every phrase must be in the text (AND).

    Words are lower case as both indexes store them; a phrase is its words in order.
    """

    words: tuple[str, ...] = ()
    prefixes: tuple[str, ...] = ()
    phrases: tuple[tuple[str, ...], ...] = ()

    @property
    def terms(self) -> int:
        return len(self.words) + len(self.prefixes) + len(self.phrases)


@dataclass(frozen=True)
class IdentifierQuery:
    """One number typed alone: a case by its reference, cases by their workplace's CVR
    number, calls by their callback number (normalised `+45XXXXXXXX`). Eight digits may be
    both a CVR number and a phone number: then both are looked up."""

    reference: str | None = None
    cvr: str | None = None
    phone: str | None = None


Query = TextQuery | IdentifierQuery


def parse(text: str) -> Query:
    """Read the search text, or raise QueryError saying why it cannot be searched."""
    text = text.strip()
    if not text:
        raise QueryError("type something to search for")
    if len(text) > MAX_QUERY_LENGTH:
        raise QueryError(f"at most {MAX_QUERY_LENGTH} characters")
    identifier = _identifier(text)
    if identifier is not None:
        return identifier
    return _text_query(text)


def _identifier(text: str) -> IdentifierQuery | None:
    if _REFERENCE_SHAPE.fullmatch(text):
        try:
            parse_reference(text)
        except ValueError as error:
            raise QueryError(str(error)) from None
        return IdentifierQuery(reference=text)
    if not _DIGITS_AND_SPACING.fullmatch(text):
        return None
    cvr = phone = None
    with contextlib.suppress(InvalidCvr):
        cvr = normalise_cvr(text)
    with contextlib.suppress(ValueError):
        phone = normalise_danish_phone(text)
    if cvr is None and phone is None:
        return None  # digits of some other kind: searched as words of the text
    return IdentifierQuery(cvr=cvr, phone=phone)


def _text_query(text: str) -> TextQuery:
    words: list[str] = []
    prefixes: list[str] = []
    phrases: list[tuple[str, ...]] = []
    for match in _CHUNK.finditer(text):
        quoted, bare = match.group(1), match.group(2)
        tokens = tuple(t.lower() for t in _WORD.findall(quoted if quoted is not None else bare))
        if not tokens:
            continue
        if quoted is None and len(tokens) == 1 and bare.endswith("*"):
            if len(tokens[0]) < MIN_PREFIX_LENGTH:
                raise QueryError(
                    f"a prefix needs at least {MIN_PREFIX_LENGTH} letters before the *"
                )
            prefixes.append(tokens[0])
        elif len(tokens) == 1:
            words.append(tokens[0])
        else:
            # Quoted, or written joined (`MED-udvalget`, `APV'en`): the words in this order.
            phrases.append(tokens)
    query = TextQuery(
        words=_unique(w for w in words if w not in STOP_WORDS),
        prefixes=_unique(prefixes),
        phrases=_unique(p for p in phrases if not STOP_WORDS.issuperset(p)),
    )
    if query.terms == 0:
        if words or phrases:
            raise QueryError("only common words (such as og, i, at), which are not searched")
        raise QueryError("no words to search for: letters or digits")
    if query.terms > MAX_TERMS:
        raise QueryError(f"at most {MAX_TERMS} words, prefixes and phrases")
    return query


def _unique(items: Iterable[T]) -> tuple[T, ...]:
    return tuple(dict.fromkeys(items))


def fts5_expression(query: TextQuery) -> str:
    """The FTS5 MATCH expression of the terms: each a quoted string, joined by AND."""
    parts = [_fts5_string((w,)) for w in query.words]
    parts += [_fts5_string((p,)) + "*" for p in query.prefixes]
    parts += [_fts5_string(phrase) for phrase in query.phrases]
    return " AND ".join(parts)


def _fts5_string(tokens: tuple[str, ...]) -> str:
    # Tokens hold letters and digits only; the doubling of quotes is FTS5's own escape, kept
    # so that the expression stays a string whatever a token ever holds.
    return '"' + " ".join(tokens).replace('"', '""') + '"'


def tsquery_prefix(prefix: str) -> str:
    """A prefix as a tsquery operand, quoted: `'stress':*` (letters and digits only)."""
    return "'" + prefix.replace("'", "''").replace("\\", "\\\\") + "':*"
