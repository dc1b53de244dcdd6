"""The vacancy what-if: some people leave at once; each post they vacate is filled by its best available
successor, whose own post opens in turn, to a chosen depth (docs/succession.md "Vacancy what-if").

The rule is the talent graph's vacancy chain (docs/graph.md "Queries", ``vacancy_chain``), run on the plans
themselves (the database is their system of record) and for several departures at once:

- A vacated post is filled by the best available successor on its slate: ready now first, then the lowest rank
  (then the external id), of any readiness; a filler who is not ready now is a *readiness gap*, reported, not
  refused. Available: active, not one of the leavers, not already moved in this simulation, not the post's holder.
- Each filler's own post opens next, one step further down the chain; the chain is followed for ``depth`` posts
  (the post the last mover leaves then stays open: *beyond the depth*).
- The departures are simultaneous: the posts that open at one step are filled together, before the next step's.
  When two of them want the same person, the (post, successor) pairs are taken in the order of the rule above
  (ready now, rank), a key post before another post, then by the post's code: a person goes where they stand
  highest, and the other post takes its next available successor.
- A post nobody fills is *uncovered* (``no_plan``: nobody is nominated for it; ``no_available_successor``: every
  nominee is gone, moved or has left). Its plan's emergency successor, when available, is named as the interim.
- *Key posts exposed*: key posts left uncovered, filled by someone not ready now, left open beyond the depth, or
  never opened but stripped of every available ready-now successor by the moves (``cover_lost``).

A simulation writes nothing: a handful of set-based reads (the leavers, the slates of each step's open posts,
the slates the movers stood on), then memory.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from graph.queries import MAX_CHAIN_DEPTH
from hcm.errors import HcmError, Invalid, NotFound
from hcm.org.models import Employee, EmployeeStatus, Position
from hcm.policy import Principal, employee_filter
from succession.models import Nomination, Readiness, SuccessionPlan
from succession.schemas_analysis import (
    ExposedKeyPost,
    MoverOut,
    OpenPost,
    PersonOut,
    PostOut,
    WhatIfChain,
    WhatIfOut,
    WhatIfStep,
    WhatIfSummary,
)
from succession.service.taking import position_roles

MAX_DEPTH = MAX_CHAIN_DEPTH  # the graph's own limit: the two what-ifs answer the same questions
DEFAULT_DEPTH = 3
MAX_LEAVERS = 50
CHUNK = 5000  # ids per IN (...) list


class UnknownPeople(NotFound):
    """Several ids that name nobody in the caller's scope: all of them, named (one is ``NotFound`` as usual)."""

    def __init__(self, ids: Sequence[int], *, field: str = "employee_id") -> None:
        HcmError.__init__(self, f"Employee with {field}={', '.join(str(i) for i in ids)} does not exist", field=field)
        self.entity = "Employee"
        self.key = list(ids)


@dataclass
class _Person:
    id: int
    external_id: str
    name: str
    status: EmployeeStatus
    position_id: int | None

    def out(self) -> PersonOut:
        return PersonOut(id=self.id, external_id=self.external_id, name=self.name)


@dataclass
class _Post:
    id: int
    code: str
    title: str
    is_key: bool
    active: bool


@dataclass
class _Candidate:
    person: _Person
    readiness: Readiness
    rank: int

    def order(self) -> tuple[bool, int, str]:
        return (self.readiness is not Readiness.READY_NOW, self.rank, self.person.external_id)


@dataclass
class _Opening:
    post: int
    chain: int  # index of the leaver whose chain it is
    step: int
    vacated_by: _Person


@dataclass
class _Filled:
    opening: _Opening
    by: _Candidate | None = None
    uncovered: Literal["no_plan", "no_available_successor"] | None = None
    interim: _Person | None = None


@dataclass
class _State:
    posts: dict[int, _Post] = field(default_factory=dict)
    gone: set[int] = field(default_factory=set)  # leavers
    moved: set[int] = field(default_factory=set)

    def available(self, p: _Person, post: int) -> bool:
        return (p.status is EmployeeStatus.ACTIVE and p.id not in self.gone and p.id not in self.moved
                and p.position_id != post)


