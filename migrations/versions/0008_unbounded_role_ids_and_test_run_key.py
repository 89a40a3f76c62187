"""unbounded role id lists; self-test answers unique per member

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-30

"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision: str = '0008'
down_revision: str | None = '0007'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('club', schema=None) as batch_op:
        batch_op.alter_column('excluded_role_ids', existing_type=sqlmodel.sql.sqltypes.AutoString(length=1000),
                              type_=sa.Text(), existing_nullable=False, existing_server_default='')
    with op.batch_alter_table('member', schema=None) as batch_op:
        batch_op.alter_column('role_ids', existing_type=sqlmodel.sql.sqltypes.AutoString(length=2000),
                              type_=sa.Text(), existing_nullable=False, existing_server_default='')
    with op.batch_alter_table('test_result', schema=None) as batch_op:
        batch_op.drop_constraint('uq_test_result_run_side', type_='unique')
        batch_op.create_unique_constraint('uq_test_result_member_run_side', ['member_id', 'run_id', 'side'])


def downgrade() -> None:
    with op.batch_alter_table('test_result', schema=None) as batch_op:
        batch_op.drop_constraint('uq_test_result_member_run_side', type_='unique')
        batch_op.create_unique_constraint('uq_test_result_run_side', ['run_id', 'side'])
    with op.batch_alter_table('member', schema=None) as batch_op:
        batch_op.alter_column('role_ids', existing_type=sa.Text(),
                              type_=sqlmodel.sql.sqltypes.AutoString(length=2000), existing_nullable=False)
    with op.batch_alter_table('club', schema=None) as batch_op:
        batch_op.alter_column('excluded_role_ids', existing_type=sa.Text(),
                              type_=sqlmodel.sql.sqltypes.AutoString(length=1000), existing_nullable=False)
