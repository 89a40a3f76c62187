"""one send-once table: send_claim replaces scheduled_run, due_claim and due_work

Every scheduled send (weekly and board posts, nudges, re-test DMs, challenge results, winner-role
changes) is claimed in one table keyed (kind, subject, period), with a lease, a stored attempt count,
a next-try time and a nonce. The rows of scheduled_run (subject: the club) and due_claim move over;
due_work was never used by a feature and goes. winner_holder records which role a member holds.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-03

"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision: str = '0013'
down_revision: str | None = '0012'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_LIVE = "status IN ('pending', 'claimed')"


def upgrade() -> None:
    op.create_table('send_claim',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('subject_id', sa.BigInteger(), nullable=False),
    sa.Column('period_key', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('club_id', sa.Integer(), nullable=True),
    sa.Column('member_id', sa.Integer(), nullable=True),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('late', sa.Boolean(), nullable=False),
    sa.Column('nonce', sqlmodel.sql.sqltypes.AutoString(length=25), nullable=True),
    sa.Column('message_id', sa.BigInteger(), nullable=True),
    sa.Column('error', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
    sa.Column('problem', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True),
    sa.Column('scheduled_for', sa.DateTime(timezone=True), nullable=True),
    sa.Column('claimed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('lease_until', sa.DateTime(timezone=True), nullable=True),
    sa.Column('next_try_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['club_id'], ['club.id'], name=op.f('fk_send_claim_club_id_club'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['member_id'], ['member.id'], name=op.f('fk_send_claim_member_id_member'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_send_claim')),
    sa.UniqueConstraint('kind', 'subject_id', 'period_key', name='uq_send_claim_kind_subject_period')
    )
    with op.batch_alter_table('send_claim', schema=None) as batch_op:
        batch_op.create_index('ix_send_claim_member', ['member_id'], unique=False)
        batch_op.create_index('ix_send_claim_retake', ['kind', 'next_try_at', 'lease_until'], unique=False,
                              postgresql_where=sa.text(_LIVE), sqlite_where=sa.text(_LIVE))

    # The posts keep their ids, so the nonce of a post sent before the upgrade is still found.
    op.execute(
        "INSERT INTO send_claim (id, kind, subject_id, period_key, club_id, status, attempts, late, nonce,"
        " message_id, error, problem, scheduled_for, claimed_at, finished_at)"
        " SELECT id, kind, club_id, period_key, club_id, status, attempts, late, 'gc-post-' || id,"
        " message_id, error, problem, scheduled_for, claimed_at, finished_at FROM scheduled_run"
    )
    if op.get_bind().dialect.name == 'postgresql':
        op.execute("SELECT setval(pg_get_serial_sequence('send_claim', 'id'),"
                   " (SELECT coalesce(max(id), 0) + 1 FROM send_claim), false)")
    op.execute(
        "INSERT INTO send_claim (kind, subject_id, period_key, member_id, status, attempts, late, error,"
        " claimed_at, finished_at)"
        " SELECT kind, subject_id, period_key, member_id, status, 1, false, error, claimed_at, finished_at"
        " FROM due_claim"
    )
    with op.batch_alter_table('due_claim', schema=None) as batch_op:
        batch_op.drop_index('ix_due_claim_member')
    op.drop_table('due_claim')
    op.drop_table('scheduled_run')
    with op.batch_alter_table('due_work', schema=None) as batch_op:
        batch_op.drop_index('ix_due_work_claim')
    op.drop_table('due_work')
    with op.batch_alter_table('winner_holder', schema=None) as batch_op:
        batch_op.add_column(sa.Column('role_id', sa.BigInteger(), nullable=True))
    # Who holds the role now holds the club's current one.
    op.execute("UPDATE winner_holder SET role_id = (SELECT role_id FROM winner_role"
               " WHERE winner_role.club_id = winner_holder.club_id)")


def downgrade() -> None:
    with op.batch_alter_table('winner_holder', schema=None) as batch_op:
        batch_op.drop_column('role_id')
    op.create_table('due_work',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('key', sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
    sa.Column('guild_id', sa.BigInteger(), nullable=True),
    sa.Column('user_id', sa.BigInteger(), nullable=True),
    sa.Column('channel_id', sa.BigInteger(), nullable=True),
    sa.Column('payload', sa.JSON(), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('due_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('lease_until', sa.DateTime(timezone=True), nullable=True),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('reason', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
    sa.Column('problem', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True),
    sa.Column('message_id', sa.BigInteger(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_due_work')),
    sa.UniqueConstraint('kind', 'key', name='uq_due_work_kind_key')
    )
    with op.batch_alter_table('due_work', schema=None) as batch_op:
        batch_op.create_index('ix_due_work_claim', ['kind', 'status', 'due_at'], unique=False)
    op.create_table('scheduled_run',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('club_id', sa.Integer(), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('period_key', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('late', sa.Boolean(), nullable=False),
    sa.Column('message_id', sa.BigInteger(), nullable=True),
    sa.Column('error', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
    sa.Column('problem', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True),
    sa.Column('scheduled_for', sa.DateTime(timezone=True), nullable=False),
    sa.Column('claimed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['club_id'], ['club.id'], name=op.f('fk_scheduled_run_club_id_club'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_scheduled_run')),
    sa.UniqueConstraint('club_id', 'kind', 'period_key', name='uq_scheduled_run_club_kind_period')
    )
    op.create_table('due_claim',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('subject_id', sa.BigInteger(), nullable=False),
    sa.Column('period_key', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=True),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('error', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=True),
    sa.Column('claimed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['member_id'], ['member.id'], name=op.f('fk_due_claim_member_id_member'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_due_claim')),
    sa.UniqueConstraint('kind', 'subject_id', 'period_key', name='uq_due_claim_kind_subject_period')
    )
    with op.batch_alter_table('due_claim', schema=None) as batch_op:
        batch_op.create_index('ix_due_claim_member', ['member_id'], unique=False)
    op.execute(
        "INSERT INTO scheduled_run (kind, club_id, period_key, status, attempts, late, message_id, error, problem,"
        " scheduled_for, claimed_at, finished_at)"
        " SELECT kind, club_id, period_key, status, attempts, late, message_id, error, problem,"
        " scheduled_for, claimed_at, finished_at FROM send_claim WHERE kind IN ('routine', 'leaderboard')"
    )
    op.execute(
        "INSERT INTO due_claim (kind, subject_id, period_key, member_id, status, error, claimed_at, finished_at)"
        " SELECT kind, subject_id, period_key, member_id, status, substr(error, 1, 300), claimed_at, finished_at"
        " FROM send_claim WHERE kind IN ('nudge', 'retest', 'challenge')"
    )
    with op.batch_alter_table('send_claim', schema=None) as batch_op:
        batch_op.drop_index('ix_send_claim_retake', postgresql_where=sa.text(_LIVE), sqlite_where=sa.text(_LIVE))
        batch_op.drop_index('ix_send_claim_member')
    op.drop_table('send_claim')
