"""Time as the API takes it: ISO 8601 with an offset, normalised to UTC on the way in."""

import re
from datetime import UTC, datetime
from typing import Annotated, Any

from pydantic import AfterValidator, AwareDatetime, BeforeValidator

_NUMBER = re.compile(r"\s*[-+]?\d+(\.\d*)?\s*")

# Nothing the hotline records happened before this; it also keeps every value far from the
# edges of datetime's range, where converting to UTC overflows.
EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)


def _iso_8601_only(value: Any) -> Any:
    # Pydantic would read a number as Unix seconds; the API promises ISO 8601 with an offset.
    if isinstance(value, int | float) or (isinstance(value, str) and _NUMBER.fullmatch(value)):
        raise ValueError("must be an ISO 8601 string with an offset, not a number")
    return value


def to_utc(value: datetime) -> datetime:
    """Return `value` as the same instant in UTC, or raise ValueError if it has none."""
    try:
        return value.astimezone(UTC)
    except OverflowError:
        raise ValueError("is outside the range of dates this service handles") from None


def _not_before_earliest(value: datetime) -> datetime:
    if value < EARLIEST:
        raise ValueError(f"must not be before {EARLIEST.date().isoformat()}")
    return value


# A bound in a query: any instant, converted to UTC.
UtcDatetime = Annotated[AwareDatetime, BeforeValidator(_iso_8601_only), AfterValidator(to_utc)]
# A moment in a call's life: a plausible instant, converted to UTC.
CallTime = Annotated[
    AwareDatetime,
    BeforeValidator(_iso_8601_only),
    AfterValidator(to_utc),
    AfterValidator(_not_before_earliest),
]
