"""How a code of a code list is written, and the caller languages: shared by every record
that names codes (calls, advisers, rules, closed days)."""

from enum import StrEnum
from typing import Annotated

from pydantic import AfterValidator, StringConstraints

from service.db import CODE_LENGTH, CODE_PATTERN


class Language(StrEnum):
    da = "da"
    en = "en"


def _unique(codes: list[str]) -> list[str]:
    seen = set()
    for code in codes:
        if code in seen:
            raise ValueError(f"code '{code}' is listed twice")
        seen.add(code)
    return codes


Code = Annotated[str, StringConstraints(pattern=CODE_PATTERN, max_length=CODE_LENGTH)]
CodeList = Annotated[list[Code], AfterValidator(_unique)]
