"""Each member's own step on the club's routine, moved by how the routine felt to them.

The rule follows article 004: once the routine feels easy, add reps, then a second day, then a third.
Two weeks in a row called "easy" offer the next step (the member takes it or not); "just right" keeps
the step; "hard" keeps it, and a second "hard" week in a row takes the member one step back.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.content.schema import Content, Routine, RoutineStep
from bot.core.clock import Clock
from bot.core.errors import DomainError, NotFound
from bot.core.members import Who, ensure_club_and_member
from bot.core.points import Kind
from bot.db.engine import SessionFactory
from bot.db.models import Checkin, Club, Member, MemberProgression
from bot.db.repo import get_club, get_member
from bot.i18n import N_

EASY_WEEKS_TO_OFFER = 2
HARD_WEEKS_TO_STEP_BACK = 2


class Feel(StrEnum):
    EASY = "easy"
    RIGHT = "right"
    HARD = "hard"


FEEL_LABELS = {Feel.EASY: N_("Easy"), Feel.RIGHT: N_("Just right"), Feel.HARD: N_("Hard")}


class StaleOffer(DomainError):
    """A step-up button whose offer has passed."""


@dataclass(frozen=True)
class FeelResult:
    feel: Feel
    already: bool  # this week's answer was already in; nothing changed
    routine: Routine
    step: RoutineStep  # where the member stands now
    offered: RoutineStep | None  # the next step, offered after enough easy weeks
    stepped_back: bool
    easy_weeks: int


@dataclass(frozen=True)
class Transition:
    step: int
    easy_weeks: int
    hard_weeks: int
    offered_step: int | None
    stepped_back: bool


def next_state(feel: Feel, step: int, easy_weeks: int, hard_weeks: int, step_count: int) -> Transition:
    """The rule, without a database: what one week's answer does to a member's standing."""
    top = step_count - 1
    if feel is Feel.EASY:
        easy = easy_weeks + 1
        offered = step + 1 if easy >= EASY_WEEKS_TO_OFFER and step < top else None
        return Transition(step, easy, 0, offered, False)
    if feel is Feel.RIGHT:
        return Transition(step, 0, 0, None, False)
    hard = hard_weeks + 1
    if hard >= HARD_WEEKS_TO_STEP_BACK and step > 0:
        return Transition(step - 1, 0, 0, None, True)
    return Transition(step, 0, hard, None, False)


def routine_for(content: Content, club: Club) -> Routine:
    return content.routines.get(club.routine_slug) or content.default_routine()


async def progression_row(session: AsyncSession, member_id: int) -> MemberProgression | None:
    result = await session.execute(select(MemberProgression).where(MemberProgression.member_id == member_id))
    return result.scalar_one_or_none()


async def member_step(session: AsyncSession, member_id: int, routine: Routine) -> int:
    """The member's step on ``routine``; 0 (the base) when they have none or it belongs to another routine."""
    row = await progression_row(session, member_id)
    if row is None or row.routine_slug != routine.slug:
        return 0
    return min(max(row.step, 0), routine.step_count - 1)


# What one answer changes, kept before it (``before_last``) so that undoing its check-in can take it back.
_STATE = ("step", "easy_weeks", "hard_weeks", "offered_step", "last_feel", "last_week")


def _state(row: MemberProgression) -> dict[str, object]:
    return {name: getattr(row, name) for name in _STATE}


async def withdraw_feel(session: AsyncSession, member_id: int, week: str) -> None:
    """The routine check-in of ``week`` was undone: the answer given for it no longer counts.

    The member's progression goes back to what it was before that answer (a re-check-in and a new answer
    then count that week once). Answers for other weeks stay."""
    row = await progression_row(session, member_id)
    if row is None or row.last_week != week or row.before_last is None:
        return
    values = {name: row.before_last.get(name) for name in _STATE}
    await session.execute(
        update(MemberProgression).where(MemberProgression.id == row.id).values(**values, before_last=None)
    )


