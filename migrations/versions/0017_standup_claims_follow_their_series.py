"""stand-up claims follow their series: no member foreign key to check on the tick's insert

A stand-up reminder's claim (kind ``standup``) is keyed by its series (``standup.id``), and the series
row goes with the member (ON DELETE CASCADE). Its claims now go with the series, through a trigger on
``standup``, instead of carrying ``member_id`` with a foreign key that the tick's insert checked row by
row (on PostgreSQL a key-share lock on each of a thousand member rows). The member index leaves out the
rows without a member, so a stand-up claim touches one index fewer.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-04

"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0017'
down_revision: str | None = '0016'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_HAS_MEMBER = "member_id IS NOT NULL"
_FORGET_CLAIMS = "DELETE FROM send_claim WHERE kind = 'standup' AND subject_id = OLD.id"


def upgrade() -> None:
    with op.batch_alter_table('send_claim') as batch:
        batch.drop_index('ix_send_claim_member')
    op.execute("UPDATE send_claim SET member_id = NULL WHERE kind = 'standup'")
    with op.batch_alter_table('send_claim') as batch:
        batch.create_index('ix_send_claim_member', ['member_id'], unique=False,
                           postgresql_where=sa.text(_HAS_MEMBER), sqlite_where=sa.text(_HAS_MEMBER))
    if op.get_bind().dialect.name == 'postgresql':
        op.execute(
            "CREATE FUNCTION standup_claims_gone() RETURNS trigger LANGUAGE plpgsql AS $$ "
            f"BEGIN {_FORGET_CLAIMS}; RETURN NULL; END $$"
        )
        op.execute(
            "CREATE TRIGGER standup_claims_gone AFTER DELETE ON standup "
            "FOR EACH ROW EXECUTE FUNCTION standup_claims_gone()"
        )
    else:
        op.execute(f"CREATE TRIGGER standup_claims_gone AFTER DELETE ON standup BEGIN {_FORGET_CLAIMS}; END")


def downgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        op.execute("DROP TRIGGER standup_claims_gone ON standup")
        op.execute("DROP FUNCTION standup_claims_gone()")
    else:
        op.execute("DROP TRIGGER standup_claims_gone")
    with op.batch_alter_table('send_claim') as batch:
        batch.drop_index('ix_send_claim_member', postgresql_where=sa.text(_HAS_MEMBER),
                         sqlite_where=sa.text(_HAS_MEMBER))
    op.execute(
        "UPDATE send_claim SET member_id = (SELECT standup.member_id FROM standup WHERE standup.id = send_claim.subject_id) "
        "WHERE kind = 'standup'"
    )
    with op.batch_alter_table('send_claim') as batch:
        batch.create_index('ix_send_claim_member', ['member_id'], unique=False)
