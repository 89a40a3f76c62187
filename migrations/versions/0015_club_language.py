"""a club's language: the language its public posts are written in

``club.language`` is a catalogue code ("de", "fr", "es") or NULL for English; ``/club setup`` sets it, from
the server's locale unless the admin chooses one.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-04

"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0015'
down_revision: str | None = '0014'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('club') as batch:
        batch.add_column(sa.Column('language', sa.String(length=16), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('club') as batch:
        batch.drop_column('language')
