"""The phone system's token, for the tests that use it."""

from datetime import UTC, datetime
from typing import Any


def telephony_token(session: Any, *, now: datetime | None = None, days: int = 30) -> str:
    """A bearer token of the role telephony, named 'phone system'; the secret."""
    from service.config import get_settings
    from service.tokens import service as tokens_service
    from service.tokens.models import ApiTokenCreate

    token_in = ApiTokenCreate(role="telephony", name="phone system", days=days)
    _, secret = tokens_service.create_token(
        session=session, settings=get_settings(), token_in=token_in, now=now or datetime.now(UTC)
    )
    return secret
