"""Which desk events a process has passed on, when they commit out of order.

On PostgreSQL an event's id comes from a sequence when it is written, and two transactions
can commit in the other order: 11 may be readable before 10. Reading "everything after the
highest id seen" would then lose 10 for good. The tracker reads from a low-water mark
instead (every id at or below it is passed on, or given up), skips the ids it passed on
above it, and gives up an id that stays missing for `patience_s`: a transaction that rolled
back took it from the sequence and will never commit it.

Pure: no database here; `service.events.hub` does the reading.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field

# How long a missing id is waited for. A transaction that writes an event commits within
# the request that wrote it; one that takes longer than this has its event given up here
# (the desk would see it on its next reconnection, from the journal).
PATIENCE_S = 10.0
# At most this many missing ids are remembered; past it the oldest are given up. A jump this
# big is a pruned or restored journal, not transactions in flight.
MAX_MISSING = 10_000


@dataclass
class Tracker:
    """The events passed on so far: all ids <= `after`, and those in `passed` above it."""

    after: int
    patience_s: float = PATIENCE_S
    passed: set[int] = field(default_factory=set)
    missing_since: dict[int, float] = field(default_factory=dict)

    def fresh(self, ids: Iterable[int], *, now: float) -> list[int]:
        """Take the ids read after `after` (in any order); return those not passed on yet.

        `now` is a monotonic clock's reading, for the patience with missing ids.
        """
        new = sorted({i for i in ids if i > self.after and i not in self.passed})
        self.passed.update(new)
        for event_id in new:
            self.missing_since.pop(event_id, None)
        top = max(self.passed, default=self.after)
        start = self.after + 1
        if top - start > MAX_MISSING:
            # Too far to wait for each: give up everything below the window.
            start = top - MAX_MISSING
            self.after = start - 1
            self.passed = {i for i in self.passed if i > self.after}
            self.missing_since = {i: t for i, t in self.missing_since.items() if i > self.after}
        for i in range(start, top):
            if i not in self.passed:
                self.missing_since.setdefault(i, now)
        self._advance(now)
        return new

    def _advance(self, now: float) -> None:
        while True:
            following = self.after + 1
            if following in self.passed:
                self.passed.discard(following)
            elif self._given_up(following, now):
                del self.missing_since[following]
            else:
                return
            self.after = following

    def _given_up(self, event_id: int, now: float) -> bool:
        since = self.missing_since.get(event_id)
        return since is not None and now - since >= self.patience_s
