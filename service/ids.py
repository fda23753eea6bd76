"""Time-ordered identifiers (UUID version 7, RFC 9562)."""

import os
import threading
import time
import uuid

_lock = threading.Lock()
_last_ms = 0
_last_rand = 0


def uuid7() -> uuid.UUID:
    """Return a UUIDv7 that sorts after every UUIDv7 this process made before it.

    Within one millisecond the 74 random bits are treated as a counter and incremented, so
    inserts stay sequential in the primary-key index even at thousands of ids a millisecond.
    """
    global _last_ms, _last_rand
    with _lock:
        ms = time.time_ns() // 1_000_000
        if ms > _last_ms:
            rand = int.from_bytes(os.urandom(10)) >> 6  # 74 random bits
            # Leave headroom so the counter cannot overflow within one millisecond.
            rand &= ~(1 << 73)
        else:
            ms = _last_ms
            rand = _last_rand + 1
        _last_ms, _last_rand = ms, rand
    rand_a = rand >> 62  # 12 bits
    rand_b = rand & ((1 << 62) - 1)
    value = (ms << 80) | (0x7 << 76) | (rand_a << 64) | (0b10 << 62) | rand_b
    return uuid.UUID(int=value)
