import re

import pytest

from service.privacy.cpr import REPLACEMENT, find_cpr, is_valid_cpr_date, redact_cpr

MOD11_WEIGHTS = (4, 3, 2, 7, 6, 5, 4, 3, 2, 1)


def found(text: str) -> list[str]:
    return [text[start:end] for start, end in find_cpr(text)]


@pytest.mark.parametrize("number", ["010190-1234", "0101901234", "311299-9999", "150875-0001"])
def test_a_lone_valid_number_is_found_with_or_without_hyphen(number):
    assert find_cpr(number) == [(0, len(number))]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("0101901234 og 020285-4321", ["0101901234", "020285-4321"]),
        ("010190-1234,0202851234;030380-5555", ["010190-1234", "0202851234", "030380-5555"]),
        ("010190-1234 hvorefter", ["010190-1234"]),
        ("oplyste 0101901234", ["0101901234"]),
        ("CPR:0101901234", ["0101901234"]),
        ("x0101901234y", ["0101901234"]),
        ("(010190-1234).", ["010190-1234"]),
        ("cpr-nr.: 010190-1234!", ["010190-1234"]),
        ("Borgeren oplyste cpr 010190-1234 i samtalen.", ["010190-1234"]),
        ("Født 010190-1234, bor i Århus", ["010190-1234"]),
        ("0101901234-abc", ["0101901234"]),
    ],
)
def test_numbers_are_found_among_letters_and_punctuation(text, expected):
    assert found(text) == expected


def test_spans_point_at_exactly_the_number_and_are_in_order():
    text = "Første: 010190-1234. Anden: 0202851234. Slut."
    spans = find_cpr(text)
    assert spans == [(8, 19), (28, 38)]
    assert [text[start:end] for start, end in spans] == ["010190-1234", "0202851234"]


@pytest.mark.parametrize(
    "number",
    ["310490-1234", "300290-1234", "001290-1234", "011390-1234", "000090-1234", "320190-1234"],
)
def test_impossible_dates_are_not_cpr_numbers(number):
    assert find_cpr(number) == []
    assert find_cpr(number.replace("-", "")) == []


@pytest.mark.parametrize(
    ("ddmmyy", "valid"),
    [
        ("290200", True),  # 2000 is a leap year
        ("290100", True),  # still 2000, though 1900 was not
        ("290296", True),  # 1996
        ("290204", True),  # 2004
        ("290201", False),
        ("290299", False),
        ("280201", True),
        ("300290", False),
        ("310490", False),
        ("300490", True),
        ("311290", True),
        ("001290", False),
        ("010090", False),
        ("011390", False),
        ("000090", False),
    ],
)
def test_date_check(ddmmyy, valid):
    assert is_valid_cpr_date(ddmmyy) is valid


@pytest.mark.parametrize(("number", "valid"), [("290200-1234", True), ("290201-1234", False)])
def test_leap_day_decides_whether_a_number_is_found(number, valid):
    assert bool(find_cpr(number)) is valid


@pytest.mark.parametrize("text", ["", "01019", "0101900", "01019a", "a10190", " 10190", "٠١٠١٩٠"])
def test_date_check_rejects_anything_but_six_ascii_digits(text):
    assert is_valid_cpr_date(text) is False


@pytest.mark.parametrize(
    "text",
    [
        "12345678901234",
        "12010190123456",
        "0101901234567",
        "00101901234",
        "9010190-1234",
        "010190-12345",
        "010190-1234-5",
        "5-010190-1234",
        "ref 5-0101901234",
        "ref 0101901234-5",
        "010190--1234",
        "01019-01234",
        "010190 12345",
        "01.01-90-1234",
        "01.01.1990-1234",
        "010190-1234.5",
        "5.010190-1234",
        "1/01/01/90-1234",
    ],
)
def test_longer_or_differently_shaped_digit_runs_do_not_match(text):
    assert find_cpr(text) == []


@pytest.mark.parametrize("text", ["+4512345678", "12 34 56 78", "+45 22 34 56 78", "004522345678"])
def test_phone_numbers_do_not_match(text):
    assert find_cpr(text) == []


