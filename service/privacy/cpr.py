"""Find and redact Danish CPR numbers (personal identity numbers) in free text.

Pure and dependency-free, so it can be used on call notes before they are stored or logged.

A CPR number is DDMMYY and a four-digit serial, with a real date, written the ways people
write it: `0101901234`, `010190-1234`, `010190 1234` (or any dash, a non-breaking space, a
dot or a slash between date and serial, or a dash with spaces round it), `01.01.90-1234`
(the date in dotted, dashed or slashed parts, the same separator twice), in any script's
decimal digits (`٠١٠١٩٠-١٢٣٤`, full-width digits). The digits are
read as numbers to check the date; the text replaced is what was written.

It is never a part of a longer token: no hex digit (0-9, a-f, A-F) or other decimal digit
right beside it, so a UUID or a hash is left whole, and no digit joined on by a dash, dot or
slash (`5-010190-1234`, `010190-1234.5`: an account or reference number).
"""

import re
import unicodedata
from datetime import date

REPLACEMENT = "[CPR]"

_SPACES = " \u00a0\u2007\u2009\u202f\u3000"  # space, no-break, figure, thin, narrow, ideographic
# Hyphen-minus, hyphen, non-breaking hyphen, figure dash, en dash, em dash, horizontal bar,
# minus sign, small and full-width hyphen-minus.
_DASHES = "-\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe63\uff0d"
_DOTS = ".\uff0e"
_SLASHES = "/\uff0f"
_JOINERS = re.escape(_DASHES + _DOTS + _SLASHES)
_SPACE = f"[{re.escape(_SPACES)}]"
# Between date and serial: nothing, one dash (spaces round it allowed), a space, dot or slash.
_SERIAL_SEPARATOR = (
    f"(?:{_SPACE}?[{re.escape(_DASHES)}]{_SPACE}?|{_SPACE}|[{re.escape(_DOTS + _SLASHES)}])?"
)
# \d is every script's decimal digits (str patterns are Unicode).
_CANDIDATE = re.compile(
    # Not inside a longer hex or digit token, nor a digit run joined by a dash, dot or slash.
    rf"(?<![A-Fa-f\d])(?<!\d[{_JOINERS}])"
    r"(?:"
    rf"(?P<date>\d{{6}}){_SERIAL_SEPARATOR}\d{{4}}"
    rf"|(?P<day>\d\d)(?P<sep>[{_JOINERS}])(?P<month>\d\d)(?P=sep)(?P<year>\d\d)"
    rf"{_SERIAL_SEPARATOR}\d{{4}}"
    r")"
    rf"(?![A-Fa-f\d])(?![{_JOINERS}]\d)"
)

# The century digit in the serial number is ignored, so either century may be meant.
_CENTURIES = (1900, 2000)


def is_valid_cpr_date(ddmmyy: str) -> bool:
    """Whether DDMMYY (ASCII digits) is a real calendar date in 1900-1999 or 2000-2099."""
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


def _ascii(digits: str) -> str:
    if digits.isascii():
        return digits
    return "".join(str(unicodedata.decimal(digit)) for digit in digits)


def _date_of(match: re.Match[str]) -> str:
    found = match.group("date")
    if found is None:
        found = match.group("day") + match.group("month") + match.group("year")
    return _ascii(found)


def find_cpr(text: str) -> list[tuple[int, int]]:
    """Spans (start, end) of every CPR number in text, in order, as written."""
    # No modulus-11 check: numbers issued since 2007 need not satisfy it.
    return [m.span() for m in _CANDIDATE.finditer(text) if is_valid_cpr_date(_date_of(m))]


def redact_cpr(text: str) -> tuple[str, bool]:
    """Text with every CPR number replaced by REPLACEMENT, and whether anything was replaced."""
    spans = find_cpr(text)
    # Replace from the end so earlier spans keep their offsets.
    for start, end in reversed(spans):
        text = text[:start] + REPLACEMENT + text[end:]
    return text, bool(spans)
