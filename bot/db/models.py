"""SQLModel tables. Unique constraints carry the rules that must hold under concurrency."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, BigInteger, Column, ForeignKey, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from bot.db.types import UTCDateTime

# Stable constraint names on every backend, so migrations and `alembic check` agree.
SQLModel.metadata.naming_convention = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def _utc_column(*, nullable: bool = False, index: bool = False) -> Column:  # type: ignore[type-arg]
    return Column(UTCDateTime(), nullable=nullable, index=index)


class Club(SQLModel, table=True):
    """One Discord guild's club settings."""

    __tablename__ = "club"

    id: int | None = Field(default=None, primary_key=True)
    guild_id: int = Field(sa_column=Column(BigInteger, nullable=False, unique=True))
    channel_id: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))
    timezone: str = Field(default="UTC", max_length=64)
    week_start: str = Field(default="monday", max_length=9)
    post_day: str = Field(default="monday", max_length=9)
    post_time: str = Field(default="07:00", max_length=5)
    leaderboard_day: str = Field(default="monday", max_length=9)
    leaderboard_time: str = Field(default="08:00", max_length=5)
    role_id: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))
    routine_slug: str = Field(default="five-minute", max_length=64)
    paused: bool = Field(default=False)
    # Who last ran /club setup: told by DM when the posts stop for a reason only an admin can fix.
    configured_by: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))
    # Set when Discord said the channel is gone or the bot may not post there: scheduled posts wait
    # (no attempt every week) until /club setup or a successful /club post-now clears it.
    post_problem: str | None = Field(default=None, max_length=300)
    post_problem_at: datetime | None = Field(default=None, sa_column=_utc_column(nullable=True))
    # Comma-separated role ids whose holders are left off the boards (unbounded: a server may have hundreds).
    excluded_role_ids: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    # The language of the club's public posts: a catalogue code ("de"), or None for English (bot.i18n).
    language: str | None = Field(default=None, max_length=16)
    created_at: datetime = Field(sa_column=_utc_column())


class Member(SQLModel, table=True):
    """A Discord user as a member of one club, with a display-name snapshot."""

    __tablename__ = "member"
    __table_args__ = (UniqueConstraint("club_id", "user_id", name="uq_member_club_user"),)

    id: int | None = Field(default=None, primary_key=True)
    club_id: int = Field(sa_column=Column(ForeignKey("club.id", ondelete="CASCADE"), nullable=False))
    user_id: int = Field(sa_column=Column(BigInteger, nullable=False))
    display_name: str = Field(max_length=100)
    hidden: bool = Field(default=False)
    # Role ids as last seen on an interaction, to honour the club's excluded roles.
    role_ids: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    left_at: datetime | None = Field(default=None, sa_column=_utc_column(nullable=True))
    # The Discord locale the member last used the bot in ("de", "es-ES"): the language of the DMs jobs send.
    locale: str | None = Field(default=None, max_length=16)
    created_at: datetime = Field(sa_column=_utc_column())


class Checkin(SQLModel, table=True):
    """One counted activity. ``period_key`` makes double counting impossible in the database."""

    __tablename__ = "checkin"
    __table_args__ = (
        UniqueConstraint("member_id", "kind", "period_key", name="uq_checkin_member_kind_period"),
        # Leaderboards aggregate one club over a date range, grouped by member.
        Index("ix_checkin_club_date", "club_id", "local_date", "member_id", "points"),
    )

    id: int | None = Field(default=None, primary_key=True)
    member_id: int = Field(sa_column=Column(ForeignKey("member.id", ondelete="CASCADE"), nullable=False))
    club_id: int = Field(sa_column=Column(ForeignKey("club.id", ondelete="CASCADE"), nullable=False))
    kind: str = Field(max_length=16)
    local_date: date
    period_key: str = Field(max_length=32)
    points: int
    created_at: datetime = Field(sa_column=_utc_column())


