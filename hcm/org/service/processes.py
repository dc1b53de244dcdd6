"""Business processes that span departments."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from hcm.db import get_or_404
from hcm.org.models import (
    BusinessProcess,
    Department,
    process_departments,
)
from hcm.org.schemas import (
    ProcessIn,
    ProcessOut,
    ProcessPatch,
)
from hcm.org.service.common import _ref, _unique
from hcm.paging import Page, paginate


# --- business processes -------------------------------------------------------------------------
def _process_out(db: Session, p: BusinessProcess) -> ProcessOut:
    ids = db.scalars(
        select(process_departments.c.department_id).where(process_departments.c.process_id == p.id)
    ).all()
    return ProcessOut(id=p.id, code=p.code, name=p.name, description=p.description,
                      owner_department_id=p.owner_department_id, department_ids=sorted(ids))


def _set_process_departments(db: Session, p: BusinessProcess, department_ids: Sequence[int]) -> None:
    for i, did in enumerate(department_ids):
        _ref(db, Department, did, f"department_ids[{i}]")
    db.execute(process_departments.delete().where(process_departments.c.process_id == p.id))
    if department_ids:
        db.execute(process_departments.insert(), [{"process_id": p.id, "department_id": d} for d in set(department_ids)])


def list_processes(db: Session, *, page: int = 1, page_size: int = 100) -> Page[ProcessOut]:
    rows, total = paginate(db, select(BusinessProcess).order_by(BusinessProcess.code), page=page, page_size=page_size)
    return Page(items=[_process_out(db, r[0]) for r in rows], total=total, page=page, page_size=page_size)


def get_process(db: Session, *, process_id: int) -> ProcessOut:
    return _process_out(db, get_or_404(db, BusinessProcess, process_id, entity="BusinessProcess"))


def create_process(db: Session, *, data: ProcessIn) -> ProcessOut:
    _unique(db, BusinessProcess.code, data.code, "code")
    _ref(db, Department, data.owner_department_id, "owner_department_id")
    p = BusinessProcess(code=data.code, name=data.name, description=data.description,
                        owner_department_id=data.owner_department_id)
    db.add(p)
    db.flush()
    _set_process_departments(db, p, data.department_ids)
    db.flush()
    return _process_out(db, p)


def update_process(db: Session, *, process_id: int, data: ProcessPatch) -> ProcessOut:
    p = get_or_404(db, BusinessProcess, process_id, entity="BusinessProcess")
    if "owner_department_id" in data.model_fields_set:
        _ref(db, Department, data.owner_department_id, "owner_department_id")
    for k in ("name", "description", "owner_department_id"):
        if k in data.model_fields_set:
            setattr(p, k, getattr(data, k))
    if data.department_ids is not None:
        _set_process_departments(db, p, data.department_ids)
    db.flush()
    return _process_out(db, p)
