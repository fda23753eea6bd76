"""A case's notes, its referrals to the inspection and its timeline, through the API."""

import uuid
from collections import Counter
from datetime import timedelta

import pytest
from sqlmodel import func, select

from service.audit.models import AuditEvent
from service.cases.models import Case, CaseEvent, CaseNote, CaseReferral, CaseTask
from tests.desk import CLASSIFICATION, Desk
from tests.factories import (
    assert_problem,
    bearer,
    closed_call,
    create_adviser,
    create_call,
    create_case,
    make_token,
    parse_time,
)

CPR = "010190-1234"
VALID_CVR = "13585628"
REFERRAL = {
    "to": "Arbejdstilsynet",
    "reason": "Gentagne trusler fra en beboer; ledelsen reagerer ikke.",
    "consent": True,
}
READS = ("case_note.read", "case_task.read", "case_referral.read", "call.read")


def count(session, model, *where) -> int:
    session.expire_all()
    return session.exec(select(func.count()).select_from(model).where(*where)).one()


def reads(session) -> Counter:
    """The free-text reads on record, as (action, object id, fields) counted."""
    session.expire_all()
    rows = session.exec(select(AuditEvent).where(AuditEvent.action.in_(READS))).all()
    return Counter((row.action, row.object_id, tuple(row.fields or ())) for row in rows)


def case_events(session, case_id: str) -> list[tuple[str, str | None, str | None]]:
    session.expire_all()
    statement = select(CaseEvent).where(CaseEvent.case_id == uuid.UUID(case_id))
    events = session.exec(statement.order_by(CaseEvent.at, CaseEvent.id)).all()
    return [(event.type, event.from_status, event.to_status) for event in events]


@pytest.fixture
def owner(client, session, clock):
    """An adviser who owns a case, with their token's headers."""
    adviser = create_adviser(client)
    token = make_token(session, "adviser", adviser_id=adviser["id"], now=clock())
    case = create_case(client, owner_adviser_id=adviser["id"])
    return adviser["id"], case, bearer(token)


def close(client, case_id: str) -> None:
    response = client.post(f"/cases/{case_id}/close", json={"outcome": "resolved_by_advice"})
    assert response.status_code == 200, response.text


# -- notes ------------------------------------------------------------------------------------


def test_a_note_is_stored_without_the_cpr_number_and_names_its_author(
    client, session, clock, owner
):
    adviser_id, case, headers = owner
    body = {"body": f"Ringede igen, CPR {CPR}; lederen har ikke svaret."}
    response = client.post(f"/cases/{case['id']}/notes", json=body, headers=headers)
    assert response.status_code == 201, response.text
    note = response.json()
    assert note["body"] == "Ringede igen, CPR [CPR]; lederen har ikke svaret."
    assert note["redacted"] == ["body"]
    assert (note["case_id"], note["author"]) == (case["id"], f"adviser:{adviser_id}")
    assert note["author_adviser_id"] == adviser_id
    assert parse_time(note["created_at"]) == clock()
    session.expire_all()
    stored = session.get(CaseNote, uuid.UUID(note["id"]))
    assert CPR not in stored.body and "[CPR]" in stored.body
    # The case moved on (a new ETag); its answer's text read is on record.
    assert session.get(Case, uuid.UUID(case["id"])).version == case["version"] + 1
    assert reads(session)[("case_note.read", note["id"], ("body",))] == 1


def test_a_supervisors_note_names_no_adviser(client, session, clock, owner):
    _, case, _ = owner
    headers = bearer(make_token(session, "supervisor", now=clock()))
    response = client.post(f"/cases/{case['id']}/notes", json={"body": "Set."}, headers=headers)
    assert response.status_code == 201, response.text
    assert response.json()["author_adviser_id"] is None
    assert response.json()["author"].startswith("supervisor:")
    assert response.json()["redacted"] == []


@pytest.mark.parametrize("method", ["PATCH", "PUT", "DELETE"])
def test_notes_are_append_only(client, session, owner, method):
    _, case, _ = owner
    client.post(f"/cases/{case['id']}/notes", json={"body": "Første note."})
    response = client.request(method, f"/cases/{case['id']}/notes", json={"body": "Ændret."})
    assert_problem(response, 405)
    assert response.headers["allow"] == "POST"
    [note] = session.exec(select(CaseNote).where(CaseNote.case_id == uuid.UUID(case["id"])))
    path = f"/cases/{case['id']}/notes/{note.id}"
    assert client.request(method, path, json={"body": "Ændret."}).status_code == 404
    session.expire_all()
    assert session.get(CaseNote, note.id).body == "Første note."


