"""Who may do what in succession: the module's permissions, the roles that hold them, and its named checks.

- HR directors (hr_admin) see and change everything: the register, plans, pools, representation, settings.
- Executives see plans, bench strength, pools and the what-if (they sign the plans off); they change nothing.
- A manager sees the plans of the key posts in their reporting subtree only when HR allows it
  (``SuccessionSettings.managers_see_plans_below``); otherwise, and outside that subtree, a plan is a 404.
- An employee never sees nominations, their own included, unless HR enables it
  (``employees_see_own_nominations``): then their own, and nobody else's.

Routes declare the permission with ``hcm.policy.allow``; the row rules (subtree, own nominations, settings)
are asked here by the services, so each rule is written once.
"""

from __future__ import annotations

import enum

from hcm.auth.models import Role


class SuccPermission(enum.StrEnum):
    PLANS_READ = "succession.plans.read"  # slates, readiness, what it takes (managers: row-checked, see above)
    PLANS_WRITE = "succession.plans.write"  # nominate, rank, readiness, emergency successor, development actions
    REGISTER_READ = "succession.register.read"  # every post's criticality and its factors (retirement: protected)
    REGISTER_WRITE = "succession.register.write"  # set, confirm or withdraw a key post, with a reason
    POOLS_READ = "succession.pools.read"
    POOLS_WRITE = "succession.pools.write"
    BENCH = "succession.bench"  # bench strength, single points of failure, the what-if
    REPRESENTATION = "succession.representation"  # gender and age bands of slates and pools: HR only
    SETTINGS = "succession.settings"  # who else may see plans
    OWN_NOMINATIONS = "succession.own"  # an employee's own nominations, when HR enables it


_HR = frozenset({Role.HR_ADMIN})
_HR_EXEC = frozenset({Role.HR_ADMIN, Role.EXECUTIVE})
GRANTS: dict[SuccPermission, frozenset[Role]] = {
    SuccPermission.PLANS_READ: frozenset({Role.HR_ADMIN, Role.EXECUTIVE, Role.MANAGER}),
    SuccPermission.PLANS_WRITE: _HR,
    # HR only: the criticality's factors include retirement eligibility, derived from the birth year, which
    # only HR reads (hcm.policy.can_see_protected)
    SuccPermission.REGISTER_READ: _HR,
    SuccPermission.REGISTER_WRITE: _HR,
    SuccPermission.POOLS_READ: _HR_EXEC,
    SuccPermission.POOLS_WRITE: _HR,
    SuccPermission.BENCH: _HR_EXEC,
    SuccPermission.REPRESENTATION: _HR,
    SuccPermission.SETTINGS: _HR,
    SuccPermission.OWN_NOMINATIONS: frozenset(Role),
}
