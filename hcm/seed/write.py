"""Bulk writing: rows as tuples in chunks, straight to the driver (``executemany`` on SQLite, ``COPY`` on
PostgreSQL) inside one SQLAlchemy transaction. Values are already in the stored form: ISO dates and
timestamps, floats for numerics, enum values as strings, JSON as text."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

import numpy as np
from sqlalchemy.engine import Connection

from hcm.errors import Invalid

CHUNK = 20_000
Row = tuple[Any, ...]


def iso_days(days: np.ndarray) -> list[str | None]:
    """Proleptic ordinals -> 'YYYY-MM-DD' (None where negative)."""
    days = np.asarray(days, dtype=np.int64)
    ok = days > 0
    text = np.datetime_as_string(np.datetime64("0001-01-01", "D") + (np.where(ok, days, 1) - 1), unit="D")
    out = text.astype(object)
    out[~ok] = None
    return out.tolist()  # type: ignore[no-any-return]


def chunked(n: int, make: Callable[[int, int], list[Row]], size: int = CHUNK) -> Iterable[list[Row]]:
    """Rows [lo, hi) built lazily, so a million-row table never sits in memory as tuples at once."""
    for lo in range(0, n, size):
        yield make(lo, min(n, lo + size))


class Writer:
    def __init__(self, conn: Connection, *, total: int, progress: Callable[[str, int, int], None] | None) -> None:
        self.conn = conn
        self.dialect = conn.dialect.name
        if self.dialect not in ("sqlite", "postgresql"):
            raise Invalid(f"seeding supports SQLite and PostgreSQL, not {self.dialect}")
        self.total = total
        self.done = 0
        self.progress = progress
        self.counts: dict[str, int] = {}
        self._q = conn.dialect.identifier_preparer.quote
        self._dropped: list[tuple[str, str, str]] = []

    def _tick(self, k: int) -> None:
        self.done += k
        if self.progress is not None:
            self.progress("writing rows", min(self.done, self.total), self.total)

    def rows(self, table: str, columns: Sequence[str], chunks: Iterable[list[Row]]) -> None:
        cols = ", ".join(self._q(c) for c in columns)
        n = 0
        if self.dialect == "sqlite":
            sql = f"INSERT INTO {self._q(table)} ({cols}) VALUES ({', '.join('?' * len(columns))})"
            for chunk in chunks:
                if chunk:
                    self.conn.exec_driver_sql(sql, chunk)
                n += len(chunk)
                self._tick(len(chunk))
        else:
            raw: Any = self.conn.connection.dbapi_connection
            with raw.cursor() as cur, cur.copy(f"COPY {self._q(table)} ({cols}) FROM STDIN") as copy:
                for chunk in chunks:
                    for row in chunk:
                        copy.write_row(row)
                    n += len(chunk)
                    self._tick(len(chunk))
        self.counts[table] = self.counts.get(table, 0) + n

    def drop_foreign_keys(self, tables: Sequence[str]) -> None:
        """PostgreSQL checks a foreign key with a trigger query per row; for a bulk load it is several times
        faster to drop the keys of the loaded tables and add them back at the end (``restore_foreign_keys``),
        which validates every row in one join. All inside the one transaction: a bad row still aborts all."""
        if self.dialect != "postgresql":
            return
        for t in tables:
            for name, definition in self.conn.exec_driver_sql(
                    "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
                    "WHERE contype = 'f' AND conrelid = to_regclass(%s) ORDER BY conname", (t,)).all():
                self.conn.exec_driver_sql(f"ALTER TABLE {self._q(t)} DROP CONSTRAINT {self._q(name)}")
                self._dropped.append((t, name, definition))

    def restore_foreign_keys(self) -> None:
        for t, name, definition in self._dropped:
            self.conn.exec_driver_sql(f"ALTER TABLE {self._q(t)} ADD CONSTRAINT {self._q(name)} {definition}")
        self._dropped.clear()

    def update(self, table: str, set_column: str, rows: list[tuple[Any, int]]) -> None:
        """``UPDATE table SET set_column = value WHERE id = id`` for (value, id) rows."""
        ph = "?" if self.dialect == "sqlite" else "%s"
        sql = f"UPDATE {self._q(table)} SET {self._q(set_column)} = {ph} WHERE id = {ph}"
        for lo in range(0, len(rows), CHUNK):
            self.conn.exec_driver_sql(sql, rows[lo: lo + CHUNK])

    def finish(self, tables_with_ids: Sequence[str]) -> None:
        """Planner statistics for the tables written here (without them SQLite plans a department's query by walking
        every employee); PostgreSQL: each id sequence moved past the ids written here first."""
        if self.dialect == "sqlite":
            for t in tables_with_ids:
                self.conn.exec_driver_sql(f"ANALYZE {self._q(t)}")
            return
        if self.dialect != "postgresql":
            return
        for t in tables_with_ids:
            self.conn.exec_driver_sql(
                f"SELECT setval(pg_get_serial_sequence('{t}', 'id'), "
                f"COALESCE((SELECT MAX(id) FROM {self._q(t)}), 0) + 1, false)")
        self.conn.exec_driver_sql("ANALYZE " + ", ".join(self._q(t) for t in tables_with_ids))
