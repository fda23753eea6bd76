"""Figure: an offer pushed to a connected desk (`GET /desk/events`), with many desks connected.

`desks` advisers each hold a stream open for the whole measurement. One at a time, an
adviser becomes available and a live call is posted: the figure is the time from sending
`POST /calls` to that adviser's stream delivering the `offer`. Its floor is the `POST
/calls` answer itself: the offer is routed and committed inside that request, so it cannot
reach a desk sooner.
"""

import asyncio
import json
import statistics
import time
import uuid
from datetime import UTC, datetime
from typing import Any

import httpx

from bench.common import BenchError, say
from bench.figures import Figure
from bench.server import Server, person_token

TARGET_MS = 100.0
CONNECT_S = 30.0


def measure(server: Server, token: str, database_url: str, *, desks: int, offers: int) -> Figure:
    """Connect `desks` streams, then time `offers` offers one after another."""
    return asyncio.run(_measure(server, token, database_url, desks=desks, offers=offers))


class _Desk:
    def __init__(self, adviser_id: str, token: str) -> None:
        self.adviser_id, self.token = adviser_id, token
        self.offers: dict[str, float] = {}
        self.arrived = asyncio.Event()
        self.connected = asyncio.Event()
        self.events = 0


async def _measure(
    server: Server, token: str, database_url: str, *, desks: int, offers: int
) -> Figure:
    admin_headers = {"Authorization": f"Bearer {token}"}
    limits = httpx.Limits(max_connections=desks + 10, max_keepalive_connections=desks + 10)
    timeout = httpx.Timeout(30, read=None)
    async with (
        httpx.AsyncClient(base_url=server.base_url, limits=limits, timeout=timeout) as http,
        httpx.AsyncClient(base_url=server.base_url, headers=admin_headers, timeout=30) as admin,
    ):
        say(f"push: {desks} desks connecting")
        connected = [await _new_desk(admin, database_url, n) for n in range(desks)]
        readers = [asyncio.create_task(_read(http, desk)) for desk in connected]
        try:
            await asyncio.wait_for(
                asyncio.gather(*(desk.connected.wait() for desk in connected)), CONNECT_S
            )
            latencies, intakes = [], []
            for number in range(offers):
                desk = connected[number % desks]
                latency, intake = await _one_offer(admin, desk)
                latencies.append(latency)
                intakes.append(intake)
        finally:
            for reader in readers:
                reader.cancel()
            await asyncio.gather(*readers, return_exceptions=True)
    value, floor = _p95(latencies), _p95(intakes)
    say(f"push: offer p95 {value:.1f} ms (POST /calls p95 {floor:.1f} ms), {desks} desks")
    return Figure(
        key="push_offer",
        title=f"Offer pushed to a desk, {desks} desks connected (p95)",
        unit="ms",
        value=value,
        baseline=floor,
        baseline_title="POST /calls answered (p95): the offer is made inside it",
        target=f"p95 < {TARGET_MS:g} ms",
        met=value < TARGET_MS,
        details={
            "desks": desks,
            "offers": offers,
            "offer_ms": {"p50": statistics.median(latencies), "max": max(latencies)},
            "events_per_desk": statistics.median(desk.events for desk in connected),
        },
    )


async def _new_desk(admin: httpx.AsyncClient, database_url: str, number: int) -> _Desk:
    email = f"bench-desk-{number}-{uuid.uuid4().hex[:6]}@example.dk"
    body = {"name": f"Desk {number}", "email": email, "lines": ["stress", "managers"]}
    created = await admin.post("/advisers", json=body)
    if created.status_code != 201:
        raise BenchError(f"push: POST /advisers answered {created.status_code}")
    token = await asyncio.to_thread(person_token, database_url, email, "adviser")
    return _Desk(created.json()["id"], token)


async def _read(http: httpx.AsyncClient, desk: _Desk) -> None:
    headers = {"Authorization": f"Bearer {desk.token}"}
    async with http.stream("GET", "/desk/events", headers=headers) as response:
        if response.status_code != 200:
            raise BenchError(f"push: GET /desk/events answered {response.status_code}")
        fields: dict[str, str] = {}
        async for line in response.aiter_lines():
            if line:
                name, _, value = line.partition(":")
                fields[name] = value.removeprefix(" ")
                continue
            desk.events += 1
            if fields.get("event") == "queue":
                desk.connected.set()  # the first thing a stream sends
            elif fields.get("event") == "offer":
                call_id = json.loads(fields["data"])["call"]["id"]
                desk.offers[call_id] = time.perf_counter()
                desk.arrived.set()
            fields = {}


async def _one_offer(admin: httpx.AsyncClient, desk: _Desk) -> tuple[float, float]:
    """Make one adviser available, post a live call: ms to the offer, ms to the answer."""
    path = f"/advisers/{desk.adviser_id}/presence"
    await _ok(admin.put(path, json={"presence": "available"}), 200)
    desk.arrived.clear()
    body: dict[str, Any] = {"line": "stress", "received_at": datetime.now(UTC).isoformat()}
    started = time.perf_counter()
    answer = await _ok(admin.post("/calls", json=body), 201)
    answered = time.perf_counter()
    call_id = answer.json()["id"]
    if answer.json()["adviser_id"] != desk.adviser_id:
        raise BenchError("push: the call was offered to another adviser than the one available")
    while call_id not in desk.offers:
        await asyncio.wait_for(desk.arrived.wait(), 10)
        desk.arrived.clear()
    latency = (desk.offers[call_id] - started) * 1000
    await _ok(admin.post(f"/calls/{call_id}/abandon", json=None), 200)
    await _ok(admin.put(path, json={"presence": "offline"}), 200)
    return latency, (answered - started) * 1000


async def _ok(request: Any, status: int) -> httpx.Response:
    response: httpx.Response = await request
    if response.status_code != status:
        raise BenchError(f"push: {response.request.url.path} answered {response.status_code}")
    return response


def _p95(samples: list[float]) -> float:
    if len(samples) < 2:
        return samples[0]
    return statistics.quantiles(samples, n=20, method="inclusive")[-1]
