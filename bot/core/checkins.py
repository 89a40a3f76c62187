"""Recording check-ins under the anti-gaming rules, and what a member sees afterwards."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.clock import Clock
from bot.core.errors import InvalidInput, NotFound
from bot.core.members import FORGOTTEN, Who, ensure_club_and_member
from bot.core.points import LABELS, POINTS, STANDUP_DAILY_CAP, UNDO_WINDOW_MINUTES, Kind
from bot.core.progression import withdraw_feel
from bot.core.streaks import Streak, weekly_streak
from bot.core.timeutil import board_periods, local_date, month_start_date, next_month_start, week_key, week_start_date
from bot.db.checkin_store import CheckinStore, Outcome, Press, open_store
from bot.db.engine import SessionFactory
from bot.db.models import Checkin, Club
from bot.db.repo import clean_name, ensure_club, get_club, get_member
from bot.db.rowcache import ClubRow, MemberRow, RowCache
from bot.db.totals import PeriodRange
from bot.i18n import N_


@dataclass(frozen=True)
class CheckinResult:
    counted: bool
    kind: Kind
    points: int
    local_date: date
    message: str
    streak: Streak
    place: int | None
    week_points: int


@dataclass(frozen=True)
class Undone:
    """The check-in ``/undo`` removed."""

    kind: Kind
    local_date: date
    points: int


def period_key(kind: Kind, day: date, week_start: str, slot: int = 1) -> str:
    if kind is Kind.ROUTINE:
        return week_key(day, week_start)
    if kind is Kind.STANDUP:
        return f"d{day.isoformat()}#{slot}"
    return f"d{day.isoformat()}"


async def routine_done(session: AsyncSession, club: Club, member_id: int, today: date) -> bool:
    """Whether the member has the routine in for the club-week containing ``today``."""
    found = await session.execute(
        select(Checkin.id).where(
            Checkin.member_id == member_id,
            Checkin.kind == Kind.ROUTINE.value,
            Checkin.period_key == week_key(today, club.week_start),
        )
    )
    return found.first() is not None


async def routine_weeks(session: AsyncSession, member_id: int) -> list[date]:
    rows = await session.execute(
        select(Checkin.period_key).where(Checkin.member_id == member_id, Checkin.kind == Kind.ROUTINE.value)
    )
    return [date.fromisoformat(key[1:]) for (key,) in rows]


async def member_streak(session: AsyncSession, club: Club, member_id: int, today: date) -> Streak:
    return weekly_streak(await routine_weeks(session, member_id), week_start_date(today, club.week_start))


def _note(kind: Kind, counted: bool) -> str:
    label = LABELS[kind]
    if counted:
        return f"Counted: {label} (+{POINTS[kind]})."
    if kind is Kind.STANDUP:
        return f"Stand-ups count up to {STANDUP_DAILY_CAP} times a day; today's are all in. Keep moving!"
    scope = "this week" if kind is Kind.ROUTINE else "for that day"
    return f"Already counted: your {label} {scope} is in. Nothing changed."


def total_ranges(day: date, week_start: str) -> dict[str, PeriodRange]:
    """The running-total periods ``day`` counts towards, with their date ranges (for a recount)."""
    all_time, month, week = board_periods(day, week_start)
    start = week_start_date(day, week_start)
    return {
        all_time: (None, None),
        month: (month_start_date(day), next_month_start(day)),
        week: (start, start + timedelta(days=7)),
    }


def press_of(
    who: Who, kind: Kind, when: str, club: ClubRow, now: datetime, *, member_id: int | None, display_name: str,
    role_ids: str,
) -> tuple[Press, date]:
    """The counting rules, in one place: what a press stores and which periods it counts once in.

    ``when`` is today or yesterday in the club's time zone. A routine counts once per club-week, an extra,
    a stretch or a self-test once per day, a stand-up up to ``STANDUP_DAILY_CAP`` times a day (one slot
    each); the database's unique constraint on (member, kind, period key) makes a double press count once.
    Returns the press and the club's today."""
    today = local_date(now, club.timezone)
    day = today - timedelta(days=1) if when == "yesterday" else today
    if kind is Kind.STANDUP:
        slot_keys = tuple(period_key(kind, day, club.week_start, slot) for slot in range(1, STANDUP_DAILY_CAP + 1))
    else:
        slot_keys = (period_key(kind, day, club.week_start),)
    # Positional, in the order of Press's fields: a third of the cost of keywords, on every press.
    press = Press(
        club.id, who.user_id, member_id, display_name, role_ids, who.in_server,
        kind.value, day, slot_keys, POINTS[kind], kind is Kind.ROUTINE,
        board_periods(day, club.week_start), week_key(today, club.week_start), now,
    )
    return press, today


def result_of(kind: Kind, press: Press, today: date, week_start: str, out: Outcome) -> CheckinResult:
    """What the member sees after a press, from what the store wrote and read back."""
    return CheckinResult(
        counted=out.counted,
        kind=kind,
        points=POINTS[kind] if out.counted else 0,
        local_date=press.local_date,
        message=_note(kind, out.counted),
        streak=weekly_streak(
            [date.fromisoformat(key[1:]) for key in out.routine_weeks], week_start_date(today, week_start)
        ),
        place=out.place,
        week_points=out.week_points,
    )


