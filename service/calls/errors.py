import uuid
from typing import TYPE_CHECKING

from service.errors import Conflict, NotFound

if TYPE_CHECKING:
    from service.calls.models import Call


class CallNotFound(NotFound):
    def __init__(self, call_id: uuid.UUID) -> None:
        super().__init__(f"No call has id {call_id}.")


class IllegalTransition(Conflict):
    """A call action that the call's current state does not allow."""

    slug = "illegal-transition"
    title = "Not allowed in the call's current state"

    def __init__(self, call: "Call", detail: str) -> None:
        super().__init__(
            f"{detail} The call is '{call.status}'.",
            extensions={"call_status": str(call.status), "adviser_id": _str(call.adviser_id)},
        )


class CallIsLive(IllegalTransition):
    def __init__(self, call: "Call", *, fields: list[str]) -> None:
        super().__init__(
            call,
            f"{', '.join(fields)} of a live call change only through the call actions "
            "(accept, end, close, transfer, abandon).",
        )


def _str(value: uuid.UUID | None) -> str | None:
    return None if value is None else str(value)
