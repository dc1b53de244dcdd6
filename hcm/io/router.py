"""Import / export API: thin routes over ``hcm.io.service``; HR administrators only."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any, Literal

from fastapi import APIRouter, Depends, File, Query, Response, UploadFile
from sqlalchemy.orm import Session

from hcm.deps import get_db
from hcm.io import service
from hcm.policy import Permission, Principal, allow

router = APIRouter(prefix="/api/io", tags=["import/export"])


@router.post("/import/{kind}")
def import_kind(kind: str, file: UploadFile = File(...), db: Session = Depends(get_db),
                _: Principal = Depends(allow(Permission.DATA_IMPORT))) -> dict[str, Any]:
    """Upload a .csv or .xlsx file (form field ``file``); 422 with every bad row if it is rejected."""
    report = service.import_bytes(db, kind=kind, filename=file.filename or "", data=file.file.read())
    return asdict(report)


@router.get("/export/{kind}")
def export_kind(kind: str, format: Literal["csv", "xlsx"] = Query("csv"), db: Session = Depends(get_db),
                _: Principal = Depends(allow(Permission.DATA_EXPORT))) -> Response:
    data = service.export_bytes(db, kind=kind, fmt=format)
    return Response(data, media_type=service.MEDIA_TYPES[format],
                    headers={"Content-Disposition": f'attachment; filename="{kind}.{format}"'})
