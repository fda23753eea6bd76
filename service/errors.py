"""Typed domain errors, rendered as ``application/problem+json`` (RFC 9457) by
`service.exception_handlers`. Free of the web framework, so pure modules may raise them."""

from collections.abc import Callable, Sequence
from http import HTTPStatus
from typing import Any

from pydantic import BaseModel, ConfigDict

PROBLEM_MEDIA_TYPE = "application/problem+json"
PROBLEM_TYPE_BASE = "urn:hotline:problem:"


class FieldProblem(BaseModel):
    """One failing field: where it is, its dotted name and why it was refused."""

    field: str
    reason: str
    location: str = "body"


class Problem(BaseModel):
    """An RFC 9457 problem details body; some problems add extension members."""

    model_config = ConfigDict(extra="allow")

    type: str
    title: str
    status: int
    detail: str
    instance: str | None = None
    errors: list[FieldProblem] | None = None


class HotlineError(Exception):
    """Base of every error a service may raise; rendered as problem+json."""

    status_code: int = 400
    slug: str = "bad-request"
    title: str = "Bad request"

    def __init__(
        self,
        detail: str,
        *,
        errors: Sequence[FieldProblem] = (),
        extensions: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(detail)
        self.detail = detail
        self.errors = list(errors)
        self.extensions = extensions or {}
        self.headers = headers


class NotFound(HotlineError):
    status_code = 404
    slug = "not-found"
    title = "Not found"


class ValidationFailed(HotlineError):
    status_code = 422
    slug = "validation-error"
    title = "Validation failed"

    def __init__(self, errors: Sequence[FieldProblem], detail: str | None = None) -> None:
        detail = detail or "; ".join(f"{e.field}: {e.reason}" for e in errors)
        super().__init__(detail, errors=errors)


class Conflict(HotlineError):
    status_code = 409
    slug = "conflict"
    title = "Conflict"


class PreconditionFailed(HotlineError):
    status_code = 412
    slug = "precondition-failed"
    title = "Precondition failed"


class Unauthorized(HotlineError):
    """No credentials, or ones that cannot be trusted (RFC 6750 says which in the header)."""

    status_code = 401
    slug = "unauthorized"
    title = "Unauthorized"

    def __init__(self, detail: str, *, error: str | None = "invalid_token") -> None:
        challenge = 'Bearer realm="hotline"' + (f', error="{error}"' if error else "")
        super().__init__(detail, headers={"WWW-Authenticate": challenge})


class Forbidden(HotlineError):
    status_code = 403
    slug = "forbidden"
    title = "Forbidden"


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses`` entries for the problem statuses a route can return."""
    return {
        status: {
            "description": HTTPStatus(status).phrase,
            "content": {PROBLEM_MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}},
        }
        for status in statuses
    }


# A domain whose unique constraint is a race between two requests says what that race means
# to the client (`on_constraint`); any other integrity error is the server's.
CONSTRAINT_ERRORS: dict[str, Callable[[], HotlineError]] = {}


def on_constraint(name: str, error: Callable[[], HotlineError]) -> None:
    """Answer an IntegrityError that names `name` (a constraint, a column) as `error()`."""
    CONSTRAINT_ERRORS[name] = error


class AnswerNow(Exception):
    """Answer with `response` at once: whoever raises it has the answer already (a replay)."""

    def __init__(self, response: Any) -> None:
        self.response = response
