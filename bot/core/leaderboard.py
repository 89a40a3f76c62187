"""Leaderboards as SQL aggregates, in the club's own calendar."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import and_, func, literal, not_, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.clock import Clock
from bot.core.points import Kind
from bot.core.streaks import weekly_streak
from bot.core.timeutil import local_date, month_start_date, next_month_start, week_key, week_start_date
from bot.db.engine import SessionFactory
from bot.db.models import BoardArchive, Checkin, Club, Member, MemberPoints
from bot.db.repo import ensure_club, get_club
from bot.db.rowcache import ClubRow, RowCache

TOP = 10


class Period(StrEnum):
    WEEK = "week"
    LAST_WEEK = "last-week"
    MONTH = "month"
    ALL = "all"


@dataclass(frozen=True)
class BoardRow:
    rank: int
    member_id: int
    display_name: str
    points: int
    routines: int
    streak: int
    is_caller: bool = False


@dataclass(frozen=True)
class Board:
    period: str
    label: str
    period_key: str
    rows: list[BoardRow] = field(default_factory=list)
    ranked_members: int = 0
    archived: bool = False

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["rows"] = [asdict(r) for r in self.rows]
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Board:
        rows = [BoardRow(**r) for r in data["rows"]]
        return cls(
            period=data["period"],
            label=data["label"],
            period_key=data["period_key"],
            rows=rows,
            ranked_members=data["ranked_members"],
            archived=True,
        )


def period_range(period: Period, today: date, week_start: str) -> tuple[date | None, date | None, str, str]:
    """(first day, day after the last, key, label) of ``period`` around ``today``."""
    if period is Period.ALL:
        return None, None, "all", "All time"
    if period is Period.MONTH:
        start = month_start_date(today)
        return start, next_month_start(today), f"m{start:%Y-%m}", start.strftime("%B %Y")
    start = week_start_date(today, week_start)
    if period is Period.LAST_WEEK:
        start -= timedelta(days=7)
    end = start + timedelta(days=7)
    label = f"Week of {start:%d %b} – {end - timedelta(days=1):%d %b %Y}"
    return start, end, week_key(start, week_start), label


def _excluded_roles(club: Club | ClubRow) -> list[str]:
    return [r for r in club.excluded_role_ids.split(",") if r.strip()]


def visible_members(club: Club | ClubRow) -> list[Any]:
    """Conditions on Member: those who hid, left, or hold an excluded role stay out of boards and charts."""
    visible = [Member.hidden.is_(False), Member.left_at.is_(None)]
    for role in _excluded_roles(club):
        visible.append(not_((literal(",") + Member.role_ids + literal(",")).like(f"%,{role},%")))
    return visible


async def compute_board(
    session: AsyncSession,
    club: Club | ClubRow,
    period: Period,
    today: date,
    *,
    caller_user_id: int | None = None,
    top: int = TOP,
) -> Board:
    _start, _end, key, label = period_range(period, today, club.week_start)
    # Running totals (bot/db/totals.py): one row per member who scored in the period.
    totals = (
        select(
            MemberPoints.member_id.label("member_id"),
            MemberPoints.points.label("pts"),
            MemberPoints.routines.label("routines"),
            MemberPoints.reached.label("reached"),
        )
        .where(MemberPoints.club_id == club.id, MemberPoints.period == key, MemberPoints.points > 0)
        .subquery()
    )
    visible = visible_members(club)
    ranked = (
        select(
            totals.c.member_id,
            totals.c.pts,
            totals.c.routines,
            Member.user_id,
            Member.display_name,
            func.rank().over(order_by=totals.c.pts.desc()).label("rank"),
            func.row_number()
            .over(order_by=(totals.c.pts.desc(), totals.c.reached.asc(), totals.c.member_id.asc()))
            .label("position"),
            func.count().over().label("ranked_total"),
        )
        .join(Member, Member.id == totals.c.member_id)
        .where(and_(*visible))
        .subquery()
    )
    wanted = ranked.c.position <= top
    if caller_user_id is not None:
        wanted = or_(wanted, ranked.c.user_id == caller_user_id)
    rows = (await session.execute(select(ranked).where(wanted).order_by(ranked.c.position))).all()
    count = rows[0].ranked_total if rows else 0
    streaks = await _streaks(session, club, [r.member_id for r in rows], today)
    board_rows = [
        BoardRow(
            rank=int(r.rank),
            member_id=int(r.member_id),
            display_name=r.display_name,
            points=int(r.pts),
            routines=int(r.routines),
            streak=streaks.get(int(r.member_id), 0),
            is_caller=caller_user_id is not None and r.user_id == caller_user_id,
        )
        for r in rows
    ]
    return Board(period=period.value, label=label, period_key=key, rows=board_rows, ranked_members=int(count))


async def _streaks(session: AsyncSession, club: Club | ClubRow, member_ids: list[int], today: date) -> dict[int, int]:
    if not member_ids:
        return {}
    rows = await session.execute(
        select(Checkin.member_id, Checkin.period_key).where(
            Checkin.member_id.in_(member_ids), Checkin.kind == Kind.ROUTINE.value
        )
    )
    weeks: dict[int, list[date]] = {}
    for member_id, key in rows:
        weeks.setdefault(member_id, []).append(date.fromisoformat(key[1:]))
    current = week_start_date(today, club.week_start)
    return {m: weekly_streak(w, current).current for m, w in weeks.items()}


class LeaderboardService:
    """Boards for `/leaderboard`, and the archived board of a finished week for the weekly post."""

    def __init__(self, sessions: SessionFactory, clock: Clock, rows: RowCache | None = None) -> None:
        self._sessions = sessions
        self._clock = clock
        # Club rows shared with the services that change them (they drop entries); None: always read.
        self._rows = rows

    async def board(self, guild_id: int, period: Period | str, caller_user_id: int | None = None) -> Board:
        period = Period(period)
        now = self._clock.now()
        async with self._sessions() as session:
            club = self._rows.club(guild_id) if self._rows is not None else None
            if club is None:
                found = await get_club(session, guild_id)
                if found is None:
                    found = await ensure_club(session, guild_id, now)
                    await session.commit()
                club = ClubRow.of(found)
                if self._rows is not None:
                    self._rows.put_club(guild_id, club)
            today = local_date(now, club.timezone)
            if period is Period.LAST_WEEK:
                archived = await self._archived(session, club, period_range(period, today, club.week_start)[2])
                if archived is not None:
                    return _with_caller(archived, await self._fresh(session, club, period, today, caller_user_id))
            return await compute_board(session, club, period, today, caller_user_id=caller_user_id)

    async def _fresh(
        self, session: AsyncSession, club: Club | ClubRow, period: Period, today: date, caller: int | None
    ) -> Board | None:
        if caller is None:
            return None
        return await compute_board(session, club, period, today, caller_user_id=caller, top=0)

    async def _archived(self, session: AsyncSession, club: Club | ClubRow, key: str) -> Board | None:
        row = (
            await session.execute(
                select(BoardArchive).where(BoardArchive.club_id == club.id, BoardArchive.period_key == key)
            )
        ).scalar_one_or_none()
        return await still_shown(session, club, Board.from_json(row.board)) if row else None

    async def finished_week(self, guild_id: int, at: datetime | None = None) -> Board:
        """The board of the club-week that ended most recently before ``at``, archived once."""
        at = at or self._clock.now()
        async with self._sessions() as session:
            club = await get_club(session, guild_id)
            if club is None:
                raise LookupError(f"no club for guild {guild_id}")
            today = local_date(at, club.timezone)
            key = period_range(Period.LAST_WEEK, today, club.week_start)[2]
            existing = await self._archived(session, club, key)
            if existing is not None:
                return existing
            board = await compute_board(session, club, Period.LAST_WEEK, today, top=25)
            try:
                async with session.begin_nested():
                    session.add(
                        BoardArchive(club_id=club.id, period_key=key, board=board.to_json(), created_at=at)
                    )
                await session.commit()
            except IntegrityError:
                await session.rollback()
                existing = await self._archived(session, club, key)
                assert existing is not None
                return existing
            return Board.from_json(board.to_json())


async def still_shown(session: AsyncSession, club: Club | ClubRow, board: Board) -> Board:
    """A frozen board as it may be shown now: the points are as they were, but members who have since hidden,
    left, taken an excluded role or been forgotten are left out (by :func:`visible_members`), and the rest
    ranked again among themselves."""
    ids = [r.member_id for r in board.rows]
    if not ids:
        return board
    shown = set(
        (await session.execute(select(Member.id).where(Member.id.in_(ids), *visible_members(club)))).scalars()
    )
    if len(shown) == len(ids):
        return board
    rows: list[BoardRow] = []
    for position, row in enumerate((r for r in board.rows if r.member_id in shown), start=1):
        rank = rows[-1].rank if rows and rows[-1].points == row.points else position
        rows.append(replace(row, rank=rank))
    return replace(board, rows=rows, ranked_members=max(len(rows), board.ranked_members - (len(ids) - len(shown))))


def _with_caller(archived: Board, fresh: Board | None) -> Board:
    """An archived board shown again, with the caller's own row added if they are below the top."""
    rows = archived.rows[:TOP]
    if fresh and fresh.rows and not any(r.member_id == fresh.rows[0].member_id for r in rows):
        rows = [*rows, fresh.rows[0]]
    elif fresh and fresh.rows:
        rows = [
            BoardRow(**{**asdict(r), "is_caller": r.member_id == fresh.rows[0].member_id}) for r in rows
        ]
    return Board(
        period=archived.period,
        label=archived.label,
        period_key=archived.period_key,
        rows=rows,
        ranked_members=archived.ranked_members,
        archived=True,
    )
