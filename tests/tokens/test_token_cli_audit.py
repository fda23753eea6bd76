"""`hotline token create` on record: nobody is signed in, so the system is who acted.

On SQLite and PostgreSQL alike (test_token_cli.py is about SQLite's single writer only).
"""

import hashlib
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select
from typer.testing import CliRunner

from service import migrations
from service.advisers.models import Adviser
from service.audit.models import AuditEvent
from service.cli import app
from service.db import create_db_engine
from service.tokens.models import ApiToken
from tests.conftest import TEST_DATABASE_URL
from tests.databases import throwaway_database


@pytest.fixture(scope="module")
def database(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Engine]]:
    with throwaway_database(TEST_DATABASE_URL, tmp_path_factory.mktemp("cli")) as url:
        migrations.upgrade("head", database_url=url)
        engine = create_db_engine(url)
        try:
            yield url, engine
        finally:
            engine.dispose()


def create_token(url: str, *options: str) -> str:
    """Run the command; the secret it printed last."""
    result = CliRunner().invoke(app, ["token", "create", *options, "--database-url", url])
    assert result.exit_code == 0, result.output
    secret = result.output.strip().splitlines()[-1]
    assert secret.startswith("hl_")
    return secret


def token_for(session: Session, secret: str) -> ApiToken:
    digest = hashlib.sha256(secret.encode()).hexdigest()
    return session.exec(select(ApiToken).where(ApiToken.token_hash == digest)).one()


def trail_of(session: Session, *object_ids: object) -> list[AuditEvent]:
    ids = [str(object_id) for object_id in object_ids]
    query = select(AuditEvent).where(AuditEvent.object_id.in_(ids)).order_by(AuditEvent.id)
    return list(session.exec(query).all())


def test_a_token_and_the_person_it_registers_are_on_record_as_the_systems(database):
    url, engine = database
    secret = create_token(url, "--email", "Ny.Leder@Example.dk", "--role", "admin",
                          "--name", "Ny Leder")  # fmt: skip
    with Session(engine) as session:
        token = token_for(session, secret)
        person = session.get_one(Adviser, token.adviser_id)
        assert (person.email, person.name, token.name, token.role) == (
            "ny.leder@example.dk", "Ny Leder", "Ny Leder", "admin",
        )  # fmt: skip
        events = trail_of(session, token.id, person.id)
    assert [(e.action, e.object_id) for e in events] == [
        ("adviser.create", str(person.id)),
        ("token.create", str(token.id)),
    ]
    for event in events:
        assert (event.role, event.subject, event.result) == ("system", "cli", "ok")
        assert (event.adviser_id, event.token_id, event.client_ip) == (None, None, None)
        assert event.at == token.created_at
    assert {"email", "name"} <= set(events[0].fields)
    assert {"role", "token_hash", "expires_at"} <= set(events[1].fields)
    # Names of fields only: neither the e-mail, the name nor the hash is in the trail.
    written = repr([e.model_dump() for e in events])
    assert "ny.leder" not in written and "Ny Leder" not in written
    assert token.token_hash not in written


def test_a_token_for_a_known_email_goes_to_that_person_and_registers_nobody(database):
    url, engine = database
    first = create_token(url, "--email", "kendt@example.dk", "--role", "adviser",
                         "--name", "Kendt Rådgiver")  # fmt: skip
    second = create_token(url, "--email", "KENDT@example.dk", "--role", "supervisor",
                          "--name", "Bærbar")  # fmt: skip
    with Session(engine) as session:
        before, after = token_for(session, first), token_for(session, second)
        assert after.adviser_id == before.adviser_id
        assert after.id != before.id
        person = session.get_one(Adviser, after.adviser_id)
        people = session.exec(select(Adviser).where(Adviser.email == "kendt@example.dk")).all()
        assert len(people) == 1
        # --name names the token; a known person keeps the name they have.
        assert (person.name, after.name, after.role) == ("Kendt Rådgiver", "Bærbar", "supervisor")
        events = trail_of(session, before.id, after.id, person.id)
    assert [(e.action, e.object_id) for e in events] == [
        ("adviser.create", str(person.id)),
        ("token.create", str(before.id)),
        ("token.create", str(after.id)),
    ]
    assert {(e.role, e.subject) for e in events} == {("system", "cli")}


def test_a_refused_request_creates_nothing_and_records_nothing(database):
    url, engine = database
    with Session(engine) as session:
        rows = len(session.exec(select(AuditEvent)).all())
    result = CliRunner().invoke(
        app, ["token", "create", "--email", "nope", "--role", "admin", "--database-url", url]
    )
    assert result.exit_code != 0
    assert "email" in result.output
    with Session(engine) as session:
        assert len(session.exec(select(AuditEvent)).all()) == rows
        assert session.exec(select(Adviser).where(Adviser.email == "nope")).first() is None
