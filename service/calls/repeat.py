"""Repeat contact: a callback number's keyed hash, so calls from one number can be matched
without comparing (or indexing) the number itself."""

import hashlib
import hmac

# How far back an earlier call from the same number or workplace counts as related.
RELATED_DAYS = 90
# At most this many earlier calls are shown, newest first.
RELATED_CALLS_LIMIT = 20


def number_key(secret: str, phone: str) -> str:
    """Return the HMAC-SHA256 (hex) of a normalised number (``+45XXXXXXXX``) under `secret`."""
    return hmac.new(secret.encode(), phone.encode(), hashlib.sha256).hexdigest()


def number_key_or_none(secret: str, phone: str | None) -> str | None:
    """Return the number's key, or None for a call without a number."""
    return None if phone is None else number_key(secret, phone)
