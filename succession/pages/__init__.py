"""Succession's web pages: one router per part (plans: the board and a post's chart with its slate editor),
combined here for the app factory."""

from fastapi import APIRouter

from succession.pages.plans import router as plans_router
from succession.pages.register import router as register_router

router = APIRouter(include_in_schema=False)
for sub in (plans_router, register_router):
    router.include_router(sub)
