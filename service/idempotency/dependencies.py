"""The `Idempotency-Key` header of the POSTs that create or move something."""

import hashlib
import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Header, Request
from starlette.concurrency import run_in_threadpool

from service.auth.dependencies import CurrentPrincipal
from service.auth.models import Principal
from service.clock import NowDep
from service.db import SessionDep
from service.errors import FieldProblem, ValidationFailed
from service.idempotency.errors import KeyInProgress, KeyReused
from service.idempotency.models import IdempotencyRecord

KEY_MAX_LENGTH = 200


@dataclass
class Idempotency:
    """What the key says about this request: nothing, a replay, or a new record to fill."""

    record: IdempotencyRecord | None = None
    replay: bool = False

    def will_answer(self, *, status: int, object_id: uuid.UUID | str) -> None:
        """Note, before the use case runs, what it will make; its one commit stores both.

        Filled in afterwards, in a commit of its own, a crash between the two would leave a
        stored change whose key answers "still being handled" to every retry.
        """
        if self.record is not None and not self.replay:
            self.record.status = status
            self.record.object_id = str(object_id)

    def replayed(self, render: Callable[[str], Any]) -> Any | None:
        """The original answer, rendered from what the first request made; None if new."""
        if not self.replay or self.record is None or self.record.object_id is None:
            return None
        return render(self.record.object_id)


async def get_idempotency(
    request: Request,
    session: SessionDep,
    principal: CurrentPrincipal,
    now: NowDep,
    idempotency_key: Annotated[
        str | None,
        Header(
            description="Send a new unique key (a UUID, say) with each request, and the same "
            "key when retrying it: the retry is answered with the original result and changes "
            "nothing. Keys are kept at least 24 hours, per token."
        ),
    ] = None,
) -> Idempotency:
    """Look the key up; a new one is added to the session, to commit with the change."""
    if idempotency_key is None:
        return Idempotency()
    if not 0 < len(idempotency_key) <= KEY_MAX_LENGTH or not idempotency_key.isprintable():
        raise ValidationFailed([FieldProblem(
            field="Idempotency-Key", reason=f"1 to {KEY_MAX_LENGTH} printable characters",
            location="header",
        )])  # fmt: skip
    digest = _request_hash(request.method, request.url.path, await request.body())
    owner = _principal_key(principal)
    # In the thread pool: a query on the event loop would stall every request meanwhile.
    record = await run_in_threadpool(session.get, IdempotencyRecord, (owner, idempotency_key))
    if record is not None:
        if record.request_hash != digest:
            raise KeyReused()
        if record.status is None:
            raise KeyInProgress()
        return Idempotency(record=record, replay=True)
    record = IdempotencyRecord(
        principal=owner, key=idempotency_key, request_hash=digest,
        method=request.method, path=request.url.path[:200], created_at=now,
    )  # fmt: skip
    session.add(record)
    return Idempotency(record=record)


IdempotencyDep = Annotated[Idempotency, Depends(get_idempotency)]


def _principal_key(principal: Principal) -> str:
    if principal.token_id is not None:
        return f"token:{principal.token_id}"
    if principal.subject is not None:
        return "sub:" + hashlib.sha256(principal.subject.encode()).hexdigest()
    return f"adviser:{principal.adviser_id}"


def _request_hash(method: str, path: str, body: bytes) -> str:
    """The same request however its JSON is spaced or its keys ordered."""
    try:
        canonical = json.dumps(json.loads(body), sort_keys=True, separators=(",", ":")).encode()
    except ValueError:
        canonical = body
    return hashlib.sha256(method.encode() + b" " + path.encode() + b"\n" + canonical).hexdigest()


class Replayed(Exception):
    """Answer with `response` now: the request was handled before under the same key."""

    def __init__(self, response: Any) -> None:
        self.response = response
