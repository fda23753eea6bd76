"""What every measurement uses: progress lines, repeated timing, HTTP reads that must succeed."""

import sys
import time
from collections.abc import Callable

import httpx
from sqlalchemy import Engine

_STARTED = time.monotonic()


class BenchError(RuntimeError):
    """The benchmark cannot go on (a server failed, an answer was not what it must be)."""


def say(message: str) -> None:
    """A progress line on stderr, so that stdout holds only the table or the JSON."""
    print(f"[bench {time.monotonic() - _STARTED:6.1f} s] {message}", file=sys.stderr, flush=True)


def timed_ms(action: Callable[[], object], repeats: int, warmups: int = 1) -> list[float]:
    """Milliseconds of each of `repeats` runs of `action`, after `warmups` untimed ones."""
    for _ in range(warmups):
        action()
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        action()
        times.append((time.perf_counter() - started) * 1000)
    return times


def client(base_url: str, token: str) -> httpx.Client:
    """A keep-alive client for sequential requests, signed in with `token`."""
    return httpx.Client(base_url=base_url, headers={"Authorization": f"Bearer {token}"}, timeout=60)


def get(client: httpx.Client, path: str, **params: str | int) -> httpx.Response:
    """GET that must answer 200: anything else stops the run, since it would time an error."""
    response = client.get(path, params=params)
    if response.status_code != 200:
        raise BenchError(f"GET {path} answered {response.status_code}: {response.text[:300]}")
    return response


def count_calls(engine: Engine) -> int:
    with engine.connect() as connection:
        count: int = connection.exec_driver_sql("SELECT count(*) FROM call").scalar_one()
        return count