@pytest.mark.parametrize(
    "body",
    [{}, {"body": ""}, {"body": "x" * 4001}, {"body": "nul\x00tegn"}, {"body": 7}],
)
def test_a_bad_note_is_a_422_naming_body_and_stores_nothing(client, session, owner, body):
    _, case, _ = owner
    assert_problem(client.post(f"/cases/{case['id']}/notes", json=body), 422, "body")
    assert count(session, CaseNote) == 0


def test_a_note_with_an_unknown_field_is_a_422_naming_it(client, session, owner):
    _, case, _ = owner
    response = client.post(f"/cases/{case['id']}/notes", json={"body": "Ok", "author": "mig"})
    assert_problem(response, 422, "author")
    assert count(session, CaseNote) == 0


def test_a_note_on_a_closed_case_is_409_and_stores_nothing(client, session, owner):
    _, case, _ = owner
    close(client, case["id"])
    body = assert_problem(client.post(f"/cases/{case['id']}/notes", json={"body": "Sent"}), 409)
    assert body["case_status"] == "closed"
    assert count(session, CaseNote) == 0


def test_a_retried_note_is_stored_once(client, session, owner):
    _, case, _ = owner
    headers = {"Idempotency-Key": "note-1"}
    path = f"/cases/{case['id']}/notes"
    first = client.post(path, json={"body": "Én gang."}, headers=headers)
    again = client.post(path, json={"body": "Én gang."}, headers=headers)
    assert (first.status_code, again.status_code) == (201, 201), again.text
    assert again.json() == first.json()
    assert count(session, CaseNote) == 1
    other = client.post(path, json={"body": "Noget andet."}, headers=headers)
    assert_problem(other, 422, "Idempotency-Key")
    assert count(session, CaseNote) == 1


def test_an_adviser_not_part_of_the_case_may_not_add_a_note(client, session, clock, owner):
    _, case, _ = owner
    stranger = create_adviser(client)
    headers = bearer(make_token(session, "adviser", adviser_id=stranger["id"], now=clock()))
    response = client.post(f"/cases/{case['id']}/notes", json={"body": "Hej"}, headers=headers)
    assert_problem(response, 403)
    assert count(session, CaseNote) == 0


# -- referrals --------------------------------------------------------------------------------


def refer(client, case_id: str, **overrides) -> dict:
    response = client.post(f"/cases/{case_id}/referrals", json=REFERRAL | overrides)
    assert response.status_code == 201, response.text
    return response.json()


def test_a_referral_is_sent_about_the_cases_workplace_without_the_cpr_number(
    client, session, clock
):
    workplace = {"cvr": VALID_CVR, "name": "Bostedet Egely", "address": "Egevej 1, 4000 Roskilde"}
    case = create_case(client, workplace=workplace)
    reason = f"Beboer med CPR {CPR} truer personalet."
    response = client.post(f"/cases/{case['id']}/referrals", json=REFERRAL | {"reason": reason})
    assert response.status_code == 201, response.text
    referral = response.json()
    assert referral["reason"] == "Beboer med CPR [CPR] truer personalet."
    assert referral["redacted"] == ["reason"]
    assert referral["workplace"] == workplace
    assert (referral["status"], referral["version"], referral["to"]) == (
        "sent",
        1,
        "Arbejdstilsynet",
    )
    assert (referral["anonymous"], referral["consent"]) == (False, True)
    assert parse_time(referral["status_changed_at"]) == clock()
    assert response.headers["etag"] == f'"{referral["id"]}-1"'
    stored = session.get(CaseReferral, uuid.UUID(referral["id"]))
    assert CPR not in stored.reason
    [event] = session.exec(select(CaseEvent).where(CaseEvent.type == "referral_sent")).all()
    assert (str(event.referral_id), str(event.case_id)) == (referral["id"], case["id"])
    assert reads(session)[("case_referral.read", referral["id"], ("reason",))] == 1


def test_a_referral_may_name_another_workplace_by_name_and_address(client):
    case = create_case(client, workplace={"cvr": VALID_CVR})
    place = {"name": "Filialen", "address": "Havnegade 2, 8000 Aarhus C"}
    referral = refer(client, case["id"], workplace=place)
    assert referral["workplace"] == place | {"cvr": None}


