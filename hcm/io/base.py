"""What every kind's import shares: the report, the column spec, bulk loading of existing keys, the
upsert plan (insert / update only what changed / leave alone), bulk writes and bulk outbox rows."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any, TypeVar

from sqlalchemy import insert, select, update
from sqlalchemy.orm import InstrumentedAttribute, Session

from hcm.db import Base
from hcm.io.files import Sheet
from hcm.io.parse import CODE_RE, Cells, Errors, columns_of
from hcm.outbox import OutboxEvent

K = TypeVar("K", bound=Hashable)
Progress = Callable[[int, int], None]
PROGRESS_EVERY = 2000


@dataclass
class ImportReport:
    kind: str
    rows: int
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    deleted: int = 0  # only the assignments import deletes (history rows replaced by the file's)


@dataclass(frozen=True)
class Spec:
    """The columns of a kind, in export order; ``required`` must be in the header of an import."""

    columns: tuple[str, ...]
    required: tuple[str, ...]


@dataclass
class Ctx:
    db: Session
    kind: str
    sheet: Sheet
    spec: Spec
    as_of: date
    progress: Progress | None = None
    errors: Errors = field(default_factory=Errors)

    def records(self) -> Iterator[Cells]:
        """Every record as ``Cells``; missing required columns reject the file before any row is read."""
        cols = columns_of(self.sheet.header, self.spec.columns, self.spec.required, self.errors)
        self.errors.raise_if_any(self.kind)
        self.cols = cols
        total = len(self.sheet.records)
        for i, (n, cells) in enumerate(self.sheet.records, start=1):
            yield Cells(n, cells, cols, self.errors)
            if self.progress is not None and i % PROGRESS_EVERY == 0:
                self.progress(i, total)

    def has(self, col: str) -> bool:
        return col in self.cols

    def done(self) -> None:
        if self.progress is not None:
            n = len(self.sheet.records)
            self.progress(n, n)


# --- loading -------------------------------------------------------------------------------------
def key_ids(db: Session, key: InstrumentedAttribute[Any]) -> dict[Any, int]:
    """Business key -> id for a whole table, in one query."""
    model = key.class_
    return {k: i for k, i in db.execute(select(key, model.id)).all()}


def load(db: Session, key: InstrumentedAttribute[Any], attrs: Sequence[str]) -> dict[Any, dict[str, Any]]:
    """Business key -> {id, attrs...} for a whole table, in one query."""
    model = key.class_
    cols = [model.id, key, *(getattr(model, a) for a in attrs)]
    names = ["id", key.key, *attrs]
    return {r[1]: dict(zip(names, r, strict=True)) for r in db.execute(select(*cols)).all()}


# --- checks --------------------------------------------------------------------------------------
def first_rows(items: Iterable[tuple[int, K]], errors: Errors, column: str, what: str) -> dict[K, int]:
    """Key -> the row it first appears on; a repeat is reported on its own row."""
    seen: dict[K, int] = {}
    for row, key in items:
        if key in seen:
            errors.add(row, column, f"duplicate {what} {_show(key)}: already on row {seen[key]}")
        else:
            seen[key] = row
    return seen


def _show(key: Any) -> str:
    return " / ".join(repr(k) if isinstance(k, str) else str(k) for k in key) if isinstance(key, tuple) else repr(key)


def check_new_key(c: Cells, column: str, key: str, existing: dict[Any, Any]) -> None:
    if key not in existing and not CODE_RE.fullmatch(key):
        c.error(column, f"not a valid code: {key!r} (letters, digits and _ . : / - ; starting with a letter or digit)")


def unique_values(rows: Iterable[tuple[int, K, Any]], db_values: dict[K, Any], errors: Errors, column: str) -> None:
    """A column that is unique in the table (email, taxonomy_uri): the final state after the import must
    not repeat a value, whether the other holder is in the file or only in the database."""
    final = dict(db_values)
    row_of: dict[K, int] = {}
    for row, key, value in rows:
        final[key] = value
        row_of[key] = row
    owner: dict[Any, K] = {}
    for key, value in final.items():
        if value is None:
            continue
        other = owner.setdefault(value, key)
        if other != key:
            a, b = (other, key) if row_of.get(key, 0) >= row_of.get(other, 0) else (key, other)
            where = f"row {row_of[a]}" if a in row_of else "the database"
            errors.add(row_of[b], column, f"{value!r} is already used by {a!r} ({where})")


# --- the upsert plan -----------------------------------------------------------------------------
def same(stored: Any, new: Any) -> bool:
    """Is the file's value the stored one? An empty text stored (the API allows it) and an empty cell are the
    same: a file cannot tell them apart, so exporting and importing again changes nothing."""
    return stored == new or (stored == "" and new is None)


@dataclass
class Plan:
    inserts: list[dict[str, Any]] = field(default_factory=list)
    updates: list[dict[str, Any]] = field(default_factory=list)
    unchanged: int = 0
    changed_keys: list[Any] = field(default_factory=list)


def plan_upsert(existing: dict[Any, dict[str, Any]], key_attr: str, items: Iterable[tuple[Any, dict[str, Any]]],
                defaults: dict[str, Any]) -> Plan:
    """Existing key -> update of the fields that differ (nothing if none); new key -> insert. Only the
    columns the file has are in ``fields``: a column left out of the file is left alone."""
    plan = Plan()
    for key, fields in items:
        old = existing.get(key)
        if old is None:
            plan.inserts.append({**defaults, **fields, key_attr: key})
            plan.changed_keys.append(key)
            continue
        diff = {k: v for k, v in fields.items() if not same(old.get(k), v)}
        if diff:
            plan.updates.append({"id": old["id"], **diff})
            plan.changed_keys.append(key)
        else:
            plan.unchanged += 1
    return plan


def bulk_insert(db: Session, model: type[Base], rows: list[dict[str, Any]]) -> None:
    if rows:
        db.execute(insert(model), rows)


def bulk_update(db: Session, model: type[Base], rows: list[dict[str, Any]]) -> None:
    """UPDATE ... WHERE id = :id as one executemany (ORM bulk update by primary key)."""
    if rows:
        db.execute(update(model), rows)


def write_plan(db: Session, model: type[Base], plan: Plan, *, unique: Sequence[str] = ()) -> None:
    """Inserts and updates of a plan. Values of ``unique`` columns may change hands inside one file (two
    people swap posts or emails): the updated rows let go of theirs first, so no statement ever sees one
    value twice."""
    bulk_update(db, model, [{"id": r["id"], **{c: None for c in unique if c in r}} for r in plan.updates
                            if any(c in r for c in unique)])
    bulk_insert(db, model, plan.inserts)
    bulk_update(db, model, plan.updates)


def emit_bulk(db: Session, events: Iterable[tuple[str, str, dict[str, Any]]]) -> None:
    """Outbox rows with the same topic / key / payload shapes as ``hcm.org.service``'s emitters."""
    rows: list[dict[str, Any]] = []
    topics: set[str] = set()
    for t, k, p in events:
        rows.append({"topic": t, "key": k, "op": "upsert", "payload": p, "attempts": 0})
        topics.add(t)
    if rows:
        from hcm.tasks import notify_outbox_consumers  # as hcm.outbox.emit does: drained after commit

        bulk_insert(db, OutboxEvent, rows)
        notify_outbox_consumers(db, topics)
