"""Engine, sessions and the one declarative ``Base`` (with a naming convention for constraints)."""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any, Literal, TypeVar

from sqlalchemy import Enum, MetaData, create_engine, event, inspect, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.sql.elements import ColumnElement

from hcm.errors import Invalid, NotFound

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


M = TypeVar("M", bound=Base)


def enum_type(cls: type[enum.Enum], name: str) -> Enum:
    """The column type of an enum, for every module's tables."""
    # Stored as plain strings with a CHECK, so SQLite and PostgreSQL behave the same and adding a
    # value is a constraint change, not an ALTER TYPE.
    return Enum(
        cls,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=32,
        values_callable=lambda e: [m.value for m in e],
        validate_strings=True,
    )


def _find(db: Session, model: type[M], id_: int, *, visible: ColumnElement[bool] | None,
          lock: Literal["share", "update"] | None) -> M | None:
    if visible is None and lock is None:
        return db.get(model, id_)
    if visible is None:
        return db.get(model, id_, populate_existing=True, with_for_update={"read": lock == "share"})
    key = inspect(model).primary_key[0]
    stmt = select(model).where(key == id_, visible)
    if lock is not None:
        stmt = stmt.with_for_update(read=lock == "share").execution_options(populate_existing=True)
    return db.scalars(stmt).first()


def get_or_404(db: Session, model: type[M], id_: int, *, entity: str | None = None,
               lock: Literal["share", "update"] | None = None, visible: ColumnElement[bool] | None = None,
               field: str = "id") -> M:
    """The row with this primary key, or NotFound naming the entity and the id (as ``field``). ``lock`` ("share"
    or "update") reads it afresh and locks it until the transaction ends (PostgreSQL; SQLite has one writer).

    ``visible`` is the caller's scope, a WHERE clause over ``model`` (``hcm.policy.employee_filter``, a module's
    named scope): a row outside it is not found either, in the same query and with the very same error, so no
    answer tells an id that exists apart from one that does not. An id in a path or a query string that names a
    row the caller may not see comes through here (or a wrapper such as ``hcm.policy.visible_employee``)."""
    obj = _find(db, model, id_, visible=visible, lock=lock)
    if obj is None:
        raise NotFound(entity or model.__name__, id_, field=field)
    return obj


SETTINGS_ROW_ID = 1  # the one row of a module's settings table


def settings_row(db: Session, model: type[M], defaults: Callable[[], M]) -> M:
    """A module's settings in force (a one-row table, id ``SETTINGS_ROW_ID``): the row, or ``defaults()`` (a
    transient row, in no session) when HR has chosen nothing yet. Nothing is written."""
    row = db.get(model, SETTINGS_ROW_ID)
    return row if row is not None else defaults()


def save_settings_row(db: Session, model: type[M], defaults: Callable[[], M], *, user_id: int | None,
                      **values: Any) -> M:
    """Set ``values`` on a module's settings row (created from ``defaults()`` by the first save), stamped with who
    changed it (``updated_by_user_id``) and when (``updated_at``); flushed, not committed."""
    row = db.get(model, SETTINGS_ROW_ID)
    if row is None:
        row = defaults()
        db.add(row)
    for name, value in values.items():
        setattr(row, name, value)
    row.updated_by_user_id = user_id  # type: ignore[attr-defined]
    row.updated_at = utcnow()  # type: ignore[attr-defined]
    db.flush()
    return row


def get_reference(db: Session, model: type[M], id_: int, *, field: str, entity: str | None = None,
                  visible: ColumnElement[bool] | None = None) -> M:
    """A row a request *body* refers to (``owner_employee_id``, a rating's ``employee_id``): the row, or Invalid
    (422) naming the field. Like ``get_or_404``, a row outside ``visible`` gets the very answer of an id that
    names nothing: the scope rule, for references."""
    obj = _find(db, model, id_, visible=visible, lock=None)
    if obj is None:
        raise Invalid(f"{field}={id_} does not point at an existing {entity or model.__name__}", field=field)
    return obj


