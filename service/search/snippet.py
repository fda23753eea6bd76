"""A hit's snippet: a short piece of its text around the first match, safe to show as HTML.

Pure: no database, no HTTP. The text is escaped (`&`, `<`, `>`, quotes), and only the words
that match are wrapped in `<mark>…</mark>`; nothing else of the stored text can become markup.
Made here from the text and the query's terms, the same way on both databases.
"""

import html
import re
from collections.abc import Sequence

from service.search.query import TextQuery

WIDTH = 200  # characters of text shown, about two lines
BEFORE = 60  # of which at most this many before the first match
ELLIPSIS = "…"
MARK_OPEN, MARK_CLOSE = "<mark>", "</mark>"

_WORD = re.compile(r"[^\W_]+")


def snippet(text: str, query: TextQuery | None) -> str:
    """The text around the first word `query` matches, escaped, the matches marked; the
    text's beginning when nothing is marked (a hit by number, or found by a stem only)."""
    tokens = [(m.start(), m.end(), m.group().lower()) for m in _WORD.finditer(text)]
    marked = _marked(tokens, query) if query is not None else set()
    first = min(marked, default=None)
    start = 0
    if first is not None and len(text) > WIDTH:
        # Start at a word at most BEFORE characters before the match, or early enough that
        # the text shown is WIDTH long: a short text is shown whole.
        lowest = min(tokens[first][0] - BEFORE, len(text) - WIDTH)
        if lowest > 0:
            start = next(s for s, _, _ in tokens if s >= lowest)
    end = len(text)
    if end - start > WIDTH:
        # End after the last word that fits whole, or cut the one word too long to fit.
        fits = [e for s, e, _ in tokens if s >= start and e <= start + WIDTH]
        end = fits[-1] if fits else start + WIDTH
    pieces = [ELLIPSIS] if start > 0 else []
    at = start
    for index, (s, e, _) in enumerate(tokens):
        if index in marked and s >= start and e <= end:
            pieces += [html.escape(text[at:s]), MARK_OPEN, html.escape(text[s:e]), MARK_CLOSE]
            at = e
    pieces.append(html.escape(text[at:end]))
    if end < len(text):
        pieces.append(ELLIPSIS)
    return "".join(pieces).strip()


def _marked(tokens: Sequence[tuple[int, int, str]], query: TextQuery) -> set[int]:
    """The indexes of the tokens the query matches: its words, prefixes and phrases."""
    words = [token for _, _, token in tokens]
    marked = {
        i
        for i, word in enumerate(words)
        if word in query.words or any(word.startswith(p) for p in query.prefixes)
    }
    for phrase in query.phrases:
        size = len(phrase)
        for i in range(len(words) - size + 1):
            if tuple(words[i : i + size]) == phrase:
                marked.update(range(i, i + size))
    return marked
