"""Job families and grades with pay bands."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from hcm.db import get_or_404
from hcm.errors import Invalid
from hcm.org import rules
from hcm.org.models import (
    Grade,
    JobFamily,
)
from hcm.org.schemas import (
    GradeIn,
    GradePatch,
    JobFamilyIn,
    JobFamilyPatch,
)
from hcm.org.service.common import _apply, _unique
from hcm.paging import Page, paginate


# --- job families & grades -----------------------------------------------------------------------
def list_job_families(db: Session, *, page: int = 1, page_size: int = 100) -> Page[JobFamily]:
    rows, total = paginate(db, select(JobFamily).order_by(JobFamily.code), page=page, page_size=page_size)
    return Page(items=[r[0] for r in rows], total=total, page=page, page_size=page_size)


def create_job_family(db: Session, *, data: JobFamilyIn) -> JobFamily:
    _unique(db, JobFamily.code, data.code, "code")
    jf = JobFamily(**data.model_dump())
    db.add(jf)
    db.flush()
    return jf


def update_job_family(db: Session, *, job_family_id: int, data: JobFamilyPatch) -> JobFamily:
    jf = get_or_404(db, JobFamily, job_family_id)
    _apply(jf, data)
    db.flush()
    return jf


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
    _apply(g, data)
    db.flush()
    return g