def _person(row: Any) -> _Person:
    return _Person(row.id, row.external_id, f"{row.first_name} {row.last_name}", row.status, row.position_id)


def _check(employee_ids: Sequence[int], depth: int) -> list[int]:
    if isinstance(depth, bool) or not isinstance(depth, int) or not 1 <= depth <= MAX_DEPTH:
        raise Invalid(f"depth must be a whole number between 1 and {MAX_DEPTH}", field="depth")
    wanted = list(dict.fromkeys(employee_ids))
    if not wanted:
        raise Invalid("name at least one person leaving", field="employee_id")
    if len(wanted) > MAX_LEAVERS:
        raise Invalid(f"name at most {MAX_LEAVERS} people leaving", field="employee_id")
    return wanted


def _leavers(db: Session, principal: Principal, wanted: list[int]) -> list[_Person]:
    """The people named, within the caller's people scope (outside it: like nobody), in the order given."""
    rows = db.execute(select(Employee.id, Employee.external_id, Employee.first_name, Employee.last_name,
                             Employee.status, Employee.position_id)
                      .where(Employee.id.in_(wanted), employee_filter(principal))).all()
    found = {r.id: _person(r) for r in rows}
    missing = [i for i in wanted if i not in found]
    if len(missing) == 1:
        raise NotFound("Employee", missing[0], field="employee_id")
    if missing:
        raise UnknownPeople(missing)
    left = [found[i] for i in wanted if found[i].status is not EmployeeStatus.ACTIVE]
    if left:
        raise Invalid(f"employee_id={', '.join(str(p.id) for p in left)}: has already left (only people still here "
                      "can leave in a what-if)", field="employee_id")
    return [found[i] for i in wanted]


def _load_posts(db: Session, state: _State, ids: set[int]) -> None:
    todo = sorted(i for i in ids if i not in state.posts)
    for lo in range(0, len(todo), CHUNK):
        for r in db.execute(select(Position.id, Position.code, Position.title, Position.is_key, Position.is_active)
                            .where(Position.id.in_(todo[lo:lo + CHUNK]))):
            state.posts[r.id] = _Post(r.id, r.code, r.title, bool(r.is_key), bool(r.is_active))


def _slates(db: Session, post_ids: list[int]) -> tuple[dict[int, list[_Candidate]], dict[int, _Person | None]]:
    """The active nominations of these posts' plans with their nominees, and each plan's emergency successor
    (posts without a plan are absent from the second)."""
    slates: dict[int, list[_Candidate]] = defaultdict(list)
    emergency: dict[int, _Person | None] = {}
    cols = (Employee.id, Employee.external_id, Employee.first_name, Employee.last_name, Employee.status,
            Employee.position_id)
    for lo in range(0, len(post_ids), CHUNK):
        chunk = post_ids[lo:lo + CHUNK]
        for r in db.execute(select(SuccessionPlan.position_id.label("post"), Nomination.readiness, Nomination.rank,
                                   *cols)
                            .join(Nomination, Nomination.plan_id == SuccessionPlan.id)
                            .join(Employee, Employee.id == Nomination.employee_id)
                            .where(SuccessionPlan.position_id.in_(chunk), Nomination.removed_at.is_(None))):
            slates[r.post].append(_Candidate(_person(r), Readiness(r.readiness), r.rank))
        for e in db.execute(select(SuccessionPlan.position_id.label("post"), *cols)
                            .outerjoin(Employee, Employee.id == SuccessionPlan.emergency_employee_id)
                            .where(SuccessionPlan.position_id.in_(chunk))):
            emergency[e.post] = _person(e) if e.id is not None else None
    return slates, emergency


