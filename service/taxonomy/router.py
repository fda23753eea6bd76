from typing import Annotated

from fastapi import Query

from service import api
from service.auth.dependencies import SIGNED_IN
from service.db import SessionDep
from service.errors import problem_responses
from service.pagination import NoQuery
from service.taxonomy import service as taxonomy_service
from service.taxonomy.models import TaxonomyPublic

router = api.router(
    prefix="/taxonomy",
    tags=["taxonomy"],
    dependencies=[SIGNED_IN],
    responses=problem_responses(401, 403),
)


@router.get(
    "",
    response_model=TaxonomyPublic,
    status_code=200,
    summary="Every code list with Danish and English labels",
)
def read_taxonomy(session: SessionDep, _: Annotated[NoQuery, Query()]) -> TaxonomyPublic:
    return taxonomy_service.get_taxonomy(session=session)
