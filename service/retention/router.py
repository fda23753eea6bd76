from typing import Annotated

from fastapi import Query
from pydantic import BaseModel

from service import api
from service.auth.dependencies import ADMINS
from service.clock import NowDep
from service.config import SettingsDep
from service.db import SessionDep
from service.errors import problem_responses
from service.pagination import NoQuery
from service.retention import service as retention_service

router = api.router(tags=["access"], dependencies=[ADMINS])


class RetentionRun(BaseModel):
    notes_erased: int
    phones_erased: int
    audit_rows_deleted: int
    case_texts_erased: int


@router.post(
    "/retention/run",
    openapi_extra=api.REPEATABLE,
    response_model=RetentionRun,
    status_code=200,
    summary="Erase the personal data past its retention period now (admins)",
    description="What the daily run does: notes and callback numbers of old calls, a "
    "callback number `HOTLINE_CALLBACK_PHONE_DAYS` (14) after its callback ended (answered or "
    "not), or after the call when no callback waits; old audit rows; the free text of cases "
    "closed `HOTLINE_CASE_RETENTION_DAYS` (730) ago (a call's notes stay while its case is "
    "open or waiting). Safe to run twice.",
    responses=problem_responses(401, 403),
)
def run_retention(
    _query: Annotated[NoQuery, Query()], session: SessionDep, now: NowDep, settings: SettingsDep
) -> RetentionRun:
    result = retention_service.run_retention(session=session, settings=settings, now=now)
    return RetentionRun(**vars(result))
