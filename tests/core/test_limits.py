"""Limits on what a request may send: bodies over 64 KiB are 413, and nothing is stored."""

import asyncio
import json
import time

from service.limits import BodyLimit
from tests.factories import assert_problem, closed_call, count_rows


def test_a_body_over_the_limit_is_413_and_stores_nothing(client, session):
    before = count_rows(session)
    payload = closed_call(notes="x" * 3000) | {"padding": "y" * 70_000}
    response = client.post("/calls", json=payload)
    body = assert_problem(response, 413)
    assert body["status"] == 413
    assert count_rows(session) == before


def test_a_body_just_under_the_limit_is_read(client):
    payload = closed_call() | {"padding": "y" * 60_000}
    # Read, then refused for what it says: an unknown field, not its size.
    assert_problem(client.post("/calls", json=payload), 422, "padding")


def test_a_streamed_body_without_a_length_is_cut_off_at_the_limit(client):
    def chunks():
        yield b'{"line": "stress", "notes": "'
        for _ in range(100):
            yield b"z" * 1024
        yield b'"}'

    response = client.post("/calls", content=chunks(), headers={"content-type": "application/json"})
    assert_problem(response, 413)


def test_a_body_that_is_not_utf8_is_422_naming_the_body(client, session):
    """Found by schemathesis: FastAPI answered such a body with a 400 naming nothing."""
    before = count_rows(session)
    response = client.post(
        "/calls", content=b'{"line": "\xff\xfe"}', headers={"content-type": "application/json"}
    )
    assert_problem(response, 422, "body")
    assert count_rows(session) == before


def test_a_line_with_a_nul_byte_in_the_path_is_422_not_500(client):
    """PostgreSQL refuses NUL bytes in text; the path must not carry one to it."""
    response = client.put("/routing/rules/a%00b", json={"strategy": "longest_idle"})
    assert_problem(response, 422, "line")


def test_deeply_nested_json_is_refused_cleanly(client, session):
    before = count_rows(session)
    nested = "[" * 20_000 + "]" * 20_000  # 40 KB: under the size limit, too deep to parse
    response = client.post("/calls", content=nested, headers={"content-type": "application/json"})
    assert 400 <= response.status_code < 500, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert count_rows(session) == before


def _asgi_call(app, receive):
    """Run one POST through an ASGI app; return the status and body it answered."""
    sent = []

    async def send(message):
        sent.append(message)

    scope = {"type": "http", "method": "POST", "path": "/calls", "headers": []}
    asyncio.run(asyncio.wait_for(app(scope, receive, send), timeout=5))
    start = next(m for m in sent if m["type"] == "http.response.start")
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return start["status"], json.loads(body), dict(start["headers"])


def test_a_body_that_never_arrives_is_408_within_the_timeout():
    """Headers sent, body never: the request used to wait (and hold its connection) for ever."""

    async def app(scope, receive, send):  # reads the body, as a route with one does
        message = await receive()
        while message.get("more_body"):
            message = await receive()
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"{}"})

    async def never():
        await asyncio.Event().wait()

    began = time.monotonic()
    status, body, headers = _asgi_call(BodyLimit(app, max_bytes=1000, body_timeout_s=0.2), never)
    assert status == 408 and body["status"] == 408
    assert body["type"].endswith("request-timeout")
    assert headers[b"connection"] == b"close"
    assert 0.2 <= time.monotonic() - began < 2

    # A body that does arrive in time, in pieces, is handled as before.
    pieces = iter(
        [{"type": "http.request", "body": b"{", "more_body": True},
         {"type": "http.request", "body": b"}", "more_body": False}]
    )  # fmt: skip

    async def slowly():
        await asyncio.sleep(0.05)
        return next(pieces)

    status, _, _ = _asgi_call(BodyLimit(app, max_bytes=1000, body_timeout_s=1), slowly)
    assert status == 200
