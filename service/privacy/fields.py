"""Free text as stored: CPR numbers replaced before anything keeps them."""

from pydantic import AfterValidator

from service.privacy.cpr import REPLACEMENT, redact_cpr


def without_cpr(text: str) -> str:
    """The text with every CPR number replaced by `[CPR]`."""
    return redact_cpr(text)[0]


def was_redacted(text: str | None) -> bool:
    """Whether stored text had a CPR number taken out."""
    return text is not None and REPLACEMENT in text


# For every free-text field a client sends: notes, reasons.
WithoutCpr = AfterValidator(without_cpr)