class MemberPoints(SQLModel, table=True):
    """A member's running totals for one period: ``all``, a month (``m2026-11``) or a club-week (``w2026-11-16``).

    Kept up to date on every check-in and undo (bot/db/totals.py), so boards and the week standing
    read one row per member instead of summing check-ins. Forgetting or purging a member deletes
    their rows with the member (ON DELETE CASCADE); hidden and left members are filtered when read.
    """

    __tablename__ = "member_points"
    __table_args__ = (
        # Boards and a member's place: one club's rows for one period, by points.
        Index("ix_member_points_club_period", "club_id", "period", "points"),
        # On SQLite the rows live in their primary key's B-tree: one page fewer written per press.
        {"sqlite_with_rowid": False},
    )

    member_id: int = Field(
        sa_column=Column(ForeignKey("member.id", ondelete="CASCADE"), primary_key=True, nullable=False)
    )
    period: str = Field(primary_key=True, max_length=16)
    club_id: int = Field(sa_column=Column(ForeignKey("club.id", ondelete="CASCADE"), nullable=False))
    points: int = Field(default=0)
    routines: int = Field(default=0)
    # When the member last added points in the period: ties on the board go to whoever got there first.
    reached: datetime = Field(sa_column=_utc_column())


class BoardArchive(SQLModel, table=True):
    """A frozen leaderboard for one finished period, so it can be shown again later."""

    __tablename__ = "board_archive"
    __table_args__ = (UniqueConstraint("club_id", "period_key", name="uq_board_archive_club_period"),)

    id: int | None = Field(default=None, primary_key=True)
    club_id: int = Field(sa_column=Column(ForeignKey("club.id", ondelete="CASCADE"), nullable=False))
    period_key: str = Field(max_length=32)
    board: dict = Field(sa_column=Column(JSON, nullable=False))  # type: ignore[type-arg]
    created_at: datetime = Field(sa_column=_utc_column())


class TestResult(SQLModel, table=True):
    """One self-test answer. Personal: never on a board or in a public post."""

    __test__ = False  # not a pytest test class, despite the name

    __tablename__ = "test_result"
    __table_args__ = (
        Index("ix_test_result_member_created", "member_id", "created_at"),
        # One answer per side per started test: a second press on the same buttons is stale.
        # The run id is only random per member, so the member is part of the key.
        UniqueConstraint("member_id", "run_id", "side", name="uq_test_result_member_run_side"),
    )

    id: int | None = Field(default=None, primary_key=True)
    member_id: int = Field(sa_column=Column(ForeignKey("member.id", ondelete="CASCADE"), nullable=False))
    club_id: int = Field(sa_column=Column(ForeignKey("club.id", ondelete="CASCADE"), nullable=False))
    test_slug: str = Field(max_length=64)
    run_id: str = Field(max_length=16)
    side: str = Field(default="both", max_length=8)
    outcome: str = Field(max_length=32)
    weak: bool = Field(default=False)
    created_at: datetime = Field(sa_column=_utc_column())


class Standup(SQLModel, table=True):
    """One member's stand-up reminder settings, and where their series stands on its grid.

    ``next_due_at`` is what the tick looks at: it is NULL whenever nothing can be due (off,
    DMs closed), so the partial index holds only live rows and the due query is a short range scan.
    """

    __tablename__ = "standup"

    id: int | None = Field(default=None, primary_key=True)
    member_id: int = Field(
        sa_column=Column(ForeignKey("member.id", ondelete="CASCADE"), nullable=False, unique=True)
    )
    club_id: int = Field(sa_column=Column(ForeignKey("club.id", ondelete="CASCADE"), nullable=False))
    every_minutes: int = Field(default=45)
    window_start: str = Field(default="09:00", max_length=5)
    window_end: str = Field(default="17:30", max_length=5)
    # Comma-separated day names in week order, e.g. "monday,tuesday,wednesday,thursday,friday".
    days: str = Field(default="monday,tuesday,wednesday,thursday,friday", max_length=64)
    timezone: str = Field(default="UTC", max_length=64)
    enabled: bool = Field(default=True)
    paused_until: datetime | None = Field(default=None, sa_column=_utc_column(nullable=True))
    skip_date: date | None = Field(default=None)
    dm_blocked: bool = Field(default=False)
    # True while next_due_at is a one-off snoozed reminder that sits before next_slot_at.
    snoozed: bool = Field(default=False)
    # The series' next slot on its grid; next_due_at equals it unless snoozed.
    next_slot_at: datetime | None = Field(default=None, sa_column=_utc_column(nullable=True))
    next_due_at: datetime | None = Field(default=None, sa_column=_utc_column(nullable=True))
    last_reminded_at: datetime | None = Field(default=None, sa_column=_utc_column(nullable=True))
    created_at: datetime = Field(sa_column=_utc_column())
    updated_at: datetime = Field(sa_column=_utc_column())


