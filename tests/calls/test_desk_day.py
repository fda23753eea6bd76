"""A scripted morning on the desk, checked step by step against the routing rules.

Three advisers log in; calls arrive faster than they can be taken; one caller hangs up;
offers time out; a call is transferred to the other line; a caller asks for a callback.
Every event and every presence change is what the rules say, to the second.
"""

from datetime import UTC, datetime, timedelta

import pytest

from tests.desk import CLASSIFICATION, Desk

# Tuesday 3 June 2025, 08:00 in Copenhagen: the lines have just opened.
T0 = datetime(2025, 6, 3, 6, 0, tzinfo=UTC)


def at(seconds: int) -> str:
    return (T0 + timedelta(seconds=seconds)).isoformat().replace("+00:00", "Z")


@pytest.fixture
def day(client, session, clock):
    desk = Desk(client, session, clock)

    def moment(seconds: int) -> None:
        # The routing timer runs every second; here it runs at each step of the script.
        clock.set(T0 + timedelta(seconds=seconds))
        desk.wait(0)

    moment(0)
    anna = desk.adviser(name="Anna", lines=["stress"])
    moment(1)
    bo = desk.adviser(name="Bo", lines=["stress", "managers"], languages=["da", "en"])
    moment(2)
    cecilie = desk.adviser(name="Cecilie", lines=["managers"])
    names = {anna: "Anna", bo: "Bo", cecilie: "Cecilie", None: None}
    calls = {}

    moment(10)
    calls[1] = desk.incoming("stress")["id"]
    moment(11)
    calls[2] = desk.incoming("stress")["id"]
    moment(12)
    calls[3] = desk.incoming("stress")["id"]
    moment(13)
    calls[4] = desk.incoming("managers")["id"]
    moment(14)
    calls[5] = desk.incoming("stress", language="en")["id"]
    moment(15)
    desk.ok(calls[1], "accept", anna)
    moment(16)
    desk.ok(calls[4], "accept", cecilie)
    moment(20)
    desk.ok(calls[5], "abandon")
    moment(31)  # Bo never answered the offer of call 2: it times out, Bo gets call 3.
    moment(35)
    desk.ok(calls[3], "accept", bo)
    moment(300)
    desk.ok(calls[1], "end", anna)
    moment(330)
    desk.ok(
        calls[1],
        "close",
        anna,
        **CLASSIFICATION,
        callback_requested=True,
        callback_phone="22334455",
    )
    calls[6] = desk.client.get("/calls", params={"status": "queued"}).json()["items"][0]["id"]
    moment(332)
    desk.ok(calls[2], "accept", anna)
    moment(400)
    desk.ok(calls[4], "transfer", cecilie, to_line="stress", reason="Employee, not a manager")
    moment(500)
    desk.ok(calls[3], "end", bo)
    moment(520)
    desk.ok(calls[3], "close", bo, **CLASSIFICATION)
    moment(540)  # Bo misses the callback's offer too; it times out and Bo gets call 4.
    moment(545)
    desk.ok(calls[4], "accept", bo)
    moment(700)
    desk.ok(calls[2], "end", anna)
    moment(720)
    desk.ok(calls[2], "close", anna, **CLASSIFICATION)
    moment(725)
    desk.ok(calls[6], "accept", anna)
    moment(800)
    desk.ok(calls[4], "end", bo)
    moment(830)
    desk.ok(calls[4], "close", bo, **CLASSIFICATION)
    moment(900)
    desk.ok(calls[6], "end", anna)
    moment(910)
    desk.ok(calls[6], "close", anna, **CLASSIFICATION)
    moment(1000)
    desk.presence(cecilie, "offline")
    return desk, calls, names, {"Anna": anna, "Bo": bo, "Cecilie": cecilie}


def journal(desk, call_id, names):
    events = desk.client.get(f"/calls/{call_id}/events").json()
    return [(event["at"], event["type"], names[event["adviser_id"]]) for event in events]


