"""What an adviser's token fills in and may not set when recording or changing a call."""

from datetime import timedelta

import pytest

from tests.factories import (
    assert_problem,
    bearer,
    closed_call,
    count_rows,
    create_adviser,
    live_call,
    make_token,
)


@pytest.fixture
def adviser(client, session, clock):
    me = create_adviser(client)
    return me["id"], bearer(make_token(session, "adviser", adviser_id=me["id"], now=clock()))


def test_a_call_recorded_after_the_fact_is_the_recording_advisers(client, adviser):
    """It used to be stored without an adviser: 201, then 403 on reading it back."""
    me, headers = adviser
    created = client.post("/calls", json=closed_call(), headers=headers)
    assert created.status_code == 201, created.text
    assert created.json()["adviser_id"] == me
    again = client.get(created.headers["location"], headers=headers)
    assert again.status_code == 200, again.text
    # A hang-up recorded after the fact too.
    hung_up = {"line": "stress", "received_at": closed_call()["received_at"]}
    hung_up["ended_at"] = closed_call()["answered_at"]
    assert client.post("/calls", json=hung_up, headers=headers).json()["adviser_id"] == me


def test_a_live_call_an_adviser_posts_is_routed_not_taken(client, adviser, clock):
    _, headers = adviser
    live = client.post("/calls", json=live_call(clock() - timedelta(seconds=5)), headers=headers)
    assert live.status_code == 201, live.text
    assert live.json()["adviser_id"] is None  # no one available: it waits
    # A supervisor's after-the-fact call stays without an adviser unless one is named.
    assert client.post("/calls", json=closed_call()).json()["adviser_id"] is None


@pytest.mark.parametrize(
    ("field", "value"), [("direction", "outbound"), ("priority", 5)], ids=["outbound", "priority"]
)
def test_an_adviser_may_not_set_what_routing_or_supervisors_set(
    client, session, clock, adviser, field, value
):
    _, headers = adviser
    recent = clock() - timedelta(hours=1)  # within the adviser's time to change it
    before = count_rows(session)
    body = assert_problem(
        client.post("/calls", json=closed_call(recent, **{field: value}), headers=headers),
        403,
        field,
    )
    assert "routing or a supervisor" in body["detail"]
    assert count_rows(session) == before
    # The defaults may be sent as they are.
    default = {"direction": "inbound", "priority": 0}[field]
    sent = client.post("/calls", json=closed_call(recent, **{field: default}), headers=headers)
    assert sent.status_code == 201, sent.text
    call = sent.json()
    assert_problem(
        client.patch(f"/calls/{call['id']}", json={field: value}, headers=headers), 403, field
    )
    unchanged = client.patch(f"/calls/{call['id']}", json={field: default}, headers=headers)
    assert unchanged.status_code == 200, unchanged.text
    # A supervisor may.
    assert client.patch(f"/calls/{call['id']}", json={field: value}).status_code != 403


def test_to_an_adviser_an_unknown_id_is_403_like_one_out_of_reach(client, adviser):
    """A 404 for a made-up id beside a 403 for a real one told an adviser which ids exist."""
    _, headers = adviser
    other = create_adviser(client)["id"]
    theirs = client.post("/calls", json=closed_call(adviser_id=other)).json()["id"]
    unknown = "0190c3c2-7d3e-7a4b-9c1d-2e3f4a5b6c7d"
    for path in ("/calls/{}", "/calls/{}/events"):
        real = client.get(path.format(theirs), headers=headers)
        made_up = client.get(path.format(unknown), headers=headers)
        assert (real.status_code, made_up.status_code) == (403, 403), path
        assert real.json()["detail"] == made_up.json()["detail"]
    for path in ("/advisers/{}/presence", "/advisers/{}/calls", "/advisers/{}/figures"):
        params = {"week": "2025-W23"} if path.endswith("figures") else {}
        real = client.get(path.format(other), headers=headers, params=params)
        made_up = client.get(path.format(unknown), headers=headers, params=params)
        assert (real.status_code, made_up.status_code) == (403, 403), path
    # Supervisors still get 404 for what does not exist.
    assert_problem(client.get(f"/calls/{unknown}"), 404)
    assert_problem(client.get(f"/advisers/{unknown}"), 404)


def test_the_directory_shows_an_adviser_their_colleagues_as_a_desk_needs_them(client, adviser):
    """It used to show every colleague's e-mail and the reason for their break."""
    me, headers = adviser
    other = create_adviser(client)["id"]
    on_break = client.put(
        f"/advisers/{other}/presence", json={"presence": "break", "reason": "Lægebesøg"}
    )
    assert on_break.status_code == 200, on_break.text
    listed = {a["id"]: a for a in client.get("/advisers", headers=headers).json()}
    colleague = listed[other]
    assert set(colleague) == {"id", "name", "lines", "languages", "active", "presence",
                              "presence_since"}  # fmt: skip
    assert colleague["presence"] == "break"
    assert "email" in listed[me] and "presence_reason" in listed[me]  # their own, in full
    read = client.get(f"/advisers/{other}", headers=headers).json()
    assert "email" not in read and "presence_reason" not in read
    # A supervisor sees everything.
    full = client.get(f"/advisers/{other}").json()
    assert full["presence_reason"] == "Lægebesøg" and full["email"]
