"""A desk's end of `GET /desk/events`: a real HTTP stream, read in a thread of its own."""

import json
import queue
import threading
import time
from dataclasses import dataclass
from typing import Any

import httpx


@dataclass(frozen=True)
class Event:
    type: str
    data: Any
    id: int | None


class DeskStream:
    """Connects at once; `next(type)` waits for the next event of that type."""

    def __init__(self, base_url: str, token: str, last_event_id: int | None = None) -> None:
        headers = {"Authorization": f"Bearer {token}"}
        if last_event_id is not None:
            headers["Last-Event-ID"] = str(last_event_id)
        self.received: queue.Queue[Event] = queue.Queue()
        self.seen: list[Event] = []
        self.status: int | None = None
        self._connected = threading.Event()
        self._client = httpx.Client(base_url=base_url, timeout=httpx.Timeout(10, read=None))
        self._request = self._client.build_request("GET", "/desk/events", headers=headers)
        self._thread = threading.Thread(target=self._read, daemon=True)
        self._thread.start()
        assert self._connected.wait(10), "the stream did not answer"

    def _read(self) -> None:
        try:
            response = self._client.send(self._request, stream=True)
        except httpx.HTTPError:
            self._connected.set()
            return
        self.status = response.status_code
        self._connected.set()
        fields: dict[str, str] = {}
        try:
            for line in response.iter_lines():
                if line == "":
                    if "event" in fields:
                        self.received.put(
                            Event(
                                type=fields["event"],
                                data=json.loads(fields.get("data", "null")),
                                id=int(fields["id"]) if "id" in fields else None,
                            )
                        )
                    fields = {}
                elif not line.startswith(":"):
                    name, _, value = line.partition(":")
                    fields[name] = value.removeprefix(" ")
        except httpx.HTTPError:
            pass  # closed by the test
        finally:
            response.close()

    def next(self, type: str, timeout: float = 10.0) -> Event:
        """The next event of `type` (the others before it are kept in `seen`)."""
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            try:
                event = self.received.get(timeout=max(left, 0.001))
            except queue.Empty:
                raise AssertionError(f"no {type} event within {timeout} s: {self.seen}") from None
            self.seen.append(event)
            if event.type == type:
                return event

    def ended(self, timeout: float = 10.0) -> bool:
        """Whether the server ended the stream within `timeout` seconds."""
        self._thread.join(timeout)
        return not self._thread.is_alive()

    def types(self) -> list[str]:
        """The types of every event received so far, `seen` or still waiting."""
        waiting = list(self.received.queue)
        return [event.type for event in [*self.seen, *waiting]]

    def close(self) -> None:
        self._client.close()
        self._thread.join(5)
