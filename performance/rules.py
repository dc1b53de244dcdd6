"""Pure rules of the cascade, shared by the services and the tests."""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping
from typing import TypeVar

K = TypeVar("K", bound=Hashable)

WEIGHT_TOLERANCE = 1e-6


def reaches(children_of: Mapping[K, Iterable[K]], start: K, goal: K) -> bool:
    """Is ``goal`` reachable from ``start`` following parent -> child edges? (iterative DFS)"""
    stack, seen = [start], set()
    while stack:
        node = stack.pop()
        if node == goal:
            return True
        if node in seen:
            continue
        seen.add(node)
        stack.extend(children_of.get(node, ()))
    return False


def weights_add_to_100(weights: Iterable[float]) -> bool:
    return abs(sum(weights) - 100.0) <= WEIGHT_TOLERANCE


# --- the rating scale ------------------------------------------------------------------------------
# The names of the 1..5 performance (and competency) rating scale: the one place they are written; pages show a
# rating as its number and name ("4 Exceeds expectations").
RATING_SCALE: dict[int, str] = {
    1: "Unsatisfactory",
    2: "Needs improvement",
    3: "Meets expectations",
    4: "Exceeds expectations",
    5: "Outstanding",
}


def rating_name(value: float | None) -> str:
    """A rating as shown: "4 Exceeds expectations"; a value between two steps (3.5) is its number only."""
    if value is None:
        return "—"
    if float(value).is_integer() and int(value) in RATING_SCALE:
        return f"{int(value)} {RATING_SCALE[int(value)]}"
    return f"{value:g}"
