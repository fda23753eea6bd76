"""Free text as stored: CPR numbers replaced before anything keeps them."""

from typing import ClassVar

from pydantic import AfterValidator, computed_field
from sqlmodel import SQLModel

from service.privacy.cpr import REPLACEMENT, redact_cpr


def without_cpr(text: str) -> str:
    """The text with every CPR number replaced by `[CPR]`."""
    return redact_cpr(text)[0]


def was_redacted(text: str | None) -> bool:
    """Whether stored text had a CPR number taken out."""
    return text is not None and REPLACEMENT in text


def redacted_fields(**texts: str | None) -> list[str]:
    """The names of the fields whose stored text had a CPR number taken out."""
    return [name for name, text in texts.items() if was_redacted(text)]


REDACTED_DESCRIPTION = (
    "Free-text fields in which CPR numbers were replaced by `[CPR]` before storing: they "
    "are never stored."
)

# For every free-text field a client sends: notes, reasons.
WithoutCpr = AfterValidator(without_cpr)


class ShowsRedacted(SQLModel):
    """An answer that says which of its free-text fields (`FREE_TEXT`, dotted for a nested
    model's) had a CPR number taken out before they were stored."""

    FREE_TEXT: ClassVar[tuple[str, ...]] = ()

    @computed_field(description=REDACTED_DESCRIPTION)  # type: ignore[prop-decorator]  # mypy takes no decorator on a property
    @property
    def redacted(self) -> list[str]:
        return redacted_fields(**{name: _text_at(self, name) for name in self.FREE_TEXT})


def _text_at(model: object, dotted: str) -> str | None:
    value: object = model
    for name in dotted.split("."):
        value = getattr(value, name, None)
    return value if isinstance(value, str) else None
