"""Succession API: one sub-router per capability, combined here for the app factory."""

from fastapi import APIRouter

from succession.router.analysis import router as analysis_router
from succession.router.plans import router as plans_router
from succession.router.register import router as register_router

router = APIRouter()
for sub in (register_router, plans_router, analysis_router):
    router.include_router(sub)
