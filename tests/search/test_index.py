"""The index holds what the records hold, no more: it follows a change, a deletion and
retention's erasure, and its objects are all there after the migrations."""

import uuid
from datetime import timedelta

import sqlalchemy as sa
from sqlmodel import Session

from service.calls.models import Call
from service.config import get_settings
from service.retention.service import run_retention
from service.search import index
from service.search import service as search_service
from tests.factories import BASE_TIME, closed_call, create_call, create_case


def hits(client, q: str) -> set[str]:
    response = client.get("/search", params={"q": q})
    assert response.status_code == 200, response.text
    return {hit["id"] for hit in response.json()["items"]}


def is_postgresql(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def test_the_index_objects_exist(session):
    connection = session.connection()
    if is_postgresql(session):
        inspector = sa.inspect(connection)
        for table in index.SOURCE_TABLES:
            columns = {c["name"]: c for c in inspector.get_columns(table)}
            assert index.VECTOR_COLUMN in columns and columns[index.VECTOR_COLUMN]["computed"]
        names = connection.execute(
            sa.text("SELECT indexname, indexdef FROM pg_indexes WHERE indexname = ANY(:n)"),
            {"n": sorted(index.PG_INDEXES)},
        ).all()
        assert {name for name, _ in names} == index.PG_INDEXES
        assert all("USING gin" in definition for _, definition in names)
        return
    # A batch migration that rebuilds one of the tables drops its triggers: this says so.
    triggers = connection.execute(
        sa.text("SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'search_%'")
    ).scalars()
    assert set(triggers) == index.TRIGGERS
    tables = connection.execute(sa.text("SELECT name FROM sqlite_master WHERE type = 'table'"))
    assert set(tables.scalars()) >= index.SQLITE_TABLES


def test_sqlite_keeps_å_ø_æ_as_letters_of_their_own(session):
    if is_postgresql(session):
        return
    sql = (
        session.connection()
        .exec_driver_sql("SELECT sql FROM sqlite_master WHERE name = 'search_fts'")
        .scalar_one()
    )
    assert "remove_diacritics 0" in sql


def test_a_changed_note_is_found_by_its_new_words_only(client, session):
    call = create_call(client, closed_call(notes="Ringer om mobning i afdelingen."))
    assert hits(client, "mobning") == {call["id"]}
    response = client.patch(f"/calls/{call['id']}", json={"notes": "Ringer om chikane."})
    assert response.status_code == 200, response.text
    assert hits(client, "mobning") == set()
    assert hits(client, "chikane") == {call["id"]}
    assert client.patch(f"/calls/{call['id']}", json={"notes": None}).status_code == 200
    assert hits(client, "chikane") == set()
    _check_fts(session)


def test_a_deleted_record_leaves_the_index(client, session):
    call = create_call(client, closed_call(notes="Spørger om hviletid mellem vagterne."))
    assert hits(client, "hviletid") == {call["id"]}
    session.execute(sa.delete(Call).where(Call.id == uuid.UUID(call["id"])))
    session.commit()
    assert hits(client, "hviletid") == set()
    if not is_postgresql(session):
        left = session.connection().exec_driver_sql(
            "SELECT count(*) FROM search_document WHERE record_id = ?",
            (uuid.UUID(call["id"]).hex,),
        )
        assert left.scalar_one() == 0
    _check_fts(session)


def test_text_retention_erased_is_not_found(client, session, clock):
    settings = get_settings()
    call = create_call(client, closed_call(notes="Sygemeldt efter konflikt med vagtplanlæggeren."))
    case = create_case(
        client, title="Konflikt om vagtplanen", summary="Uenighed om weekendvagter og hviletid."
    )
    note = client.post(f"/cases/{case['id']}/notes", json={"body": "Tillidsrepræsentanten ringer."})
    assert note.status_code == 201, note.text
    closed = client.post(f"/cases/{case['id']}/close", json={"outcome": "resolved_by_advice"})
    assert closed.status_code == 200, closed.text
    assert hits(client, "vagtplanlæggeren") == {call["id"]}
    assert hits(client, "weekendvagter") == {case["id"]}
    assert hits(client, "tillidsrepræsentanten") == {note.json()["id"]}

    later = clock() + timedelta(days=settings.case_retention_days + 1)
    assert later - BASE_TIME > timedelta(days=settings.retention_days)
    for key in ("principal", "client_ip", "now"):
        session.info.pop(key, None)  # as the timer runs it: nobody signed in
    run_retention(session=session, settings=settings, now=later)

    assert hits(client, "vagtplanlæggeren") == set()
    assert hits(client, "weekendvagter") == set()
    assert hits(client, "tillidsrepræsentanten") == set()
    assert hits(client, "vagtplanen") == {case["id"]}  # the title stays, and its index
    _check_fts(session)


def _check_fts(session: Session) -> None:
    """FTS5's own check of its index (SQLite): it fails on rows deleted with the wrong text."""
    if not is_postgresql(session):
        session.connection().exec_driver_sql(
            "INSERT INTO search_fts (search_fts) VALUES ('integrity-check')"
        )


def test_the_triggers_are_the_ones_the_service_rebuilds(session):
    # The seeder's big loads drop them and build them again from `index.sqlite_triggers`:
    # the same text as migration 0009's, or a seeded database would differ from a migrated one.
    if is_postgresql(session):
        return
    stored = session.connection().exec_driver_sql(
        "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'search_%'"
    )
    assert dict(stored.all()) == index.sqlite_triggers()


def test_a_load_with_the_index_suspended_finds_the_same(client, session):
    before = create_call(client, closed_call(notes="Kollegaen råber ad alle på mødet."))
    rebuild = index.suspended(session.connection())
    during = create_call(client, closed_call(notes="Lederen råber i telefonen."))
    case = create_case(client, title="Råberiet i teamet")
    rebuild()
    assert hits(client, "råber") == {before["id"], during["id"]}
    assert hits(client, "råberiet") == {case["id"]}
    after = create_call(client, closed_call(notes="Han råber stadig."))  # in step again
    assert hits(client, "råber") == {before["id"], during["id"], after["id"]}
    _check_fts(session)


def test_a_rebuilt_index_holds_the_records_in_time_order(client, session, monkeypatch):
    # A load need not write its records in time order; the rebuild indexes them in it, as
    # the triggers do one by one, so that the search's window is the newest by time.
    monkeypatch.setattr(search_service, "WINDOW", 1)
    rebuild = index.suspended(session.connection())
    newer = create_call(client, closed_call(BASE_TIME + timedelta(hours=2), notes="Råber igen."))
    create_call(client, closed_call(BASE_TIME, notes="Råber i telefonen."))
    rebuild()
    assert hits(client, "råber") == {newer["id"]}
    _check_fts(session)
