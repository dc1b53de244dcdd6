"""Today's date as the app sees it, read in one place so that it can be pinned: ``HCM_TODAY=YYYY-MM-DD``
(``Settings.today``) fixes it for a test, or for a demo served as of the day its data was seeded; unset, it is
the machine's date."""

from __future__ import annotations

from datetime import date

from hcm.settings import get_settings


def today() -> date:
    pinned = get_settings().today
    return pinned if pinned is not None else date.today()
