import uuid

from service.errors import Conflict, FieldProblem, NotFound


class AdviserNotFound(NotFound):
    def __init__(self, adviser_id: uuid.UUID) -> None:
        super().__init__(f"No adviser has id {adviser_id}.")


class EmailTaken(Conflict):
    slug = "email-taken"
    title = "E-mail address taken"

    def __init__(self) -> None:
        reason = "another adviser already has this e-mail address"
        super().__init__(
            "Another adviser already has this e-mail address.",
            errors=[FieldProblem(field="email", reason=reason)],
        )
