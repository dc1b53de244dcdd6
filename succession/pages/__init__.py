"""Succession's web pages: one router per part (plans: the board and a post's chart with its slate editor),
combined here for the app factory."""

from fastapi import APIRouter

from succession.pages.plans import router as plans_router
from succession.pages.pools import router as pools_router
from succession.pages.register import router as register_router
from succession.pages.taking import router as taking_router
from succession.pages.whatif import router as whatif_router

router = APIRouter(include_in_schema=False)
for sub in (plans_router, register_router, pools_router, whatif_router, taking_router):
    router.include_router(sub)
