"""The phone system's token: a service account of the role telephony, named, of no person."""

import uuid

import pytest
from sqlmodel import Session, func, select
from typer.testing import CliRunner

from service.advisers.models import Adviser
from service.audit.models import AuditEvent
from service.cli import app
from service.tokens.models import ApiToken
from tests.factories import assert_problem, bearer
from tests.tokens.test_token_cli_audit import create_token, database, token_for, trail_of

__all__ = ["database"]  # the module's fixture, shared


def counts(session: Session) -> tuple[int, int]:
    session.expire_all()
    return (
        session.exec(select(func.count()).select_from(ApiToken)).one(),
        session.exec(select(func.count()).select_from(Adviser)).one(),
    )


def test_admins_make_the_phone_systems_token_with_a_name_and_no_email(client, session):
    tokens, people = counts(session)
    response = client.post(
        "/tokens", json={"role": "telephony", "name": "phone system", "days": 365}
    )
    assert response.status_code == 201, response.text
    created = response.json()
    assert (created["role"], created["name"], created["adviser_id"]) == (
        "telephony",
        "phone system",
        None,
    )
    # A service account: nobody was registered for it.
    assert counts(session) == (tokens + 1, people)
    listed = {t["id"]: t for t in client.get("/tokens").json()}
    assert listed[created["id"]]["adviser_id"] is None
    # It works: the queue is what the phone system reads.
    assert client.get("/queue", headers=bearer(created["token"])).status_code == 200
    # Its making is on record as the admin's, as every token's is.
    session.expire_all()
    [made] = session.exec(
        select(AuditEvent).where(
            AuditEvent.object_id == created["id"], AuditEvent.action == "token.create"
        )
    ).all()
    assert made.role == "admin"


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        # A service account belongs to no person: an e-mail would register one.
        ({"role": "telephony", "name": "phone system", "email": "pbx@example.dk"}, "email"),
        # Named, so that the token list and the audit trail tell it apart from others.
        ({"role": "telephony"}, "name"),
        ({"role": "telephony", "name": ""}, "name"),
        # A person's token still needs the person.
        ({"role": "adviser"}, "email"),
        ({"role": "supervisor", "name": "Leder"}, "email"),
    ],
)
def test_a_token_request_that_mixes_up_person_and_service_account_is_refused(
    client, session, payload, field
):
    before = counts(session)
    body = assert_problem(client.post("/tokens", json=payload), 422, field)
    assert [e["field"] for e in body["errors"]] == [field]
    assert counts(session) == before


def test_only_admins_make_a_telephony_token(client, session, clock):
    from tests.auth.telephony import telephony_token
    from tests.factories import make_token

    before = counts(session)
    for secret in (
        make_token(session, "supervisor", now=clock()),
        telephony_token(session, now=clock()),
    ):
        before = counts(session)
        response = client.post(
            "/tokens", json={"role": "telephony", "name": "another"}, headers=bearer(secret)
        )
        assert_problem(response, 403)
        assert counts(session) == before


def test_the_command_makes_the_phone_systems_token_without_an_email(database):
    url, engine = database
    with Session(engine) as session:
        _, people = counts(session)
    secret = create_token(url, "--role", "telephony", "--name", "phone system", "--days", "365")
    with Session(engine) as session:
        token = token_for(session, secret)
        assert (token.role, token.name, token.adviser_id) == ("telephony", "phone system", None)
        assert (token.expires_at - token.created_at).days == 365
        assert counts(session)[1] == people  # nobody registered
        [event] = trail_of(session, token.id)
    assert (event.action, event.role, event.subject) == ("token.create", "system", "cli")


@pytest.mark.parametrize(
    ("options", "says"),
    [
        (["--role", "telephony", "--name", "phone system", "--email", "pbx@example.dk"],
         "email: Value error, a telephony token is the phone system's"),
        (["--role", "telephony"], "name: Value error, a telephony token needs a name"),
        (["--role", "admin"], "email: Value error, the e-mail of the person"),
    ],
)  # fmt: skip
def test_the_command_refuses_a_mixed_up_request_and_makes_nothing(database, options, says):
    url, engine = database
    with Session(engine) as session:
        before = counts(session)
    result = CliRunner().invoke(app, ["token", "create", *options, "--database-url", url])
    assert result.exit_code == 2, result.output
    assert says in " ".join(result.output.split())
    with Session(engine) as session:
        assert counts(session) == before


def test_a_telephony_token_is_a_service_account_in_the_database(session):
    """The table holds it to that too: no person for telephony, a person for everyone else."""
    import sqlalchemy as sa
    from sqlalchemy.exc import IntegrityError

    from tests.factories import BASE_TIME

    row = {
        "id": uuid.uuid4(),
        "name": "phone system",
        "token_hash": uuid.uuid4().hex,
        "created_at": BASE_TIME,
        "expires_at": BASE_TIME,
    }
    for refused in (
        {"role": "adviser", "adviser_id": None},
        {"role": "telephony", "adviser_id": None, "name": None},
    ):
        with pytest.raises(IntegrityError):
            session.execute(sa.insert(ApiToken.__table__).values(row | refused))
        session.rollback()
