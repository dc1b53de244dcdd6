from fastapi import APIRouter

router = APIRouter(prefix="/api/io", tags=["import/export"])