def _fill(db: Session, state: _State, openings: list[_Opening]) -> list[_Filled]:
    """Fill the posts that open at one step, together (the module docstring's rule)."""
    slates, emergency = _slates(db, sorted({o.post for o in openings}))
    _load_posts(db, state, {o.post for o in openings})
    pairs = [(c.order(), not state.posts[o.post].is_key, state.posts[o.post].code, i, c)
             for i, o in enumerate(openings) for c in slates.get(o.post, ()) if state.available(c.person, o.post)]
    pairs.sort(key=lambda p: p[:4])
    filled = [_Filled(o) for o in openings]
    taken: set[int] = set()
    for *_, i, c in pairs:
        if filled[i].by is None and c.person.id not in taken:
            filled[i].by = c
            taken.add(c.person.id)
    state.moved |= taken
    for f in filled:
        if f.by is not None:
            continue
        f.uncovered = "no_available_successor" if slates.get(f.opening.post) else "no_plan"
        interim = emergency.get(f.opening.post)
        if interim is not None and state.available(interim, f.opening.post):
            f.interim = interim
    return filled


def what_if(db: Session, *, principal: Principal, employee_ids: Sequence[int], depth: int = DEFAULT_DEPTH) -> WhatIfOut:
    """What happens when these people leave at once (the module docstring's rules). Reads only.

    ``employee_ids``: 1..``MAX_LEAVERS`` people within the caller's people scope (anyone else, like an id that
    names nobody, is a 404 naming them), still here; ``depth``: 1..``MAX_DEPTH`` posts per chain."""
    wanted = _check(employee_ids, depth)
    leavers = _leavers(db, principal, wanted)
    state = _State(gone={p.id for p in leavers})
    _load_posts(db, state, {p.position_id for p in leavers if p.position_id is not None})
    openings = [_Opening(p.position_id, i, 1, p) for i, p in enumerate(leavers) if p.position_id is not None]
    steps: list[_Filled] = []
    beyond: list[_Opening] = []
    while openings:
        filled = _fill(db, state, openings)
        steps += filled
        nxt: list[_Opening] = []
        for f in filled:
            if f.by is not None and f.by.person.position_id is not None:
                o = _Opening(f.by.person.position_id, f.opening.chain, f.opening.step + 1, f.by.person)
                (nxt if o.step <= depth else beyond).append(o)
        openings = nxt
    _load_posts(db, state, {o.post for o in beyond} | {p for f in steps if f.by is not None
                                                       for p in [f.by.person.position_id] if p is not None})
    cover_lost = _cover_lost(db, state, opened={f.opening.post for f in steps} | {o.post for o in beyond})
    return _answer(db, state, leavers, depth, steps, beyond, cover_lost)


def _cover_lost(db: Session, state: _State, *, opened: set[int]) -> list[tuple[int, list[_Person]]]:
    """Active key posts that did not open but whose every available ready-now successor left or moved: (post,
    the ready-now successors it lost), by the post's code."""
    away = sorted(state.gone | state.moved)
    hit: set[int] = set()
    for lo in range(0, len(away), CHUNK):
        hit |= set(db.scalars(
            select(SuccessionPlan.position_id).join(Nomination, Nomination.plan_id == SuccessionPlan.id)
            .join(Position, Position.id == SuccessionPlan.position_id)
            .where(Nomination.employee_id.in_(away[lo:lo + CHUNK]), Nomination.removed_at.is_(None),
                   Nomination.readiness == Readiness.READY_NOW, Position.is_key.is_(True),
                   Position.is_active.is_(True))))
    hit -= opened
    if not hit:
        return []
    slates, _ = _slates(db, sorted(hit))
    _load_posts(db, state, hit)
    out = []
    for post in hit:
        ready = [c.person for c in slates.get(post, []) if c.readiness is Readiness.READY_NOW
                 and c.person.status is EmployeeStatus.ACTIVE]
        if ready and not any(state.available(p, post) for p in ready):
            out.append((post, sorted(ready, key=lambda p: p.external_id)))
    return sorted(out, key=lambda x: state.posts[x[0]].code)