@pytest.mark.parametrize(
    ("case_workplace", "sent"),
    [
        (None, None),
        ({"name": "Bostedet Egely"}, None),  # a name alone is not enough to find it
        ({"cvr": VALID_CVR}, {"name": "Filialen"}),  # what is sent replaces the case's
        (None, {}),
    ],
)
def test_a_referral_without_a_known_workplace_is_a_422_naming_it(
    client, session, case_workplace, sent
):
    case = create_case(client, **({"workplace": case_workplace} if case_workplace else {}))
    body = REFERRAL | ({"workplace": sent} if sent is not None else {})
    response = client.post(f"/cases/{case['id']}/referrals", json=body)
    assert_problem(response, 422, "workplace")
    assert count(session, CaseReferral) == 0
    assert count(session, CaseEvent, CaseEvent.type == "referral_sent") == 0


def test_a_referral_with_a_bad_cvr_is_a_422_naming_it(client, session):
    case = create_case(client)
    body = REFERRAL | {"workplace": {"cvr": "12345678"}}
    assert_problem(client.post(f"/cases/{case['id']}/referrals", json=body), 422, "workplace.cvr")
    assert count(session, CaseReferral) == 0


def test_a_referral_that_names_the_caller_needs_their_consent(client, session):
    case = create_case(client, workplace={"cvr": VALID_CVR})
    for body in (REFERRAL | {"consent": False}, {"to": "Arbejdstilsynet", "reason": "Trusler"}):
        response = client.post(f"/cases/{case['id']}/referrals", json=body)
        assert_problem(response, 422, "consent")
    assert count(session, CaseReferral) == 0
    anonymous = refer(client, case["id"], consent=False, anonymous=True)
    assert (anonymous["anonymous"], anonymous["consent"]) == (True, False)


def test_consent_and_workplace_are_named_together(client, session):
    case = create_case(client)
    response = client.post(f"/cases/{case['id']}/referrals", json=REFERRAL | {"consent": False})
    assert_problem(response, 422, "consent", "workplace")


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"to": ""}, "to"),
        ({"to": "x" * 81}, "to"),
        ({"reason": "x" * 2001}, "reason"),
        ({"reason": None}, "reason"),
        ({"consent": "yes"}, "consent"),
        ({"anonymous": 1}, "anonymous"),
        ({"status": "accepted"}, "status"),
    ],
)
def test_a_bad_referral_is_a_422_naming_the_field(client, session, change, field):
    case = create_case(client, workplace={"cvr": VALID_CVR})
    response = client.post(f"/cases/{case['id']}/referrals", json=REFERRAL | change)
    assert_problem(response, 422, field)
    assert count(session, CaseReferral) == 0


def test_only_a_live_case_is_referred(client, session):
    case = create_case(client, workplace={"cvr": VALID_CVR})
    close(client, case["id"])
    body = assert_problem(client.post(f"/cases/{case['id']}/referrals", json=REFERRAL), 409)
    assert body["case_status"] == "closed"
    assert count(session, CaseReferral) == 0


def test_a_waiting_case_is_referred(client):
    case = create_case(client, workplace={"cvr": VALID_CVR})
    assert client.post(f"/cases/{case['id']}/wait", json={"waiting_for": "caller"}).is_success
    assert refer(client, case["id"])["status"] == "sent"


def test_a_retried_referral_is_sent_once(client, session):
    case = create_case(client, workplace={"cvr": VALID_CVR})
    path, headers = f"/cases/{case['id']}/referrals", {"Idempotency-Key": "ref-1"}
    first = client.post(path, json=REFERRAL, headers=headers)
    again = client.post(path, json=REFERRAL, headers=headers)
    assert (first.status_code, again.status_code) == (201, 201), again.text
    assert again.json() == first.json()
    assert count(session, CaseReferral) == 1
    assert count(session, CaseEvent, CaseEvent.type == "referral_sent") == 1


