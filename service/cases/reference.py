"""A case's reference, as callers and the inspection quote it: the year and the number of
the case in that year, `2026-00042`.

Pure: no database, no HTTP.
"""

import re

# Five digits at least, so that references sort as text within a busy year; wider when a year
# has more cases than that.
_WIDTH = 5
_REFERENCE = re.compile(r"([0-9]{4})-([0-9]{5,})")


def format_reference(year: int, number: int) -> str:
    """The reference of case `number` of `year`: `2026-00042`."""
    if not 1000 <= year <= 9999:
        raise ValueError(f"a reference's year has four digits: {year}")
    if number < 1:
        raise ValueError(f"a case's number in its year starts at 1: {number}")
    return f"{year}-{number:0{_WIDTH}d}"


def parse_reference(text: str) -> tuple[int, int]:
    """The year and number of a reference such as `2026-00042`, or ValueError."""
    match = _REFERENCE.fullmatch(text.strip())
    if match is None:
        raise ValueError(f"not a case reference (YYYY-NNNNN): {text!r}")
    year, number = int(match[1]), int(match[2])
    # Only the one way of writing a reference: `2026-000042` would be a second name for the
    # same case.
    if number < 1 or format_reference(year, number) != match[0]:
        raise ValueError(f"not a case reference as written (YYYY-NNNNN): {text!r}")
    return year, number