def _answer(db: Session, state: _State, leavers: list[_Person], depth: int, steps: list[_Filled],
            beyond: list[_Opening], cover_lost: list[tuple[int, list[_Person]]]) -> WhatIfOut:
    roles = position_roles(db, state.posts)

    def post(pid: int) -> PostOut:
        p = state.posts[pid]
        return PostOut(id=p.id, code=p.code, title=p.title, is_key=p.is_key, role=roles.get(pid))

    def open_post(o: _Opening) -> OpenPost:
        return OpenPost(position=post(o.post), step=o.step, leaver=leavers[o.chain].out())

    by_chain: dict[int, list[_Filled]] = defaultdict(list)
    for f in steps:
        by_chain[f.opening.chain].append(f)
    beyond_of = {o.chain: o for o in beyond}
    chains = []
    for i, leaver in enumerate(leavers):
        chain_steps = sorted(by_chain.get(i, []), key=lambda f: f.opening.step)
        out_steps = []
        for f in chain_steps:
            mover = None
            if f.by is not None:
                frm = f.by.person.position_id
                mover = MoverOut(employee=f.by.person.out(), readiness=f.by.readiness, rank=f.by.rank,
                                 from_position=post(frm) if frm is not None else None)
            out_steps.append(WhatIfStep(
                step=f.opening.step, position=post(f.opening.post), vacated_by=f.opening.vacated_by.out(),
                filled_by=mover, readiness_gap=f.by is not None and f.by.readiness is not Readiness.READY_NOW,
                uncovered=f.uncovered,
                interim=f.interim.out() if f.interim is not None else None))
        last_open = next((f.opening.post for f in chain_steps if f.by is None), None)
        if last_open is None and i in beyond_of:
            last_open = beyond_of[i].post
        chains.append(WhatIfChain(leaver=leaver.out(),
                                  position=post(leaver.position_id) if leaver.position_id is not None else None,
                                  steps=out_steps, open_position=post(last_open) if last_open is not None else None))

    uncovered = [f.opening for f in steps if f.by is None]
    gaps = [f.opening for f in steps if f.by is not None and f.by.readiness is not Readiness.READY_NOW]
    exposed: list[ExposedKeyPost] = []

    def key(o: _Opening) -> bool:
        p = state.posts[o.post]
        return p.is_key and p.active

    for o in uncovered:
        if key(o):
            exposed.append(ExposedKeyPost(position=post(o.post), reason="uncovered", step=o.step,
                                          detail="nobody on its slate is available to fill it"))
    for f in steps:
        if f.by is not None and f.by.readiness is not Readiness.READY_NOW and key(f.opening):
            exposed.append(ExposedKeyPost(position=post(f.opening.post), reason="not_ready", step=f.opening.step,
                                          detail=f"filled by {f.by.person.name}, {f.by.readiness.value}"))
    for o in beyond:
        if key(o):
            exposed.append(ExposedKeyPost(position=post(o.post), reason="beyond_depth", step=o.step,
                                          detail=f"opens when {o.vacated_by.name} moves; not followed past depth "
                                                 f"{depth}"))
    for pid, lost in cover_lost:
        exposed.append(ExposedKeyPost(position=post(pid), reason="cover_lost", step=None,
                                      detail="its ready-now successors leave or move: "
                                             + ", ".join(p.name for p in lost)))
    order = {"uncovered": 0, "beyond_depth": 1, "not_ready": 2, "cover_lost": 3}
    exposed.sort(key=lambda x: (order[x.reason], x.position.code))

    def ordered(items: list[_Opening]) -> list[OpenPost]:
        return [open_post(o) for o in sorted(items, key=lambda o: (o.step, state.posts[o.post].code))]

    filled = [f for f in steps if f.by is not None]
    return WhatIfOut(
        depth=depth, chains=chains, uncovered=ordered(uncovered), readiness_gaps=ordered(gaps),
        beyond_depth=ordered(beyond), exposed_key_posts=exposed,
        summary=WhatIfSummary(
            opened=len(steps) + len(beyond), filled=len(filled),
            filled_ready_now=sum(1 for f in filled if f.by is not None and f.by.readiness is Readiness.READY_NOW),
            readiness_gaps=len(gaps), uncovered=len(uncovered), beyond_depth=len(beyond),
            exposed_key_posts=len(exposed)))
