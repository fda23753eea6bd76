"""The one rendering of every error the app can raise: ``application/problem+json``."""

import logging
import traceback
from collections.abc import Sequence
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from service.api import UndecodableBody
from service.errors import (
    CONSTRAINT_ERRORS,
    PROBLEM_MEDIA_TYPE,
    PROBLEM_TYPE_BASE,
    AnswerNow,
    FieldProblem,
    HotlineError,
    Problem,
    ValidationFailed,
)

logger = logging.getLogger(__name__)


def problem_response(
    request: Request,
    *,
    status: int,
    slug: str,
    title: str,
    detail: str,
    errors: Sequence[FieldProblem] = (),
    headers: dict[str, str] | None = None,
    extensions: dict[str, Any] | None = None,
) -> JSONResponse:
    """Render a problem details response."""
    body = Problem(
        type=PROBLEM_TYPE_BASE + slug,
        title=title,
        status=status,
        detail=detail,
        instance=request.url.path,
        errors=list(errors) or None,
    )
    return JSONResponse(
        body.model_dump(exclude_none=True) | (extensions or {}),
        status_code=status,
        media_type=PROBLEM_MEDIA_TYPE,
        headers=headers,
    )


def _location_and_field(loc: Sequence[int | str]) -> tuple[str, str]:
    parts = list(loc)
    location = (
        str(parts.pop(0)) if parts and parts[0] in {"body", "query", "path", "header"} else "body"
    )
    return location, ".".join(str(p) for p in parts) or location


async def _handle_hotline_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, HotlineError)
    return problem_response(
        request,
        status=exc.status_code,
        slug=exc.slug,
        title=exc.title,
        detail=exc.detail,
        errors=exc.errors,
        extensions=exc.extensions,
        headers=exc.headers,
    )


async def _handle_request_validation(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = []
    if isinstance(exc.body, UndecodableBody):
        # It reached the route only so that the role check came first (`service.api`).
        errors.append(FieldProblem(field="body", reason=exc.body.reason))
    for err in [] if errors else exc.errors():
        location, field = _location_and_field(err.get("loc", ()))
        if err.get("type") == "json_invalid":
            field = "body"
        reason = str(err.get("msg", "invalid")).removeprefix("Value error, ")
        errors.append(FieldProblem(field=field, reason=reason, location=location))
    return problem_response(
        request,
        status=422,
        slug=ValidationFailed.slug,
        title=ValidationFailed.title,
        detail="; ".join(f"{e.field}: {e.reason}" for e in errors) or "The request is invalid.",
        errors=errors,
    )


# FastAPI's words for a body it could not even decode (not UTF-8, say): a 400 that names
# nothing. It is the client's body that is wrong, so say so like any invalid body.
_UNREADABLE_BODY = "There was an error parsing the body"


async def _handle_http_exception(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    if exc.status_code == 400 and exc.detail == _UNREADABLE_BODY:
        problem = FieldProblem(field="body", reason="not JSON in UTF-8")
        return problem_response(
            request,
            status=422,
            slug=ValidationFailed.slug,
            title=ValidationFailed.title,
            detail="body: not JSON in UTF-8",
            errors=[problem],
        )
    phrase = HTTPStatus(exc.status_code).phrase
    detail = exc.detail if isinstance(exc.detail, str) else phrase
    headers = getattr(exc, "headers", None)
    if exc.status_code == 405:
        # Starlette names the methods of the first route of the path only (POST of /calls).
        allowed = _methods_of_path(request)
        if allowed:
            headers = {**(headers or {}), "Allow": ", ".join(allowed)}
            detail = f"{request.method} is not allowed here. Allowed: {', '.join(allowed)}."
    return problem_response(
        request,
        status=exc.status_code,
        slug=phrase.lower().replace(" ", "-"),
        title=phrase,
        detail=detail,
        headers=headers,
    )


def _methods_of_path(request: Request) -> list[str]:
    """Every method that some route of the app answers on this request's path, sorted."""
    from fastapi.routing import iter_route_contexts
    from starlette.routing import Match

    methods: set[str] = set()
    scope = {**request.scope, "method": ""}  # no method matches: every route of the path is
    for route in iter_route_contexts(request.app.routes):
        if route.methods and route.matches(scope)[0] != Match.NONE:
            methods |= route.methods
    return sorted(methods)


async def _handle_unexpected(request: Request, exc: Exception) -> JSONResponse:
    # The exception's message can quote the request (notes, phone numbers): log its type and
    # where it was raised, never its text.
    logger.error(
        "unhandled %s on %s %s\n%s",
        type(exc).__name__,
        request.method,
        request.url.path,
        "".join(traceback.format_tb(exc.__traceback__)),
    )
    return problem_response(
        request,
        status=500,
        slug="internal-error",
        title="Internal server error",
        detail="The server failed to handle the request. Nothing was changed.",
    )


async def _handle_integrity_error(request: Request, exc: Exception) -> JSONResponse:
    message = str(getattr(exc, "orig", ""))
    for name, error in CONSTRAINT_ERRORS.items():
        if name in message:
            return await _handle_hotline_error(request, error())
    return await _handle_unexpected(request, exc)


# How long a client should wait before retrying when the database is away.
RETRY_AFTER_S = 5


async def _handle_database_unavailable(request: Request, exc: Exception) -> JSONResponse:
    # The database is down, unreachable, restarting or too busy: the client's request is
    # fine and nothing was stored, so say when to try again rather than blame it (500).
    logger.warning(
        "database unavailable on %s %s: %s", request.method, request.url.path, type(exc).__name__
    )
    return problem_response(
        request,
        status=503,
        slug="database-unavailable",
        title="Service unavailable",
        detail="The database cannot be reached just now. Nothing was changed; retry in a "
        "few seconds.",
        headers={"Retry-After": str(RETRY_AFTER_S)},
    )


async def _handle_busy(request: Request, exc: Exception) -> JSONResponse:
    # Overload is not an outage: the database is fine, this process has its hands full.
    return problem_response(
        request,
        status=503,
        slug="busy",
        title="Service busy",
        detail="Too many requests are being served just now. Nothing was changed; retry in "
        "a second.",
        headers={"Retry-After": "1"},
    )


def register_exception_handlers(app: FastAPI) -> None:
    """Make every error the app can raise render as problem+json."""
    from sqlalchemy.exc import IntegrityError, InterfaceError, OperationalError
    from sqlalchemy.exc import TimeoutError as PoolTimeout

    from service.db import Busy

    async def answer(request: Request, exc: Exception) -> Any:
        assert isinstance(exc, AnswerNow)
        return exc.response

    app.add_exception_handler(AnswerNow, answer)
    app.add_exception_handler(IntegrityError, _handle_integrity_error)
    app.add_exception_handler(Busy, _handle_busy)
    for unavailable in (OperationalError, InterfaceError, PoolTimeout):
        app.add_exception_handler(unavailable, _handle_database_unavailable)
    app.add_exception_handler(HotlineError, _handle_hotline_error)
    app.add_exception_handler(RequestValidationError, _handle_request_validation)
    app.add_exception_handler(StarletteHTTPException, _handle_http_exception)
    app.add_exception_handler(Exception, _handle_unexpected)
