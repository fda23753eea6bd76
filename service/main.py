"""The ASGI application: `service.main:app`."""

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Any

from fastapi import Depends, FastAPI

from service import health
from service.advisers.router import router as advisers_router
from service.audit.dependencies import record_denials
from service.audit.router import router as audit_router
from service.calls import push_router
from service.calls import timer as desk_timer
from service.calls.board_router import router as board_router
from service.calls.desk_router import router as desk_router
from service.calls.router import router as calls_router
from service.cases.record_router import router as case_records_router
from service.cases.router import router as cases_router
from service.cases.task_router import router as case_tasks_router
from service.clock import Clock, utcnow
from service.config import get_settings
from service.errors import Problem, problem_responses
from service.exception_handlers import register_exception_handlers
from service.limits import BodyLimit
from service.opening_hours.router import router as opening_hours_router
from service.reports.router import own_router as own_figures_router
from service.reports.router import router as reports_router
from service.retention import timer as retention_timer
from service.retention.router import router as retention_router
from service.routing.router import router as routing_router
from service.search.router import router as search_router
from service.taxonomy.router import router as taxonomy_router
from service.tokens import service as tokens_service
from service.tokens.router import router as tokens_router
from service.web import api_docs
from service.web import app as web_app

DESCRIPTION = """
Case desk of the **stress hotline** (Stresslinjen) and the **managers' hotline**
(Lederhotlinen): advisers record calls, their classification and the advice given.

Every error is `application/problem+json` (RFC 9457). Times are ISO 8601 with an offset and
are returned in UTC.
"""


def create_app() -> FastAPI:
    """Build the application with its routers and error handlers."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    docs = get_settings().api_docs
    app = FastAPI(
        title="Hotline case desk",
        version="0.1.0",
        description=DESCRIPTION,
        lifespan=_lifespan,
        # The docs' pages are the app's own (add_offline_docs below): FastAPI's load their
        # scripts from a CDN, which a closed network or a strict policy would refuse.
        docs_url=None,
        redoc_url=None,
        openapi_url="/openapi.json" if docs else None,
        # Readable operation ids (`create_call`, `weekly_report`) for generated clients.
        generate_unique_id_function=lambda route: route.name,
    )
    # The desk's notion of now; tests replace it to drive offer timeouts themselves.
    app.state.clock = utcnow
    # Who a bearer token stands for: personal tokens, or the identity provider's (auth).
    app.state.authenticate = tokens_service.authenticate
    register_exception_handlers(app)
    settings = get_settings()
    app.add_middleware(
        BodyLimit, max_bytes=settings.max_body_bytes, body_timeout_s=settings.body_timeout_s
    )
    # Every route puts a refusal on record (record_denials), except the desk's stream: the
    # dependency would hold a database session and a place at the request gate for as long
    # as a desk stays connected; the stream records its own refusal.
    denials = [Depends(record_denials)]
    for router in (
        health.router,
        taxonomy_router,
        calls_router,
        advisers_router,
        desk_router,
        board_router,
        cases_router,
        case_tasks_router,
        case_records_router,
        search_router,
        routing_router,
        opening_hours_router,
        reports_router,
        own_figures_router,
        tokens_router,
        audit_router,
        retention_router,
    ):
        app.include_router(router, dependencies=denials)
    app.include_router(push_router.router)
    if docs:
        api_docs.add_offline_docs(app)
    web_app.install(app)
    push_router.end_streams_on_exit()
    _declare_problem_schema(app)
    return app


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    def now() -> datetime:
        clock: Clock = app.state.clock  # looked up each time: tests swap it after startup
        return clock()

    pushing = push_router.pushing(now, get_settings())
    async with desk_timer.running(now), retention_timer.running(now), pushing:
        yield


def _declare_every_operations_problems(schema: dict[str, Any]) -> None:
    """What any operation may answer, whatever its route says: 503 when the database is away
    or the service busy, and 413 (too large) and 408 (too slow) for a request body."""
    common = problem_responses(503)
    with_body = problem_responses(408, 413)
    for path in schema.get("paths", {}).values():
        for operation in path.values():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            responses = operation["responses"]
            for status, answer in common.items():
                responses.setdefault(str(status), answer)
            if "requestBody" in operation:
                for status, answer in with_body.items():
                    responses.setdefault(str(status), answer)


def _declare_problem_schema(app: FastAPI) -> None:
    # Routes point at #/components/schemas/Problem; make sure the schema is there.
    original = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = original()
            components = schema.setdefault("components", {}).setdefault("schemas", {})
            for name, definition in (
                Problem.model_json_schema(ref_template="#/components/schemas/{model}")
                .pop("$defs", {})
                .items()
            ):
                components.setdefault(name, definition)
            components.setdefault(
                "Problem", Problem.model_json_schema(ref_template="#/components/schemas/{model}")
            )
            _declare_every_operations_problems(schema)
            app.openapi_schema = schema
        return app.openapi_schema

    # FastAPI's documented way to extend the schema is to replace the method on the app.
    app.openapi = openapi  # type: ignore[method-assign]


app = create_app()
