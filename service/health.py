"""Liveness and readiness probes for the load balancer and the container runtime."""

from functools import lru_cache
from typing import Annotated

import sqlalchemy as sa
from fastapi import Query
from pydantic import BaseModel

from service import api, migrations
from service.db import SessionDep
from service.errors import HotlineError, problem_responses
from service.pagination import NoQuery

router = api.router(tags=["health"])


class Health(BaseModel):
    status: str


class NotReady(HotlineError):
    status_code = 503
    slug = "not-ready"
    title = "Service not ready"


@lru_cache
def _heads() -> frozenset[str]:
    return frozenset(migrations.head_revisions())


@router.get("/healthz", response_model=Health, status_code=200, summary="The process is up")
def healthz(_: Annotated[NoQuery, Query()]) -> Health:
    return Health(status="ok")


@router.get(
    "/readyz",
    response_model=Health,
    status_code=200,
    summary="The database is reachable and migrated to head",
    responses=problem_responses(503),
)
def readyz(session: SessionDep, _: Annotated[NoQuery, Query()]) -> Health:
    try:
        current = migrations.current_revisions(session.connection())
    except sa.exc.DBAPIError as exc:
        raise NotReady("The database cannot be reached.") from exc
    if current != _heads():
        raise NotReady("The database is not migrated to head; run `hotline migrate`.")
    return Health(status="ready")
