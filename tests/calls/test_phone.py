import re

import pytest

from service.calls.phone import normalise_danish_phone


@pytest.mark.parametrize(
    "raw",
    [
        "22345678",
        "22 34 56 78",
        "+45 22 34 56 78",
        "+4522345678",
        "004522345678",
        "+45 22-34-56-78",
        "(+45) 2234 5678",
    ],
)
def test_danish_numbers_are_normalised(raw):
    assert normalise_danish_phone(raw) == "+4522345678"


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "2234567",
        "223456789",
        "02345678",
        "12345678",
        "+46 22345678",
        "22a45678",
        "+45 +4522345678",
        "\u0662" * 8,  # Arabic-Indic digits
        "2" + "\u0662" * 7,  # non-ASCII digits after a valid first digit
    ],
)
def test_anything_else_is_refused(raw):
    with pytest.raises(ValueError, match="Danish phone number"):
        normalise_danish_phone(raw)


@pytest.mark.parametrize("raw", ["02345678", "+45 12 34 56 78", "004512345678"])
def test_a_number_starting_with_0_or_1_is_refused_saying_why(raw):
    with pytest.raises(ValueError, match="never start with 0 or 1"):
        normalise_danish_phone(raw)


def test_the_docstrings_examples_are_accepted():
    """The docstring once gave 12 34 56 78 as an example, which the rules refuse."""
    examples = re.findall(r"``([^`]+)``", normalise_danish_phone.__doc__ or "")
    examples = [e for e in examples if e != "+45"]
    assert len(examples) == 3
    for example in examples:
        assert normalise_danish_phone(example) == "+4522345678"
