import uuid
from typing import Annotated

from fastapi import Depends

from service.calls import service as calls_service
from service.calls.models import Call
from service.db import SessionDep


def get_call(call_id: uuid.UUID, session: SessionDep) -> Call:
    """Load the call named in the path, or answer 404."""
    return calls_service.get(session=session, call_id=call_id)


CallDep = Annotated[Call, Depends(get_call)]
