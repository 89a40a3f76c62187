"""Stand-up reminders: each member's settings and where their series stands, and the claim the tick runs.

No scheduler job per member: every row carries its next due instant (indexed), and the due-work runner's
periodic tick claims the due rows, moves each one to its next grid slot and inserts each reminder's
send-once claim (``send_claim``, kind ``standup``) in the same transaction, commits, and only then hands
the reminders over for delivery. A claim settled as sent is deleted; failed and skipped ones are kept a
week (:meth:`StandupService.prune`). A claim carries no member id: it goes with its series (a trigger on
``standup``, migration 0017), so the insert checks no member key. On PostgreSQL the claim uses ``FOR UPDATE SKIP
LOCKED``, so several bot processes never claim the same row; on SQLite the engine's ``BEGIN IMMEDIATE``
makes the claiming transaction exclusive. The maths is in :mod:`bot.core.standup_schedule`, the SQL in
:mod:`bot.db.standup_queries`.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.checkins import CheckinResult, CheckinService
from bot.core.clock import Clock
from bot.core.errors import InvalidInput, NotFound
from bot.core.members import Who, ensure_club_and_member
from bot.core.points import Kind
from bot.core.standup_schedule import (
    DEFAULT_DAYS,
    DEFAULT_END,
    DEFAULT_EVERY,
    DEFAULT_START,
    SNOOZE,
    PauseSpan,
    end_of_local_day,
    in_window,
    interval,
    next_slot,
    parse_days,
    row_next_slot,
    stored_days,
    stored_time,
    validate_window,
)
from bot.core.standup_state import (
    DM_BLOCKED,
    STOPPED,
    DueReminder,
    SnoozeResult,
    StandupSettings,
    StandupStatus,
    change,
    on_grid,
    settings_of,
    slot_key,
    slot_of,
    snoozed_until,
)
from bot.core.timeutil import format_hhmm, local_date, parse_hhmm, parse_timezone, week_start_date
from bot.db import send_claims
from bot.db import standup_queries as queries
from bot.db.engine import SessionFactory
from bot.db.models import Checkin, SendClaim, Standup
from bot.db.repo import get_club, get_member
from bot.db.send_claims import Claim, ClaimKey, claim_once

log = logging.getLogger(__name__)

CLAIM_BATCH = 500
KIND = "standup"
TOO_LATE = "more than one interval late"
# Failed and skipped claims are kept this long (to look at), then pruned; sent ones are deleted at once.
KEEP_SETTLED = timedelta(days=7)
_JUST_BEFORE = timedelta(microseconds=1)


class StandupService:
    """Stand-up reminder settings per member, and the claim that the periodic tick runs."""

    def __init__(self, sessions: SessionFactory, clock: Clock, checkins: CheckinService) -> None:
        self._sessions = sessions
        self._clock = clock
        self._checkins = checkins

    # -- member commands ---------------------------------------------------------------------

    async def turn_on(
        self,
        who: Who,
        every: int | None = None,
        start: str | None = None,
        end: str | None = None,
        days: str | None = None,
        timezone: str | None = None,
    ) -> StandupSettings:
        """Switch reminders on (again). Options left out keep the member's previous value, else the default.

        Turning on again also clears a pause, a skipped day and a closed-DMs mark.
        """
        # Parse what was given before touching the database, so bad input costs nothing.
        new_start = parse_hhmm(start) if start is not None else None
        new_end = parse_hhmm(end) if end is not None else None
        new_days = parse_days(days) if days is not None else None
        new_tz = parse_timezone(timezone) if timezone is not None else None
        now = self._clock.now()
        async with self._sessions() as session:
            club, member = await ensure_club_and_member(session, who, now)
            assert club.id is not None
            assert member.id is not None
            row = await queries.row_of_member(session, member.id)
            settings = (
                settings_of(row)
                if row is not None
                else StandupSettings(
                    every=DEFAULT_EVERY, start=DEFAULT_START, end=DEFAULT_END, days=DEFAULT_DAYS,
                    timezone=club.timezone, enabled=False, dm_blocked=False, paused_until=None,
                    skip_date=None, snoozed=False, next_due_at=None,
                )
            )
            settings = replace(
                settings,
                every=every if every is not None else settings.every,
                start=new_start if new_start is not None else settings.start,
                end=new_end if new_end is not None else settings.end,
                days=new_days if new_days is not None else settings.days,
                timezone=new_tz if new_tz is not None else settings.timezone,
            )
            validate_window(settings.every, settings.start, settings.end)
            nxt = next_slot(now, settings.every, settings.start, settings.end, settings.days, settings.timezone)
            values: dict[str, Any] = {
                "every_minutes": settings.every,
                "window_start": format_hhmm(settings.start),
                "window_end": format_hhmm(settings.end),
                "days": ",".join(settings.days),
                "timezone": settings.timezone,
                "enabled": True,
                "dm_blocked": False,
                "paused_until": None,
                "skip_date": None,
                **on_grid(nxt),
            }
            if row is None:
                try:
                    async with session.begin_nested():
                        row = Standup(member_id=member.id, club_id=club.id, created_at=now, updated_at=now, **values)
                        session.add(row)
                except IntegrityError:
                    # A second /standup on raced this one; update the row it created.
                    row = await queries.row_of_member(session, member.id)
                    assert row is not None
            change(row, now, values)
            session.add(row)
            await session.commit()
            return settings_of(row)

    async def turn_off(self, who: Who) -> bool:
        """Stop reminders, keeping the settings for next time. False if they were not on."""
        now = self._clock.now()
        async with self._sessions() as session:
            row = await queries.row_of(session, who.guild_id, who.user_id)
            if row is None or not row.enabled:
                return False
            change(row, now, STOPPED)
            session.add(row)
            await session.commit()
            return True

    async def status(self, who: Who) -> StandupStatus:
        """Settings, the next reminder, and stand-ups counted today and this club-week."""
        now = self._clock.now()
        async with self._sessions() as session:
            club = await get_club(session, who.guild_id)
            member = await get_member(session, club.id, who.user_id) if club and club.id else None
            if club is None or member is None:
                return StandupStatus(None, None, paused=False, skipped_today=False, today=0, week=0)
            row = await queries.row_of_member(session, member.id, lock=False) if member.id else None
            # Check-ins are dated in the club's zone, so count them on the club's calendar.
            today = local_date(now, club.timezone)
            week_start = week_start_date(today, club.week_start)
            counts = (
                await session.execute(
                    select(
                        func.count().filter(Checkin.local_date == today),
                        func.count(),
                    ).where(
                        Checkin.member_id == member.id,
                        Checkin.kind == Kind.STANDUP.value,
                        Checkin.local_date >= week_start,
                        Checkin.local_date < week_start + timedelta(days=7),
                    )
                )
            ).one()
        settings = settings_of(row) if row is not None else None
        live = settings is not None and settings.enabled and not settings.dm_blocked
        paused = bool(live and settings and settings.paused_until and settings.paused_until > now)
        skipped = bool(live and settings and settings.skip_date == local_date(now, settings.timezone))
        return StandupStatus(
            settings=settings,
            next_due_at=settings.next_due_at if live and settings else None,
            paused=paused,
            skipped_today=skipped,
            today=int(counts[0] or 0),
            week=int(counts[1] or 0),
        )

    async def pause(self, who: Who, span: PauseSpan | str) -> StandupSettings:
        """Hold reminders for an hour, for the rest of the local day, or for a week."""
        try:
            span = PauseSpan(span)
        except ValueError:
            raise InvalidInput("Pause for `1h`, `today` or `week`.") from None
        now = self._clock.now()
        async with self._sessions() as session:
            row = await self._live_row(session, who.guild_id, who.user_id)
            if span is PauseSpan.HOUR:
                until = now + timedelta(hours=1)
            elif span is PauseSpan.TODAY:
                until = end_of_local_day(now, row.timezone)
            else:
                until = now + timedelta(days=7)
            # The series picks up at its first grid slot at or after the pause ends.
            nxt = row_next_slot(row, until - _JUST_BEFORE)
            change(row, now, {"paused_until": until, **on_grid(nxt)})
            session.add(row)
            await session.commit()
            return settings_of(row)

    async def snooze(self, user_id: int, guild_id: int) -> SnoozeResult:
        """One extra reminder in 10 minutes; the series stays on its grid.

        Refused (``snoozed=False``) when it would land outside the window, on or after the next
        grid slot, or while reminders are paused or skipped for today.
        """
        now = self._clock.now()
        async with self._sessions() as session:
            row = await self._live_row(session, guild_id, user_id)
            at = now + SNOOZE
            held = (row.paused_until is not None and row.paused_until > now) or (
                row.skip_date == local_date(now, row.timezone)
            )
            start, end = stored_time(row.window_start), stored_time(row.window_end)
            fits = in_window(at, start, end, stored_days(row.days), row.timezone)
            if held or not fits or row.next_slot_at is None or at >= row.next_slot_at:
                await session.commit()
                return SnoozeResult(False, row.next_due_at)
            change(row, now, snoozed_until(at))
            session.add(row)
            await session.commit()
            return SnoozeResult(True, at)

    async def skip_today(self, user_id: int, guild_id: int) -> datetime:
        """No more reminders today (the member's local day); returns when the next one comes."""
        now = self._clock.now()
        async with self._sessions() as session:
            row = await self._live_row(session, guild_id, user_id)
            nxt = row_next_slot(row, end_of_local_day(now, row.timezone) - _JUST_BEFORE)
            if row.paused_until is not None and row.paused_until > nxt:
                nxt = row_next_slot(row, row.paused_until - _JUST_BEFORE)
            change(row, now, {"skip_date": local_date(now, row.timezone), **on_grid(nxt)})
            session.add(row)
            await session.commit()
            return nxt

    async def stood_up(self, who: Who) -> CheckinResult:
        """Record a ``standup`` check-in (capped per day by the check-in rules).

        Pressed in a DM, where Discord sends neither server roles nor nickname: the stored
        snapshot is kept instead of being wiped by an empty one.
        """
        async with self._sessions() as session:
            club = await get_club(session, who.guild_id)
            member = await get_member(session, club.id, who.user_id) if club and club.id else None
        if member is None:
            # Forgotten (or never here): an old reminder must not bring the data back.
            raise NotFound(
                "There is nothing to act on: your data in that club was deleted. "
                "Turn reminders on again with `/standup on` if you want them."
            )
        if member.left_at is not None:
            raise NotFound("You are no longer in that server, so this reminder has nothing to act on.")
        if not who.role_ids:
            roles = tuple(int(r) for r in member.role_ids.split(",") if r)
            who = replace(who, display_name=member.display_name, role_ids=roles)
        return await self._checkins.record(who, Kind.STANDUP)

    # -- the tick ----------------------------------------------------------------------------

    async def claim_due(self, now: datetime | None = None, limit: int = CLAIM_BATCH) -> list[DueReminder]:
        """Claim up to ``limit`` due rows, move each to its next slot and insert their send-once claims
        (kind ``standup``, the due slot as the period; one batch), commit; return the ones to send.

        A reminder more than one interval late (the bot was down, or the backlog was long) is
        not sent: its row just moves on to the next slot after ``now`` and its claim is recorded
        ``skipped``. So after downtime each member gets at most one reminder, and never a burst.
        """
        now = now or self._clock.now()
        claim = queries.due_query(now, limit)
        wanted: list[tuple[Any, ...]] = []
        languages: dict[int, tuple[str | None, str | None]] = {}  # the member's locale, the club's language
        late: list[ClaimKey] = []
        keys: list[ClaimKey] = []  # the claim of each wanted reminder, in the same order
        periods: dict[datetime, str] = {}  # reminders share their due slots: one key per instant
        moves: list[tuple[int, datetime, bool]] = []
        stop: list[int] = []
        async with self._sessions() as session:
            rows = (await session.execute(claim)).all()
            if not rows:
                await session.commit()
                return []
            people = await queries.people(session, [row.member_id for row in rows])
            # Plain tuple unpacking: attribute access on a thousand result rows is measurably slow.
            for sid, member_id, every, start_text, end_text, days_text, tz, snoozed, resume_at, due_at in rows:
                person = people.get(member_id)
                if person is None:
                    continue  # the member is being deleted; the row goes with them
                user_id, left_at, guild_id, channel_id, locale, club_language = person
                if left_at is not None:
                    # Gone from the server: no DMs to people who left; /standup on brings them back.
                    stop.append(sid)
                    continue
                try:
                    if resume_at is not None and resume_at > now:
                        nxt = resume_at  # a snoozed one-off: the series carries on where it was
                    else:
                        start, end = stored_time(start_text), stored_time(end_text)
                        nxt = next_slot(now, every, start, end, stored_days(days_text), tz)
                except (ValueError, KeyError, InvalidInput) as error:
                    log.warning("stand-up %s has unusable settings, switching it off: %s", sid, error)
                    stop.append(sid)
                    continue
                send = now - due_at <= interval(every)
                moves.append((sid, nxt, send))
                period = periods.get(due_at) or periods.setdefault(due_at, slot_key(due_at))
                if send:
                    wanted.append((sid, member_id, guild_id, user_id, channel_id, due_at, every, tz, snoozed, nxt))
                    keys.append(ClaimKey(sid, period))  # no member: the claim goes with its series
                    languages[sid] = (locale, club_language)
                else:
                    late.append(ClaimKey(sid, period))
            if moves:
                await queries.advance(session, moves, now)
            if stop:
                await session.execute(
                    update(Standup).where(Standup.id.in_(stop)).values(**STOPPED, updated_at=now)  # type: ignore[attr-defined]
                )
            won = await claim_once(session, KIND, keys, now)
            await send_claims.skip(session, KIND, late, now, TOO_LATE)
            await session.commit()
        due: list[DueReminder] = []
        for w, key in zip(wanted, keys, strict=True):
            won_claim = won.get((key.subject_id, key.period_key))
            if won_claim is not None:  # else: claimed before (another process, or a clock set back)
                due.append(DueReminder(*w, won_claim, *languages[w[0]]))
        return due

    async def rebuild(self, claims: Sequence[tuple[SendClaim, Claim]]) -> list[DueReminder]:
        """The reminders of claims taken again (a crash, a stop, a transient failure), while they are at most
        one interval late and the series is still on; the rest are recorded skipped by the source."""
        now = self._clock.now()
        due: list[DueReminder] = []
        async with self._sessions() as session:
            ids = [row.subject_id for row, _claim in claims]
            series = {
                row.id: row for row in (await session.execute(select(Standup).where(
                    Standup.id.in_(ids)  # type: ignore[attr-defined]
                ))).scalars()
            }
            people = await queries.people(session, [row.member_id for row in series.values()])
            await session.commit()
        for claim_row, claim in claims:
            row = series.get(claim_row.subject_id)
            person = people.get(row.member_id) if row is not None else None
            if row is None or person is None or not row.enabled or row.dm_blocked:
                continue
            if (row.paused_until is not None and row.paused_until > now) or (
                row.skip_date == local_date(now, row.timezone)
            ):
                continue  # paused or skipped meanwhile
            user_id, left_at, guild_id, channel_id, locale, club_language = person
            due_at = slot_of(claim_row.period_key)
            if left_at is not None or now - due_at > interval(row.every_minutes):
                continue  # gone, or too late to be of use
            assert row.id is not None
            due.append(DueReminder(row.id, row.member_id, guild_id, user_id, channel_id, due_at, row.every_minutes,
                                   row.timezone, False, row.next_due_at or now,
                                   claim, locale, club_language))
        return due

    async def prune(self) -> int:
        """Delete stand-up claims settled a week ago or more (failed, skipped, fallback; sent ones go at once)."""
        return await send_claims.prune(self._sessions, KIND, self._clock.now() - KEEP_SETTLED)

    async def has_due(self, now: datetime | None = None) -> bool:
        """Whether a due row is left that this process could claim right now."""
        now = now or self._clock.now()
        async with self._sessions() as session:
            found = await session.execute(
                select(Standup.id).where(*queries.claimable(now)).limit(1).with_for_update(skip_locked=True)
            )
            return found.first() is not None

    async def mark_dm_blocked(self, standup_id: int) -> bool:
        """Stop DM attempts for a member whose DMs are closed. True only the first time, for a one-off notice."""
        async with self._sessions() as session:
            result = await session.execute(
                update(Standup)
                .where(Standup.id == standup_id, Standup.dm_blocked.is_(False))
                .values(**DM_BLOCKED, updated_at=self._clock.now())
            )
            await session.commit()
            return bool(result.rowcount)  # type: ignore[attr-defined]

    async def _live_row(self, session: AsyncSession, guild_id: int, user_id: int) -> Standup:
        row = await queries.row_of(session, guild_id, user_id)
        if row is None or not row.enabled:
            raise NotFound("Your stand-up reminders are off. Turn them on with `/standup on`.")
        if row.dm_blocked:
            raise NotFound(
                "Your reminders are on hold because I could not DM you. "
                "Allow DMs from this server, then run `/standup on` again."
            )
        return row
