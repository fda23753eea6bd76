"""The route class every router uses: who may ask is decided before what they sent is read.

FastAPI decodes a JSON body before it runs a route's dependencies, so a body that is not
JSON would be a 422 before the role check, and an adviser could learn from a 422 (rather
than a 403) what a route would take. Here a body that does not decode stands in as a value
no body model accepts: the dependencies run first (401/403 as for any request), and only then
is the body a 422, which `service.errors` words as the decoding error it was.
"""

import json
from collections.abc import Callable, Coroutine, Mapping
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.routing import APIRoute


class UndecodableBody:
    """A request body that is not JSON in UTF-8: what it was, and where decoding failed."""

    def __init__(self, error: Exception) -> None:
        self.error = error

    def __getattr__(self, name: str) -> Any:
        # SQLModel models validate from attributes, and a model whose fields are all optional
        # would take any object as "nothing sent": a failing attribute fails every field.
        if name.startswith("__"):
            raise AttributeError(name)
        raise TypeError("the body is not JSON")

    @property
    def reason(self) -> str:
        if isinstance(self.error, json.JSONDecodeError):
            # Counted from 1, as a person counts.
            return f"not valid JSON: {self.error.msg} at character {self.error.pos + 1}"
        if isinstance(self.error, RecursionError):
            return "JSON nested too deeply"
        return "not JSON in UTF-8"


class _DeferredJsonRequest(Request):
    async def json(self) -> Any:
        if not hasattr(self, "_json"):
            try:
                self._json = json.loads(await self.body())
            # JSONDecodeError and UnicodeDecodeError are ValueErrors; a deep nesting recurses.
            except (ValueError, RecursionError) as exc:
                self._json = UndecodableBody(exc)
        return self._json


# A route that answers with free text (notes, reasons) records that read in the audit trail,
# so even its GET writes. It says so once, in its declaration: `openapi_extra=AUDITED_READ`,
# which also tells API clients that the read is recorded.
AUDITED_READ_EXTENSION = "x-audited-read"
AUDITED_READ = {AUDITED_READ_EXTENSION: True}
AUDITED_READ_SCOPE_KEY = "hotline.audited_read"

# What makes a writing route safe to retry, declared by each (`x-idempotency` in the spec):
# an `Idempotency-Key` (a retry with the same key is answered as the first request was, and
# changes nothing), or the request itself (sent twice, it leaves what it left once: PUT,
# DELETE, a PATCH that sets values). A meta-test holds every writing route to one of them.
IDEMPOTENCY_EXTENSION = "x-idempotency"
BY_KEY = {IDEMPOTENCY_EXTENSION: "Idempotency-Key"}
REPEATABLE = {IDEMPOTENCY_EXTENSION: "repeatable"}


def records_reads(scope: Mapping[str, Any]) -> bool:
    """Whether the request's route records what it reads (see `AUDITED_READ`)."""
    return bool(scope.get(AUDITED_READ_SCOPE_KEY, False))


class AuthorisedFirstRoute(APIRoute):
    """An `APIRoute` whose dependencies (the role check among them) run before a body's 422,
    and which tells the session (`service.db`) when its read is an audited one."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()
        audited = bool((self.openapi_extra or {}).get(AUDITED_READ_EXTENSION, False))

        async def deferring(request: Request) -> Response:
            request.scope[AUDITED_READ_SCOPE_KEY] = audited
            return await handler(_DeferredJsonRequest(request.scope, request.receive))

        return deferring


def router(**options: Any) -> APIRouter:
    """An `APIRouter` of `AuthorisedFirstRoute`s."""
    return APIRouter(route_class=AuthorisedFirstRoute, **options)
