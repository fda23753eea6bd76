"""The pages' words in Danish and English: one catalogue per page in `messages/*.json`.

Each file maps a key to its text in both languages (`{"desk.title": {"da": ..., "en": ...}}`);
a test holds that every key has both and that every key a template uses exists.
"""

import json
from functools import cache
from pathlib import Path

LANGUAGES = ("da", "en")
DEFAULT_LANGUAGE = "da"
MESSAGES_DIR = Path(__file__).with_name("messages")


@cache
def catalogue() -> dict[str, dict[str, str]]:
    """Every key with its texts, from all the catalogue files."""
    merged: dict[str, dict[str, str]] = {}
    for path in sorted(MESSAGES_DIR.glob("*.json")):
        for key, texts in json.loads(path.read_text(encoding="utf-8")).items():
            if key in merged:
                raise ValueError(f"{path.name}: {key} is already in another catalogue")
            merged[key] = texts
    return merged


def translate(language: str, key: str, **values: object) -> str:
    """The text of `key` in `language`, with `{name}` placeholders filled in."""
    texts = catalogue().get(key)
    if texts is None:
        # Visible on the page rather than a blank, and a test walks the templates for it.
        return key
    text = texts.get(language) or texts[DEFAULT_LANGUAGE]
    return text.format(**values) if values else text


def pick_language(chosen: str | None, accept_language: str | None) -> str:
    """The page's language: the one the person chose, else their browser's, else Danish."""
    if chosen in LANGUAGES:
        return chosen
    ranked: list[tuple[float, str]] = []
    for part in (accept_language or "").split(","):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                continue
        ranked.append((quality, tag.strip().lower()[:2]))
    for _, primary in sorted(ranked, key=lambda item: -item[0]):
        if primary in LANGUAGES:
            return primary
    return DEFAULT_LANGUAGE
