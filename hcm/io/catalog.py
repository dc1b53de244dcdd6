"""Imports of the catalogs: job families, grades, skills, and position skill requirements."""

from __future__ import annotations

from typing import Any

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
    plan_upsert,
    unique_values,
    write_plan,
)
from hcm.org import events, rules
from hcm.org.models import Grade, Importance, JobFamily, Position, PositionSkill, Skill
from hcm.org.service.catalog import related_families

JOB_FAMILIES = Spec(("code", "name"), ("code", "name"))
GRADES = Spec(("code", "name", "level", "pay_min", "pay_mid", "pay_max"),
              ("code", "name", "level", "pay_min", "pay_mid", "pay_max"))
SKILLS = Spec(("code", "name", "category", "taxonomy_uri", "description"), ("code", "name"))
REQUIREMENTS = Spec(("position_code", "skill_code", "required_level", "importance"),
                    ("position_code", "skill_code", "required_level"))


def import_job_families(ctx: Ctx) -> ImportReport:
    existing = load(ctx.db, JobFamily.code, ["name"])
    items: list[tuple[int, str, dict[str, Any]]] = []
    for c in ctx.records():
        code = c.code("code", required=True)
        f = {"name": c.text("name", required=True, max_len=200)}
        if code is not None:
            check_new_key(c, "code", code, existing)
        if c.ok and code is not None:
            items.append((c.row, code, f))
    first_rows(((r, k) for r, k, _ in items), ctx.errors, "code", "code")
    ctx.errors.raise_if_any(ctx.kind)
    plan = plan_upsert(existing, "code", ((k, f) for _, k, f in items), {})
    bulk_insert(ctx.db, JobFamily, plan.inserts)
    bulk_update(ctx.db, JobFamily, plan.updates)
    if plan.changed_keys:
        ids = key_ids(ctx.db, JobFamily.code)
        related = related_families(ctx.db, [ids[k] for k in plan.changed_keys])
        names = {k: f["name"] for _, k, f in items}
        emit_bulk(ctx.db, (events.job_family(k, name=names[k], related=related.get(ids[k], []))
                           for k in plan.changed_keys))
    return ImportReport(ctx.kind, len(ctx.sheet.records), len(plan.inserts), len(plan.updates), plan.unchanged)


def import_grades(ctx: Ctx) -> ImportReport:
    money = ("pay_min", "pay_mid", "pay_max")
    existing = load(ctx.db, Grade.code, ["name", "level", *money])
    items: list[tuple[int, str, dict[str, Any]]] = []
    for c in ctx.records():
        code = c.code("code", required=True)
        f: dict[str, Any] = {"name": c.text("name", required=True, max_len=200),
                             "level": c.integer("level", required=True, lo=0, hi=100)}
        f |= {m: c.decimal(m, required=True) for m in money}
        if code is not None:
            check_new_key(c, "code", code, existing)
        if c.ok and not rules.pay_band_ok(f["pay_min"], f["pay_mid"], f["pay_max"]):
            c.error("pay_mid", f"pay band must satisfy pay_min <= pay_mid <= pay_max "
                               f"(got {f['pay_min']} / {f['pay_mid']} / {f['pay_max']})")
        if c.ok and code is not None:
            items.append((c.row, code, f))
    first_rows(((r, k) for r, k, _ in items), ctx.errors, "code", "code")
    ctx.errors.raise_if_any(ctx.kind)
    plan = plan_upsert(existing, "code", ((k, f) for _, k, f in items), {})
    bulk_insert(ctx.db, Grade, plan.inserts)
    bulk_update(ctx.db, Grade, plan.updates)
    levels = {k: f["level"] for _, k, f in items}
    moved = [k for k in plan.changed_keys if k in existing and existing[k]["level"] != levels[k]]
    emit_bulk(ctx.db, (events.grade(k, level=levels[k]) for k in moved))  # the graph's roles carry the level
    return ImportReport(ctx.kind, len(ctx.sheet.records), len(plan.inserts), len(plan.updates), plan.unchanged)


