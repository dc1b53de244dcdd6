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
