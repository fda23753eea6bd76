"""The two processes of a seeding run: one generates the rows, the other inserts them.

SQLite has a single writer, and one Python process cannot both generate and insert at the
rate asked for. So a child process generates, and hands each day's rows to the seeding
process, which inserts them. In a bulk load the child also writes the tables of each
`Part` itself, into a private SQLite file that is copied over whole at the end; which
tables those are balances the two processes' work.
"""

import gc
import marshal
import multiprocessing
import queue
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta

from service.demo import writer
from service.demo.generate import Generator
from service.demo.rows import Flat, Value, full_rows
from service.reports.weeks import IsoWeek

# Batches in flight per queue: enough to keep every process busy, little memory.
QUEUE_DEPTH = 3


@dataclass(frozen=True)
class Part:
    """Tables that a process of their own writes into the file at `path`."""

    path: str
    tables: tuple[str, ...]
    schema: list[tuple[str, str]]


@dataclass(frozen=True)
class Rows:
    """Rows to insert, flat (see `Pipeline`); `calls` the day's, None for the advisers'."""

    rows: dict[str, Flat]
    calls: int | None


@dataclass(frozen=True)
class Advisers:
    """The advisers' own rows as the last day left them, sent after every day."""

    rows: list[tuple[Value, ...]]
    count: int


# What goes through the queue: (kind, payload, count), payloads as `_packed` and `Part`.
Message = tuple[str, object, int]


@dataclass(frozen=True)
class Plan:
    """What the generator needs to know; the same plan gives the same rows."""

    seed: int
    codes: dict[str, set[str]]
    weeks: list[IsoWeek]
    calls_per_week: list[int]
    timezone: str
    sqlite: bool  # rows ready for SQLite's INSERTs (`writer.for_sqlite`), else whole rows


class Pipeline:
    """Starts the generating process and hands its messages over, in order.

    Messages are `(kind, payload, count)`: `rows` and `day` (rows to insert, flat: for
    SQLite as the generator makes them and `writer.for_sqlite` leaves them, else whole rows
    by table (`full_rows`); with the day's calls), `advisers` (the advisers' final
    rows, after every day) and `part` (a part file is complete).
    """

    def __init__(self, plan: Plan, parts: list[Part]) -> None:
        context = multiprocessing.get_context("spawn")
        self.inbox = context.Queue(maxsize=QUEUE_DEPTH)
        self.process = context.Process(target=generate, args=(plan, parts, self.inbox), daemon=True)
        self.finished = False

    def __enter__(self) -> "Pipeline":
        self.process.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        if not self.finished:  # after a failure it may wait on a queue nobody reads
            self.process.kill()
        self.process.join(timeout=10)
        if self.process.is_alive():
            self.process.kill()

    def messages(self) -> Iterator[Rows | Advisers | Part]:
        """Every message until the process ends; an error if it failed or died.

        The queue is read by a thread of its own: a process killed while it was writing a
        message (the OOM killer, say) leaves half of it in the pipe, and reading that blocks
        for ever, since this process holds the pipe's other end too. The thread may block;
        this loop notices the process is gone and fails.
        """
        received: queue.Queue[Message] = queue.Queue(maxsize=1)

        def pump() -> None:
            while True:
                message = self.inbox.get()
                received.put(message)
                if message[0] in ("end", "error"):
                    return

        threading.Thread(target=pump, name="demo-inbox", daemon=True).start()
        gone_since: float | None = None
        while True:
            try:
                kind, payload, count = received.get(timeout=1)
            except queue.Empty:
                if self.process.is_alive():
                    continue
                # What it sent before it ended may still be on its way: wait a moment more.
                gone_since = gone_since or time.monotonic()
                if time.monotonic() - gone_since < 2:
                    continue
                raise RuntimeError(
                    f"demo data generation stopped (exit code {self.process.exitcode})"
                ) from None
            if kind == "error":
                raise RuntimeError(f"demo data generation failed: {payload}")
            if kind == "end":
                self.finished = True
                return
            if kind in ("rows", "day") and isinstance(payload, bytes):
                yield Rows(marshal.loads(payload), count if kind == "day" else None)
            elif kind == "advisers" and isinstance(payload, list):
                yield Advisers(payload, count)
            elif kind == "part" and isinstance(payload, Part):
                yield payload
            else:
                raise RuntimeError(f"demo data generation sent an unknown message: {kind}")


def generate(plan: Plan, parts: list[Part], inbox: "multiprocessing.Queue[Message]") -> None:
    """Run the generator and hand its rows over, day by day (in the child process)."""
    # Millions of short-lived tuples and no reference cycles: the cyclic garbage collector
    # would only walk them over and over.
    gc.disable()
    try:
        files = [writer.PartFile(part.path, part.schema) for part in parts]
        generator = Generator(
            seed=plan.seed,
            codes=plan.codes,
            peak_calls_per_week=max(plan.calls_per_week, default=0),
            timezone=plan.timezone,
            until=plan.weeks[-1].monday + timedelta(days=7),
        )
        # COPY takes whole rows; SQLite's INSERTs take the groups as they are.
        ready = writer.for_sqlite if plan.sqlite else full_rows
        advisers = ready(generator.adviser_rows(plan.weeks[0].monday).rows)
        inbox.put(("rows", _packed(advisers), 0))
        last = len(plan.weeks) - 1
        for number, (week, count) in enumerate(zip(plan.weeks, plan.calls_per_week, strict=True)):
            for batch in generator.days(week, count, last=number == last):
                rows = ready(batch.rows)
                for file in files:
                    file.take(rows)
                inbox.put(("day", _packed(rows), batch.calls))
        inbox.put(("rows", _packed(ready(generator.case_counter_rows().rows)), 0))
        inbox.put(("advisers", generator.adviser_final_rows(), len(generator.advisers)))
        for part, file in zip(parts, files, strict=True):
            file.finish()
            inbox.put(("part", part, 0))
    except Exception as exc:  # the parent reports it; a child's traceback would be lost
        inbox.put(("error", f"{type(exc).__name__}: {exc}", 0))
    inbox.put(("end", None, 0))


def _packed(rows: dict[str, Flat]) -> bytes:
    # marshal: a third cheaper than pickle for plain lists of text, numbers and None.
    return marshal.dumps(rows)