class CheckinService:
    """Records check-ins through the backend's check-in store (bot/db/checkin_store.py), chosen once here.

    One short transaction per press: the member, the check-in (``INSERT … ON CONFLICT DO NOTHING``), the
    member's running totals, the week standing from those totals. Club and member rows come from ``rows``
    after the first press. A press from a button in a DM (``Who.in_server`` False) never brings a member
    who left back onto the boards and never creates one: a forgotten member's old button counts nothing.
    """

    def __init__(self, sessions: SessionFactory, clock: Clock, rows: RowCache | None = None) -> None:
        self._sessions = sessions
        self._clock = clock
        self._rows = rows or RowCache()
        engine = sessions.kw.get("bind")
        assert engine is not None, "the session factory is bound to the engine"
        self._store: CheckinStore = open_store(engine)

    async def close(self) -> None:
        """Stop the store: the write queue's thread or the press connections."""
        await self._store.close()

    async def who_in_dm(self, guild_id: int, user_id: int, display_name: str) -> Who:
        """The member behind a button pressed in a DM, with the name and roles last seen in the server.

        A DM does not show the member is in the server: ``in_server`` is False, so the press leaves
        ``left_at`` as it is and creates no member row."""
        async with self._sessions() as session:
            club = await get_club(session, guild_id)
            member = await get_member(session, club.id, user_id) if club and club.id else None
        if member is None:
            return Who(guild_id=guild_id, user_id=user_id, display_name=display_name, in_server=False)
        roles = tuple(int(r) for r in member.role_ids.split(",") if r)
        return Who(guild_id=guild_id, user_id=user_id, display_name=member.display_name, role_ids=roles,
                   in_server=False)

    async def record(self, who: Who, kind: Kind | str, *, when: str = "today") -> CheckinResult:
        kind = Kind(kind)
        if when not in ("today", "yesterday"):
            raise InvalidInput(N_("You can log `today` or `yesterday`, nothing earlier and nothing in the future."))
        now = self._clock.now()
        for attempt in (1, 2):
            try:
                return await self._record(who, kind, when, now)
            except IntegrityError:
                # A cached member row that another path deleted (forgotten, purged): look it up again.
                self._rows.drop_member(who.guild_id, who.user_id)
                self._rows.drop_club(who.guild_id)
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    async def _club_row(self, guild_id: int, now: datetime) -> ClubRow:
        """The club's settings for the press path: from the row cache, else read (or made) once and cached."""
        club = self._rows.club(guild_id)
        if club is None:
            async with self._sessions() as session:
                full = await ensure_club(session, guild_id, now)
                await session.commit()
            club = ClubRow.of(full)
            self._rows.put_club(guild_id, club)
        return club

    async def _record(self, who: Who, kind: Kind, when: str, now: datetime) -> CheckinResult:
        club = await self._club_row(who.guild_id, now)
        name = clean_name(who.display_name)
        roles = ",".join(str(r) for r in sorted(who.role_ids))
        known = None
        if self._store.knows_members:
            cached = self._rows.member(who.guild_id, who.user_id)
            if cached is not None and (cached.display_name, cached.role_ids) == (name, roles):
                known = cached.id
        press, today = press_of(who, kind, when, club, now, member_id=known, display_name=name, role_ids=roles)
        out = await self._store.write(press)
        if out.member_id is None:
            raise NotFound(FORGOTTEN)
        # Only a press in the server refreshed the row (and cleared left_at).
        if known is None and who.in_server and self._store.knows_members:
            self._rows.put_member(who.guild_id, who.user_id, MemberRow(out.member_id, name, roles))
        return result_of(kind, press, today, club.week_start, out)

    async def undo_last(self, who: Who) -> str:
        """:meth:`undo`, told in English."""
        last = await self.undo(who)
        return f"Undone: {LABELS[last.kind]} on {last.local_date.isoformat()} (−{last.points})."

    async def undo(self, who: Who) -> Undone:
        """Remove the member's most recent check-in if it is under the undo window old, with the feel answer
        given for it (bot/core/progression.py)."""
        now = self._clock.now()
        async with self._sessions() as session:
            club, member = await ensure_club_and_member(session, who, now)
            assert member.id is not None
            assert club.id is not None
            last = await self._store.last(session, member.id)
            if last is None or now - last.created_at > timedelta(minutes=UNDO_WINDOW_MINUTES):
                await session.commit()
                raise NotFound(
                    N_("Nothing to undo: only a check-in from the last {minutes} minutes can be undone."),
                    minutes=UNDO_WINDOW_MINUTES,
                )
            await self._store.remove(session, club.id, member.id, last, total_ranges(last.local_date, club.week_start))
            if last.kind == Kind.ROUTINE.value:
                await withdraw_feel(session, member.id, last.period_key)
            await session.commit()
        return Undone(Kind(last.kind), last.local_date, last.points)
