"""succession: the key-post register's decisions, plans with slates and readiness history, development actions,
talent pools, the audit of every change and HR's visibility settings

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0006'
down_revision: str | None = '0005'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('succ_audit',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('entity', sa.String(length=32), nullable=False),
    sa.Column('entity_id', sa.Integer(), nullable=True),
    sa.Column('position_id', sa.Integer(), nullable=True),
    sa.Column('action', sa.String(length=32), nullable=False),
    sa.Column('before', sa.JSON(), nullable=True),
    sa.Column('after', sa.JSON(), nullable=True),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['position_id'], ['positions.id'], name=op.f('fk_succ_audit_position_id_positions'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_succ_audit_user_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_succ_audit'))
    )
    with op.batch_alter_table('succ_audit', schema=None) as batch_op:
        batch_op.create_index('ix_succ_audit_entity', ['entity', 'entity_id', 'at'], unique=False)
        batch_op.create_index('ix_succ_audit_position', ['position_id', 'at'], unique=False)

    op.create_table('succ_key_post_decisions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('position_id', sa.Integer(), nullable=False),
    sa.Column('is_key', sa.Boolean(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('criticality', sa.JSON(), nullable=True),
    sa.Column('decided_by_user_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['decided_by_user_id'], ['users.id'], name=op.f('fk_succ_key_post_decisions_decided_by_user_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['position_id'], ['positions.id'], name=op.f('fk_succ_key_post_decisions_position_id_positions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_succ_key_post_decisions'))
    )
    with op.batch_alter_table('succ_key_post_decisions', schema=None) as batch_op:
        batch_op.create_index('ix_succ_key_post_decisions_position', ['position_id', 'decided_at'], unique=False)

    op.create_table('succ_plans',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('position_id', sa.Integer(), nullable=False),
    sa.Column('notes', sa.Text(), nullable=True),
    sa.Column('emergency_employee_id', sa.Integer(), nullable=True),
    sa.Column('emergency_confirmed_by_user_id', sa.Integer(), nullable=True),
    sa.Column('emergency_confirmed_at', sa.DateTime(), nullable=True),
    sa.Column('created_by_user_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['created_by_user_id'], ['users.id'], name=op.f('fk_succ_plans_created_by_user_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['emergency_confirmed_by_user_id'], ['users.id'], name=op.f('fk_succ_plans_emergency_confirmed_by_user_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['emergency_employee_id'], ['employees.id'], name=op.f('fk_succ_plans_emergency_employee_id_employees'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['position_id'], ['positions.id'], name=op.f('fk_succ_plans_position_id_positions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_succ_plans')),
    sa.UniqueConstraint('position_id', name=op.f('uq_succ_plans_position_id'))
    )
    op.create_table('succ_pools',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('criteria', sa.JSON(), nullable=False),
    sa.Column('created_by_user_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['created_by_user_id'], ['users.id'], name=op.f('fk_succ_pools_created_by_user_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_succ_pools')),
    sa.UniqueConstraint('code', name=op.f('uq_succ_pools_code'))
    )
    op.create_table('succ_settings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('managers_see_plans_below', sa.Boolean(), nullable=False),
    sa.Column('employees_see_own_nominations', sa.Boolean(), nullable=False),
    sa.Column('updated_by_user_id', sa.Integer(), nullable=True),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint('id = 1', name=op.f('ck_succ_settings_single_row')),
    sa.ForeignKeyConstraint(['updated_by_user_id'], ['users.id'], name=op.f('fk_succ_settings_updated_by_user_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_succ_settings'))
    )
    op.create_table('succ_nominations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('plan_id', sa.Integer(), nullable=False),
    sa.Column('employee_id', sa.Integer(), nullable=False),
    sa.Column('rank', sa.Integer(), nullable=False),
    sa.Column('readiness', sa.Enum('ready_now', 'ready_1_2', 'ready_3_plus', name='succ_readiness', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('nominated_by_user_id', sa.Integer(), nullable=True),
    sa.Column('nominated_at', sa.DateTime(), nullable=False),
    sa.Column('removed_at', sa.DateTime(), nullable=True),
    sa.Column('removed_by_user_id', sa.Integer(), nullable=True),
    sa.Column('removal_reason', sa.Text(), nullable=True),
    sa.CheckConstraint('rank >= 1', name=op.f('ck_succ_nominations_rank_positive')),
    sa.ForeignKeyConstraint(['employee_id'], ['employees.id'], name=op.f('fk_succ_nominations_employee_id_employees'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['nominated_by_user_id'], ['users.id'], name=op.f('fk_succ_nominations_nominated_by_user_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['plan_id'], ['succ_plans.id'], name=op.f('fk_succ_nominations_plan_id_succ_plans'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['removed_by_user_id'], ['users.id'], name=op.f('fk_succ_nominations_removed_by_user_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_succ_nominations'))
    )
    with op.batch_alter_table('succ_nominations', schema=None) as batch_op:
        batch_op.create_index('ix_succ_nominations_employee', ['employee_id'], unique=False)
        batch_op.create_index('uq_succ_nominations_active', ['plan_id', 'employee_id'], unique=True, sqlite_where=sa.text('removed_at IS NULL'), postgresql_where=sa.text('removed_at IS NULL'))

    op.create_table('succ_pool_members',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('pool_id', sa.Integer(), nullable=False),
    sa.Column('employee_id', sa.Integer(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('added_by_user_id', sa.Integer(), nullable=True),
    sa.Column('added_at', sa.DateTime(), nullable=False),
    sa.Column('removed_at', sa.DateTime(), nullable=True),
    sa.Column('removed_by_user_id', sa.Integer(), nullable=True),
    sa.Column('removal_reason', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['added_by_user_id'], ['users.id'], name=op.f('fk_succ_pool_members_added_by_user_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['employee_id'], ['employees.id'], name=op.f('fk_succ_pool_members_employee_id_employees'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['pool_id'], ['succ_pools.id'], name=op.f('fk_succ_pool_members_pool_id_succ_pools'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['removed_by_user_id'], ['users.id'], name=op.f('fk_succ_pool_members_removed_by_user_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_succ_pool_members'))
    )
    with op.batch_alter_table('succ_pool_members', schema=None) as batch_op:
        batch_op.create_index('ix_succ_pool_members_employee', ['employee_id'], unique=False)
        batch_op.create_index('uq_succ_pool_members_active', ['pool_id', 'employee_id'], unique=True, sqlite_where=sa.text('removed_at IS NULL'), postgresql_where=sa.text('removed_at IS NULL'))

    op.create_table('succ_development_actions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('nomination_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('gap_kind', sa.Enum('skill', 'experience', 'performance', 'other', name='succ_gap_kind', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('skill_id', sa.Integer(), nullable=True),
    sa.Column('target_level', sa.Integer(), nullable=True),
    sa.Column('target_role', sa.String(length=140), nullable=True),
    sa.Column('owner_employee_id', sa.Integer(), nullable=True),
    sa.Column('due_date', sa.Date(), nullable=True),
    sa.Column('status', sa.Enum('planned', 'in_progress', 'done', 'cancelled', name='succ_action_status', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('created_by_user_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('completed_at', sa.DateTime(), nullable=True),
    sa.CheckConstraint('target_level IS NULL OR (target_level BETWEEN 1 AND 5)', name=op.f('ck_succ_development_actions_target_level_range')),
    sa.ForeignKeyConstraint(['created_by_user_id'], ['users.id'], name=op.f('fk_succ_development_actions_created_by_user_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['nomination_id'], ['succ_nominations.id'], name=op.f('fk_succ_development_actions_nomination_id_succ_nominations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['owner_employee_id'], ['employees.id'], name=op.f('fk_succ_development_actions_owner_employee_id_employees'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['skill_id'], ['skills.id'], name=op.f('fk_succ_development_actions_skill_id_skills'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_succ_development_actions'))
    )
    with op.batch_alter_table('succ_development_actions', schema=None) as batch_op:
        batch_op.create_index('ix_succ_development_actions_nomination', ['nomination_id'], unique=False)

    op.create_table('succ_readiness_changes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('nomination_id', sa.Integer(), nullable=False),
    sa.Column('before', sa.Enum('ready_now', 'ready_1_2', 'ready_3_plus', name='succ_readiness_before', native_enum=False, create_constraint=True, length=32), nullable=True),
    sa.Column('after', sa.Enum('ready_now', 'ready_1_2', 'ready_3_plus', name='succ_readiness_after', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('changed_by_user_id', sa.Integer(), nullable=True),
    sa.Column('changed_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['changed_by_user_id'], ['users.id'], name=op.f('fk_succ_readiness_changes_changed_by_user_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['nomination_id'], ['succ_nominations.id'], name=op.f('fk_succ_readiness_changes_nomination_id_succ_nominations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_succ_readiness_changes'))
    )
    with op.batch_alter_table('succ_readiness_changes', schema=None) as batch_op:
        batch_op.create_index('ix_succ_readiness_changes_nomination', ['nomination_id', 'changed_at'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('succ_readiness_changes', schema=None) as batch_op:
        batch_op.drop_index('ix_succ_readiness_changes_nomination')

    op.drop_table('succ_readiness_changes')
    with op.batch_alter_table('succ_development_actions', schema=None) as batch_op:
        batch_op.drop_index('ix_succ_development_actions_nomination')

    op.drop_table('succ_development_actions')
    with op.batch_alter_table('succ_pool_members', schema=None) as batch_op:
        batch_op.drop_index('uq_succ_pool_members_active', sqlite_where=sa.text('removed_at IS NULL'), postgresql_where=sa.text('removed_at IS NULL'))
        batch_op.drop_index('ix_succ_pool_members_employee')

    op.drop_table('succ_pool_members')
    with op.batch_alter_table('succ_nominations', schema=None) as batch_op:
        batch_op.drop_index('uq_succ_nominations_active', sqlite_where=sa.text('removed_at IS NULL'), postgresql_where=sa.text('removed_at IS NULL'))
        batch_op.drop_index('ix_succ_nominations_employee')

    op.drop_table('succ_nominations')
    op.drop_table('succ_settings')
    op.drop_table('succ_pools')
    op.drop_table('succ_plans')
    with op.batch_alter_table('succ_key_post_decisions', schema=None) as batch_op:
        batch_op.drop_index('ix_succ_key_post_decisions_position')

    op.drop_table('succ_key_post_decisions')
    with op.batch_alter_table('succ_audit', schema=None) as batch_op:
        batch_op.drop_index('ix_succ_audit_position')
        batch_op.drop_index('ix_succ_audit_entity')

    op.drop_table('succ_audit')
