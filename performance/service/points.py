"""The points ledger: rules, awards, corrections, balances, ledgers with a running balance, leaderboards.

Rules
- The ledger is append-only. A correction is a new compensating entry (``corrects_entry_id``) and never
  an edit. Three layers hold that line: the API (PATCH/DELETE answer 409), the ORM (mapper and bulk
  statement guards below) and the database (triggers from migration 0003).
- Whom: the people the giver may name (``performance.policy.recognisable``: HR everyone, anyone else the
  people they see and their team); anyone else is the 422 of an id that names nobody, checked before any
  other rule (has left, is oneself).
- Who awards: HR anyone, with a rule's amount or an explicit amount; a manager anyone in their reporting
  subtree, with a rule's amount; anyone else (and a manager outside their subtree) only
  ``PEER_RECOGNITION`` for a colleague of their team, at most ``PEER_RECOGNITION_LIMIT`` per period. Nobody
  awards points to themselves.
- Only HR corrects, only an original entry (not a correction), and never beyond what remains of it.
- A closed period refuses every write (``lookups.ensure_writable``).
- Who reads: a ledger and a balance follow the people scope of ``hcm.policy`` (yourself, your subtree,
  everyone for HR; anyone else's ledger is not found). A leaderboard shows name and points only, so it also
  shows your own team (the people reporting to your manager): the people you may recognise.
- Everything is set-based: sums are GROUP BYs and windows, never a query per employee.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import event, func, literal, or_, select
from sqlalchemy.orm import Session, aliased, object_session
from sqlalchemy.sql.elements import ColumnElement

from hcm.auth.models import User
from hcm.errors import Conflict, Forbidden, Invalid, NotFound
from hcm.org.models import Department, Employee, EmployeeStatus, Position
from hcm.org.queries import department_subtree_ids
from hcm.policy import (
    Principal,
    employee_filter,
    is_hr,
    is_manager,
    manages,
    require_hr,
    subtree_position_ids,
    team_filter,
    visible_employee,
    visible_employees,
)
from performance.errors import LedgerAppendOnly
from performance.models import PointsEntry, PointsRule
from performance.policy import PerfPermission, recognisable
from performance.schemas_points import Leaderboard, LeaderboardEntry, LedgerEntry, PointsBalance, PointsLedger
from performance.service.lookups import ensure_writable, get_period

PEER_RECOGNITION = "PEER_RECOGNITION"
# How many recognitions one person may give in one period (HR is not limited).
PEER_RECOGNITION_LIMIT = 5
MAX_AMOUNT = 100_000
MAX_LEADERBOARD = 100
SCOPES = ("team", "department", "company")


# --- the ORM guard ---------------------------------------------------------------------------------
@event.listens_for(PointsEntry, "before_update")
def _refuse_update(_mapper: Any, _conn: Any, target: PointsEntry) -> None:
    session = object_session(target)
    if session is None or session.is_modified(target, include_collections=False):
        raise LedgerAppendOnly()


@event.listens_for(PointsEntry, "before_delete")
def _refuse_delete(_mapper: Any, _conn: Any, _target: PointsEntry) -> None:
    raise LedgerAppendOnly()


@event.listens_for(Session, "do_orm_execute")
def _refuse_bulk(state: Any) -> None:
    # update(PointsEntry) / delete(PointsEntry) run through the session skip the mapper events above.
    if state.is_update or state.is_delete:
        table = getattr(state.statement, "table", None)
        if getattr(table, "name", None) == PointsEntry.__tablename__:
            raise LedgerAppendOnly()


def refuse_edit(*, entry_id: int) -> None:
    """What the API answers to PATCH or DELETE of an entry, whether it exists or not."""
    raise LedgerAppendOnly()


# --- rules -----------------------------------------------------------------------------------------
def _check_amount(amount: int, field: str = "amount") -> None:
    if isinstance(amount, bool) or not isinstance(amount, int):
        raise Invalid(f"{field} must be a whole number of points", field=field)
    if amount == 0 or abs(amount) > MAX_AMOUNT:
        raise Invalid(f"{field} must be non-zero and at most {MAX_AMOUNT} points either way", field=field)


def _text(value: str | None, field: str, max_len: int) -> str:
    v = (value or "").strip()
    if not v:
        raise Invalid(f"{field} is required", field=field)
    if len(v) > max_len:
        raise Invalid(f"{field} is longer than {max_len} characters", field=field)
    return v


def create_rule(db: Session, *, principal: Principal, code: str, name: str, amount: int) -> PointsRule:
    require_hr(principal, "define points rules")
    code = _text(code, "code", 64)
    name = _text(name, "name", 200)
    _check_amount(amount)
    if db.scalar(select(PointsRule.id).where(PointsRule.code == code)) is not None:
        raise Conflict(f"code={code!r} is already used by another points rule", field="code")
    rule = PointsRule(code=code, name=name, amount=amount, active=True)
    db.add(rule)
    db.flush()
    return rule


def list_rules(db: Session, *, active_only: bool = False) -> list[PointsRule]:
    stmt = select(PointsRule).order_by(PointsRule.code)
    if active_only:
        stmt = stmt.where(PointsRule.active.is_(True))
    return list(db.scalars(stmt))


def get_entry(db: Session, entry_id: int, *, lock: bool = False) -> PointsEntry:
    entry = db.get(PointsEntry, entry_id, with_for_update=lock or None)
    if entry is None:
        raise NotFound("PointsEntry", entry_id, field="entry_id")
    return entry


# --- awards ----------------------------------------------------------------------------------------
def award(db: Session, *, principal: Principal, period_id: int, employee_id: int, reason: str,
          rule_code: str | None = None, amount: int | None = None) -> PointsEntry:
    """Append one entry. The amount is the rule's unless HR gives one (with or without a rule)."""
    period = ensure_writable(db, period_id)
    if not principal.has(PerfPermission.POINTS_AWARD):
        raise Forbidden(f"the role {principal.role.value!r} may not award points")
    emp = visible_employee(db, principal, employee_id, among=recognisable(principal), field="employee_id",
                           reference=True)
    reason = _text(reason, "reason", 500)
    by_hr = is_hr(principal)
    if amount is not None:
        if not by_hr:
            raise Forbidden("only HR may give an explicit amount; others award a rule's amount", field="amount")
        _check_amount(amount)
    rule: PointsRule | None = None
    if rule_code is not None:
        rule = db.scalar(select(PointsRule).where(PointsRule.code == rule_code))
        if rule is None:
            raise Invalid(f"rule_code={rule_code!r} does not point at an existing points rule", field="rule_code")
        if not rule.active:
            raise Invalid(f"points rule {rule_code!r} is no longer active", field="rule_code")
    elif amount is None:
        raise Invalid("give a rule_code (or, for HR, an explicit amount)", field="rule_code")
    if emp.status is not EmployeeStatus.ACTIVE:
        raise Invalid(f"employee {emp.external_id!r} has left: points go to active employees", field="employee_id")
    if principal.employee_id is not None and principal.employee_id == employee_id:
        raise Forbidden("rule: nobody awards points to themselves", field="employee_id")
    if not by_hr and not manages(db, principal, employee_id):
        # Not HR and not their manager: a colleague, who may only recognise.
        if rule is None or rule.code != PEER_RECOGNITION:
            raise Forbidden(f"outside your reporting line you may only give {PEER_RECOGNITION}", field="rule_code")
        if principal.employee_id is None:
            raise Forbidden("peer recognition comes from an employee: your account is not linked to one")
    if not by_hr and rule is not None and rule.code == PEER_RECOGNITION:
        _check_recognition_limit(db, principal, period_id=period.id, period_code=period.code, rule_id=rule.id)
    assert rule is not None or amount is not None
    entry = PointsEntry(period_id=period.id, employee_id=employee_id, rule_id=rule.id if rule else None,
                        amount=amount if amount is not None else rule.amount,  # type: ignore[union-attr]
                        reason=reason, created_by_user_id=principal.user_id)
    db.add(entry)
    db.flush()
    return entry


