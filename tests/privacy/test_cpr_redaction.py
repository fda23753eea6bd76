"""CPR numbers in what clients send are replaced before storing, and the response says so."""

import uuid
from datetime import timedelta

from sqlmodel import select

from service.advisers.models import Adviser
from service.calls.journal import CallEvent
from service.calls.models import Call
from tests.desk import Desk
from tests.factories import closed_call, create_adviser, create_call, live_call

CPR = "010190-1234"


def stored_notes(session, call_id: str) -> str | None:
    session.expire_all()
    return session.exec(select(Call.notes).where(Call.id == uuid.UUID(call_id))).one()


def test_a_cpr_number_in_new_notes_is_never_stored(client, session):
    call = create_call(client, closed_call(notes=f"Borgeren oplyste cpr {CPR} i samtalen."))
    assert call["notes"] == "Borgeren oplyste cpr [CPR] i samtalen."
    assert call["redacted"] == ["notes"]
    assert stored_notes(session, call["id"]) == call["notes"]
    assert client.get(f"/calls/{call['id']}").json()["redacted"] == ["notes"]


def test_changed_and_closing_notes_are_redacted_too(client, session, clock):
    call = create_call(client)
    assert call["redacted"] == []
    changed = client.patch(f"/calls/{call['id']}", json={"notes": "cpr 0101901234 og 2902961111"})
    assert changed.json()["notes"] == "cpr [CPR] og [CPR]"
    assert changed.json()["redacted"] == ["notes"]
    adviser = create_adviser(client)
    client.put(f"/advisers/{adviser['id']}/presence", json={"presence": "available"})
    live = client.post("/calls", json=live_call(clock())).json()
    for action in ("accept", "end"):
        response = client.post(f"/calls/{live['id']}/{action}", json={"adviser_id": adviser["id"]})
        assert response.status_code == 200, response.text
    closed = client.post(
        f"/calls/{live['id']}/close",
        json={
            "adviser_id": adviser["id"], "caller_type": "employee", "sector": "education",
            "issue_categories": ["workload"], "advice": ["apv"], "notes": f"CPR: {CPR}",
        },
    )  # fmt: skip
    assert closed.status_code == 200, closed.text
    assert stored_notes(session, live["id"]) == "CPR: [CPR]"


def test_reasons_are_redacted(client, session, clock):
    adviser = create_adviser(client)
    response = client.put(
        f"/advisers/{adviser['id']}/presence", json={"presence": "break", "reason": f"ring {CPR}"}
    )
    assert response.json()["presence_reason"] == "ring [CPR]"
    assert response.json()["redacted"] == ["presence_reason"]
    [latest, *_] = client.get(f"/advisers/{adviser['id']}/presence").json()
    assert (latest["reason"], latest["redacted"]) == ("ring [CPR]", ["reason"])
    session.expire_all()
    assert session.get(Adviser, uuid.UUID(adviser["id"])).presence_reason == "ring [CPR]"
    client.put(f"/advisers/{adviser['id']}/presence", json={"presence": "available"})
    call = client.post("/calls", json=live_call(clock() - timedelta(seconds=5))).json()
    rejected = client.post(
        f"/calls/{call['id']}/reject", json={"adviser_id": adviser["id"], "reason": f"{CPR}"}
    )
    assert rejected.status_code == 200, rejected.text
    reasons = session.exec(
        select(CallEvent.reason).where(CallEvent.call_id == uuid.UUID(call["id"]))
    ).all()
    assert "[CPR]" in reasons and not any(CPR in (r or "") for r in reasons)
    events = client.get(f"/calls/{call['id']}/events").json()
    assert {e["type"]: e["redacted"] for e in events}["rejected"] == ["reason"]
    assert {e["type"]: e["redacted"] for e in events}["queued"] == []


def test_what_is_not_a_cpr_number_is_kept(client):
    notes = "Konto 12345678901234, dato 310490-1234, tlf. 21 34 56 78"
    call = create_call(client, closed_call(notes=notes))
    assert (call["notes"], call["redacted"]) == (notes, [])


def test_a_transfer_reason_is_redacted_before_it_is_stored_or_shown(client, session, clock):
    desk = Desk(client, session, clock)
    first, second = desk.adviser(), desk.adviser(available=False)
    call = desk.incoming()
    desk.ok(call["id"], "accept", first)
    transferred = desk.ok(
        call["id"], "transfer", first, to_adviser_id=second,
        reason=f"Borgeren ({CPR}, ellers 0101901234) kender rådgiveren",
    )  # fmt: skip
    # The call's answer carries no reason; its own fields were not redacted.
    assert "reason" not in transferred and transferred["redacted"] == []
    stored = session.exec(
        select(CallEvent.reason).where(
            CallEvent.call_id == uuid.UUID(call["id"]), CallEvent.type == "transferred"
        )
    ).one()
    assert stored == "Borgeren ([CPR], ellers [CPR]) kender rådgiveren"
    [shown] = [e for e in client.get(f"/calls/{call['id']}/events").json()
               if e["type"] == "transferred"]  # fmt: skip
    assert (shown["reason"], shown["redacted"]) == (stored, ["reason"])
    everything = str(client.get(f"/calls/{call['id']}/events").json())
    assert CPR not in everything and "0101901234" not in everything


def test_every_way_of_writing_a_cpr_number_is_redacted_and_a_uuid_is_kept(client, session):
    case = "0a1b2c3d-0101-9012-3456-ab0101901234"
    notes = f"cpr 010190 1234, 01.01.90-1234, 010190\u20131234 og ٠١٠١٩٠-١٢٣٤; sag {case}"
    call = create_call(client, closed_call(notes=notes))
    expected = f"cpr [CPR], [CPR], [CPR] og [CPR]; sag {case}"
    assert (call["notes"], call["redacted"]) == (expected, ["notes"])
    assert stored_notes(session, call["id"]) == expected
