import uuid
from typing import Annotated

from fastapi import Depends, Query, Response

from service import api
from service.auth.dependencies import ADMINS
from service.clock import NowDep
from service.config import SettingsDep
from service.db import SessionDep
from service.errors import problem_responses
from service.idempotency.dependencies import IdempotencyDep
from service.ids import uuid7
from service.pagination import NEXT_CURSOR_RESPONSE, NoQuery, PageQuery, send_next_cursor
from service.tokens import service as tokens_service
from service.tokens.errors import TokenAlreadyMade
from service.tokens.models import ApiToken, ApiTokenCreate, ApiTokenCreated, ApiTokenPublic

router = api.router(prefix="/tokens", tags=["access"], dependencies=[ADMINS])


def get_token(token_id: uuid.UUID, session: SessionDep) -> ApiToken:
    """Load the token named in the path, or answer 404."""
    return tokens_service.get_token(session=session, token_id=token_id)


TokenDep = Annotated[ApiToken, Depends(get_token)]


@router.post(
    "",
    openapi_extra=api.BY_KEY,
    response_model=ApiTokenCreated,
    status_code=201,
    summary="Create an API token (shown once)",
    description="A person's token: registers the person if the e-mail is unknown (inactive, "
    "serving no line). The phone system's (`role: telephony`) belongs to no person: no "
    "`email`, and a `name` such as `phone system` (422 otherwise). "
    "With an `Idempotency-Key`, a retry makes no second token; since the secret is shown only "
    "once and never stored, the retry is answered 409 with the token's id instead.",
    responses=problem_responses(401, 403, 409, 422),
)
def create_token(
    _query: Annotated[NoQuery, Query()],
    session: SessionDep,
    token_in: ApiTokenCreate,
    now: NowDep,
    settings: SettingsDep,
    idem: IdempotencyDep,
) -> ApiTokenCreated:
    if idem.look_up().replay and idem.record is not None:
        raise TokenAlreadyMade(idem.record.object_id)
    token_id = uuid7()
    idem.will_answer(status=201, object_id=token_id)
    token, secret = tokens_service.create_token(
        session=session, settings=settings, token_in=token_in, now=now, token_id=token_id
    )
    return ApiTokenCreated.model_validate(token, from_attributes=True, update={"token": secret})


@router.get(
    "",
    response_model=list[ApiTokenPublic],
    status_code=200,
    summary="List API tokens, newest first",
    description="Pages of `limit` (default 50, at most 500): pass the `Next-Cursor` header "
    "back as `cursor` for the next page; it is absent on the last page.",
    responses=NEXT_CURSOR_RESPONSE | problem_responses(401, 403, 422),
)
def list_tokens(
    session: SessionDep, query: Annotated[PageQuery, Query()], response: Response
) -> list[ApiTokenPublic]:
    tokens, next_cursor = tokens_service.list_tokens(
        session=session, limit=query.limit, cursor=query.cursor
    )
    send_next_cursor(response, next_cursor)
    return [ApiTokenPublic.model_validate(t, from_attributes=True) for t in tokens]


@router.delete(
    "/{token_id}",
    openapi_extra=api.REPEATABLE,
    status_code=204,
    summary="Revoke an API token",
    responses=problem_responses(401, 403, 404, 422),
)
def revoke_token(
    _query: Annotated[NoQuery, Query()], session: SessionDep, token: TokenDep, now: NowDep
) -> None:
    tokens_service.revoke_token(session=session, token=token, now=now)
