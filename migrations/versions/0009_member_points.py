"""member points: running totals per member and period, filled from the existing check-ins

Revision ID: 0009
Revises: 0011
Create Date: 2026-11-30

"""
from collections.abc import Sequence
from datetime import timedelta

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision: str = '0009'
down_revision: str | None = '0011'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

DAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]


def upgrade() -> None:
    op.create_table('member_points',
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('period', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('club_id', sa.Integer(), nullable=False),
    sa.Column('points', sa.Integer(), nullable=False),
    sa.Column('routines', sa.Integer(), nullable=False),
    sa.Column('reached', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['club_id'], ['club.id'], name=op.f('fk_member_points_club_id_club'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['member_id'], ['member.id'], name=op.f('fk_member_points_member_id_member'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('member_id', 'period', name=op.f('pk_member_points'))
    )
    with op.batch_alter_table('member_points', schema=None) as batch_op:
        batch_op.create_index('ix_member_points_club_period', ['club_id', 'period', 'points'], unique=False)
    _fill()


def _fill() -> None:
    """Totals for every check-in already stored: all time, each month, each club-week."""
    bind = op.get_bind()
    club = sa.table('club', sa.column('id', sa.Integer), sa.column('week_start', sa.String))
    checkin = sa.table(
        'checkin', sa.column('member_id', sa.Integer), sa.column('club_id', sa.Integer),
        sa.column('kind', sa.String), sa.column('local_date', sa.Date), sa.column('points', sa.Integer),
        sa.column('created_at', sa.DateTime(timezone=True)),
    )
    points = sa.table(
        'member_points', sa.column('member_id', sa.Integer), sa.column('period', sa.String),
        sa.column('club_id', sa.Integer), sa.column('points', sa.Integer), sa.column('routines', sa.Integer),
        sa.column('reached', sa.DateTime(timezone=True)),
    )
    week_starts = {cid: DAYS.index(ws) if ws in DAYS else 0 for cid, ws in bind.execute(sa.select(club.c.id, club.c.week_start))}
    for club_id, first_day in week_starts.items():
        totals: dict[tuple[int, str], list] = {}
        rows = bind.execute(
            sa.select(checkin.c.member_id, checkin.c.kind, checkin.c.local_date, checkin.c.points, checkin.c.created_at)
            .where(checkin.c.club_id == club_id)
        )
        for member_id, kind, day, pts, created in rows:
            week = day - timedelta(days=(day.weekday() - first_day) % 7)
            for period in ("all", f"m{day:%Y-%m}", f"w{week.isoformat()}"):
                entry = totals.setdefault((member_id, period), [0, 0, created])
                entry[0] += pts
                entry[1] += kind == "routine"
                entry[2] = max(entry[2], created)
        values = [
            {"member_id": m, "period": p, "club_id": club_id, "points": v[0], "routines": v[1], "reached": v[2]}
            for (m, p), v in totals.items()
        ]
        for start in range(0, len(values), 5000):
            bind.execute(points.insert(), values[start:start + 5000])


def downgrade() -> None:
    with op.batch_alter_table('member_points', schema=None) as batch_op:
        batch_op.drop_index('ix_member_points_club_period')

    op.drop_table('member_points')
