"""Club settings: validated changes, read by the scheduler and `/club show`."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.content.schema import Content
from bot.core.clock import Clock
from bot.core.errors import InvalidInput, TryAgain, quoted
from bot.core.timeutil import format_hhmm, parse_day, parse_hhmm, parse_timezone, week_key
from bot.db.engine import SessionFactory, is_contention, retry_on_contention
from bot.db.models import Club
from bot.db.repo import ensure_club, get_club
from bot.db.rowcache import RowCache
from bot.db.totals import rebuild as rebuild_totals
from bot.i18n import N_


@dataclass(frozen=True)
class ClubChanges:
    """Raw option values from `/club setup`; None means "leave as it is"."""

    channel_id: int | None = None
    day: str | None = None
    time: str | None = None
    timezone: str | None = None
    leaderboard_day: str | None = None
    leaderboard_time: str | None = None
    role_id: int | None = None
    routine: str | None = None
    week_start: str | None = None
    # The language of the club's posts (a catalogue code, "en" for English); ``default_language`` (the server's)
    # is taken only while the club has none, i.e. at its first setup.
    language: str | None = None
    default_language: str | None = None


@dataclass(frozen=True, slots=True)
class ScheduledClub:
    """What the weekly-post jobs need of a club: a few hundred bytes, where a loaded row costs a few KB."""

    guild_id: int
    channel_id: int | None
    timezone: str
    post_day: str
    post_time: str
    leaderboard_day: str
    leaderboard_time: str


_SCHEDULED_COLUMNS = (
    Club.id, Club.guild_id, Club.channel_id, Club.timezone, Club.post_day, Club.post_time, Club.leaderboard_day,
    Club.leaderboard_time,
)


# Waits (seconds) before saving a club's settings again when the database was busy.
SAVE_RETRY_DELAYS: tuple[float, ...] = (0.2, 1.0, 3.0)

BUSY = N_(
    "The database was too busy to save the club settings just now. Nothing was changed and no post was "
    "scheduled: run `{command}` again."
)


class ClubService:
    def __init__(
        self, sessions: SessionFactory, content: Content, clock: Clock, rows: RowCache | None = None,
        *, retry_delays: Sequence[float] = SAVE_RETRY_DELAYS,
    ) -> None:
        self._sessions = sessions
        self._content = content
        self._clock = clock
        self._rows = rows or RowCache()
        self._retry_delays = tuple(retry_delays)
        # Per guild: the lock of the change being made, and how many changes hold or wait for it.
        self._changing: dict[int, tuple[asyncio.Lock, list[int]]] = {}

    @contextlib.asynccontextmanager
    async def one_change_at_a_time(self, guild_id: int) -> AsyncIterator[None]:
        """Hold this while saving a change and acting on what was saved (scheduling its posts): two changes to
        one club made at once then take effect in the order they were saved, so the jobs match the row.

        A guild is served by one process (its shard), so a lock in this process is enough.
        """
        lock, holders = self._changing.setdefault(guild_id, (asyncio.Lock(), [0]))
        holders[0] += 1
        try:
            async with lock:
                yield
        finally:
            holders[0] -= 1
            if holders[0] == 0:
                del self._changing[guild_id]

    async def _save(self, guild_id: int, store: Callable[[AsyncSession, Club], Awaitable[None]], command: str) -> Club:
        """Apply ``store`` to the club's row in one transaction, run again while the database is busy; when it
        stays busy, a :class:`TryAgain` that says which command to run again (nothing was stored)."""

        async def attempt() -> Club:
            async with self._sessions() as session:
                club = await ensure_club(session, guild_id, self._clock.now())
                await store(session, club)
                session.add(club)
                await session.commit()
            return club

        try:
            club = await retry_on_contention(attempt, self._retry_delays)
        except Exception as error:
            if is_contention(error):
                raise TryAgain(BUSY, command=command) from error
            raise
        self._rows.drop_club(guild_id)
        return club

    def validate(self, changes: ClubChanges) -> dict[str, object]:
        """Every option checked before anything is stored: one bad value changes nothing."""
        values: dict[str, object] = {}
        if changes.channel_id is not None:
            values["channel_id"] = changes.channel_id
        if changes.day is not None:
            values["post_day"] = parse_day(changes.day)
        if changes.time is not None:
            values["post_time"] = format_hhmm(parse_hhmm(changes.time))
        if changes.timezone is not None:
            values["timezone"] = parse_timezone(changes.timezone)
        if changes.leaderboard_day is not None:
            values["leaderboard_day"] = parse_day(changes.leaderboard_day)
        if changes.leaderboard_time is not None:
            values["leaderboard_time"] = format_hhmm(parse_hhmm(changes.leaderboard_time))
        if changes.role_id is not None:
            values["role_id"] = changes.role_id
        if changes.week_start is not None:
            values["week_start"] = parse_day(changes.week_start)
        if changes.routine is not None:
            if changes.routine not in self._content.routines:
                names = ", ".join(f"`{slug}`" for slug in self._content.routines)
                raise InvalidInput(N_("There is no routine {routine}. Choose one of {names}."),
                                   routine=quoted(changes.routine), names=names)
            values["routine_slug"] = changes.routine
        if changes.language is not None:
            values["language"] = changes.language
        return values

    async def configure(self, guild_id: int, changes: ClubChanges, *, by: int | None = None) -> Club:
        """Store the changes; ``by`` (the admin running /club setup) is told by DM if the posts stop later.

        Saving the settings again clears a recorded post problem (channel gone, no access): the next
        scheduled post tries again.
        """
        values = self.validate(changes)

        async def store(session: AsyncSession, club: Club) -> None:
            week_changed = "week_start" in values and values["week_start"] != club.week_start
            for name, value in values.items():
                setattr(club, name, value)
            if club.language is None and changes.default_language is not None:
                club.language = changes.default_language
            if by is not None:
                club.configured_by = by
            club.post_problem = None
            club.post_problem_at = None
            if week_changed:
                assert club.id is not None
                week_start = club.week_start
                # The club-week totals are keyed by the week's first day: recount them in the new weeks.
                await rebuild_totals(
                    session, club_id=club.id, prefix="w", key_of=lambda day: week_key(day, week_start)
                )

        return await self._save(guild_id, store, "/club setup")

    async def set_paused(self, guild_id: int, paused: bool) -> Club:
        async def store(_session: AsyncSession, club: Club) -> None:
            club.paused = paused

        return await self._save(guild_id, store, "/club resume" if not paused else "/club pause")

    async def set_mention_role(self, guild_id: int, role_id: int | None) -> Club:
        """The role the weekly posts mention; None stops the mention."""
        async with self._sessions() as session:
            club = await ensure_club(session, guild_id, self._clock.now())
            club.role_id = role_id
            session.add(club)
            await session.commit()
            return club

    async def set_excluded_roles(self, guild_id: int, role_ids: list[int]) -> Club:
        async with self._sessions() as session:
            club = await ensure_club(session, guild_id, self._clock.now())
            club.excluded_role_ids = ",".join(str(r) for r in sorted(set(role_ids)))
            session.add(club)
            await session.commit()
        self._rows.drop_club(guild_id)
        return club

    async def get(self, guild_id: int) -> Club | None:
        async with self._sessions() as session:
            return await get_club(session, guild_id)

    async def scheduled_pages(self, size: int = 1000) -> AsyncIterator[list[ScheduledClub]]:
        """Clubs that have a channel (the ones with weekly posts), a page at a time.

        Each page is read in its own short session, so 10,000 clubs are never all in memory at once and
        no read transaction stays open while the caller works through a page.
        """
        after = 0
        while True:
            async with self._sessions() as session:
                query = (select(*_SCHEDULED_COLUMNS).where(Club.channel_id.is_not(None), Club.id > after)
                         .order_by(Club.id).limit(size))
                rows = (await session.execute(query)).all()
            if not rows:
                return
            yield [ScheduledClub(*row[1:]) for row in rows]
            after = rows[-1][0]