def import_skills(ctx: Ctx) -> ImportReport:
    attrs = ["name", "category", "taxonomy_uri", "description"]
    existing = load(ctx.db, Skill.code, attrs)
    items: list[tuple[int, str, dict[str, Any]]] = []
    for c in ctx.records():
        code = c.code("code", required=True)
        f: dict[str, Any] = {"name": c.text("name", required=True, max_len=300)}
        for col, n in (("category", 100), ("taxonomy_uri", 500), ("description", None)):
            if c.has(col):
                f[col] = c.text(col, max_len=n)
        if code is not None:
            check_new_key(c, "code", code, existing)
        if c.ok and code is not None:
            items.append((c.row, code, f))
    first_rows(((r, k) for r, k, _ in items), ctx.errors, "code", "code")
    if ctx.has("taxonomy_uri"):
        unique_values(((r, k, f["taxonomy_uri"]) for r, k, f in items),
                      {k: v["taxonomy_uri"] for k, v in existing.items()}, ctx.errors, "taxonomy_uri")
    ctx.errors.raise_if_any(ctx.kind)
    plan = plan_upsert(existing, "code", ((k, f) for _, k, f in items), {a: None for a in attrs})
    write_plan(ctx.db, Skill, plan, unique=["taxonomy_uri"])
    final = {k: {**existing.get(k, {}), **f} for _, k, f in items}
    emit_bulk(ctx.db, (events.skill(k, name=final[k]["name"], category=final[k].get("category"))
                       for k in plan.changed_keys))
    return ImportReport(ctx.kind, len(ctx.sheet.records), len(plan.inserts), len(plan.updates), plan.unchanged)


def import_requirements(ctx: Ctx) -> ImportReport:
    db = ctx.db
    positions, skills = key_ids(db, Position.code), key_ids(db, Skill.code)
    existing = {
        (p, s): {"id": i, "required_level": lvl, "importance": imp}
        for i, p, s, lvl, imp in db.execute(
            select(PositionSkill.id, Position.code, Skill.code, PositionSkill.required_level, PositionSkill.importance)
            .join(Position, Position.id == PositionSkill.position_id).join(Skill, Skill.id == PositionSkill.skill_id)
        ).all()
    }
    items: list[tuple[int, tuple[str, str], dict[str, Any]]] = []
    for c in ctx.records():
        pos = c.code("position_code", required=True)
        skill = c.code("skill_code", required=True)
        f: dict[str, Any] = {"required_level": c.integer("required_level", required=True, lo=1, hi=5)}
        if c.has("importance"):
            f["importance"] = c.choice("importance", Importance) or Importance.MEDIUM
        if pos is not None and pos not in positions:
            c.error("position_code", f"unknown position {pos!r}")
        if skill is not None and skill not in skills:
            c.error("skill_code", f"unknown skill {skill!r}")
        if c.ok and pos is not None and skill is not None:
            items.append((c.row, (pos, skill), f))
    first_rows(((r, k) for r, k, _ in items), ctx.errors, "skill_code", "requirement (position / skill)")
    ctx.errors.raise_if_any(ctx.kind)
    plan = plan_upsert(existing, "_key", ((k, f) for _, k, f in items), {"importance": Importance.MEDIUM})
    for row in plan.inserts:
        p, s = row.pop("_key")
        row["position_id"], row["skill_id"] = positions[p], skills[s]
    bulk_insert(db, PositionSkill, plan.inserts)
    bulk_update(db, PositionSkill, plan.updates)
    final = {k: {**existing.get(k, {"importance": Importance.MEDIUM}), **f} for _, k, f in items}
    emit_bulk(db, (events.requirement(p, s, level=final[(p, s)]["required_level"],
                                      importance=final[(p, s)]["importance"].value)
                   for p, s in plan.changed_keys))
    return ImportReport(ctx.kind, len(ctx.sheet.records), len(plan.inserts), len(plan.updates), plan.unchanged)
