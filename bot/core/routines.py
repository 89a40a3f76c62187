"""This week's routine for a club, at the week's step of its progression."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime

from bot.content.schema import Content, Routine
from bot.core.checkins import routine_done
from bot.core.clock import Clock
from bot.core.members import Who, ensure_club_and_member
from bot.core.selftests import lead_in_for
from bot.core.timeutil import local_date, week_start_date
from bot.db.engine import SessionFactory
from bot.db.models import Club
from bot.db.repo import latest_test_result


@dataclass(frozen=True)
class PlanItem:
    slug: str
    name: str
    dose: str
    cue: str


@dataclass(frozen=True)
class WeekPlan:
    routine_slug: str
    routine_name: str
    summary: str
    week_number: int
    week_start: date
    minutes: float
    sessions_per_week: int
    note: str
    items: list[PlanItem]
    done: bool = False
    next_steps: list[str] = field(default_factory=list)
    lead_in: PlanItem | None = None


def club_week_number(club: Club, today: date) -> int:
    """1 for the club's first week, counting club-weeks in the club's calendar."""
    first = week_start_date(local_date(club.created_at, club.timezone), club.week_start)
    current = week_start_date(today, club.week_start)
    return max(1, (current - first).days // 7 + 1)


def build_plan(content: Content, routine: Routine, week_number: int, week_start: date) -> WeekPlan:
    step = routine.step_for_week(week_number)
    items = []
    for slug, dose in step.items:
        exercise = content.exercise(slug)
        items.append(PlanItem(slug=slug, name=exercise.name, dose=dose.render(), cue=exercise.cues[0]))
    return WeekPlan(
        routine_slug=routine.slug,
        routine_name=routine.name,
        summary=routine.summary,
        week_number=week_number,
        week_start=week_start,
        minutes=routine.minutes,
        sessions_per_week=step.sessions_per_week,
        note=step.note,
        items=items,
    )


class RoutineService:
    """Works out what a club's members should do this week."""

    def __init__(self, sessions: SessionFactory, content: Content, clock: Clock) -> None:
        self._sessions = sessions
        self._content = content
        self._clock = clock

    def routine_for(self, club: Club) -> Routine:
        return self._content.routines.get(club.routine_slug) or self._content.default_routine()

    def plan_for_club(self, club: Club, now: datetime | None = None) -> WeekPlan:
        now = now or self._clock.now()
        today = local_date(now, club.timezone)
        return build_plan(
            self._content,
            self.routine_for(club),
            club_week_number(club, today),
            week_start_date(today, club.week_start),
        )

    async def member_plan(self, who: Who) -> WeekPlan:
        """This week's plan for one member, in one session: done mark, next steps, self-test warm-up."""
        now = self._clock.now()
        async with self._sessions() as session:
            club, member = await ensure_club_and_member(session, who, now)
            await session.commit()
            assert member.id is not None
            done = await routine_done(session, club, member.id, local_date(now, club.timezone))
            latest = await latest_test_result(session, member.id)
        plan = self.plan_for_club(club, now)
        return personalise(self._content, plan, done=done, lead_in=lead_in_for(self._content, latest))


def personalise(content: Content, plan: WeekPlan, *, done: bool, lead_in: list[str] | None = None) -> WeekPlan:
    """Add the member's own touches: a done mark with what to do next, and a lead-in exercise."""
    next_steps: list[str] = []
    if done:
        next_steps.append("Optional: do it again on another day and log `/checkin kind:extra` (+5).")
        stretch_slug = content.guide.hip_flexor_stretch
        if stretch_slug and stretch_slug in content.exercises:
            stretch = content.exercises[stretch_slug]
            next_steps.append(f"Stretch: {stretch.name}, {stretch.dose.render()} (`/checkin kind:stretch`, +2).")
    lead = None
    in_plan = {i.slug for i in plan.items}
    extra = next((s for s in lead_in or [] if s in content.exercises and s not in in_plan), None)
    if extra is not None:
        exercise = content.exercises[extra]
        lead = PlanItem(
            slug=exercise.slug,
            name=f"{exercise.name} (warm-up from your self-test)",
            dose=exercise.dose.render(),
            cue=exercise.cues[0],
        )
    return replace(plan, done=done, next_steps=next_steps, lead_in=lead)
