"""Load test: many concurrent advisers against a running desk, then a count of what stuck.

    .venv/bin/python scripts/loadtest.py --base-url http://127.0.0.1:8000 \
        --database-url postgresql+psycopg://postgres@127.0.0.1:5432/hotline \
        --clients 50 --seconds 60

Each simulated adviser records calls (a share of them retried with the same
Idempotency-Key, as a desk client does after a timeout), reads and changes them, lists
calls and pulls the weekly report, all at once. At the end the script counts the calls
the database holds for this run: it must equal the distinct calls the API said it made,
with no duplicate from a retry. It prints throughput and p50/p95/p99 latency per kind of
request, and exits 1 on any 5xx, lost call or duplicate.
"""

import argparse
import asyncio
import json
import random
import statistics
import sys
import time
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.load import call_payload
from bench.server import admin_token

WEIGHTS = {"create": 45, "retry": 10, "read": 20, "patch": 10, "list": 10, "report": 5}


# How long a desk client keeps trying before it tells its adviser the desk is away: long
# enough for the service to restart, or the database to fail over.
RESEND_FOR_S = 30.0


@dataclass
class Tally:
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    statuses: dict[str, dict[int, int]] = field(
        default_factory=lambda: defaultdict(lambda: defaultdict(int))
    )
    created: set[str] = field(default_factory=set)
    creations: int = 0  # successful POSTs, retries included
    retried_same: int = 0
    retried_other: int = 0
    resent: int = 0  # requests sent again after a dropped connection
    sent_again_after_503: int = 0
    resend_for_s: float = RESEND_FOR_S

    def note(self, kind: str, started: float, response: httpx.Response) -> None:
        self.latencies[kind].append(time.perf_counter() - started)
        self.statuses[kind][response.status_code] += 1

    @property
    def server_errors(self) -> int:
        return sum(n for codes in self.statuses.values() for s, n in codes.items() if s >= 500)


async def send(
    client: httpx.AsyncClient, tally: "Tally", method: str, url: str, **kw: Any
) -> httpx.Response:
    """Send, and send again as a desk client does, with backoff for up to RESEND_FOR_S:
    after a dropped or refused connection (the service restarting), and after a 503 (the
    database away, or the service busy; its Retry-After is honoured). Creations carry their
    Idempotency-Key, so sending again can never record twice; a 409 for a keyed request
    still in flight is sent again too."""
    give_up = time.monotonic() + tally.resend_for_s
    pause = 0.1
    while True:
        try:
            response = await client.request(method, url, **kw)
        except httpx.TransportError:
            if time.monotonic() + pause > give_up:
                raise
            tally.resent += 1
        else:
            again = response.status_code == 503 or (
                response.status_code == 409 and "idempotency" in response.text.lower()
            )
            if not again or time.monotonic() + pause > give_up:
                return response
            tally.sent_again_after_503 += response.status_code == 503
            pause = max(pause, float(response.headers.get("retry-after", 0) or 0))
        await asyncio.sleep(min(pause, max(give_up - time.monotonic(), 0)))
        pause = min(pause * 2, 2.0)


async def adviser(
    client: httpx.AsyncClient, run: str, deadline: float, tally: Tally, seed: int
) -> None:
    rng = random.Random(seed)
    kinds, weights = list(WEIGHTS), list(WEIGHTS.values())
    mine: list[str] = []
    while time.perf_counter() < deadline:
        kind = rng.choices(kinds, weights)[0]
        if kind in ("read", "patch") and not mine:
            kind = "create"
        started = time.perf_counter()
        if kind in ("create", "retry"):
            body, key = call_payload(rng, notes=f"loadtest {run}"), str(uuid.uuid4())
            headers = {"Idempotency-Key": key}
            response = await send(client, tally, "POST", "/calls", json=body, headers=headers)
            tally.note("create", started, response)
            if response.status_code != 201:
                continue
            tally.creations += 1
            call_id = response.json()["id"]
            tally.created.add(call_id)
            mine.append(call_id)
            if kind == "retry":  # the answer "got lost": send the very same request again
                started = time.perf_counter()
                again = await send(client, tally, "POST", "/calls", json=body, headers=headers)
                tally.note("retry", started, again)
                if again.status_code == 201:
                    tally.creations += 1
                    same = again.json()["id"] == call_id
                    tally.retried_same += same
                    tally.retried_other += not same
                    tally.created.add(again.json()["id"])
        elif kind == "read":
            response = await send(client, tally, "GET", f"/calls/{rng.choice(mine)}")
            tally.note(kind, started, response)
        elif kind == "patch":
            response = await send(
                client, tally, "PATCH", f"/calls/{rng.choice(mine)}",
                json={"notes": f"loadtest {run} changed"},
            )  # fmt: skip
            tally.note(kind, started, response)
        elif kind == "list":
            listing = await send(client, tally, "GET", "/calls", params={"limit": 20})
            tally.note(kind, started, listing)
        else:
            week = datetime.now(UTC).date() - timedelta(days=7)
            iso = week.isocalendar()
            params = {"week": f"{iso.year}-W{iso.week:02d}"}
            report = await send(client, tally, "GET", "/reports/weekly", params=params)
            tally.note(kind, started, report)


