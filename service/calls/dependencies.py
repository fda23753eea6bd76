import uuid
from typing import Annotated

from fastapi import Depends

from service.auth.dependencies import CurrentPrincipal
from service.auth.models import Role
from service.calls import reach
from service.calls import service as calls_service
from service.calls.errors import CallNotFound, CallOutOfReach
from service.calls.models import Call
from service.db import SessionDep


def get_call(call_id: uuid.UUID, session: SessionDep, principal: CurrentPrincipal) -> Call:
    """Load the call named in the path, or answer 404; 403 if out of an adviser's reach.

    To an adviser an id that names no call is 403 too, as one out of reach is: a 404 would
    tell them which ids are calls they may not see.
    """
    try:
        call = calls_service.get(session=session, call_id=call_id)
    except CallNotFound:
        if principal.role == Role.adviser:
            raise CallOutOfReach() from None
        raise
    if principal.role == Role.adviser and not reach.may_see_call(
        session=session, call=call, adviser_id=principal.adviser_id
    ):
        raise CallOutOfReach()
    return call


CallDep = Annotated[Call, Depends(get_call)]
