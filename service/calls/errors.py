import uuid

from service.errors import NotFound


class CallNotFound(NotFound):
    def __init__(self, call_id: uuid.UUID) -> None:
        super().__init__(f"No call has id {call_id}.")
