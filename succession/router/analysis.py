"""Succession API: analysis (filled in by its service's owner)."""

from fastapi import APIRouter

router = APIRouter(prefix="/api/succession", tags=["succession"])