_standup_due = Standup.__table__.c.next_due_at  # type: ignore[attr-defined]
# The tick's query (next_due_at <= now, oldest first): a partial index over live rows only.
Index(
    "ix_standup_due",
    _standup_due,
    postgresql_where=_standup_due.is_not(None),
    sqlite_where=_standup_due.is_not(None),
)


class BotState(SQLModel, table=True):
    """Small facts the bot keeps about itself, e.g. the hash of the last synced command tree."""

    __tablename__ = "bot_state"

    key: str = Field(primary_key=True, max_length=64)
    value: str = Field(max_length=500)
    updated_at: datetime = Field(sa_column=_utc_column())


class MemberProgression(SQLModel, table=True):
    """A member's own step on the club's routine, moved by how the routine felt to them."""

    __tablename__ = "member_progression"

    id: int | None = Field(default=None, primary_key=True)
    member_id: int = Field(
        sa_column=Column(ForeignKey("member.id", ondelete="CASCADE"), nullable=False, unique=True)
    )
    club_id: int = Field(sa_column=Column(ForeignKey("club.id", ondelete="CASCADE"), nullable=False))
    # The routine the step belongs to: a club switching routines starts everyone at its base.
    routine_slug: str = Field(max_length=64)
    step: int = Field(default=0)
    easy_weeks: int = Field(default=0)  # weeks in a row called "easy"
    hard_weeks: int = Field(default=0)  # weeks in a row called "hard"
    offered_step: int | None = Field(default=None)  # the next step, offered and not yet taken
    last_feel: str | None = Field(default=None, max_length=16)
    last_week: str | None = Field(default=None, max_length=32)  # the club-week the last answer was for
    # The step and counts as they were before the last answer: undoing the check-in it was for restores them.
    before_last: dict | None = Field(default=None, sa_column=Column(JSON, nullable=True))  # type: ignore[type-arg]
    created_at: datetime = Field(sa_column=_utc_column())
    updated_at: datetime = Field(sa_column=_utc_column())


