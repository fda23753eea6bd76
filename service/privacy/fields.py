"""Free text as stored: CPR numbers replaced before anything keeps them."""

from pydantic import AfterValidator

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