class ProgressionService:
    def __init__(self, sessions: SessionFactory, content: Content, clock: Clock) -> None:
        self._sessions = sessions
        self._content = content
        self._clock = clock

    async def _row(self, session: AsyncSession, club: Club, member: Member, routine: Routine) -> MemberProgression:
        """The member's row, created at the base; reset to the base when the club changed routines."""
        assert member.id is not None
        assert club.id is not None
        now = self._clock.now()
        row = await progression_row(session, member.id)
        if row is None:
            try:
                async with session.begin_nested():
                    row = MemberProgression(
                        member_id=member.id, club_id=club.id, routine_slug=routine.slug, created_at=now, updated_at=now
                    )
                    session.add(row)
            except IntegrityError:
                row = await progression_row(session, member.id)
                assert row is not None
        if row.routine_slug != routine.slug:
            row.routine_slug = routine.slug
            row.step = row.easy_weeks = row.hard_weeks = 0
            row.offered_step = row.last_feel = row.last_week = row.before_last = None
            row.updated_at = now
            session.add(row)
            await session.flush()
        return row

    async def feel(self, who: Who, feel: Feel | str) -> FeelResult:
        """Record how the member's latest logged routine week felt; one answer per week."""
        feel = Feel(feel)
        now = self._clock.now()
        async with self._sessions() as session:
            club, member = await ensure_club_and_member(session, who, now)
            assert member.id is not None
            week = (
                await session.execute(
                    select(Checkin.period_key)
                    .where(Checkin.member_id == member.id, Checkin.kind == Kind.ROUTINE.value)
                    .order_by(Checkin.local_date.desc())
                    .limit(1)
                )
            ).scalar_one_or_none()
            if week is None:
                await session.commit()
                raise NotFound(N_("Log the routine first (press **Done ✅** or `/checkin`), then tell me how it felt."))
            routine = routine_for(self._content, club)
            row = await self._row(session, club, member, routine)
            if row.last_week == week:
                await session.commit()
                return FeelResult(
                    Feel(row.last_feel or feel), True, routine, routine.step(row.step),
                    routine.step(row.offered_step) if row.offered_step is not None else None, False, row.easy_weeks,
                )
            t = next_state(feel, row.step, row.easy_weeks, row.hard_weeks, routine.step_count)
            # Only one answer per week counts, even for two presses at the same moment.
            changed = await session.execute(
                update(MemberProgression)
                .where(
                    MemberProgression.id == row.id,
                    MemberProgression.step == row.step,
                    (MemberProgression.last_week.is_(None)) | (MemberProgression.last_week != week),
                )
                .values(
                    step=t.step, easy_weeks=t.easy_weeks, hard_weeks=t.hard_weeks, offered_step=t.offered_step,
                    last_feel=feel.value, last_week=week, updated_at=now, before_last=_state(row),
                )
            )
            await session.commit()
            if not changed.rowcount:  # type: ignore[attr-defined]
                await session.refresh(row)
                return FeelResult(Feel(row.last_feel or feel), True, routine, routine.step(row.step), None, False,
                                  row.easy_weeks)
        offered = routine.step(t.offered_step) if t.offered_step is not None else None
        return FeelResult(feel, False, routine, routine.step(t.step), offered, t.stepped_back, t.easy_weeks)

    async def take_step(self, who: Who, to_step: int) -> RoutineStep:
        """Move up to the step that was offered; a second press or an old offer changes nothing."""
        now = self._clock.now()
        async with self._sessions() as session:
            club, member = await ensure_club_and_member(session, who, now)
            routine = routine_for(self._content, club)
            row = await self._row(session, club, member, routine)
            changed = await session.execute(
                update(MemberProgression)
                .where(
                    MemberProgression.id == row.id,
                    MemberProgression.offered_step == to_step,
                    MemberProgression.step == to_step - 1,
                )
                .values(step=to_step, easy_weeks=0, hard_weeks=0, offered_step=None, updated_at=now)
            )
            await session.commit()
            if not changed.rowcount:  # type: ignore[attr-defined]
                await session.refresh(row)
                if row.step == to_step:
                    return routine.step(to_step)
                raise StaleOffer(N_("That offer has passed. `/glutes today` shows your current step."))
        return routine.step(to_step)

    async def reset(self, who: Who) -> Routine:
        """Back to the base routine, with the count of easy and hard weeks cleared."""
        async with self._sessions() as session:
            club, member = await ensure_club_and_member(session, who, self._clock.now())
            await session.execute(delete(MemberProgression).where(MemberProgression.member_id == member.id))
            await session.commit()
        return routine_for(self._content, club)

    async def step_for(self, guild_id: int, user_id: int) -> RoutineStep:
        """The member's current step on their club's routine, read only: the base when nothing is stored."""
        async with self._sessions() as session:
            club = await get_club(session, guild_id)
            if club is None or club.id is None:
                return self._content.default_routine().step(0)
            routine = routine_for(self._content, club)
            member = await get_member(session, club.id, user_id)
            index = await member_step(session, member.id, routine) if member is not None and member.id else 0
        return routine.step(index)
