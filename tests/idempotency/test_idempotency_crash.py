"""A keyed request that dies right after its commit is still answered on retry.

The key's record used to be filled in by a second commit after the change's own. A crash
between the two left the change stored and the key saying "still being handled" (409) to
every retry for two days: the client never learnt what its request had made.
"""

import contextlib
import uuid
from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from sqlmodel import Session, func, select

from service.advisers.models import Adviser
from service.calls.models import Call
from service.db import get_engine
from service.idempotency.models import IdempotencyRecord
from service.tokens.models import ApiToken
from tests.factories import adviser_payload, closed_call


class ProcessDied(Exception):
    """Stands for the process dying between the commit and the answer."""


@contextlib.contextmanager
def dying_after_the_commit_that_makes(model: type) -> Iterator[list]:
    """The first commit that stores a new `model` is followed by the process dying."""
    made, died = [], []

    def note(session: Session, _context: object) -> None:
        made.extend(o for o in session.new if isinstance(o, model))

    def die(_session: Session) -> None:
        if made and not died:
            died.append(True)
            raise ProcessDied

    sa.event.listen(Session, "after_flush", note)
    sa.event.listen(Session, "after_commit", die)
    try:
        yield died
    finally:
        sa.event.remove(Session, "after_flush", note)
        sa.event.remove(Session, "after_commit", die)


def stored(model: type) -> int:
    with Session(get_engine()) as session:
        return session.exec(select(func.count()).select_from(model)).one()


@pytest.mark.parametrize(
    ("path", "payload", "model"),
    [("/calls", closed_call(), Call), ("/advisers", adviser_payload(), Adviser)],
)
def test_a_retry_after_a_crash_past_the_commit_gets_the_original_answer(
    committed, path, payload, model
):
    client = committed.client
    key = {"Idempotency-Key": str(uuid.uuid4())}
    before = stored(model)
    with dying_after_the_commit_that_makes(model) as died:
        first = client.post(path, json=payload, headers=key)
    assert died and first.status_code == 500
    assert stored(model) == before + 1  # the change was committed before the "crash"

    again = client.post(path, json=payload, headers=key)

    assert again.status_code == 201, again.text
    with Session(get_engine()) as session:
        record = session.exec(select(IdempotencyRecord)).one()
        made = session.get(model, uuid.UUID(again.json()["id"]))
    assert made is not None
    assert (record.status, record.object_id) == (201, str(made.id))
    assert stored(model) == before + 1


def test_a_token_request_retried_after_a_crash_names_the_token_it_made(committed):
    client = committed.client
    key = {"Idempotency-Key": str(uuid.uuid4())}
    body = {"email": "ny@example.dk", "role": "adviser"}
    with dying_after_the_commit_that_makes(ApiToken) as died:
        assert client.post("/tokens", json=body, headers=key).status_code == 500
    assert died

    again = client.post("/tokens", json=body, headers=key)

    assert again.status_code == 409, again.text
    tokens = client.get("/tokens").json()
    made = [token["id"] for token in tokens if token["role"] == "adviser"]
    assert again.json()["token_id"] in made and len(made) == 1