def stored_calls(database_url: str, run: str) -> set[str]:
    """The ids of this run's calls in the database (their notes carry the run's mark)."""
    import sqlalchemy as sa
    from sqlmodel import col

    from service.calls.models import Call
    from service.db import create_db_engine

    engine = create_db_engine(database_url)
    try:
        with engine.connect() as connection:
            rows = connection.execute(
                sa.select(col(Call.id)).where(col(Call.notes).like(f"loadtest {run}%"))
            ).scalars()
            return {str(call_id) for call_id in rows}
    finally:
        engine.dispose()


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


async def main(args: argparse.Namespace) -> int:
    token = args.token or admin_token(args.database_url, email="loadtest@example.dk")
    run = uuid.uuid4().hex[:12]
    tally = Tally(resend_for_s=args.resend_for)
    limits = httpx.Limits(max_connections=args.clients, max_keepalive_connections=args.clients)
    async with httpx.AsyncClient(
        base_url=args.base_url,
        headers={"Authorization": f"Bearer {token}"},
        timeout=30,
        limits=limits,
    ) as client:
        started = time.perf_counter()
        deadline = started + args.seconds
        await asyncio.gather(
            *(adviser(client, run, deadline, tally, n) for n in range(args.clients))
        )
        elapsed = time.perf_counter() - started
    stored = stored_calls(args.database_url, run)
    requests = sum(len(v) for v in tally.latencies.values())
    every = [x for v in tally.latencies.values() for x in v]
    summary = {
        "clients": args.clients,
        "seconds": round(elapsed, 1),
        "requests": requests,
        "requests_per_s": round(requests / elapsed, 1),
        "p50_ms": round(percentile(every, 0.50) * 1000, 1) if every else None,
        "p95_ms": round(percentile(every, 0.95) * 1000, 1) if every else None,
        "p99_ms": round(percentile(every, 0.99) * 1000, 1) if every else None,
        "by_kind": {
            kind: {
                "count": len(values),
                "p50_ms": round(statistics.median(values) * 1000, 1),
                "p99_ms": round(percentile(values, 0.99) * 1000, 1),
                "statuses": dict(tally.statuses[kind]),
            }
            for kind, values in sorted(tally.latencies.items())
        },
        "server_errors": tally.server_errors,
        "calls_created": len(tally.created),
        "calls_stored": len(stored),
        "retries_answered_with_the_same_call": tally.retried_same,
        "resent_after_a_dropped_connection": tally.resent,
        "sent_again_after_a_503": tally.sent_again_after_503,
        # By id, so that a lost call and a duplicate cannot cancel out in a count.
        "duplicates": tally.retried_other + len(stored - tally.created),
        "lost": len(tally.created - stored),
    }
    if args.json:
        print(json.dumps(summary, indent=2))
    else:
        for name, value in summary.items():
            if name != "by_kind":
                print(f"{name:40s} {value}")
        for kind, figures in summary["by_kind"].items():
            print(f"  {kind:8s} {figures}")
    ok = summary["server_errors"] == 0 and summary["duplicates"] == 0 and summary["lost"] == 0
    return 0 if ok else 1


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--base-url", default="http://127.0.0.1:8000")
    parser.add_argument("--database-url", required=True, help="to count what was stored")
    parser.add_argument("--token", help="an admin token; made in the database if not given")
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--json", action="store_true")
    parser.add_argument(
        "--resend-for",
        type=float,
        default=RESEND_FOR_S,
        help="how long to keep sending a request again after a dropped connection or a 503",
    )
    return parser.parse_args(argv)


if __name__ == "__main__":
    sys.exit(asyncio.run(main(parse_args())))