def _check_recognition_limit(db: Session, principal: Principal, *, period_id: int, period_code: str,
                             rule_id: int) -> None:
    # Lock the giver's user row so two concurrent requests cannot both take the last slot (PostgreSQL;
    # SQLite serialises writers anyway).
    db.execute(select(User.id).where(User.id == principal.user_id).with_for_update())
    given = db.scalar(
        select(func.count(PointsEntry.id)).where(
            PointsEntry.period_id == period_id, PointsEntry.rule_id == rule_id,
            PointsEntry.created_by_user_id == principal.user_id, PointsEntry.corrects_entry_id.is_(None))
    ) or 0
    if given >= PEER_RECOGNITION_LIMIT:
        raise Conflict(f"rule: at most {PEER_RECOGNITION_LIMIT} peer recognitions per person per period; you have "
                       f"given {given} in period {period_code!r}", field="rule_code")


# --- corrections -----------------------------------------------------------------------------------
def correct(db: Session, *, principal: Principal, entry_id: int, reason: str, amount: int | None = None) -> PointsEntry:
    """Append a compensating entry. ``amount`` is the compensating amount (opposite sign to the original);
    without it, whatever remains of the original is reversed."""
    require_hr(principal, "correct points entries")
    original = get_entry(db, entry_id, lock=True)  # serialises concurrent corrections of one entry
    if principal.employee_id is not None and principal.employee_id == original.employee_id:
        # A correction is an entry on that person's ledger too: reversing a deduction of one's own is awarding
        # points to oneself.
        raise Forbidden("rule: nobody awards points to themselves, nor corrects their own entries", field="entry_id")
    period = ensure_writable(db, original.period_id)
    reason = _text(reason, "reason", 500)
    if original.corrects_entry_id is not None:
        raise Conflict(f"entry {original.id} is itself a correction of entry {original.corrects_entry_id}: correct "
                       "the original instead, or award again", field="entry_id")
    corrected = db.scalar(select(func.coalesce(func.sum(PointsEntry.amount), 0))
                          .where(PointsEntry.corrects_entry_id == original.id)) or 0
    remaining = original.amount + int(corrected)
    if remaining == 0:
        raise Conflict(f"entry {original.id} ({original.amount:+d} points) is already fully corrected", field="entry_id")
    if amount is None:
        amount = -remaining
    else:
        _check_amount(amount)
        if (amount > 0) == (original.amount > 0):
            raise Invalid(f"a correction goes against the original: entry {original.id} is {original.amount:+d}, "
                          f"so the correction must be {'negative' if original.amount > 0 else 'positive'}",
                          field="amount")
        if abs(amount) > abs(remaining):
            raise Conflict(f"entry {original.id} has {remaining:+d} points left to correct; {amount:+d} would "
                           "correct it beyond its amount", field="amount")
    entry = PointsEntry(period_id=period.id, employee_id=original.employee_id, rule_id=original.rule_id,
                        amount=amount, reason=reason, corrects_entry_id=original.id,
                        created_by_user_id=principal.user_id)
    db.add(entry)
    db.flush()
    return entry


