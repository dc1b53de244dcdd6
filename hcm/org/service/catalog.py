"""Job families and grades with pay bands."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import delete, insert, or_, select
from sqlalchemy.orm import Session

from hcm import outbox
from hcm.db import get_or_404
from hcm.errors import Invalid
from hcm.org import events, rules
from hcm.org.models import (
    Grade,
    JobFamily,
    job_family_relations,
)
from hcm.org.schemas import (
    GradeIn,
    GradePatch,
    JobFamilyIn,
    JobFamilyOut,
    JobFamilyPatch,
)
from hcm.org.service.common import _apply, _unique
from hcm.paging import Page, paginate


# --- job families & grades -----------------------------------------------------------------------
def related_families(db: Session, family_ids: Iterable[int] | None = None) -> dict[int, list[str]]:
    """family id -> the codes of its related families (both directions of each stored pair), sorted."""
    rel = job_family_relations.c
    other = JobFamily.__table__.alias("other")
    stmt = select(rel.family_id, rel.related_id, other.c.id, other.c.code).join(
        other, or_(other.c.id == rel.related_id, other.c.id == rel.family_id))
    out: dict[int, list[str]] = {}
    for a, b, oid, code in db.execute(stmt):
        me = b if oid == a else a
        out.setdefault(me, []).append(code)
    wanted = None if family_ids is None else set(family_ids)
    return {k: sorted(v) for k, v in out.items() if wanted is None or k in wanted}


def _family_out(jf: JobFamily, related: dict[int, list[str]]) -> JobFamilyOut:
    return JobFamilyOut(id=jf.id, code=jf.code, name=jf.name, related=related.get(jf.id, []))


def list_job_families(db: Session, *, page: int = 1, page_size: int = 100) -> Page[JobFamilyOut]:
    rows, total = paginate(db, select(JobFamily).order_by(JobFamily.code), page=page, page_size=page_size)
    related = related_families(db, (r[0].id for r in rows))
    return Page(items=[_family_out(r[0], related) for r in rows], total=total, page=page, page_size=page_size)


def get_job_family(db: Session, *, job_family_id: int) -> JobFamilyOut:
    jf = get_or_404(db, JobFamily, job_family_id)
    return _family_out(jf, related_families(db, [jf.id]))


def _set_related(db: Session, jf: JobFamily, codes: list[str]) -> None:
    found = dict(db.execute(select(JobFamily.code, JobFamily.id).where(JobFamily.code.in_(codes))).all())
    for code in codes:
        if code not in found:
            raise Invalid(f"related: no job family with code {code!r}", field="related")
        if found[code] == jf.id:
            raise Invalid(f"related: a job family cannot be related to itself ({code!r})", field="related")
    rel = job_family_relations.c
    db.execute(delete(job_family_relations).where(or_(rel.family_id == jf.id, rel.related_id == jf.id)))
    pairs = {(min(jf.id, other), max(jf.id, other)) for other in found.values()}
    if pairs:
        db.execute(insert(job_family_relations), [{"family_id": a, "related_id": b} for a, b in sorted(pairs)])


def _emit_family(db: Session, ids: Iterable[int]) -> None:
    """The families whose relations changed (both ends of a pair) to the graph, with a career-step refresh."""
    ids = set(ids)
    related = related_families(db, ids)
    for jf in db.scalars(select(JobFamily).where(JobFamily.id.in_(ids)).order_by(JobFamily.id)):
        outbox.emit(db, *events.job_family(jf.code, name=jf.name, related=related.get(jf.id, [])))


def create_job_family(db: Session, *, data: JobFamilyIn) -> JobFamilyOut:
    _unique(db, JobFamily.code, data.code, "code")
    jf = JobFamily(code=data.code, name=data.name)
    db.add(jf)
    db.flush()
    _set_related(db, jf, data.related)
    return _after_family_change(db, jf, before=[])


def update_job_family(db: Session, *, job_family_id: int, data: JobFamilyPatch) -> JobFamilyOut:
    jf = get_or_404(db, JobFamily, job_family_id)
    before = related_families(db, [jf.id]).get(jf.id, [])
    if data.name is not None:
        jf.name = data.name
    if "related" in data.model_fields_set:
        _set_related(db, jf, data.related)
    db.flush()
    return _after_family_change(db, jf, before=before)


def _after_family_change(db: Session, jf: JobFamily, *, before: list[str]) -> JobFamilyOut:
    related = related_families(db, [jf.id])
    now = related.get(jf.id, [])
    touched = {jf.id, *db.scalars(select(JobFamily.id).where(JobFamily.code.in_(set(before) ^ set(now))))}
    _emit_family(db, touched)
    return _family_out(jf, related)


def list_grades(db: Session, *, page: int = 1, page_size: int = 100) -> Page[Grade]:
    rows, total = paginate(db, select(Grade).order_by(Grade.level, Grade.code), page=page, page_size=page_size)
    return Page(items=[r[0] for r in rows], total=total, page=page, page_size=page_size)


def create_grade(db: Session, *, data: GradeIn) -> Grade:
    _unique(db, Grade.code, data.code, "code")
    g = Grade(**data.model_dump())
    db.add(g)
    db.flush()
    return g


def update_grade(db: Session, *, grade_id: int, data: GradePatch) -> Grade:
    g = get_or_404(db, Grade, grade_id)
    merged = {k: getattr(g, k) for k in ("pay_min", "pay_mid", "pay_max")} | data.model_dump(
        exclude_unset=True, include={"pay_min", "pay_mid", "pay_max"}
    )
    if not rules.pay_band_ok(merged["pay_min"], merged["pay_mid"], merged["pay_max"]):
        raise Invalid("pay band must satisfy pay_min <= pay_mid <= pay_max", field="pay_mid")
    old_level = g.level
    _apply(g, data)
    db.flush()
    if g.level != old_level:  # the graph's roles carry the grade's level (and career steps their kind)
        outbox.emit(db, *events.grade(g.code, level=g.level))
    return g