def test_every_call_went_through_exactly_the_steps_the_rules_give(day):
    desk, calls, names, _ = day
    assert journal(desk, calls[1], names) == [
        (at(10), "queued", None),
        (at(10), "offered", "Anna"),
        (at(15), "accepted", "Anna"),
        (at(300), "ended", "Anna"),
        (at(330), "closed", "Anna"),
    ]
    assert journal(desk, calls[2], names) == [
        (at(11), "queued", None),
        (at(11), "offered", "Bo"),
        (at(31), "timed_out", "Bo"),
        (at(330), "offered", "Anna"),
        (at(332), "accepted", "Anna"),
        (at(700), "ended", "Anna"),
        (at(720), "closed", "Anna"),
    ]
    assert journal(desk, calls[3], names) == [
        (at(12), "queued", None),
        (at(31), "offered", "Bo"),
        (at(35), "accepted", "Bo"),
        (at(500), "ended", "Bo"),
        (at(520), "closed", "Bo"),
    ]
    assert journal(desk, calls[4], names) == [
        (at(13), "queued", None),
        (at(13), "offered", "Cecilie"),
        (at(16), "accepted", "Cecilie"),
        (at(400), "transferred", "Cecilie"),
        (at(400), "queued", None),
        (at(540), "offered", "Bo"),
        (at(545), "accepted", "Bo"),
        (at(800), "ended", "Bo"),
        (at(830), "closed", "Bo"),
    ]
    assert journal(desk, calls[5], names) == [(at(14), "queued", None), (at(20), "abandoned", None)]
    assert journal(desk, calls[6], names) == [
        (at(330), "queued", None),
        (at(520), "offered", "Bo"),
        (at(540), "timed_out", "Bo"),
        (at(720), "offered", "Anna"),
        (at(725), "accepted", "Anna"),
        (at(900), "ended", "Anna"),
        (at(910), "closed", "Anna"),
    ]


def test_the_calls_end_in_the_states_the_rules_give(day):
    desk, calls, names, _ = day
    final = {n: desk.call(call_id) for n, call_id in calls.items()}
    assert {n: call["status"] for n, call in final.items()} == {
        1: "closed",
        2: "closed",
        3: "closed",
        4: "closed",
        5: "abandoned",
        6: "closed",
    }
    assert {n: names[call["adviser_id"]] for n, call in final.items()} == {
        1: "Anna",
        2: "Anna",
        3: "Bo",
        4: "Bo",
        5: None,
        6: "Anna",
    }
    # A transferred call keeps its first answer; the callback points at its origin.
    assert final[4]["answered_at"] == at(16)
    assert (final[4]["line"], final[4]["direction"]) == ("stress", "inbound")
    assert (final[6]["direction"], final[6]["origin_call_id"]) == ("outbound", calls[1])
    assert final[5]["ended_at"] == at(20)
    assert final[2]["answered_at"] == at(332)


def test_presence_followed_the_calls(day):
    desk, _, _, advisers = day

    def history(name):
        events = desk.client.get(f"/advisers/{advisers[name]}/presence").json()
        return [(event["at"], event["presence"]) for event in reversed(events)]

    assert history("Anna") == [
        (at(0), "available"),
        (at(10), "offered"),
        (at(15), "on_call"),
        (at(300), "wrap_up"),
        (at(330), "offered"),
        (at(332), "on_call"),
        (at(700), "wrap_up"),
        (at(720), "offered"),
        (at(725), "on_call"),
        (at(900), "wrap_up"),
        (at(910), "available"),
    ]
    assert history("Bo") == [
        (at(1), "available"),
        (at(11), "offered"),
        (at(35), "on_call"),
        (at(500), "wrap_up"),
        (at(520), "offered"),
        (at(545), "on_call"),
        (at(800), "wrap_up"),
        (at(830), "available"),
    ]
    assert history("Cecilie") == [
        (at(2), "available"),
        (at(13), "offered"),
        (at(16), "on_call"),
        (at(400), "available"),
        (at(1000), "offline"),
    ]
    # Bo missed two offers, but not in a row: accepting call 3 in between reset the count.
    bo = desk.adviser_state(advisers["Bo"])
    assert (bo["missed_offers_in_row"], bo["presence"]) == (0, "available")


def test_the_queue_is_empty_at_the_end_of_the_morning(day):
    desk, *_ = day
    queue = desk.client.get("/queue").json()
    assert [
        (line["line"], line["waiting"], line["scheduled_callbacks"]) for line in queue["lines"]
    ] == [
        ("stress", [], 0),
        ("managers", [], 0),
    ]