def jsonable(value: Any) -> Any:
    """A value as a JSON column keeps it (an audit entry's before and after): enums by value, dates and moments in
    ISO 8601, decimals as text, mappings and sequences item by item."""
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [jsonable(v) for v in value]
    return value


def utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # pysqlite's own transaction handling breaks SAVEPOINTs; SQLAlchemy's documented recipe is to turn
    # it off and emit BEGIN ourselves (see _sqlite_begin), which gives real nested transactions.
    dbapi_connection.isolation_level = None
    cur = dbapi_connection.cursor()
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.close()


# An execution option: how a SQLite transaction begins. ``unit_of_work()`` sets "IMMEDIATE" (see below).
SQLITE_BEGIN = "hcm_sqlite_begin"


def _sqlite_begin(conn: Any) -> None:
    # SQLite has one writer at a time, and a writer that comes second waits for its turn (the busy timeout,
    # ``timeout`` below) - except in a transaction that has already read: SQLite cannot let it wait, because
    # the writer ahead may change what it read, so its first write fails at once with "database is locked"
    # (or with SQLITE_BUSY_SNAPSHOT when the other writer has already committed), whatever the timeout. Almost
    # every request reads before it writes (a log-in reads the user, then stamps last_login_at), so a request
    # arriving while another transaction writes - the in-process recompute after a check-in - got a 500.
    # A unit of work that may write therefore begins IMMEDIATE: it takes the write lock when it starts, where
    # waiting is safe, so writers queue up for the busy timeout and never fail on each other. Everything else
    # (a GET's unit of work, a plain engine.connect()) begins deferred: in WAL mode it reads the last committed
    # state without waiting for anyone.
    mode = conn.get_execution_options().get(SQLITE_BEGIN, "DEFERRED")
    if mode not in ("DEFERRED", "IMMEDIATE", "EXCLUSIVE"):
        raise ValueError(f"{SQLITE_BEGIN}={mode!r}: use DEFERRED, IMMEDIATE or EXCLUSIVE")
    conn.exec_driver_sql(f"BEGIN {mode}")


SQLITE_BUSY_TIMEOUT = 30  # seconds a SQLite writer waits for the one ahead of it (pysqlite's ``timeout``)


def make_engine(url: str, **kwargs: Any) -> Engine:
    if url.startswith("sqlite"):
        kwargs.setdefault("connect_args", {"check_same_thread": False, "timeout": SQLITE_BUSY_TIMEOUT})
        engine = create_engine(url, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    kwargs.setdefault("pool_pre_ping", True)
    return create_engine(url, **kwargs)


_engine: Engine | None = None
_sessionmaker: sessionmaker[Session] | None = None


def configure(url: str) -> Engine:
    """Point the process at one database (called by the app factory, the CLI and Celery workers)."""
    global _engine, _sessionmaker
    if _engine is not None:
        _engine.dispose()
    _engine = make_engine(url)
    _sessionmaker = sessionmaker(_engine, expire_on_commit=False)
    return _engine


def get_engine() -> Engine:
    if _engine is None:
        from hcm.settings import get_settings

        configure(get_settings().database_url)
    assert _engine is not None
    return _engine


def session_factory() -> sessionmaker[Session]:
    get_engine()
    assert _sessionmaker is not None
    return _sessionmaker


@contextmanager
def unit_of_work(*, writes: bool = True) -> Iterator[Session]:
    """One transaction: commit at the edge, roll back on any error. Services only ``flush()``.

    On SQLite a unit of work takes the write lock as it begins, so writers take turns instead of failing on
    each other (see ``_sqlite_begin``). ``writes=False`` for work that only reads (a GET request): it does not
    queue behind a writer. Elsewhere the flag changes nothing."""
    factory = session_factory()
    bind = factory.kw.get("bind")
    # The factory's own engine (a test or an embedding program may have bound the factory to something else).
    if writes and isinstance(bind, Engine):
        session = factory(bind=bind.execution_options(**{SQLITE_BEGIN: "IMMEDIATE"}))
    else:
        session = factory()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()
