"""The ``ml.facets`` extension point: what domain modules know about people that the risk pages filter and show
by (a 9-box cell, holding a key post), without ml importing them.

A module provides a tuple of ``Facet`` (``provides={"ml.facets": ("performance.ml:FACETS",)}``). A facet names
its choices (code -> words, in the order offered) and gives, for some employees, each one's code
(``values(db, employee_ids) -> {employee_id: code}``; someone without one is absent). A filter value outside the
choices is refused naming the field, never a 500.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from sqlalchemy.orm import Session

from hcm import modules
from hcm.errors import Invalid

POINT = "ml.facets"


@dataclass(frozen=True)
class Facet:
    key: str  # the filter's query parameter and the column's key: "nine_box", "key_post"
    label: str  # "9-box cell"
    choices: Mapping[str, str]  # code -> words
    values: Callable[[Session, Sequence[int]], dict[int, str]]


CHUNK = 5000  # people per provider call: a company-wide filter stays under every database's parameter limit


def values_of(facet: Facet, db: Session, employee_ids: Sequence[int]) -> dict[int, str]:
    """``facet.values`` for any number of people, asked ``CHUNK`` at a time (a provider's ``IN`` lists stay small:
    PostgreSQL takes at most 65,535 parameters in a statement)."""
    out: dict[int, str] = {}
    ids = list(employee_ids)
    for lo in range(0, len(ids), CHUNK):
        out.update(facet.values(db, ids[lo:lo + CHUNK]))
    return out


def installed() -> dict[str, Facet]:
    """Every installed module's facets, by key (module order)."""
    out: dict[str, Facet] = {}
    for provided in modules.provided(POINT):
        for facet in provided:
            out.setdefault(facet.key, facet)
    return out


def check(facets: Mapping[str, Facet], wanted: Mapping[str, str | None]) -> dict[str, str]:
    """The facet filters a request asks for (empty values dropped); an unknown facet or value is a 422."""
    out: dict[str, str] = {}
    for key, value in wanted.items():
        if value is None or value == "":
            continue
        facet = facets.get(key)
        if facet is None:
            raise Invalid(f"{key}: no installed module provides this filter", field=key)
        if value not in facet.choices:
            raise Invalid(f"{key} must be one of {', '.join(facet.choices)}, not {value!r}", field=key)
        out[key] = value
    return out
