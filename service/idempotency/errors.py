from service.errors import Conflict, FieldProblem, ValidationFailed, on_constraint


class KeyReused(ValidationFailed):
    def __init__(self) -> None:
        super().__init__(
            [
                FieldProblem(
                    field="Idempotency-Key",
                    reason="already used for a different request; use a new key for a new request",
                    location="header",
                )
            ]
        )


class KeyInProgress(Conflict):
    def __init__(self) -> None:
        super().__init__(
            "A request with this Idempotency-Key is still being handled; retry in a moment.",
            extensions={"retry": True},
        )


# Two requests with one Idempotency-Key at once: the second loses the insert race.
on_constraint("idempotency_key", KeyInProgress)