def test_a_referral_is_acknowledged_then_accepted_and_its_answer_is_final(client, session, clock):
    case = create_case(client, workplace={"cvr": VALID_CVR})
    referral = refer(client, case["id"])
    path = f"/cases/{case['id']}/referrals/{referral['id']}"
    clock.advance(60)
    acknowledged = client.patch(
        path, json={"status": "acknowledged"}, headers={"If-Match": f'"{referral["id"]}-1"'}
    )
    assert acknowledged.status_code == 200, acknowledged.text
    assert acknowledged.json()["status"] == "acknowledged"
    assert parse_time(acknowledged.json()["status_changed_at"]) == clock()
    clock.advance(60)
    accepted = client.patch(path, json={"status": "accepted", "external_reference": "AT-42"})
    assert accepted.status_code == 200, accepted.text
    assert (accepted.json()["status"], accepted.json()["external_reference"]) == (
        "accepted",
        "AT-42",
    )
    assert accepted.json()["version"] == 3
    assert accepted.headers["etag"] == f'"{referral["id"]}-3"'

    declined = client.patch(path, json={"status": "declined"})
    body = assert_problem(declined, 409)
    assert body["referral_status"] == "accepted"
    assert "final" in body["detail"]
    session.expire_all()
    stored = session.get(CaseReferral, uuid.UUID(referral["id"]))
    assert (stored.status, stored.version) == ("accepted", 3)
    assert case_events(session, case["id"])[-3:] == [
        ("referral_sent", None, "sent"),
        ("referral_changed", "sent", "acknowledged"),
        ("referral_changed", "acknowledged", "accepted"),
    ]


def test_the_same_answer_again_changes_nothing(client, session):
    case = create_case(client, workplace={"cvr": VALID_CVR})
    referral = refer(client, case["id"])
    path = f"/cases/{case['id']}/referrals/{referral['id']}"
    first = client.patch(path, json={"status": "acknowledged"})
    again = client.patch(path, json={"status": "acknowledged"})
    assert (first.status_code, again.status_code) == (200, 200), again.text
    assert again.json() == first.json()
    assert count(session, CaseEvent, CaseEvent.type == "referral_changed") == 1
    # Only a reference the inspection gave since is news: stored, with no step on the timeline.
    referenced = client.patch(path, json={"status": "acknowledged", "external_reference": "AT-7"})
    assert (referenced.json()["external_reference"], referenced.json()["version"]) == ("AT-7", 3)
    assert referenced.json()["status_changed_at"] == first.json()["status_changed_at"]
    assert count(session, CaseEvent, CaseEvent.type == "referral_changed") == 1
    assert_problem(client.patch(path, json={"status": "sent"}), 422, "status")


def test_an_answer_to_a_stale_copy_is_412_and_changes_nothing(client, session):
    case = create_case(client, workplace={"cvr": VALID_CVR})
    referral = refer(client, case["id"])
    path = f"/cases/{case['id']}/referrals/{referral['id']}"
    assert client.patch(path, json={"status": "acknowledged"}).status_code == 200
    stale = {"If-Match": f'"{referral["id"]}-1"'}
    assert_problem(client.patch(path, json={"status": "declined"}, headers=stale), 412)
    session.expire_all()
    assert session.get(CaseReferral, uuid.UUID(referral["id"])).status == "acknowledged"


def test_a_referral_is_answered_only_on_its_own_case(client):
    case = create_case(client, workplace={"cvr": VALID_CVR})
    other = create_case(client, workplace={"cvr": VALID_CVR})
    referral = refer(client, case["id"])
    wrong = client.patch(
        f"/cases/{other['id']}/referrals/{referral['id']}", json={"status": "accepted"}
    )
    assert_problem(wrong, 404)
    unknown = f"/cases/{case['id']}/referrals/{uuid.uuid4()}"
    assert_problem(client.patch(unknown, json={"status": "accepted"}), 404)
    assert_problem(client.patch(unknown, json={}), 422, "status")


def test_an_adviser_may_not_answer_a_referral(client, session, owner):
    _, case, headers = owner
    client.patch(f"/cases/{case['id']}", json={"workplace": {"cvr": VALID_CVR}})
    referral = client.post(f"/cases/{case['id']}/referrals", json=REFERRAL, headers=headers)
    assert referral.status_code == 201, referral.text
    path = f"/cases/{case['id']}/referrals/{referral.json()['id']}"
    body = assert_problem(client.patch(path, json={"status": "accepted"}, headers=headers), 403)
    assert "role" in body["detail"]
    session.expire_all()
    assert session.get(CaseReferral, uuid.UUID(referral.json()["id"])).status == "sent"


def test_an_answer_is_recorded_on_a_closed_case_too(client):
    """The inspection may answer after the case closed."""
    case = create_case(client, workplace={"cvr": VALID_CVR})
    referral = refer(client, case["id"])
    close(client, case["id"])
    path = f"/cases/{case['id']}/referrals/{referral['id']}"
    assert client.patch(path, json={"status": "declined"}).json()["status"] == "declined"


