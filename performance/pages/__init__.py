"""Performance pages (server-rendered): the overview per role, the cascade tree, a goal with its check-in
form, calibration, the 9-box and the points ledger.

Thin routes: each declares its policy with one ``allow(...)``, calls the performance services (which apply
row visibility) and renders a template. A form that a service refuses re-renders its page with the
message and the field named. Nothing is written then: the form is parsed before any service call, and
the services check everything before they add a row. (No savepoint around the call on purpose: SQLAlchemy
fires ``after_commit`` when a savepoint is released, so ``hcm.tasks.enqueue_after_commit`` would send the
recompute before the request's own commit.)

Templates live in ``performance/templates/performance/`` (registered in ``performance.module``) and extend
the web shell's ``base.html``; ``hcm.web.render`` renders them in the shell's one environment.
"""

from fastapi import APIRouter

from performance.pages import atrisk, calibration, cascade, ninebox, overview, points, results, reviews, setup

router = APIRouter(include_in_schema=False)
for sub in (overview, cascade, calibration, ninebox, points, results, reviews, atrisk, setup):
    router.routes.extend(sub.router.routes)  # the routes themselves, so each keeps its own declared policy
