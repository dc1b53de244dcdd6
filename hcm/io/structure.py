"""Imports of the structure: departments (a tree by ``parent_code``) and positions (a reporting tree by
``reports_to_code``). Both trees are checked for cycles over the union of the file and the database."""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any, TypeVar

from sqlalchemy import select

from hcm.io.base import (
    Ctx,
    ImportReport,
    Spec,
    bulk_insert,
    bulk_update,
    check_new_key,
    emit_bulk,
    first_rows,
    key_ids,
    load,
)
from hcm.io.parse import Cells, Errors
from hcm.org import events, rules
from hcm.org.models import Department, Grade, JobFamily, Position

K = TypeVar("K", bound=Hashable)
UNSET: Any = object()  # the column is not in the file: keep what the database has

DEPARTMENTS = Spec(("code", "name", "parent_code"), ("code", "name"))
POSITIONS = Spec(
    ("code", "title", "department_code", "grade_code", "job_family_code", "reports_to_code", "is_key", "is_active",
     "head_of"),
    ("code", "title", "department_code"),
)
HEAD_SEP = ";"


def all_cycles(parent_of: dict[K, K | None]) -> list[list[K]]:
    """Every cycle of a parent map (``rules.find_cycle`` finds one; break it and look again)."""
    work = dict(parent_of)
    found = []
    while (cycle := rules.find_cycle(work)) is not None:
        found.append(cycle)
        work[cycle[0]] = None
    return found


def report_cycles(parent_of: dict[str, str | None], rows: dict[str, int], errors: Errors, column: str,
                  what: str) -> None:
    for cycle in all_cycles(parent_of):
        loop = " -> ".join([*cycle, cycle[0]])
        for code in cycle:
            if code in rows:
                errors.add(rows[code], column, f"cycle in the {what}: {loop}")


def _ref(c: Cells, col: str, ids: dict[str, int], what: str) -> Any:
    """An optional reference column: UNSET if absent, None if empty, else the id (or an error)."""
    if not c.has(col):
        return UNSET
    code = c.code(col)
    if code is None:
        return None
    if code not in ids:
        c.error(col, f"unknown {what} {code!r}")
        return None
    return ids[code]


def import_departments(ctx: Ctx) -> ImportReport:
    db = ctx.db
    existing = load(db, Department.code, ["name", "parent_id"])
    code_of = {v["id"]: k for k, v in existing.items()}
    items: list[tuple[Cells, str, dict[str, Any], Any]] = []
    for c in ctx.records():
        code = c.code("code", required=True)
        f: dict[str, Any] = {"name": c.text("name", required=True, max_len=200)}
        parent = c.code("parent_code") if c.has("parent_code") else UNSET
        if code is not None:
            check_new_key(c, "code", code, existing)
            items.append((c, code, f, parent))
    rows = first_rows(((c.row, k) for c, k, _, _ in items), ctx.errors, "code", "code")
    parent_of = {k: code_of.get(v["parent_id"]) for k, v in existing.items()}
    for c, code, _, parent in items:
        if parent is UNSET:
            continue
        if parent is not None and parent not in rows and parent not in existing:
            c.error("parent_code", f"unknown department {parent!r} (not in this file nor in the database)")
        elif rows.get(code) == c.row:
            parent_of[code] = parent
    report_cycles(parent_of, rows, ctx.errors, "parent_code", "department tree")
    ctx.errors.raise_if_any(ctx.kind)

    new = [{"code": k, "name": f["name"], "parent_id": None} for _, k, f, _ in items if k not in existing]
    bulk_insert(db, Department, new)
    ids = key_ids(db, Department.code) if new else {k: v["id"] for k, v in existing.items()}
    updates, changed, unchanged = [], [], 0
    for _, code, f, parent in items:
        target = dict(f) if code in existing else {}
        if parent is not UNSET:
            target["parent_id"] = ids[parent] if parent is not None else None
        old = existing.get(code, {"parent_id": None})
        diff = {k: v for k, v in target.items() if old.get(k) != v}
        if diff:
            updates.append({"id": ids[code], **diff})
        if code not in existing or diff:
            changed.append(code)
        else:
            unchanged += 1
    bulk_update(db, Department, updates)
    names = {k: v["name"] for k, v in existing.items()} | {k: f["name"] for _, k, f, _ in items}
    emit_bulk(db, (events.department(k, name=names[k], parent=parent_of.get(k)) for k in changed))
    n_upd = sum(1 for k in changed if k in existing)
    return ImportReport(ctx.kind, len(ctx.sheet.records), len(new), n_upd, unchanged)