# -- the timeline -----------------------------------------------------------------------------


def walk(client, path: str, limit: int, headers=None) -> list[list[dict]]:
    pages, cursor = [], None
    while True:
        params = {"limit": limit} | ({"cursor": cursor} if cursor else {})
        response = client.get(path, params=params, headers=headers)
        assert response.status_code == 200, response.text
        pages.append(response.json()["items"])
        cursor = response.json()["next_cursor"]
        if cursor is None:
            return pages
        assert len(pages) < 50, "the pages never end"


@pytest.fixture
def history(client, session, clock):
    """A case with two linked calls, a task, a note, a referral and a status change."""
    start = clock()
    first = create_call(client, closed_call(start - timedelta(hours=2), notes="Første opkald."))
    second = create_call(client, closed_call(start - timedelta(hours=1), notes=f"CPR {CPR}."))
    case = create_case(client, workplace={"cvr": VALID_CVR})
    for call in (first, second):
        clock.advance(5)
        linked = client.post(f"/cases/{case['id']}/calls", json={"call_id": call["id"]})
        assert linked.status_code == 200, linked.text
    clock.advance(5)
    task = CaseTask(
        case_id=uuid.UUID(case["id"]),
        kind="send_material",
        due_at=clock() + timedelta(days=2),
        note="Send pjecen om vold.",
        created_at=clock(),
        updated_at=clock(),
    )
    session.add(task)
    session.commit()
    clock.advance(5)
    note = client.post(f"/cases/{case['id']}/notes", json={"body": "Lederen er kontaktet."})
    assert note.status_code == 201, note.text
    clock.advance(5)
    referral = refer(client, case["id"])
    clock.advance(5)
    assert client.post(f"/cases/{case['id']}/wait", json={"waiting_for": "third_party"}).is_success
    return {
        "case": case,
        "calls": [first, second],
        "task_id": str(task.id),
        "note": note.json(),
        "referral": referral,
    }


def test_the_timeline_merges_everything_newest_first(client, session, history):
    case = history["case"]
    response = client.get(f"/cases/{case['id']}/timeline")
    assert response.status_code == 200, response.text
    page = response.json()
    assert page["next_cursor"] is None
    entries = page["items"]
    keys = [(parse_time(e["at"]), uuid.UUID(e["id"])) for e in entries]
    assert keys == sorted(keys, reverse=True)
    assert len(set(keys)) == len(keys)
    kinds = [e["kind"] if e["kind"] != "event" else e["type"] for e in entries]
    # The referral and its `referral_sent` step share a moment: the id decides between them.
    assert kinds[0] == "status_changed"
    assert set(kinds[1:3]) == {"referral", "referral_sent"}
    assert kinds[3:] == ["note", "task", "call_linked", "call_linked", "opened", "call", "call"]

    status, note, task, first, second = (
        entries[0],
        entries[3],
        entries[4],
        entries[-1],
        entries[-2],
    )
    assert (status["from_status"], status["to_status"]) == ("open", "waiting")
    assert status["actor"].startswith("admin:")
    assert (note["id"], note["body"], note["author"]) == (
        history["note"]["id"],
        "Lederen er kontaktet.",
        history["note"]["author"],
    )
    assert (task["id"], task["task_kind"], task["state"], task["note"]) == (
        history["task_id"],
        "send_material",
        "open",
        "Send pjecen om vold.",
    )
    [referral] = [e for e in entries if e["kind"] == "referral"]
    assert (referral["id"], referral["to"], referral["status"]) == (
        history["referral"]["id"],
        "Arbejdstilsynet",
        "sent",
    )
    [sent] = [e for e in entries if e.get("type") == "referral_sent"]
    assert sent["referral_id"] == history["referral"]["id"]
    assert [first["id"], second["id"]] == [c["id"] for c in history["calls"]]
    assert first["at"] == first["received_at"] == history["calls"][0]["received_at"]
    assert (second["notes"], second["redacted"]) == ("CPR [CPR].", ["notes"])
    assert (first["issue_categories"], first["advice"], first["status"]) == (
        ["workload", "emotional_demands"],
        ["apv", "involve_representatives"],
        "closed",
    )
    # Recorded after the fact: no journal, 11m35s from answered to ended.
    assert first["journal"] == {
        "offers": 0,
        "holds": 0,
        "transfers": 0,
        "talk_s": 695,
        "hold_s": 0,
    }


