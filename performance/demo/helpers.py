"""Small helpers of the demo seeder: business keys, month and timestamp arithmetic, buffered random draws, and
weights that add to 100."""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Sequence
from datetime import date, timedelta
from typing import Any

import numpy as np


def _code(text: str) -> str:
    """A business key as goal codes allow it (letters, digits and _.:/-)."""
    return re.sub(r"[^A-Za-z0-9_.:/-]+", "-", text).strip("-")[:48] or "X"


def _month_end(year: int, month: int) -> date:
    return date(year + month // 12, month % 12 + 1, 1) - timedelta(days=1)


def _mi(d: date) -> int:
    return d.year * 12 + d.month - 1


@functools.cache
def _iso(day: int) -> str:
    return date.fromordinal(day).isoformat()


_CLOCK = [f"{m // 60:02d}:{m % 60:02d}:00.000000" for m in range(24 * 60)]


def _ts(day: int, minute: int) -> str:
    """Day ordinal and minute of the day -> the stored timestamp text."""
    return f"{_iso(day)} {_CLOCK[minute]}"


class _Stream:
    """Scalar draws for the per-person loops, from buffered numpy draws (a numpy call per scalar costs
    microseconds; hundreds of thousands of them add up)."""

    def __init__(self, rng: np.random.Generator) -> None:
        self.rng = rng
        self._u: list[float] = []
        self._z: list[float] = []

    def u(self) -> float:
        if not self._u:
            self._u = self.rng.random(1 << 16).tolist()[::-1]
        return self._u.pop()

    def z(self) -> float:
        if not self._z:
            self._z = self.rng.normal(0, 1, 1 << 16).tolist()[::-1]
        return self._z.pop()

    def between(self, lo: int, hi: int) -> int:
        """A whole number in [lo, hi]."""
        return lo + min(int(self.u() * (hi - lo + 1)), hi - lo)

    def pick(self, seq: Sequence[Any]) -> Any:
        return seq[self.between(0, len(seq) - 1)]

    def shuffled(self, seq: Iterable[Any]) -> list[Any]:
        pool = list(seq)
        for i in range(len(pool) - 1):
            j = self.between(i, len(pool) - 1)
            pool[i], pool[j] = pool[j], pool[i]
        return pool

    def sample(self, seq: Sequence[int], k: int) -> list[int]:
        """k distinct items (all when fewer), sorted."""
        pool = list(seq)
        for i in range(min(k, len(pool))):
            j = self.between(i, len(pool) - 1)
            pool[i], pool[j] = pool[j], pool[i]
        return sorted(pool[:k])


def split_100(raw: Sequence[float]) -> list[float]:
    """Weights proportional to ``raw`` that add to 100: shares rounded to hundredths (largest remainder,
    each at least one unit), the largest share taking ``100 - sum(others)`` so float rounding cannot
    break the sum and no weight comes out zero or negative."""
    k = len(raw)
    if k == 0:
        return []
    if k == 1:
        return [100.0]
    unit_scale = 100 if k <= 2000 else 10_000  # hundredths; ten-thousandths for very large families
    total_units = 100 * unit_scale
    r = np.asarray(raw, dtype=float)
    share = r / r.sum() * total_units
    units = np.maximum(1, np.floor(share)).astype(np.int64)
    left = total_units - int(units.sum())
    order = np.argsort(-(share - np.floor(share)), kind="stable")
    if left > 0:
        units[order[:left]] += 1
    elif left < 0:  # the minimum of one unit overdrew: take it back from the largest
        for j in np.argsort(-units, kind="stable"):
            if left == 0:
                break
            take = min(int(units[j]) - 1, -left)
            units[j] -= take
            left += take
    w: list[float] = (units / unit_scale).tolist()
    big = int(np.argmax(units))
    w[big] = 100.0 - sum(x for i, x in enumerate(w) if i != big)
    return w

