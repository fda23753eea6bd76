import uuid
from typing import Annotated

from fastapi import Depends

from service.advisers import service as advisers_service
from service.advisers.errors import AdviserNotFound
from service.advisers.models import Adviser
from service.auth.dependencies import CurrentPrincipal, ensure_acting_as_self
from service.auth.errors import NotYourself
from service.auth.models import Role
from service.db import SessionDep


def get_adviser(adviser_id: uuid.UUID, session: SessionDep, principal: CurrentPrincipal) -> Adviser:
    """Load the adviser named in the path, or answer 404.

    To an adviser's token, another id that names no one is 403 like one that names someone
    else: what it may not do, it may not learn either (which ids exist).
    """
    try:
        return advisers_service.get(session=session, adviser_id=adviser_id)
    except AdviserNotFound:
        if principal.role == Role.adviser and adviser_id != principal.adviser_id:
            raise NotYourself() from None
        raise


AdviserDep = Annotated[Adviser, Depends(get_adviser)]


def get_own_adviser(adviser: AdviserDep, principal: CurrentPrincipal) -> Adviser:
    """The adviser named in the path, if the request may act as them: an adviser's token
    only as its own adviser (403 otherwise), a supervisor's or admin's as anyone."""
    ensure_acting_as_self(principal, adviser.id)
    return adviser


# For the routes where an adviser acts as, or reads what only, the adviser in the path may:
# declaring it here is the check, so no route repeats it by hand.
OwnAdviserDep = Annotated[Adviser, Depends(get_own_adviser)]