class SendClaim(SQLModel, table=True):
    """The one send-once record of everything scheduled: a weekly or board post, a nudge, a re-test DM,
    challenge results, a winner-role change.

    One row per (kind, subject, period): the unique key makes a second claim impossible across restarts
    and processes. ``status`` is a :class:`bot.core.delivery.Outcome`: ``pending`` (due at
    ``next_try_at``), ``claimed`` (being sent until ``lease_until``; a dead process's claim is taken
    again after it), then ``sent``, ``fallback``, ``failed`` or ``skipped``. ``attempts`` counts the
    sends tried; ``nonce`` goes with every create, so a repeat is dropped by Discord and an earlier
    attempt can be found in the channel. See ``docs/decisions.md`` ("Send once").
    """

    __tablename__ = "send_claim"
    __table_args__ = (
        UniqueConstraint("kind", "subject_id", "period_key", name="uq_send_claim_kind_subject_period"),
    )

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=16)
    # What the kind is about: the club of a post, the member of a nudge, a reminder, a challenge, a user.
    subject_id: int = Field(sa_column=Column(BigInteger, nullable=False))
    period_key: str = Field(max_length=32)
    club_id: int | None = Field(
        default=None, sa_column=Column(ForeignKey("club.id", ondelete="CASCADE"), nullable=True)
    )
    # Personal claims go with the member. A stand-up claim has none: it goes with its series (subject), which
    # goes with the member; a trigger on ``standup`` deletes its claims (migration 0017), so the tick's
    # insert checks no member key.
    member_id: int | None = Field(
        default=None, sa_column=Column(ForeignKey("member.id", ondelete="CASCADE"), nullable=True)
    )
    status: str = Field(default="claimed", max_length=16)
    attempts: int = Field(default=0)
    late: bool = Field(default=False)
    nonce: str | None = Field(default=None, max_length=25)
    message_id: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))
    error: str | None = Field(default=None, max_length=500)
    # Why it failed (bot.core.delivery.Problem): decides whether a later run may try again.
    problem: str | None = Field(default=None, max_length=16)
    scheduled_for: datetime | None = Field(default=None, sa_column=_utc_column(nullable=True))
    claimed_at: datetime = Field(sa_column=_utc_column())
    lease_until: datetime | None = Field(default=None, sa_column=_utc_column(nullable=True))
    next_try_at: datetime | None = Field(default=None, sa_column=_utc_column(nullable=True))
    finished_at: datetime | None = Field(default=None, sa_column=_utc_column(nullable=True))


_claim = SendClaim.__table__.c  # type: ignore[attr-defined]
# What a tick takes again: pending rows by their next try, claimed rows by their lease (live rows only).
# The member's claims, for the cascade when a member is deleted and for the export (rows with a member only).
Index("ix_send_claim_member", _claim.member_id,
      postgresql_where=_claim.member_id.is_not(None), sqlite_where=_claim.member_id.is_not(None))
Index("ix_send_claim_retake", _claim.kind, _claim.next_try_at, _claim.lease_until,
      postgresql_where=_claim.status.in_(("pending", "claimed")),
      sqlite_where=_claim.status.in_(("pending", "claimed")))


# --------------------------------------------------------------------------------------------
# Keeping a club at it: nudges, the winner role's holders.
# --------------------------------------------------------------------------------------------


class Nudge(SQLModel, table=True):
    """One member's "nudge me before the week closes" setting; ``next_due_at`` is NULL when off."""

    __tablename__ = "nudge"

    id: int | None = Field(default=None, primary_key=True)
    member_id: int = Field(
        sa_column=Column(ForeignKey("member.id", ondelete="CASCADE"), nullable=False, unique=True)
    )
    club_id: int = Field(sa_column=Column(ForeignKey("club.id", ondelete="CASCADE"), nullable=False))
    # A day name, or NULL for "the last day of the club week" (follows the club's setting).
    day: str | None = Field(default=None, max_length=9)
    at_time: str = Field(default="18:00", max_length=5)
    timezone: str = Field(default="UTC", max_length=64)
    enabled: bool = Field(default=True)
    dm_blocked: bool = Field(default=False)
    next_due_at: datetime | None = Field(default=None, sa_column=_utc_column(nullable=True))
    created_at: datetime = Field(sa_column=_utc_column())
    updated_at: datetime = Field(sa_column=_utc_column())


_nudge_due = Nudge.__table__.c.next_due_at  # type: ignore[attr-defined]
Index("ix_nudge_due", _nudge_due, postgresql_where=_nudge_due.is_not(None), sqlite_where=_nudge_due.is_not(None))


class WinnerRole(SQLModel, table=True):
    """A club's weekly winner role: given to the week's top ``winners`` (ties included) after the board post."""

    __tablename__ = "winner_role"

    id: int | None = Field(default=None, primary_key=True)
    club_id: int = Field(sa_column=Column(ForeignKey("club.id", ondelete="CASCADE"), nullable=False, unique=True))
    role_id: int = Field(sa_column=Column(BigInteger, nullable=False))
    winners: int = Field(default=1)
    updated_at: datetime = Field(sa_column=_utc_column())