def import_positions(ctx: Ctx) -> ImportReport:
    db = ctx.db
    attrs = ["title", "department_id", "grade_id", "job_family_id", "reports_to_id", "is_key", "is_active"]
    existing = load(db, Position.code, attrs)
    pos_code = {v["id"]: k for k, v in existing.items()}
    depts, grades, families = key_ids(db, Department.code), key_ids(db, Grade.code), key_ids(db, JobFamily.code)
    items: list[tuple[Cells, str, dict[str, Any], Any, Any]] = []
    for c in ctx.records():
        code = c.code("code", required=True)
        f: dict[str, Any] = {"title": c.text("title", required=True, max_len=200)}
        dept = c.code("department_code", required=True)
        if dept is not None and dept not in depts:
            c.error("department_code", f"unknown department {dept!r}")
        f["department_id"] = depts.get(dept or "")
        for col, attr, ids, what in (("grade_code", "grade_id", grades, "grade"),
                                     ("job_family_code", "job_family_id", families, "job family")):
            ref = _ref(c, col, ids, what)
            if ref is not UNSET:
                f[attr] = ref
        if c.has("is_key"):
            f["is_key"] = c.boolean("is_key", default=False)
        if c.has("is_active"):
            f["is_active"] = c.boolean("is_active", default=True)
        boss = c.code("reports_to_code") if c.has("reports_to_code") else UNSET
        heads: Any = UNSET
        if c.has("head_of"):
            heads = [h.strip() for h in (c.text("head_of") or "").split(HEAD_SEP) if h.strip()]
            for h in heads:
                if h not in depts:
                    c.error("head_of", f"unknown department {h!r}")
        if code is not None:
            check_new_key(c, "code", code, existing)
            items.append((c, code, f, boss, heads))
    rows = first_rows(((c.row, k) for c, k, *_ in items), ctx.errors, "code", "code")
    parent_of = {k: pos_code.get(v["reports_to_id"]) for k, v in existing.items()}
    for c, code, _, boss, _ in items:
        if boss is UNSET:
            continue
        if boss is not None and boss not in rows and boss not in existing:
            c.error("reports_to_code", f"unknown position {boss!r} (not in this file nor in the database)")
        elif rows.get(code) == c.row:
            parent_of[code] = boss
    report_cycles(parent_of, rows, ctx.errors, "reports_to_code", "reporting lines")
    first_rows(((c.row, h) for c, _, _, _, heads in items if heads is not UNSET for h in heads), ctx.errors,
               "head_of", "head of department")
    ctx.errors.raise_if_any(ctx.kind)

    defaults = {"grade_id": None, "job_family_id": None, "is_key": False, "is_active": True, "reports_to_id": None}
    new = [{**defaults, **f, "code": k, "reports_to_id": None} for _, k, f, _, _ in items if k not in existing]
    bulk_insert(db, Position, new)
    ids = key_ids(db, Position.code) if new else {k: v["id"] for k, v in existing.items()}

    head_of = dict(db.execute(select(Department.id, Department.head_position_id)).all())
    dept_updates: dict[int, int | None] = {}
    for _, code, _, _, heads in items:
        if heads is UNSET:
            continue
        pid = ids[code]
        wanted = {depts[h] for h in heads}
        for d, holder in head_of.items():
            if holder == pid and d not in wanted:
                dept_updates.setdefault(d, None)
        for d in wanted:
            dept_updates[d] = pid
    dept_changes = {d: p for d, p in dept_updates.items() if head_of.get(d) != p}
    head_changed = {p for p in dept_changes.values() if p} | {h for d in dept_changes if (h := head_of.get(d))}

    updates, changed, unchanged = [], [], 0
    for _, code, f, boss, _ in items:
        target = dict(f) if code in existing else {}
        if boss is not UNSET:
            target["reports_to_id"] = ids[boss] if boss is not None else None
        old = existing.get(code, {"reports_to_id": None})
        diff = {k: v for k, v in target.items() if old.get(k) != v}
        if diff:
            updates.append({"id": ids[code], **diff})
        if code not in existing or diff or ids[code] in head_changed:
            changed.append(code)
        else:
            unchanged += 1
    bulk_update(db, Position, updates)
    bulk_update(db, Department, [{"id": d, "head_position_id": p} for d, p in dept_changes.items()])

    final = {k: {**defaults, **existing.get(k, {}), **f} for _, k, f, _, _ in items}
    emit_bulk(db, events.positions_from_db(db, (ids[k] for k in changed)))
    role_moved = [k for k in changed if k in existing and any(
        final[k].get(a) != existing[k].get(a) for a in ("grade_id", "job_family_id"))]
    if role_moved:  # the careers through these posts now count as steps of their new roles
        emit_bulk(db, [events.career_history(f"position:{role_moved[0]}")])
    n_upd = sum(1 for k in changed if k in existing)
    return ImportReport(ctx.kind, len(ctx.sheet.records), len(new), n_upd, unchanged)