def test_the_timeline_pages_without_gaps_or_repeats(client, session, history):
    path = f"/cases/{history['case']['id']}/timeline"
    whole = client.get(path).json()["items"]
    assert len(whole) == 10
    pages = walk(client, path, 2)
    assert [entry for page in pages for entry in page] == whole
    assert [len(page) for page in pages] == [2] * 5
    pages = walk(client, path, 3)
    assert [len(page) for page in pages] == [3, 3, 3, 1]
    assert [entry for page in pages for entry in page] == whole


def test_the_timeline_records_a_read_of_each_free_text_it_shows(client, session, history):
    path = f"/cases/{history['case']['id']}/timeline"
    before = reads(session)
    # The first page shows the status change and the referral: no free text, no rows.
    first = client.get(path, params={"limit": 3})
    assert first.status_code == 200, first.text
    assert reads(session) == before
    second = client.get(path, params={"limit": 1, "cursor": first.json()["next_cursor"]})
    assert [e["kind"] for e in second.json()["items"]] == ["note"]
    assert reads(session) - before == Counter(
        {("case_note.read", history["note"]["id"], ("body",)): 1}
    )
    before = reads(session)
    rest = client.get(path, params={"limit": 50, "cursor": second.json()["next_cursor"]})
    assert rest.status_code == 200, rest.text
    first_call, second_call = history["calls"]
    assert reads(session) - before == Counter(
        {
            ("case_task.read", history["task_id"], ("note",)): 1,
            ("call.read", first_call["id"], ("notes",)): 1,
            ("call.read", second_call["id"], ("notes",)): 1,
        }
    )


def test_a_call_entry_sums_up_its_journal(client, session, clock):
    desk = Desk(client, session, clock)
    adviser = desk.adviser()
    call = desk.incoming()
    clock.advance(8)
    desk.ok(call["id"], "accept", adviser)
    clock.advance(60)
    desk.ok(call["id"], "hold", adviser)
    clock.advance(30)
    desk.ok(call["id"], "resume", adviser)
    clock.advance(300)
    desk.ok(call["id"], "end", adviser)
    desk.ok(call["id"], "close", adviser, **CLASSIFICATION)
    case = create_case(client, call_ids=[call["id"]])
    [entry] = [
        e
        for e in client.get(f"/cases/{case['id']}/timeline").json()["items"]
        if e["kind"] == "call"
    ]
    assert entry["journal"] == {
        "offers": 1,
        "holds": 1,
        "transfers": 0,
        "talk_s": 360,
        "hold_s": 30,
    }
    assert (entry["adviser_id"], entry["direction"], entry["line"]) == (
        adviser,
        "inbound",
        "stress",
    )
    assert entry["notes"] is None
    assert ("call.read", call["id"], ("notes",)) not in reads(session)


def test_an_empty_cursor_or_limit_is_refused(client, history):
    path = f"/cases/{history['case']['id']}/timeline"
    assert_problem(client.get(path, params={"cursor": "garbage!"}), 422, "cursor")
    assert_problem(client.get(path, params={"limit": 0}), 422, "limit")
    assert_problem(client.get(path, params={"limit": 501}), 422, "limit")
    assert_problem(client.get(path, params={"since": "x"}), 422, "since")


def test_an_adviser_sees_the_timeline_of_their_case_only(client, session, clock, owner):
    _, case, headers = owner
    clock.advance(1)
    note = client.post(f"/cases/{case['id']}/notes", json={"body": "Min note."}, headers=headers)
    assert note.status_code == 201, note.text
    mine = client.get(f"/cases/{case['id']}/timeline", headers=headers)
    assert mine.status_code == 200, mine.text
    assert [e["kind"] for e in mine.json()["items"]] == ["note", "event"]

    stranger = create_adviser(client)
    theirs = bearer(make_token(session, "adviser", adviser_id=stranger["id"], now=clock()))
    before = reads(session)
    assert_problem(client.get(f"/cases/{case['id']}/timeline", headers=theirs), 403)
    assert_problem(client.get(f"/cases/{uuid.uuid4()}/timeline", headers=theirs), 403)
    assert reads(session) == before  # nothing shown, nothing read
    assert_problem(client.get(f"/cases/{uuid.uuid4()}/timeline"), 404)
    # A closed case is the supervisors' to show.
    close(client, case["id"])
    assert_problem(client.get(f"/cases/{case['id']}/timeline", headers=headers), 403)
