"""a member's Discord locale: the language of the DMs the bot sends on its own

``member.locale`` is the Discord locale ("de", "es-ES") the member last used the bot in, or NULL when not
seen yet. Stand-up, nudge and re-test DMs have no interaction to read it from: they use it, then the club's
language, then English.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-04

"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0016'
down_revision: str | None = '0015'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('member') as batch:
        batch.add_column(sa.Column('locale', sa.String(length=16), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('member') as batch:
        batch.drop_column('locale')
