"""Fixtures: a migrated test database, one rolled-back transaction per test, an API client.

The suite runs on SQLite by default and on PostgreSQL when HOTLINE_TEST_DATABASE_URL is set.
"""

import os
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from hypothesis import settings
from sqlalchemy import Engine
from sqlmodel import Session

from service import migrations
from service.config import get_settings
from service.db import create_db_engine, get_engine, get_session, writing_session
from service.main import create_app
from tests.databases import throwaway_database
from tests.factories import bearer, make_token

TEST_DATABASE_URL = os.environ.get("HOTLINE_TEST_DATABASE_URL")
# Property tests and schemathesis try the same examples on every run, so that CI is
# repeatable; HOTLINE_HYPOTHESIS_PROFILE=explore draws new ones to hunt for more.
settings.register_profile("repeatable", derandomize=True, deadline=None)
settings.register_profile("explore", deadline=None, max_examples=200)
settings.load_profile(os.environ.get("HOTLINE_HYPOTHESIS_PROFILE", "repeatable"))
# The person behind the `client` fixture's admin token (registered, serving no line).
TEST_ADMIN_EMAIL = "test-admin@example.dk"
# Tests drive the desk's clock themselves; a timer would commit behind their backs.
os.environ["HOTLINE_ROUTING_TIMER"] = "false"
os.environ["HOTLINE_RETENTION_TIMER"] = "false"
# Nor does the desk's push run in-process: the real-server tests turn it on (test_desk_events).
os.environ["HOTLINE_DESK_PUSH"] = "false"


class FakeClock:
    """The desk's clock in tests: it starts at the real time and moves only when told."""

    def __init__(self) -> None:
        self.now = datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.now

    def set(self, moment: datetime) -> None:
        self.now = moment

    def advance(self, seconds: float) -> datetime:
        self.now += timedelta(seconds=seconds)
        return self.now


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with throwaway_database(TEST_DATABASE_URL, tmp_path_factory.mktemp("db")) as url:
        yield url


@pytest.fixture(scope="session")
def engine(database_url: str) -> Iterator[Engine]:
    # Anything that reads the settings (the CLI, Alembic) sees the test database too.
    os.environ["HOTLINE_DATABASE_URL"] = database_url
    get_settings.cache_clear()
    get_engine.cache_clear()
    migrations.upgrade("head", database_url=database_url)
    engine = create_db_engine(database_url)
    yield engine
    engine.dispose()
    get_engine.cache_clear()


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    """A session whose commits are savepoints inside one transaction rolled back at the end."""
    with engine.connect() as connection:
        transaction = connection.begin()
        session = Session(bind=connection, join_transaction_mode="create_savepoint")
        try:
            yield session
        finally:
            session.close()
            transaction.rollback()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def client(session: Session, clock: FakeClock) -> Iterator[TestClient]:
    def session_for_request() -> Iterator[Session]:
        try:
            yield session
        finally:
            # What closing the production session does to work a failed request left behind.
            session.rollback()

    app = create_app()
    app.state.clock = clock
    app.dependency_overrides[get_session] = session_for_request
    with TestClient(app, raise_server_exceptions=False) as client:
        # An admin may do everything: tests about who may do what set their own token.
        admin = make_token(session, "admin", email=TEST_ADMIN_EMAIL, days=3650, now=clock())
        client.headers.update(bearer(admin))
        yield client


@dataclass
class Committed:
    """A client of the real app on a database of its own, and that database's URL."""

    client: TestClient
    url: str


@pytest.fixture
def committed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Committed]:
    """The real app, sessions and all, on a database of its own: commits are real, and
    requests in threads race as they would in production. Signed in as an admin."""
    with throwaway_database(TEST_DATABASE_URL, tmp_path) as url:
        migrations.upgrade("head", database_url=url)
        monkeypatch.setenv("HOTLINE_DATABASE_URL", url)
        get_settings.cache_clear()
        get_engine.cache_clear()
        try:
            with writing_session(get_engine()) as session:
                token = make_token(session, "admin", days=1)
            with TestClient(create_app(), raise_server_exceptions=False) as client:
                client.headers.update(bearer(token))
                yield Committed(client, url)
        finally:
            get_engine().dispose()
            get_engine.cache_clear()
            get_settings.cache_clear()


@pytest.fixture
def repo_root() -> Path:
    return Path(__file__).resolve().parents[1]
