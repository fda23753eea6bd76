"""A request whose database connection died: closing its session never raises.

Before, `get_session` closed the session plainly; with the server killed, the rollback in
close() raised after the answer had started (`RuntimeError: Caught handled exception, but
response already started`).
"""

import asyncio

import pytest
import sqlalchemy as sa
from sqlmodel import Session
from starlette.requests import Request

from service import db


def _request(method: str = "POST", path: str = "/calls") -> Request:
    return Request({"type": "http", "method": method, "path": path, "headers": []})


async def _one_request(work) -> None:
    sessions = db.get_session(_request())
    session = await sessions.__anext__()
    work(session)
    await sessions.aclose()  # what FastAPI does once the answer is sent


def test_a_session_whose_rollback_fails_is_discarded_not_raised(engine, monkeypatch):
    broken = sa.exc.OperationalError("ROLLBACK", None, ConnectionError("server closed"))

    def close(self: Session) -> None:
        raise broken

    invalidated = []
    monkeypatch.setattr(Session, "close", close)
    monkeypatch.setattr(Session, "invalidate", lambda self: invalidated.append(self))
    asyncio.run(_one_request(lambda session: None))
    assert len(invalidated) == 1


def test_a_connection_the_server_killed_mid_request_is_dropped_quietly(engine, database_url):
    if engine.dialect.name != "postgresql":
        pytest.skip("only a server process can be killed under a connection")

    def kill_my_backend(session: Session) -> None:
        pid = session.execute(sa.text("SELECT pg_backend_pid()")).scalar_one()
        with engine.connect() as other:
            other.execute(sa.text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
            other.commit()

    asyncio.run(_one_request(kill_my_backend))
    # The pool has let the dead connection go: the next request works.
    asyncio.run(_one_request(lambda s: s.execute(sa.text("SELECT 1")).scalar_one()))
