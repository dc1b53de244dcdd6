"""job family relations: the families between which the job architecture allows a lateral (same-grade) move

The talent graph derives its architectural career steps from them (next grade in the family, same grade in a
related family).

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0005'
down_revision: str | None = '0004'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('job_family_relations',
    sa.Column('family_id', sa.Integer(), nullable=False),
    sa.Column('related_id', sa.Integer(), nullable=False),
    sa.CheckConstraint('family_id < related_id', name=op.f('ck_job_family_relations_ordered_pair')),
    sa.ForeignKeyConstraint(['family_id'], ['job_families.id'], name=op.f('fk_job_family_relations_family_id_job_families'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['related_id'], ['job_families.id'], name=op.f('fk_job_family_relations_related_id_job_families'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('family_id', 'related_id', name=op.f('pk_job_family_relations'))
    )


def downgrade() -> None:
    op.drop_table('job_family_relations')
