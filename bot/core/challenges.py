"""Club challenges: a named goal over whole club weeks, for members who join; results once at the end.

A challenge's ``next_due_at`` is the club's week boundary after its last week (or "now" when an
admin ends it early). The results tick claims due challenges (``FOR UPDATE SKIP LOCKED`` /
``BEGIN IMMEDIATE``), marks them ended and inserts a ``send_claim`` row in one transaction, so the
results post goes out once, also when the tick first runs long after the end (downtime).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import and_, case, delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.clock import Clock
from bot.core.errors import InvalidInput, NotFound
from bot.core.leaderboard import visible_members
from bot.core.members import Who, ensure_club_and_member
from bot.core.points import Kind
from bot.core.timeutil import local_date, local_midnight_utc, week_start_date
from bot.db.engine import SessionFactory
from bot.db.models import Challenge, ChallengeMember, Checkin, Club, Member, SendClaim
from bot.db.repo import get_club, get_member
from bot.db.send_claims import Claim, ClaimKey, claim_once
from bot.i18n import N_

KIND = "challenge"
NAME_MAX = 60
WEEKS_MIN, WEEKS_MAX = 1, 12
POINTS_TARGET_MAX = 100_000
CLAIM_BATCH = 100


class Goal(StrEnum):
    ROUTINES = "routines"
    POINTS = "points"


@dataclass(frozen=True)
class ChallengeInfo:
    id: int
    name: str
    goal: Goal
    target: int
    weeks: int
    starts_at: datetime
    ends_at: datetime
    status: str


@dataclass(frozen=True)
class Standing:
    display_name: str
    hidden: bool
    progress: int


@dataclass(frozen=True)
class ChallengeStatus:
    challenge: ChallengeInfo
    joined: bool
    mine: int
    club_total: int
    members: int
    on_track: int
    started: bool


@dataclass(frozen=True)
class Results:
    challenge: ChallengeInfo
    # Display names of members who reached the target; members the boards leave out (hidden, left the
    # server, or holding an excluded role) are never named, only counted in ``hidden_reached``.
    reached: list[str]
    hidden_reached: int
    members: int
    club_total: int
    # (name, progress) of every joined member the boards show, most progress first; the others are only in
    # ``members`` and ``club_total``.
    standings: list[tuple[str, int]] = field(default_factory=list)


@dataclass(slots=True)
class DueResults:
    claim: Claim
    guild_id: int
    channel_id: int | None
    results: Results
    language: str | None = None  # the club's: the results are a public post


def validate(name: str, weeks: int, goal: str, target: int) -> tuple[str, Goal]:
    """Refuse bad options before anything changes."""
    cleaned = " ".join((name or "").split())
    if not cleaned:
        raise InvalidInput(N_("Give the challenge a name."))
    if len(cleaned) > NAME_MAX:
        raise InvalidInput(N_("Keep the name to {limit} characters; that one has {length}."), limit=NAME_MAX,
                           length=len(cleaned))
    if not WEEKS_MIN <= weeks <= WEEKS_MAX:
        raise InvalidInput(N_("A challenge runs {low} to {high} weeks; `{weeks}` is outside that."), low=WEEKS_MIN,
                           high=WEEKS_MAX, weeks=weeks)
    try:
        kind = Goal(goal)
    except ValueError:
        raise InvalidInput(N_("The goal is `routines` or `points`.")) from None
    if target < 1:
        raise InvalidInput(N_("The target must be at least 1."))
    if kind is Goal.ROUTINES and target > weeks:
        raise InvalidInput(
            N_("One routine counts per club week, so a challenge of {weeks} weeks allows a target of at most "
               "{weeks} routines."), weeks=weeks,
        )
    if kind is Goal.POINTS and target > POINTS_TARGET_MAX:
        raise InvalidInput(N_("Keep a points target at or below {limit}."), limit=f"{POINTS_TARGET_MAX:,}")
    return cleaned, kind


def _info(row: Challenge) -> ChallengeInfo:
    assert row.id is not None
    return ChallengeInfo(row.id, row.name, Goal(row.goal), row.target, row.weeks, row.starts_at, row.ends_at,
                         row.status)


def _end_date(row: Challenge) -> date:
    return row.start_date + timedelta(days=7 * row.weeks)


async def _progress(session: AsyncSession, row: Challenge) -> list[tuple[int, str, bool, int]]:
    """(member id, name, hidden, progress) of every joined member, counting check-ins inside the weeks.

    ``hidden``: the boards leave the member out, by the leaderboard's own rule (hid, left the server, or
    holds an excluded role), read now.
    """
    club = await session.get(Club, row.club_id)
    assert club is not None
    shown = and_(*visible_members(club))
    measure = (
        func.sum(case((Checkin.kind == Kind.ROUTINE.value, 1), else_=0))
        if row.goal == Goal.ROUTINES
        else func.sum(Checkin.points)
    )
    counted = (
        select(Checkin.member_id, measure.label("progress"))
        .where(Checkin.club_id == row.club_id, Checkin.local_date >= row.start_date,
               Checkin.local_date < _end_date(row))
        .group_by(Checkin.member_id)
        .subquery()
    )
    rows = await session.execute(
        select(Member.id, Member.display_name, case((shown, False), else_=True),
               func.coalesce(counted.c.progress, 0))
        .join(ChallengeMember, ChallengeMember.member_id == Member.id)
        .outerjoin(counted, counted.c.member_id == Member.id)
        .where(ChallengeMember.challenge_id == row.id)
        .order_by(Member.display_name)
    )
    return [(m, name, bool(hidden), int(progress or 0)) for m, name, hidden, progress in rows]


async def _results(session: AsyncSession, row: Challenge) -> Results:
    standings = await _progress(session, row)
    reached = [(name, hidden) for _m, name, hidden, progress in standings if progress >= row.target]
    return Results(
        challenge=_info(row),
        reached=[name for name, hidden in reached if not hidden],
        hidden_reached=sum(1 for _n, hidden in reached if hidden),
        members=len(standings),
        club_total=sum(p for *_rest, p in standings),
        standings=sorted(((name, p) for _m, name, hidden, p in standings if not hidden), key=lambda s: -s[1]),
    )


class ChallengeService:
    def __init__(self, sessions: SessionFactory, clock: Clock) -> None:
        self._sessions = sessions
        self._clock = clock

    async def start(
        self, who: Who, name: str, weeks: int, goal: str, target: int, start: str
    ) -> ChallengeInfo:
        cleaned, kind = validate(name, weeks, goal, target)
        if start not in ("this-week", "next-week"):
            raise InvalidInput(N_("Start `this-week` or `next-week`."))
        now = self._clock.now()
        async with self._sessions() as session:
            club, _member = await ensure_club_and_member(session, who, now)
            assert club.id is not None
            if club.channel_id is None:
                raise InvalidInput(
                    N_("Choose the club's channel first with `/club setup`: the challenge is posted there.")
                )
            current = await self._active(session, club.id)
            if current is not None:
                raise InvalidInput(
                    N_("**{name}** is already running or about to start. End it with `/challenge end` "
                       "or drop it with `/challenge cancel` first."), name=current.name,
                )
            first = week_start_date(local_date(now, club.timezone), club.week_start)
            if start == "next-week":
                first += timedelta(days=7)
            row = Challenge(
                club_id=club.id, name=cleaned, goal=kind.value, target=target, weeks=weeks, start_date=first,
                starts_at=local_midnight_utc(first, club.timezone),
                ends_at=local_midnight_utc(first + timedelta(days=7 * weeks), club.timezone),
                status="active", channel_id=club.channel_id, created_at=now, updated_at=now,
            )
            row.next_due_at = row.ends_at
            try:
                async with session.begin_nested():
                    session.add(row)
            except IntegrityError:
                raise InvalidInput(
                    N_("Another challenge was started at the same moment; see `/challenge status`.")
                ) from None
            await session.commit()
            return _info(row)

    async def join(self, who: Who, challenge_id: int | None = None) -> tuple[ChallengeInfo, bool]:
        """Join the club's active challenge (or the one a Join button names); False if already in."""
        now = self._clock.now()
        async with self._sessions() as session:
            club, member = await ensure_club_and_member(session, who, now)
            row = await self._active(session, club.id)  # type: ignore[arg-type]
            if row is None or (challenge_id is not None and row.id != challenge_id):
                raise NotFound(N_("That challenge is over. `/challenge status` shows what is running."))
            try:
                async with session.begin_nested():
                    session.add(ChallengeMember(challenge_id=row.id, member_id=member.id, joined_at=now))
                added = True
            except IntegrityError:
                added = False
            await session.commit()
            return _info(row), added

    async def leave(self, who: Who) -> ChallengeInfo:
        async with self._sessions() as session:
            club = await get_club(session, who.guild_id)
            member = await get_member(session, club.id, who.user_id) if club and club.id else None
            row = await self._active(session, club.id) if club and club.id else None
            if row is None or member is None:
                raise NotFound(N_("No challenge is running in this club."))
            result = await session.execute(
                delete(ChallengeMember).where(ChallengeMember.challenge_id == row.id,
                                              ChallengeMember.member_id == member.id)
            )
            await session.commit()
            if not result.rowcount:  # type: ignore[attr-defined]
                raise NotFound(N_("You are not in **{name}**. `/challenge join` to take part."), name=row.name)
            return _info(row)

    async def status(self, who: Who) -> ChallengeStatus:
        now = self._clock.now()
        async with self._sessions() as session:
            club = await get_club(session, who.guild_id)
            row = await self._active(session, club.id) if club and club.id else None
            if club is None or row is None:
                raise NotFound(
                    N_("No challenge is running in this club. An admin starts one with `/challenge start`.")
                )
            member = await get_member(session, club.id, who.user_id) if club.id else None
            standings = await _progress(session, row)
        elapsed = min(row.weeks, max(0, (local_date(now, club.timezone) - row.start_date).days // 7 + 1))
        pace = row.target * elapsed / row.weeks
        mine = next((p for m, _n, _h, p in standings if member is not None and m == member.id), 0)
        return ChallengeStatus(
            challenge=_info(row),
            joined=member is not None and any(m == member.id for m, *_ in standings),
            mine=mine,
            club_total=sum(p for *_rest, p in standings),
            members=len(standings),
            on_track=sum(1 for *_rest, p in standings if p >= pace),
            started=now >= row.starts_at,
        )

    async def channel_of(self, challenge_id: int) -> int:
        async with self._sessions() as session:
            row = await session.get(Challenge, challenge_id)
            assert row is not None
            assert row.channel_id is not None
            return row.channel_id

    async def post_place(self, challenge_id: int) -> tuple[int, str | None]:
        """The channel a challenge is posted in and its club's language (a public post's)."""
        async with self._sessions() as session:
            row = await session.get(Challenge, challenge_id)
            assert row is not None
            assert row.channel_id is not None
            club = await session.get(Club, row.club_id)
            return row.channel_id, club.language if club is not None else None

    async def end_now(self, guild_id: int) -> ChallengeInfo:
        """An admin ends the challenge early: its results are due at once."""
        return await self._close(guild_id, status="active", due=self._clock.now())

    async def cancel(self, guild_id: int) -> ChallengeInfo:
        """An admin drops the challenge: no results."""
        return await self._close(guild_id, status="cancelled", due=None)

    async def _close(self, guild_id: int, *, status: str, due: datetime | None) -> ChallengeInfo:
        async with self._sessions() as session:
            club = await get_club(session, guild_id)
            row = await self._active(session, club.id) if club and club.id else None
            if row is None:
                raise NotFound(N_("No challenge is running in this club."))
            row.status = status
            row.next_due_at = due
            row.updated_at = self._clock.now()
            session.add(row)
            await session.commit()
            return _info(row)

    # -- the results tick --------------------------------------------------------------------

    async def claim_due(self, now: datetime | None = None, limit: int = CLAIM_BATCH) -> list[DueResults]:
        now = now or self._clock.now()
        async with self._sessions() as session:
            rows = list((await session.execute(_due_query(now, limit))).scalars())
            if not rows:
                await session.commit()
                return []
            won = await claim_once(session, KIND, [ClaimKey(r.id, "results", club_id=r.club_id) for r in rows if r.id],
                                   now)
            found = await session.execute(
                select(Club.id, Club.guild_id, Club.language).where(Club.id.in_([r.club_id for r in rows]))
            )
            clubs: dict[int, tuple[int, str | None]] = {i: (g, lang) for i, g, lang in found.all()}
            due = []
            for row in rows:
                claim = won.get((row.id, "results"))  # type: ignore[arg-type]
                if claim is not None:
                    guild_id, language = clubs[row.club_id]
                    due.append(DueResults(claim, guild_id, row.channel_id, await _results(session, row), language))
            await session.execute(
                update(Challenge).where(Challenge.id.in_([r.id for r in rows]))  # type: ignore[union-attr]
                .values(status="ended", next_due_at=None, updated_at=now)
            )
            await session.commit()
        return due

    async def has_due(self, now: datetime | None = None) -> bool:
        now = now or self._clock.now()
        async with self._sessions() as session:
            return (await session.execute(_due_query(now, 1))).first() is not None

    async def rebuild(self, claims: Sequence[tuple[SendClaim, Claim]]) -> list[DueResults]:
        """The results of claims taken again (a crash or a shutdown cut their send short)."""
        due = []
        async with self._sessions() as session:
            for row, claim in claims:
                challenge = await session.get(Challenge, row.subject_id)
                if challenge is None or challenge.status != "ended":
                    continue
                club = await session.get(Club, challenge.club_id)
                if club is None:
                    continue
                due.append(DueResults(claim, club.guild_id, challenge.channel_id, await _results(session, challenge),
                                      club.language))
            await session.commit()
        return due

    async def _active(self, session: AsyncSession, club_id: int) -> Challenge | None:
        result = await session.execute(
            select(Challenge).where(Challenge.club_id == club_id, Challenge.status == "active")
        )
        return result.scalar_one_or_none()


def _due_query(now: datetime, limit: int) -> Any:
    return (
        select(Challenge)
        .where(Challenge.next_due_at <= now, Challenge.status == "active")
        .order_by(Challenge.next_due_at)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )


async def challenge_export(session: AsyncSession, member_id: int) -> list[dict[str, Any]]:
    rows = await session.execute(
        select(Challenge.name, Challenge.status, Challenge.start_date, ChallengeMember.joined_at)
        .join(ChallengeMember, ChallengeMember.challenge_id == Challenge.id)
        .where(ChallengeMember.member_id == member_id)
    )
    return [
        {"challenge": name, "status": status, "first_week": start.isoformat(), "joined_at": joined.isoformat()}
        for name, status, start, joined in rows
    ]
