"""Import / export API: thin routes over ``hcm.io.service``; HR administrators only."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Depends, File, Query, Response, UploadFile
from sqlalchemy.orm import Session

from hcm.deps import get_db
from hcm.io import service
from hcm.io.base import ImportReport
from hcm.policy import Permission, Principal, allow

router = APIRouter(prefix="/api/io", tags=["import/export"])


@router.post("/import/{kind}", response_model=ImportReport)
def import_kind(kind: str, file: UploadFile = File(...), db: Session = Depends(get_db),
                _: Principal = Depends(allow(Permission.DATA_IMPORT))):
    """Upload a .csv or .xlsx file (form field ``file``); 422 with every bad row if it is rejected."""
    return service.import_bytes(db, kind=kind, filename=file.filename or "", data=file.file.read())


# A file, not JSON: /docs lists the two media types instead of an empty JSON schema.
@router.get("/export/{kind}", response_model=None, response_class=Response,
            responses={200: {"description": "The file, in the columns an import of the kind reads",
                             "content": {media_type: {} for media_type in service.MEDIA_TYPES.values()}}})
def export_kind(kind: str, format: Literal["csv", "xlsx"] = Query("csv"), db: Session = Depends(get_db),
                _: Principal = Depends(allow(Permission.DATA_EXPORT))) -> Response:
    data = service.export_bytes(db, kind=kind, fmt=format)
    return Response(data, media_type=service.MEDIA_TYPES[format],
                    headers={"Content-Disposition": f'attachment; filename="{kind}.{format}"'})
