import uuid
from typing import Annotated

from fastapi import APIRouter, Query

from service.audit import service as audit_service
from service.audit.models import AuditEventPublic
from service.auth.dependencies import ADMINS
from service.db import SessionDep
from service.errors import problem_responses
from service.timeutil import UtcDatetime

router = APIRouter(tags=["access"], dependencies=[ADMINS])
# Found by schemathesis: a NUL byte in a filter reached PostgreSQL, which refuses it (500).
PRINTABLE = r"^[^\x00-\x1f\x7f]*$"


@router.get(
    "/audit",
    response_model=list[AuditEventPublic],
    status_code=200,
    summary="The audit trail, newest first",
    description="Read-only: no endpoint changes or deletes audit rows. Page with `before`, "
    "the id of the last row of the previous page.",
    responses=problem_responses(401, 403, 422),
)
def list_audit_events(
    session: SessionDep,
    adviser_id: uuid.UUID | None = None,
    action: Annotated[str | None, Query(max_length=40, pattern=PRINTABLE)] = None,
    object_type: Annotated[str | None, Query(max_length=40, pattern=PRINTABLE)] = None,
    object_id: Annotated[str | None, Query(max_length=64, pattern=PRINTABLE)] = None,
    since: Annotated[UtcDatetime | None, Query(alias="from")] = None,
    until: Annotated[UtcDatetime | None, Query(alias="to")] = None,
    before: uuid.UUID | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[AuditEventPublic]:
    events = audit_service.list_events(
        session=session, adviser_id=adviser_id, action=action, object_type=object_type,
        object_id=object_id, since=since, until=until, before=before, limit=limit,
    )  # fmt: skip
    return [AuditEventPublic.model_validate(e, from_attributes=True) for e in events]