# --- reading ---------------------------------------------------------------------------------------
def _name() -> ColumnElement[str]:
    return Employee.first_name + literal(" ") + Employee.last_name


def balances(db: Session, *, principal: Principal, period_id: int,
             employee_ids: list[int] | None = None) -> list[PointsBalance]:
    """Points per employee in a period, for the people the caller may see. Without ``employee_ids``: the
    people with entries; with them: each of those, zero when they have none (each must be someone the caller
    sees: anyone else is the 404 of nobody)."""
    get_period(db, period_id)
    if employee_ids is not None:
        visible_employees(db, principal, employee_ids, field="employee_id")
    total = func.coalesce(func.sum(PointsEntry.amount), 0)
    stmt = select(Employee.id, _name(), total).where(employee_filter(principal))
    if employee_ids is None:
        stmt = stmt.join(PointsEntry, PointsEntry.employee_id == Employee.id).where(PointsEntry.period_id == period_id)
    else:
        stmt = (stmt.outerjoin(PointsEntry, (PointsEntry.employee_id == Employee.id) & (PointsEntry.period_id == period_id))
                .where(Employee.id.in_(employee_ids)))
    rows = db.execute(stmt.group_by(Employee.id, Employee.first_name, Employee.last_name)
                      .order_by(total.desc(), Employee.id)).all()
    return [PointsBalance(employee_id=i, name=n, points=int(p)) for i, n, p in rows]


