"""The search box, read without a database: words, prefixes, phrases, identifiers, the match
expressions built from them, and the snippet."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from service.search.query import (
    MAX_QUERY_LENGTH,
    IdentifierQuery,
    QueryError,
    TextQuery,
    fts5_expression,
    parse,
    tsquery_prefix,
)
from service.search.snippet import snippet


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("stress", TextQuery(words=("stress",))),
        ("  Stress  PÅ  ", TextQuery(words=("stress",))),  # lower case, `på` a stop word
        ("Får søvn", TextQuery(words=("får", "søvn"))),
        ("stress*", TextQuery(prefixes=("stress",))),
        ('"ringer tilbage"', TextQuery(phrases=(("ringer", "tilbage"),))),
        ('"ringer tilbage', TextQuery(phrases=(("ringer", "tilbage"),))),  # never closed
        ("MED-udvalget", TextQuery(phrases=(("med", "udvalget"),))),  # joined: a phrase
        ('"mobning"', TextQuery(words=("mobning",))),  # a phrase of one word is that word
        ("vold vold Vold", TextQuery(words=("vold",))),
        (
            'omorg* "psykisk arbejdsmiljø" trusler',
            TextQuery(
                words=("trusler",),
                prefixes=("omorg",),
                phrases=(("psykisk", "arbejdsmiljø"),),
            ),
        ),
        # What FTS5 or tsquery would read as syntax is only words here.
        ("stress AND NOT vold", TextQuery(words=("stress", "and", "not", "vold"))),
        ("col:stress", TextQuery(phrases=(("col", "stress"),))),
        ("'; DROP TABLE call; --", TextQuery(words=("drop", "table", "call"))),
        ("^stress & !vold", TextQuery(words=("stress", "vold"))),
        ("12345678", TextQuery(words=("12345678",))),  # neither a CVR nor a phone number
    ],
)
def test_text_is_read_as_words_prefixes_and_phrases(text, expected):
    assert parse(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-00042", IdentifierQuery(reference="2026-00042")),
        (" 2026-00042 ", IdentifierQuery(reference="2026-00042")),
        ("13585628", IdentifierQuery(cvr="13585628")),
        ("DK 13585628", IdentifierQuery(cvr="13585628")),
        ("22 34 56 78", IdentifierQuery(phone="+4522345678")),
        ("+45 22-34-56-78", IdentifierQuery(phone="+4522345678")),
        ("004522345678", IdentifierQuery(phone="+4522345678")),
        # Valid as a CVR number (check digit) and as a phone number: both are looked up.
        ("29403473", IdentifierQuery(cvr="29403473", phone="+4529403473")),
    ],
)
def test_a_number_typed_alone_is_an_identifier(text, expected):
    assert parse(text) == expected


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "type something"),
        ("   ", "type something"),
        ("x" * (MAX_QUERY_LENGTH + 1), "at most 200 characters"),
        ("og i at", "only common words"),
        ('"og i"', "only common words"),
        ('"', "no words"),
        ("*** --- ()", "no words"),
        ("st*", "at least 3 letters"),
        ("2026-000042", "not a case reference as written"),
        (" ".join(f"ord{n}" for n in range(17)), "at most 16"),
    ],
)
def test_what_cannot_be_searched_says_why(text, reason):
    with pytest.raises(QueryError, match=reason):
        parse(text)


def test_the_fts5_expression_quotes_every_term():
    query = TextQuery(words=("får", "søvn"), prefixes=("omorg",), phrases=(("ringer", "tilbage"),))
    assert fts5_expression(query) == '"får" AND "søvn" AND "omorg"* AND "ringer tilbage"'


def test_a_prefix_is_a_quoted_tsquery_lexeme():
    assert tsquery_prefix("stress") == "'stress':*"
    assert tsquery_prefix("it's") == "'it''s':*"  # never from the parser, escaped anyway


@given(st.text(max_size=MAX_QUERY_LENGTH))
def test_any_text_is_a_query_or_a_reason(text):
    try:
        query = parse(text)
    except QueryError as error:
        assert str(error)
        return
    if isinstance(query, TextQuery):
        expression = fts5_expression(query)
        # Every term is a quoted string of letters and digits: nothing else reaches FTS5.
        assert expression.count('"') == 2 * query.terms
        for term in (*query.words, *query.prefixes, *(w for p in query.phrases for w in p)):
            assert term.isalnum()


# -- the snippet -------------------------------------------------------------------------------


def test_the_matches_are_marked_and_everything_else_escaped():
    query = TextQuery(words=("vigtigt",))
    text = 'Skrev <b>vigtigt</b> & "ringede"'
    assert snippet(text, query) == (
        "Skrev &lt;b&gt;<mark>vigtigt</mark>&lt;/b&gt; &amp; &quot;ringede&quot;"
    )


def test_a_phrase_marks_its_words_where_they_stand_together():
    query = TextQuery(phrases=(("ringer", "tilbage"),))
    text = "Tilbage i morgen; ringer tilbage om vagterne."
    assert (
        snippet(text, query)
        == "Tilbage i morgen; <mark>ringer</mark> <mark>tilbage</mark> om vagterne."
    )


def test_a_prefix_marks_the_words_it_begins():
    query = TextQuery(prefixes=("stress",))
    assert snippet("Stressede og stress; ikke distress.", query) == (
        "<mark>Stressede</mark> og <mark>stress</mark>; ikke distress."
    )


def test_a_long_text_is_cut_around_the_first_match():
    before = "Indledning " * 10  # 110 characters
    after = "bagefter " * 30  # 270 characters
    text = f"{before}om mobning på arbejdet {after}"
    shown = snippet(text, TextQuery(words=("mobning",)))
    # It starts at a word at most 60 characters before the match and holds 200 characters of
    # text whole words only, with an ellipsis at each cut.
    assert shown.startswith("…Indledning") and shown.endswith("bagefter…")
    assert "<mark>mobning</mark>" in shown
    plain = shown.replace("<mark>", "").replace("</mark>", "").strip("…")
    assert len(plain) <= 200
    assert text.index(plain) == 55  # "Indledning " is 11 long: the first word start >= 50


def test_without_a_match_the_snippet_is_the_beginning():
    assert snippet("Ønsker at blive ringet op.", None) == "Ønsker at blive ringet op."
