"""performance: an indicator's check-in cadence, template periods and HR's performance settings

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0010'
down_revision: str | None = '0009'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CADENCES = ('monthly', 'quarterly', 'period_end')


def upgrade() -> None:
    with op.batch_alter_table('perf_indicators') as batch:
        batch.add_column(sa.Column('cadence', sa.Enum(*CADENCES, name='cadence', native_enum=False,
                                                      create_constraint=True, length=32),
                                   nullable=False, server_default='monthly'))
    with op.batch_alter_table('perf_periods') as batch:
        batch.add_column(sa.Column('is_template', sa.Boolean(), nullable=False, server_default=sa.false()))
    op.create_table('perf_settings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('employees_see_potential', sa.Boolean(), nullable=False),
    sa.Column('updated_by_user_id', sa.Integer(), nullable=True),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint('id = 1', name=op.f('ck_perf_settings_single_row')),
    sa.ForeignKeyConstraint(['updated_by_user_id'], ['users.id'], name=op.f('fk_perf_settings_updated_by_user_id_users'),
                            ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_perf_settings'))
    )


def downgrade() -> None:
    op.drop_table('perf_settings')
    with op.batch_alter_table('perf_periods') as batch:
        batch.drop_column('is_template')
    with op.batch_alter_table('perf_indicators') as batch:
        batch.drop_constraint(op.f('ck_perf_indicators_cadence'), type_='check')
        batch.drop_column('cadence')
