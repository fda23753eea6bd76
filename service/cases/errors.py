"""The cases' typed errors; `service.exception_handlers` renders them as problem+json."""

import uuid
from collections.abc import Sequence

from service.errors import Conflict, Forbidden, NotFound


class CaseNotFound(NotFound):
    def __init__(self, case_id: uuid.UUID) -> None:
        super().__init__(f"No case has id {case_id}.")


class CaseOutOfReach(Forbidden):
    def __init__(self) -> None:
        super().__init__(
            "An adviser may reach only the open cases they own, have a task in, or handled "
            "a call of."
        )


class CaseStateConflict(Conflict):
    """A case action that the case's status does not allow."""

    slug = "illegal-case-transition"
    title = "Not allowed in the case's current status"

    def __init__(self, status: str, detail: str, **extensions: object) -> None:
        super().__init__(
            f"{detail} The case is '{status}'.", extensions={"case_status": status, **extensions}
        )


class OpenTasksBlockClosing(CaseStateConflict):
    def __init__(self, status: str, task_ids: Sequence[uuid.UUID]) -> None:
        super().__init__(
            status,
            f"The case has {len(task_ids)} open task(s): mark them done, or close with "
            "`cancel_open_tasks` to cancel them.",
            open_task_ids=[str(task_id) for task_id in task_ids],
        )


class CallInAnotherCase(Conflict):
    slug = "call-in-another-case"
    title = "The call belongs to another case"

    def __init__(self, call_id: uuid.UUID, case_id: uuid.UUID) -> None:
        super().__init__(
            f"The call {call_id} is part of case {case_id}: unlink it there first.",
            extensions={"call_id": str(call_id), "case_id": str(case_id)},
        )
