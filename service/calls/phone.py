"""Danish phone numbers for callbacks, normalised to ``+45XXXXXXXX``."""

import re

_SEPARATORS = re.compile(r"[\s\-().]")
_DANISH = re.compile(r"^(?:\+45|0045)?([2-9][0-9]{7})$")


def normalise_danish_phone(raw: str) -> str:
    """Return `raw` as ``+45`` and eight digits, or raise ValueError saying why not.

    Accepts the ways people write Danish numbers: ``22 34 56 78``, ``+45 22-34-56-78``,
    ``004522345678``. Danish subscriber numbers have eight digits and never start with 0 or
    1 (the numbering plan keeps those for prefixes and service numbers).
    """
    compact = _SEPARATORS.sub("", raw)
    match = _DANISH.fullmatch(compact)
    if match is not None:
        return "+45" + match.group(1)
    national = compact.removeprefix("+45").removeprefix("0045")
    if re.fullmatch(r"[01][0-9]{7}", national):
        raise ValueError(
            "not a Danish phone number: Danish numbers never start with 0 or 1 "
            "(those are prefixes and service numbers)"
        )
    raise ValueError("not a Danish phone number (8 digits, optionally after +45)")
