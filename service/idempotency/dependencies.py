"""The `Idempotency-Key` header of the POSTs that create or move something."""

import hashlib
import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Header, Request
from sqlmodel import Session

from service.auth.dependencies import CurrentPrincipal
from service.auth.models import Principal
from service.clock import NowDep
from service.db import SessionDep
from service.errors import AnswerNow, FieldProblem, ValidationFailed
from service.idempotency.errors import KeyInProgress, KeyReused
from service.idempotency.models import IdempotencyRecord

KEY_MAX_LENGTH = 200


@dataclass
class Idempotency:
    """What the key says about this request: nothing, a replay, or a new record to fill.

    The key is looked up by `look_up`, which the route calls (and `will_answer` and
    `replayed` do): a lookup in the dependency would cost the request a trip through the
    thread pool of its own, and begin its write transaction there.
    """

    session: Session | None = None
    wanted: IdempotencyRecord | None = None  # what this request would record, if new
    record: IdempotencyRecord | None = None
    replay: bool = False
    looked_up: bool = False

    def look_up(self) -> "Idempotency":
        """Find the key's record, or add this request's; KeyReused if it was another's."""
        if self.looked_up or self.wanted is None or self.session is None:
            return self
        self.looked_up = True
        found = self.session.get(IdempotencyRecord, (self.wanted.principal, self.wanted.key))
        if found is None:
            self.session.add(self.wanted)
            self.record = self.wanted
        elif found.request_hash != self.wanted.request_hash:
            raise KeyReused()
        elif found.status is None:
            raise KeyInProgress()
        else:
            self.record, self.replay = found, True
        return self

    def will_answer(self, *, status: int, object_id: uuid.UUID | str) -> None:
        """Note, before the use case runs, what it will make; its one commit stores both.

        Filled in afterwards, in a commit of its own, a crash between the two would leave a
        stored change whose key answers "still being handled" to every retry.
        """
        self.look_up()
        if self.record is not None and not self.replay:
            self.record.status = status
            self.record.object_id = str(object_id)

    def replayed(self, render: Callable[[str], Any]) -> Any | None:
        """The original answer, rendered from what the first request made; None if new."""
        self.look_up()
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
            "nothing. Keys are kept 48 hours, per token.",
            json_schema_extra={"minLength": 1, "maxLength": KEY_MAX_LENGTH},
        ),
    ] = None,
) -> Idempotency:
    """Check the key and note what this request would record under it (see `look_up`)."""
    if idempotency_key is None:
        return Idempotency()
    if not 0 < len(idempotency_key) <= KEY_MAX_LENGTH or not idempotency_key.isprintable():
        reason = f"1 to {KEY_MAX_LENGTH} printable characters"
        problem = FieldProblem(field="Idempotency-Key", reason=reason, location="header")
        raise ValidationFailed([problem])
    wanted = IdempotencyRecord(
        principal=_principal_key(principal),
        key=idempotency_key,
        request_hash=_request_hash(request.method, request.url.path, await request.body()),
        method=request.method,
        path=request.url.path[:200],
        created_at=now,
    )
    return Idempotency(session=session, wanted=wanted)


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


class Replayed(AnswerNow):
    """Answer with `response` now: the request was handled before under the same key."""
