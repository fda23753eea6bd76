"""The pages' words: every key in both languages, with the same placeholders, and every key a
template uses in the catalogues; the page's language chosen as the person or browser asks."""

import re
import string
from pathlib import Path

import pytest

from service.auth.models import Role
from service.web.i18n import LANGUAGES, catalogue, pick_language, translate

TEMPLATES = Path(__file__).parents[2] / "service" / "web" / "templates"
USED = re.compile(r"""\bt\(\s*["']([\w.]+)["']""")


def _placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_every_key_has_both_languages_with_the_same_placeholders():
    for key, texts in catalogue().items():
        assert set(texts) == set(LANGUAGES), key
        assert all(text.strip() for text in texts.values()), key
        assert _placeholders(texts["da"]) == _placeholders(texts["en"]), key


def test_every_key_a_template_uses_is_in_the_catalogues():
    used = {
        (path.name, key)
        for path in TEMPLATES.rglob("*.html")
        for key in USED.findall(path.read_text(encoding="utf-8"))
    }
    assert len(used) > 10
    # `t("desk.status." ~ state)`: a prefix, completed on the page; some key must start so.
    missing = [
        (name, key)
        for name, key in used
        if (key not in catalogue() if not key.endswith(".") else not _any_starts(key))
    ]
    assert missing == []


def _any_starts(prefix: str) -> bool:
    return any(key.startswith(prefix) for key in catalogue())


def test_every_role_has_a_name_on_the_pages():
    assert [role for role in Role if f"role.{role.value}" not in catalogue()] == []


def test_a_missing_key_shows_itself_rather_than_a_blank():
    assert translate("en", "no.such.key") == "no.such.key"
    assert translate("da", "nav.signed_in_as", role="x") == "Logget ind som x"


@pytest.mark.parametrize(
    ("chosen", "accept", "expected"),
    [
        (None, None, "da"),
        ("en", "da", "en"),
        ("xx", "en-GB,en;q=0.9", "en"),
        (None, "de-DE,de;q=0.9,en;q=0.8,da;q=0.7", "en"),
        (None, "da;q=0.5,en;q=0.6", "en"),
        (None, "fr, de", "da"),
        (None, "en;q=nonsense, da;q=0.1", "da"),
    ],
)
def test_the_language_is_the_persons_choice_else_the_browsers_else_danish(chosen, accept, expected):
    assert pick_language(chosen, accept) == expected
