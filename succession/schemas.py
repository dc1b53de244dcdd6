"""API shapes of succession. Posts and people are named by their ids, as the org API names them
(``position_id``, ``employee_id``); answers carry the business keys (position code, external id) beside them."""

from __future__ import annotations

from datetime import date
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from hcm.fields import Day, Id, In, LongText, Patch, Timestamp, keep_if_left_out
from hcm.org.models import EmployeeStatus
from succession.models import ActionStatus, GapKind, Readiness

Reason = Field(min_length=1, max_length=4000)


class _Out(BaseModel):
    model_config = ConfigDict(from_attributes=True)


# --- plans --------------------------------------------------------------------------------------------
class PlanIn(In):
    """A plan for a key post. A post that is not key yet needs ``mark_key`` with ``key_reason``: HR makes it key
    in the same step (a register decision)."""

    notes: LongText | None = None
    mark_key: bool = False
    key_reason: LongText | None = None


class PlanPatch(Patch):
    notes: LongText | None = None


class NominateIn(In):
    employee_id: Id
    readiness: Readiness
    rank: int | None = Field(default=None, ge=1, le=1000)  # left out: last on the slate
    reason: LongText | None = None  # why this person is on the slate


class RerankIn(In):
    """The slate's new order, first choice first: every nominee's ``employee_id`` exactly once."""

    order: list[Id] = Field(min_length=1, max_length=1000)


class ReadinessIn(In):
    readiness: Readiness
    reason: LongText = Reason


class RemoveIn(In):
    reason: LongText = Reason


class EmergencyIn(In):
    """The emergency (interim) successor: someone on the slate, or off it only with ``confirm`` (HR confirms
    the interim, with a ``reason``). ``employee_id`` null clears it."""

    employee_id: Id | None
    confirm: bool = False
    reason: LongText | None = None


class PersonRef(_Out):
    id: int
    external_id: str
    name: str
    status: EmployeeStatus


class PostRef(_Out):
    id: int
    code: str
    title: str


class ActionOut(_Out):
    id: int
    nomination_id: int
    title: str
    gap_kind: GapKind
    skill_id: int | None
    target_level: int | None
    target_role: str | None
    owner_employee_id: int | None
    due_date: date | None
    status: ActionStatus
    created_by_user_id: int | None
    created_at: Timestamp
    completed_at: Timestamp | None


class NomineeOut(_Out):
    nomination_id: int
    employee: PersonRef
    current_position: PostRef | None  # the post they hold now (none: between posts, or left)
    rank: int
    readiness: Readiness
    reason: str | None
    nominated_by_user_id: int | None
    nominated_at: Timestamp
    is_emergency: bool
    actions: list[ActionOut] = []


class EmergencyOut(_Out):
    employee: PersonRef
    on_slate: bool
    confirmed_by_user_id: int | None  # HR's confirmation of an interim off the slate
    confirmed_at: Timestamp | None


class PlanOut(_Out):
    id: int
    position: PostRef
    is_key: bool
    holder: PersonRef | None
    notes: str | None
    emergency: EmergencyOut | None
    nominees: list[NomineeOut]
    created_by_user_id: int | None
    created_at: Timestamp
    updated_at: Timestamp


class PlanSummary(_Out):
    """A key post (or a post with a plan) and its plan in figures: the rows of the plans list."""

    position: PostRef
    department_id: int
    is_key: bool
    holder: PersonRef | None
    plan_id: int | None  # none: no plan yet
    nominees: int
    ready_now: int
    ready_1_2: int
    ready_3_plus: int
    emergency_employee_id: int | None


# --- development actions ------------------------------------------------------------------------------
class ActionIn(In):
    title: str = Field(min_length=1, max_length=300)
    gap_kind: GapKind
    skill_id: Id | None = None  # a skill gap names the skill
    target_level: int | None = Field(default=None, ge=1, le=5)  # the level to reach in that skill
    target_role: str | None = Field(default=None, min_length=1, max_length=140)  # an experience gap: the role
    owner_employee_id: Id | None = None
    due_date: Day | None = None


class ActionPatch(Patch):
    title: str = keep_if_left_out(min_length=1, max_length=300)
    status: ActionStatus = keep_if_left_out()
    owner_employee_id: Id | None = None
    due_date: Day | None = None


# --- history ------------------------------------------------------------------------------------------
class ReadinessChangeOut(_Out):
    id: int
    nomination_id: int
    employee_id: int
    before: Readiness | None
    after: Readiness
    reason: str
    changed_by_user_id: int | None
    changed_at: Timestamp


class AuditOut(_Out):
    id: int
    entity: str
    entity_id: int | None
    position_id: int | None
    action: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    user_id: int | None
    at: Timestamp


class PlanHistory(_Out):
    position: PostRef
    readiness_changes: list[ReadinessChangeOut]
    audit: list[AuditOut]


# --- own nominations ----------------------------------------------------------------------------------
class OwnActionOut(_Out):
    id: int
    title: str
    gap_kind: GapKind
    due_date: date | None
    status: ActionStatus


class MyNominationOut(_Out):
    """A slate the caller stands on: the post, their own readiness and development actions; nothing about the
    other nominees (not even the rank, which would tell how many stand before them)."""

    position: PostRef
    readiness: Readiness
    nominated_at: Timestamp
    actions: list[OwnActionOut]


# --- settings -----------------------------------------------------------------------------------------
class SettingsIn(Patch):
    managers_see_plans_below: bool = keep_if_left_out()
    employees_see_own_nominations: bool = keep_if_left_out()


class SettingsOut(_Out):
    managers_see_plans_below: bool
    employees_see_own_nominations: bool
    updated_by_user_id: int | None
    updated_at: Timestamp | None