def ledger(db: Session, *, principal: Principal, period_id: int, employee_id: int) -> PointsLedger:
    """An employee's entries in a period, oldest first, each with the running balance after it."""
    get_period(db, period_id)
    emp = visible_employee(db, principal, employee_id, field="employee_id")
    fix = aliased(PointsEntry)
    corrections = (select(fix.corrects_entry_id.label("entry_id"), func.sum(fix.amount).label("corrected"))
                   .where(fix.corrects_entry_id.is_not(None), fix.period_id == period_id, fix.employee_id == employee_id)
                   .group_by(fix.corrects_entry_id).subquery("corrections"))
    running = func.sum(PointsEntry.amount).over(order_by=PointsEntry.id)
    rows = db.execute(
        select(PointsEntry.id, PointsEntry.created_at, PointsRule.code, PointsEntry.amount, PointsEntry.reason,
               PointsEntry.corrects_entry_id, PointsEntry.created_by_user_id,
               func.coalesce(corrections.c.corrected, 0), running)
        .outerjoin(PointsRule, PointsRule.id == PointsEntry.rule_id)
        .outerjoin(corrections, corrections.c.entry_id == PointsEntry.id)
        .where(PointsEntry.period_id == period_id, PointsEntry.employee_id == employee_id)
        .order_by(PointsEntry.id)
    ).all()
    entries = [LedgerEntry(id=i, created_at=at, rule_code=code, amount=amt, reason=why, corrects_entry_id=fixes,
                           created_by_user_id=by, corrected=int(corr), balance=int(bal))
               for i, at, code, amt, why, fixes, by, corr, bal in rows]
    return PointsLedger(period_id=period_id, employee_id=employee_id, name=f"{emp.first_name} {emp.last_name}",
                        balance=entries[-1].balance if entries else 0, entries=entries)


def leaderboard(db: Session, *, principal: Principal, period_id: int, scope: str = "team",
                department_id: int | None = None, limit: int = 20) -> Leaderboard:
    """Ranked points of a group (name and points only). ``team``: for a manager their reporting subtree
    and themselves, for anyone else the people reporting to their manager; ``department``: a department
    and the departments under it (the caller's own by default); ``company``: everyone. Whatever the
    scope, only people the caller may see on a leaderboard are listed (their people scope plus their team).
    Ties share a rank."""
    get_period(db, period_id)
    if scope not in SCOPES:
        raise Invalid(f"scope must be one of {', '.join(SCOPES)}", field="scope")
    if isinstance(limit, bool) or not 1 <= limit <= MAX_LEADERBOARD:
        raise Invalid(f"limit must be between 1 and {MAX_LEADERBOARD}", field="limit")
    conds: list[Any] = [recognisable(principal), Employee.status == EmployeeStatus.ACTIVE]
    if scope == "team":
        if principal.position_id is None:
            raise Invalid("a team leaderboard needs a post: your account holds none; use department or company",
                          field="scope")
        if is_manager(principal):
            conds.append(or_(Employee.position_id == principal.position_id,
                             Employee.position_id.in_(subtree_position_ids(principal.position_id))))
        else:
            conds.append(team_filter(principal))
    elif scope == "department":
        if department_id is None:
            if principal.position_id is None:
                raise Invalid("give department_id: your account holds no post", field="department_id")
            department_id = db.scalar(select(Position.department_id).where(Position.id == principal.position_id))
        elif db.get(Department, department_id) is None:
            raise NotFound("Department", department_id, field="department_id")
        assert department_id is not None
        conds.append(Employee.position_id.in_(
            select(Position.id).where(Position.department_id.in_(department_subtree_ids(department_id)))))
    total = func.sum(PointsEntry.amount)
    rank = func.rank().over(order_by=total.desc())
    rows = db.execute(
        select(rank, Employee.id, _name(), total)
        .join(PointsEntry, PointsEntry.employee_id == Employee.id)
        .where(PointsEntry.period_id == period_id, *conds)
        .group_by(Employee.id, Employee.first_name, Employee.last_name)
        .order_by(total.desc(), Employee.last_name, Employee.first_name, Employee.id)
        .limit(limit)
    ).all()
    return Leaderboard(period_id=period_id, scope=scope, department_id=department_id if scope == "department" else None,
                       entries=[LeaderboardEntry(rank=int(r), employee_id=i, name=n, points=int(p)) for r, i, n, p in rows])
