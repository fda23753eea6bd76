from collections.abc import AsyncIterator

from fastapi import Request
from sqlalchemy.exc import OperationalError
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool

from service.audit import service as audit_service
from service.db import SessionDep
from service.errors import Forbidden


async def record_denials(request: Request, session: SessionDep) -> AsyncIterator[None]:
    """Put every refused attempt (403) of a signed-in principal on record, as `denied`.

    An app-wide dependency, set up before the others, so that a refusal raised by any
    later dependency or route passes through here on its way out. async, so that the
    requests that are let through pay no trip through the thread pool for it.
    """
    try:
        yield
    except Forbidden:
        await run_in_threadpool(record_denial, request, session)
        raise


def record_denial(request: Request, session: Session) -> None:
    """Put the request's refusal on record (rolling back what it did), and commit."""
    session.rollback()  # nothing of the refused request is kept, but this row
    route = getattr(request.scope.get("route"), "path", request.url.path)
    kind, object_id = next(
        ((name.removesuffix("_id"), value) for name, value in request.path_params.items()),
        ("endpoint", None),
    )
    audit_service.record(
        session,
        action=f"{request.method} {route}"[:40],
        object_type=kind,
        object_id=object_id,
        result="denied",
    )
    try:
        session.commit()
    except OperationalError:
        session.rollback()  # a busy database must not turn a 403 into a 500
