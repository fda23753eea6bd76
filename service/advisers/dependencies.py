import uuid
from typing import Annotated

from fastapi import Depends

from service.advisers import service as advisers_service
from service.advisers.models import Adviser
from service.db import SessionDep


def get_adviser(adviser_id: uuid.UUID, session: SessionDep) -> Adviser:
    """Load the adviser named in the path, or answer 404."""
    return advisers_service.get(session=session, adviser_id=adviser_id)


AdviserDep = Annotated[Adviser, Depends(get_adviser)]
