"""leaner check-in writes: one index fewer on checkin; member_points without a rowid on SQLite

The index on (member_id, created_at) served a member's own check-ins, which the unique constraint on
(member_id, kind, period_key) serves as well; every press paid for keeping it. On SQLite,
member_points (keyed by member and period) becomes a WITHOUT ROWID table: one B-tree for the rows and
their key instead of two, so a press writes one page fewer.

Revision ID: 0012
Revises: 0009
Create Date: 2026-11-30

"""
from collections.abc import Sequence

from alembic import op


revision: str = '0012'
down_revision: str | None = '0009'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.drop_index('ix_checkin_member_created', table_name='checkin')
    if op.get_bind().dialect.name == 'sqlite':
        with op.batch_alter_table('member_points', recreate='always',
                                  table_kwargs={'sqlite_with_rowid': False}):
            pass


def downgrade() -> None:
    if op.get_bind().dialect.name == 'sqlite':
        with op.batch_alter_table('member_points', recreate='always',
                                  table_kwargs={'sqlite_with_rowid': True}):
            pass
    op.create_index('ix_checkin_member_created', 'checkin', ['member_id', 'created_at'], unique=False)
