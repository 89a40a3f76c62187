"""member progression

Revision ID: 0010
Revises: 0006
Create Date: 2026-11-30

"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = '0010'
down_revision: str | None = '0006'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('member_progression',
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('club_id', sa.Integer(), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('routine_slug', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('step', sa.Integer(), nullable=False),
    sa.Column('easy_weeks', sa.Integer(), nullable=False),
    sa.Column('hard_weeks', sa.Integer(), nullable=False),
    sa.Column('offered_step', sa.Integer(), nullable=True),
    sa.Column('last_feel', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True),
    sa.Column('last_week', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['club_id'], ['club.id'], name=op.f('fk_member_progression_club_id_club'),
                            ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['member_id'], ['member.id'], name=op.f('fk_member_progression_member_id_member'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_member_progression')),
    sa.UniqueConstraint('member_id', name=op.f('uq_member_progression_member_id'))
    )


def downgrade() -> None:
    op.drop_table('member_progression')
