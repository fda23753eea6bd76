"""Seeded draws of the demo data: weighted choices, whole numbers, phone numbers, e-mails.

Each takes the generator's one `random.Random`, so the same seed draws the same values.
"""

import random
import re
import unicodedata
from bisect import bisect_right
from collections.abc import Hashable
from typing import Generic, TypeVar

Choice = TypeVar("Choice", bound=Hashable)


class Pick(Generic[Choice]):
    """Weighted choice with the cumulative weights computed once."""

    def __init__(self, weights: dict[Choice, float]) -> None:
        self.values = list(weights)
        total, cumulative = 0.0, []
        for weight in weights.values():
            total += weight
            cumulative.append(total)
        self.cumulative, self.total = cumulative, total

    def __call__(self, rng: random.Random) -> Choice:
        return self.values[bisect_right(self.cumulative, rng.random() * self.total)]

    def several(self, rng: random.Random, k: int) -> list[Choice]:
        chosen: list[Choice] = []
        while len(chosen) < min(k, len(self.values)):
            value = self(rng)
            if value not in chosen:
                chosen.append(value)
        return chosen


def below(rng: random.Random, n: int) -> int:
    """A whole number from 0 to n - 1 (`randrange` costs several times more)."""
    return int(rng.random() * n)


def between(rng: random.Random, low: int, high: int) -> int:
    """A whole number from `low` to `high`, both included."""
    return low + int(rng.random() * (high - low + 1))


def phone_number(rng: random.Random) -> str:
    return f"+45{rng.randint(2, 9)}{rng.randrange(10_000_000):07d}"


def email(name: str, index: int) -> str:
    ascii_name = unicodedata.normalize("NFKD", name.replace("ø", "oe").replace("æ", "ae"))
    ascii_name = ascii_name.replace("Ø", "Oe").replace("Æ", "Ae").replace("å", "aa")
    slug = re.sub(r"[^a-z]+", ".", ascii_name.encode("ascii", "ignore").decode().lower())
    return f"{slug.strip('.')}.{index + 1}@hotline-demo.dk"
