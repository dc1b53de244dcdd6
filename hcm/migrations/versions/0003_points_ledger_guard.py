"""points ledger guard: the database itself refuses UPDATE and DELETE on perf_points_ledger

The ledger is append-only (a correction is a new compensating entry). The service and an ORM mapper
guard enforce that in the application; these triggers enforce it for every other client too (psql,
a script, a future service that forgets).

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-27
"""
from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = '0003'
down_revision: str | None = '0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

MESSAGE = "perf_points_ledger is append-only: post a compensating entry instead of UPDATE or DELETE"


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        op.execute(f"""
            CREATE OR REPLACE FUNCTION perf_points_ledger_append_only() RETURNS trigger AS $$
            BEGIN
                RAISE EXCEPTION '{MESSAGE} (% refused)', TG_OP USING ERRCODE = 'restrict_violation';
            END;
            $$ LANGUAGE plpgsql
        """)
        op.execute("""
            CREATE TRIGGER perf_points_ledger_append_only
            BEFORE UPDATE OR DELETE ON perf_points_ledger
            FOR EACH ROW EXECUTE FUNCTION perf_points_ledger_append_only()
        """)
        # TRUNCATE skips row triggers; refuse it too (a statement-level trigger).
        op.execute("""
            CREATE TRIGGER perf_points_ledger_no_truncate
            BEFORE TRUNCATE ON perf_points_ledger
            FOR EACH STATEMENT EXECUTE FUNCTION perf_points_ledger_append_only()
        """)
    elif dialect == "sqlite":
        for event in ("UPDATE", "DELETE"):
            op.execute(f"""
                CREATE TRIGGER perf_points_ledger_no_{event.lower()}
                BEFORE {event} ON perf_points_ledger
                BEGIN
                    SELECT RAISE(ABORT, '{MESSAGE} ({event} refused)');
                END
            """)
    else:  # pragma: no cover - only the two supported backends
        raise NotImplementedError(f"no ledger guard for the {dialect} dialect")


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS perf_points_ledger_no_truncate ON perf_points_ledger")
        op.execute("DROP TRIGGER IF EXISTS perf_points_ledger_append_only ON perf_points_ledger")
        op.execute("DROP FUNCTION IF EXISTS perf_points_ledger_append_only()")
    elif dialect == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS perf_points_ledger_no_update")
        op.execute("DROP TRIGGER IF EXISTS perf_points_ledger_no_delete")
