"""Find and redact Danish CPR numbers (personal identity numbers) in free text.

Pure and dependency-free, so it can be used on call notes before they are stored or logged.
"""

import re
from datetime import date

REPLACEMENT = "[CPR]"

# Digits inside the number are ASCII only, but the boundaries use Unicode \d, so a run that
# merely continues in another script's digits is still treated as part of a longer number.
# A digit-hyphen before or a hyphen-digit after means a longer hyphenated run (an account
# or reference number), not a CPR number.
_CANDIDATE = re.compile(r"(?<!\d)(?<!\d-)([0-9]{6})-?[0-9]{4}(?!\d)(?!-\d)")

# The century digit in the serial number is ignored, so either century may be meant.
_CENTURIES = (1900, 2000)


def is_valid_cpr_date(ddmmyy: str) -> bool:
    """Whether DDMMYY is a real calendar date in 1900-1999 or 2000-2099."""
    if len(ddmmyy) != 6 or not (ddmmyy.isascii() and ddmmyy.isdigit()):
        return False
    day, month, year = int(ddmmyy[:2]), int(ddmmyy[2:4]), int(ddmmyy[4:])
    for century in _CENTURIES:
        try:
            date(century + year, month, day)
        except ValueError:
            continue
        return True
    return False


def find_cpr(text: str) -> list[tuple[int, int]]:
    """Spans (start, end) of every CPR number in text, in order."""
    # No modulus-11 check: numbers issued since 2007 need not satisfy it.
    return [m.span() for m in _CANDIDATE.finditer(text) if is_valid_cpr_date(m.group(1))]


def redact_cpr(text: str) -> tuple[str, bool]:
    """Text with every CPR number replaced by REPLACEMENT, and whether anything was replaced."""
    spans = find_cpr(text)
    # Replace from the end so earlier spans keep their offsets.
    for start, end in reversed(spans):
        text = text[:start] + REPLACEMENT + text[end:]
    return text, bool(spans)