@pytest.mark.parametrize(
    "number",
    [
        "010190 1234",  # a space
        "010190\u00a01234",  # a non-breaking space
        "010190\u202f1234",  # a narrow non-breaking space
        "010190\u20131234",  # an en dash
        "010190—1234",  # an em dash
        "010190\u22121234",  # a minus sign
        "010190\u20111234",  # a non-breaking hyphen
        "010190 - 1234",
        "010190 \u2013 1234",
        "010190.1234",
        "010190/1234",
        "01.01.90-1234",
        "01.01.90 1234",
        "01.01.90\u20131234",
        "01.01.901234",
        "01-01-90-1234",
        "01/01/90-1234",
        "٠١٠١٩٠-١٢٣٤",  # Arabic-Indic digits
        "۰۱۰۱۹۰۱۲۳۴",  # Extended Arabic-Indic digits
        "\uff10\uff11\uff10\uff11\uff19\uff10\uff0d\uff11\uff12\uff13\uff14",  # full-width
        "०१०१९०-१२३४",  # Devanagari digits
    ],
)
def test_the_ways_people_write_a_number_are_found_as_written(number):
    assert found(f"Borgeren oplyste {number}, tak.") == [number]
    assert redact_cpr(f"cpr {number}.") == ("cpr [CPR].", True)


@pytest.mark.parametrize("number", ["310490 1234", "31.04.90-1234", "٣١٠٤٩٠-١٢٣٤", "29.02.01-1234"])
def test_the_date_is_checked_in_every_way_of_writing(number):
    assert find_cpr(number) == []


@pytest.mark.parametrize(
    "text",
    [
        "0a1b2c3d-0101-9012-3456-426614174000",
        "123e4567-e89b-12d3-a456-426614174000",
        "c0a80101-9012-4abc-8def-0101901234ff",
        "5f010190-1234-4abc-8def-0123456789ab",
        "00000000-0000-0000-0000-010190123456",
        "0190C3C2-7D3E-7A4B-9C1D-AB0101901234",
        "sha 3f0101901234e9",
        "ab0101901234",
        "0101901234ab",
        "fe010190-1234",
        "010190-1234e",
        "٠١٠١٩٠١٢٣٤\u0665",  # a longer run in other digits
        "0101901234\u0665",
        "\u06610101901234",
    ],
)
def test_a_number_inside_a_longer_hex_or_digit_token_is_left_alone(text):
    assert find_cpr(f"Sag {text} er åben") == []
    assert find_cpr(text) == []


def test_a_number_failing_modulus_11_still_matches():
    number = "0101901234"
    weighted = sum(int(digit) * weight for digit, weight in zip(number, MOD11_WEIGHTS, strict=True))
    assert weighted % 11 != 0
    assert find_cpr(number) == [(0, 10)]
    assert find_cpr("010190-1234") == [(0, 11)]


def test_redaction_replaces_each_number():
    text = "Borgeren oplyste cpr 010190-1234 i samtalen, senere 0202851234."
    assert redact_cpr(text) == (
        "Borgeren oplyste cpr [CPR] i samtalen, senere [CPR].",
        True,
    )


def test_redaction_leaves_invalid_dates_alone_but_replaces_the_valid_ones():
    text = "310490-1234 og 010190-1234"
    assert redact_cpr(text) == ("310490-1234 og [CPR]", True)


@pytest.mark.parametrize(
    "text",
    ["", "Ingen numre her.", "Ring 12 34 56 78", "Konto 010190-1234-5", "310490-1234"],
)
def test_redaction_without_numbers_returns_the_text_unchanged(text):
    assert redact_cpr(text) == (text, False)


@pytest.mark.parametrize(
    "text",
    [
        "cpr 010190-1234 i samtalen",
        "0101901234 0202851234",
        "0101901234,0202851234",
        "x0101901234y",
        "0101901234-0202851234",
        "5-010190-1234 og 010190-1234",
    ],
)
def test_redaction_is_idempotent(text):
    once, _ = redact_cpr(text)
    twice, changed = redact_cpr(once)
    assert twice == once
    assert changed is False


def test_the_replacement_contains_no_digits_and_is_not_itself_a_match():
    assert not re.search(r"\d", REPLACEMENT)
    assert find_cpr(REPLACEMENT) == []
    redacted, changed = redact_cpr("Nr. 010190-1234.")
    assert changed is True
    assert redacted == f"Nr. {REPLACEMENT}."
    assert not re.search(r"\d", redacted)
