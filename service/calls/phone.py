"""Danish phone numbers for callbacks, normalised to ``+45XXXXXXXX``."""

import re

_SEPARATORS = re.compile(r"[\s\-().]")
_DANISH = re.compile(r"^(?:\+45|0045)?([2-9][0-9]{7})$")


def normalise_danish_phone(raw: str) -> str:
    """Return `raw` as ``+45`` and eight digits, or raise ValueError saying why not.

    Accepts the ways people write Danish numbers: ``12 34 56 78``, ``+45 12-34-56-78``,
    ``004512345678``. Danish subscriber numbers have eight digits and never start with 0 or 1.
    """
    compact = _SEPARATORS.sub("", raw)
    match = _DANISH.fullmatch(compact)
    if match is None:
        raise ValueError("not a Danish phone number (8 digits, optionally after +45)")
    return "+45" + match.group(1)
