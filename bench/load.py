"""A closed-loop load: N concurrent clients, each sending its next request on the last answer.

Runs in the benchmark's own process (the server is another one), with one httpx async
client and N keep-alive connections. A short warm-up opens the connections before the
measured phase. Rates count only the expected status; latencies are of every answer.
"""

import asyncio
import math
import random
import time
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import httpx

Request = Callable[[httpx.AsyncClient, random.Random], Awaitable[httpx.Response]]


@dataclass
class LoadRun:
    """One measured phase: answers with the expected status, all latencies, CPU used."""

    seconds: float
    ok: int
    latencies: list[float]
    statuses: Counter[int | str] = field(default_factory=Counter)  # or a transport error
    client_cpu_s: float = 0.0

    @property
    def rate(self) -> float:
        return self.ok / self.seconds

    def percentile_ms(self, share: float) -> float:
        """Nearest rank: the smallest latency at or above `share` of all of them."""
        ordered = sorted(self.latencies)
        return ordered[max(0, math.ceil(share * len(ordered)) - 1)] * 1000


def healthz(client: httpx.AsyncClient, rng: random.Random) -> Awaitable[httpx.Response]:
    return client.get("/healthz")


def intake(client: httpx.AsyncClient, rng: random.Random) -> Awaitable[httpx.Response]:
    """`POST /calls` of a closed call recorded after the fact, with a fresh Idempotency-Key."""
    return client.post(
        "/calls", json=call_payload(rng), headers={"Idempotency-Key": str(uuid.uuid4())}
    )


def call_payload(rng: random.Random, notes: str = "bench") -> dict[str, object]:
    """A closed call of the last few days, recorded after the fact (also the load test's)."""
    received = datetime.now(UTC) - timedelta(days=rng.randint(1, 6), minutes=rng.randint(0, 600))
    return {
        "line": rng.choice(["stress", "managers"]),
        "received_at": received.isoformat(),
        "answered_at": (received + timedelta(seconds=rng.randint(5, 90))).isoformat(),
        "ended_at": (received + timedelta(minutes=rng.randint(3, 25))).isoformat(),
        "caller_type": "employee",
        "sector": "health_social",
        "issue_categories": ["workload"],
        "advice": ["apv"],
        "notes": notes,
        "status": "closed",
    }


def run(
    base_url: str,
    token: str,
    request: Request,
    *,
    expect: int,
    concurrency: int,
    seconds: float,
    warmup_s: float,
    seed: int = 0,
) -> LoadRun:
    """Warm up for `warmup_s`, then measure `concurrency` clients for `seconds`."""
    return asyncio.run(_run(base_url, token, request, expect, concurrency, seconds, warmup_s, seed))


async def _run(
    base_url: str,
    token: str,
    request: Request,
    expect: int,
    concurrency: int,
    seconds: float,
    warmup_s: float,
    seed: int,
) -> LoadRun:
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(
        base_url=base_url,
        headers={"Authorization": f"Bearer {token}"},
        timeout=30,
        limits=limits,
    ) as client:
        rngs = [random.Random(seed * 1000 + n) for n in range(concurrency)]
        if warmup_s > 0:
            await _phase(client, request, rngs, warmup_s, expect)
        return await _phase(client, request, rngs, seconds, expect)


async def _phase(
    client: httpx.AsyncClient,
    request: Request,
    rngs: list[random.Random],
    seconds: float,
    expect: int,
) -> LoadRun:
    latencies: list[float] = []
    statuses: Counter[int | str] = Counter()
    started = time.perf_counter()
    cpu_started = time.process_time()
    deadline = started + seconds

    async def worker(rng: random.Random) -> None:
        while time.perf_counter() < deadline:
            sent = time.perf_counter()
            try:
                response = await request(client, rng)
            except httpx.TransportError as exc:
                statuses[type(exc).__name__] += 1
                await asyncio.sleep(0.01)
                continue
            latencies.append(time.perf_counter() - sent)
            statuses[response.status_code] += 1

    await asyncio.gather(*(worker(rng) for rng in rngs))
    elapsed = time.perf_counter() - started
    return LoadRun(
        seconds=elapsed,
        ok=statuses[expect],
        latencies=latencies,
        statuses=statuses,
        client_cpu_s=time.process_time() - cpu_started,
    )
