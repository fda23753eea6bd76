import uuid
from typing import TYPE_CHECKING

from service.errors import Conflict, FieldProblem, Forbidden, NotFound

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


class CallOutOfReach(Forbidden):
    def __init__(self) -> None:
        super().__init__(
            "An adviser may reach only calls they handle or handled, and waiting calls."
        )


class ChangeWindowClosed(Forbidden):
    def __init__(self, hours: float) -> None:
        super().__init__(
            f"The call was closed more than {hours:g} hours ago; only a supervisor may change "
            "it now, so that figures already reported do not drift."
        )


class ClosingIsFixed(Forbidden):
    """An adviser tried to reopen a closed call or move when it was closed."""

    def __init__(self, field: str) -> None:
        reason = "only a supervisor or admin may reopen a closed call or move when it was closed"
        super().__init__(
            f"{field}: {reason}; an adviser's time to change it runs from the closing.",
            errors=[FieldProblem(field=field, reason=reason)],
        )
