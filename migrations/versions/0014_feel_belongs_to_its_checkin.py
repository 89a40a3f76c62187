"""a feel answer belongs to its check-in: the progression as it was before the last answer

``member_progression.before_last`` keeps the step and counts as they were before the last answer, so undoing
the routine check-in that answer was given for takes the answer back with it (a week is never counted twice).

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-03

"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0014'
down_revision: str | None = '0013'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('member_progression') as batch:
        batch.add_column(sa.Column('before_last', sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('member_progression') as batch:
        batch.drop_column('before_last')
