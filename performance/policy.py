"""Who may do what in performance management: the module's permissions and the roles that hold them.
Routes declare the permissions with ``hcm.policy.allow``; the people scope itself (who sees whom) is the
core's (``hcm.policy``).
"""

from __future__ import annotations

import enum

from hcm.auth.models import Role
from hcm.policy import register_grants


class PerfPermission(enum.StrEnum):
    READ = "performance.read"  # goals, scores, ratings: filtered by the people scope and the rating rules
    PERIODS = "performance.periods"  # open, advance and close periods; configure the mix
    PLAN = "performance.plan"  # goals, links, indicators (managers: their subtree's posts only)
    CHECKIN = "performance.checkin"  # actuals during the period (indicator owners, their managers, HR)
    RATE = "performance.rate"  # self, manager, peer and cross-department ratings
    CALIBRATE = "performance.calibrate"
    POINTS_AWARD = "points.award"


_ALL = frozenset(Role)
GRANTS: dict[PerfPermission, frozenset[Role]] = {
    PerfPermission.READ: _ALL,
    PerfPermission.PERIODS: frozenset({Role.HR_ADMIN}),
    PerfPermission.PLAN: frozenset({Role.HR_ADMIN, Role.MANAGER}),
    PerfPermission.CHECKIN: frozenset({Role.HR_ADMIN, Role.MANAGER, Role.EMPLOYEE}),
    PerfPermission.RATE: frozenset({Role.HR_ADMIN, Role.MANAGER, Role.EMPLOYEE}),
    PerfPermission.CALIBRATE: frozenset({Role.HR_ADMIN}),
    PerfPermission.POINTS_AWARD: frozenset({Role.HR_ADMIN, Role.MANAGER, Role.EMPLOYEE}),
}

# Writes an employee may make, each guarded row by row in its service (their own indicators, or a
# colleague they rate or recognise).
SELF_SERVICE_WRITES = frozenset({PerfPermission.CHECKIN, PerfPermission.RATE, PerfPermission.POINTS_AWARD})

# registered by the module's registration once hcm.modules exists
register_grants(GRANTS, self_service=SELF_SERVICE_WRITES)

# Peer and cross-department ratings, and collaboration received, are shown only aggregated, and only from
# this many raters up.
ANONYMITY_THRESHOLD = 3
