"""Pure rules of the org model, shared by the API services and the file import."""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from typing import TypeVar

K = TypeVar("K", bound=Hashable)


def find_cycle(parent_of: Mapping[K, K | None]) -> list[K] | None:
    """Return one cycle in a parent map (as the list of its members, in order), or None.

    Linear in the number of nodes: each node is walked at most once thanks to the colouring.
    """
    state: dict[K, int] = {}  # 1 = on the current walk, 2 = known to reach a root
    for start in parent_of:
        if state.get(start):
            continue
        path: list[K] = []
        node: K | None = start
        while node is not None and node in parent_of and not state.get(node):
            state[node] = 1
            path.append(node)
            node = parent_of[node]
        if node is not None and state.get(node) == 1:
            return path[path.index(node):]
        for n in path:
            state[n] = 2
    return None


def would_create_cycle(parent_of: Mapping[K, K | None], node: K, new_parent: K | None) -> bool:
    """Would pointing ``node`` at ``new_parent`` close a loop? Walks up from the new parent."""
    seen: set[K] = set()
    current = new_parent
    while current is not None:
        if current == node or current in seen:
            return True
        seen.add(current)
        current = parent_of.get(current)
    return False


def pay_band_ok(pay_min: float, pay_mid: float, pay_max: float) -> bool:
    return 0 <= pay_min <= pay_mid <= pay_max


# Effective proficiency: a person's level in a skill is the one of the most trusted source they have. The graph's
# queries (graph.queries.common.effective_levels) and succession's set-wise SQL both rank sources by this.
SOURCE_TRUST: tuple[str, ...] = ("assessment", "manager", "self")  # most trusted first
