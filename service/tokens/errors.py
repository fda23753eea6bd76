import uuid

from service.errors import Conflict, Forbidden, NotFound


class TokenNotFound(NotFound):
    def __init__(self, token_id: uuid.UUID) -> None:
        super().__init__(f"No API token with id {token_id}.")


class NoRole(Forbidden):
    """An identity provider's user with no role here, or an adviser with no record."""

    def __init__(self, claim: str, *, adviser: bool = False) -> None:
        if adviser:
            detail = f"No adviser is registered with the e-mail in the token's `{claim}` claim."
        else:
            detail = f"The token's `{claim}` claim holds none of: adviser, supervisor, admin."
        super().__init__(detail)


class TokenAlreadyMade(Conflict):
    """A retried token request: the token exists, but its secret was shown once only."""

    def __init__(self, token_id: str | None) -> None:
        super().__init__(
            f"This request already made token {token_id}; its secret was shown once and is "
            "not stored. Revoke it and create another if the answer was lost.",
            extensions={"token_id": token_id},
        )