class WinnerHolder(SQLModel, table=True):
    """Who holds the club's winner role now (the bot gave it, or is giving it), and for which week."""

    __tablename__ = "winner_holder"
    __table_args__ = (UniqueConstraint("club_id", "member_id", name="uq_winner_holder_club_member"),)

    id: int | None = Field(default=None, primary_key=True)
    club_id: int = Field(sa_column=Column(ForeignKey("club.id", ondelete="CASCADE"), nullable=False))
    member_id: int = Field(sa_column=Column(ForeignKey("member.id", ondelete="CASCADE"), nullable=False))
    period_key: str = Field(max_length=32)
    # The role the member holds (the club's winner role may have changed since).
    role_id: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))
    granted_at: datetime = Field(sa_column=_utc_column())


class RetestReminder(SQLModel, table=True):
    """A member asked to be reminded to repeat a self-test; ``next_due_at`` is NULL once sent."""

    __tablename__ = "retest_reminder"
    __table_args__ = (UniqueConstraint("member_id", "test_slug", name="uq_retest_reminder_member_test"),)

    id: int | None = Field(default=None, primary_key=True)
    member_id: int = Field(sa_column=Column(ForeignKey("member.id", ondelete="CASCADE"), nullable=False))
    club_id: int = Field(sa_column=Column(ForeignKey("club.id", ondelete="CASCADE"), nullable=False))
    test_slug: str = Field(max_length=64)
    dm_blocked: bool = Field(default=False)
    next_due_at: datetime | None = Field(default=None, sa_column=_utc_column(nullable=True))
    created_at: datetime = Field(sa_column=_utc_column())
    updated_at: datetime = Field(sa_column=_utc_column())


_retest_due = RetestReminder.__table__.c.next_due_at  # type: ignore[attr-defined]
Index("ix_retest_reminder_due", _retest_due, postgresql_where=_retest_due.is_not(None),
      sqlite_where=_retest_due.is_not(None))


class Challenge(SQLModel, table=True):
    """A time-boxed club challenge over whole club weeks; ``next_due_at`` is when its results are due."""

    __tablename__ = "challenge"

    id: int | None = Field(default=None, primary_key=True)
    club_id: int = Field(sa_column=Column(ForeignKey("club.id", ondelete="CASCADE"), nullable=False))
    name: str = Field(max_length=60)
    goal: str = Field(max_length=16)  # routines or points
    target: int
    weeks: int
    start_date: date  # the first day of its first club week (club calendar)
    starts_at: datetime = Field(sa_column=_utc_column())
    ends_at: datetime = Field(sa_column=_utc_column())
    status: str = Field(default="active", max_length=16)  # active, ended, cancelled
    next_due_at: datetime | None = Field(default=None, sa_column=_utc_column(nullable=True))
    channel_id: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))
    created_at: datetime = Field(sa_column=_utc_column())
    updated_at: datetime = Field(sa_column=_utc_column())


_challenge = Challenge.__table__.c  # type: ignore[attr-defined]
# One active (running or upcoming) challenge per club, enforced by the database.
Index("uq_challenge_active_club", _challenge.club_id, unique=True,
      postgresql_where=_challenge.status == "active", sqlite_where=_challenge.status == "active")
Index("ix_challenge_due", _challenge.next_due_at, postgresql_where=_challenge.next_due_at.is_not(None),
      sqlite_where=_challenge.next_due_at.is_not(None))


class ChallengeMember(SQLModel, table=True):
    """A member who joined a challenge."""

    __tablename__ = "challenge_member"
    __table_args__ = (UniqueConstraint("challenge_id", "member_id", name="uq_challenge_member_challenge_member"),)

    id: int | None = Field(default=None, primary_key=True)
    challenge_id: int = Field(sa_column=Column(ForeignKey("challenge.id", ondelete="CASCADE"), nullable=False))
    member_id: int = Field(sa_column=Column(ForeignKey("member.id", ondelete="CASCADE"), nullable=False))
    joined_at: datetime = Field(sa_column=_utc_column())
