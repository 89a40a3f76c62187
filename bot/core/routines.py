"""This week's routine: the base routine for the club post, each member's own step for `/glutes today`."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta

from sqlalchemy import func, select

from bot.content.schema import SUGGESTED_MARK, Content, Dose, Routine, lead_in_dose, minutes_for
from bot.core.checkins import routine_done
from bot.core.clock import Clock
from bot.core.errors import NotAllowed
from bot.core.members import Who, ensure_club_and_member
from bot.core.points import Kind
from bot.core.progression import member_step, routine_for
from bot.core.selftests import lead_in_for
from bot.core.timeutil import local_date, week_start_date
from bot.db.engine import SessionFactory
from bot.db.models import Checkin, Club, TestResult
from bot.db.repo import latest_test_result
from bot.i18n import ENGLISH, N_, Texts


@dataclass(frozen=True)
class PlanItem:
    slug: str
    name: str
    dose: str
    cue: str
    seconds: int
    suggested: bool = False
    source: str | None = None  # the article behind the dose, e.g. "004"


@dataclass(frozen=True)
class WeekPlan:
    routine_slug: str
    routine_name: str
    summary: str
    week_start: date
    step: int  # 0 = the base routine
    step_count: int
    seconds: int  # the routine's own time estimate, from its doses
    sessions_per_week: int
    frequency_suggested: bool
    note: str
    note_suggested: bool
    items: list[PlanItem]
    caution: str
    why: str = ""
    progression: str = ""
    assumptions: list[str] = field(default_factory=list)
    personal: bool = False
    done: bool = False
    next_steps: list[str] = field(default_factory=list)
    lead_in: PlanItem | None = None

    @property
    def total_seconds(self) -> int:
        """The routine plus any lead-in: what the header's time estimate shows."""
        return self.seconds + (self.lead_in.seconds if self.lead_in else 0)

    @property
    def minutes(self) -> int:
        return minutes_for(self.total_seconds)

    @property
    def any_suggested(self) -> bool:
        items = [*self.items, *([self.lead_in] if self.lead_in else [])]
        return any(i.suggested for i in items) or self.frequency_suggested or self.note_suggested


def _item(content: Content, slug: str, dose: Dose, name: str | None = None, texts: Texts = ENGLISH) -> PlanItem:
    exercise = content.exercise(slug)
    return PlanItem(
        slug=slug, name=name or exercise.name, dose=dose.render(texts), cue=exercise.cues[0], seconds=dose.seconds(),
        suggested=dose.suggested, source=dose.source[:3] if dose.source else None,
    )


def build_plan(
    content: Content, routine: Routine, step_index: int, week_start: date, texts: Texts = ENGLISH
) -> WeekPlan:
    """The week's plan at ``step_index``, its texts in the language of ``texts``."""
    content = content.localized(texts.language)
    routine = content.routines.get(routine.slug, routine)
    step = routine.step(step_index)
    items = [_item(content, slug, dose, texts=texts) for slug, dose in step.items]
    return WeekPlan(
        routine_slug=routine.slug,
        routine_name=routine.name,
        summary=routine.summary,
        week_start=week_start,
        step=step.index,
        step_count=step.count,
        seconds=step.seconds,
        sessions_per_week=step.sessions_per_week,
        frequency_suggested=step.frequency_suggested,
        note=step.note,
        note_suggested=step.suggested,
        items=items,
        caution=content.guide.caution,
        why=routine.why,
        progression=routine.progression.description,
        assumptions=list(routine.assumptions),
    )


class RoutineService:
    """Works out what a club posts, and what each member should do this week."""

    def __init__(self, sessions: SessionFactory, content: Content, clock: Clock) -> None:
        self._sessions = sessions
        self._content = content
        self._clock = clock

    def routine_for(self, club: Club) -> Routine:
        return routine_for(self._content, club)

    def plan_for_club(self, club: Club, now: datetime | None = None, texts: Texts = ENGLISH) -> WeekPlan:
        """The base routine, as the club post shows it: each member's own step is in `/glutes today`."""
        now = now or self._clock.now()
        today = local_date(now, club.timezone)
        return build_plan(self._content, self.routine_for(club), 0, week_start_date(today, club.week_start), texts)

    async def member_plan(self, who: Who, texts: Texts = ENGLISH) -> WeekPlan:
        """This week's plan for one member, in one session: their step, done mark, next steps, lead-in."""
        now = self._clock.now()
        async with self._sessions() as session:
            club, member = await ensure_club_and_member(session, who, now)
            await session.commit()
            assert member.id is not None
            today = local_date(now, club.timezone)
            done = await routine_done(session, club, member.id, today)
            latest = await latest_test_result(session, member.id)
            routine = self.routine_for(club)
            step = await member_step(session, member.id, routine)
        plan = build_plan(self._content, routine, step, week_start_date(today, club.week_start), texts)
        return personalise(self._content, replace(plan, personal=True), done=done,
                           lead_in=lead_in_for(self._content, latest),
                           plan_days=test_plan_days(self._content, latest), texts=texts)

    async def check_extra(self, who: Who, when: str = "today") -> None:
        """Refuse an extra session beyond what the member's own plan asks for this week: the days of their step
        beyond the routine, plus the days of a weak self-test result's plan. The same day twice is left to the
        check-in's own rule (one extra a day)."""
        now = self._clock.now()
        async with self._sessions() as session:
            club, member = await ensure_club_and_member(session, who, now)
            await session.commit()
            assert member.id is not None
            day = local_date(now, club.timezone) - timedelta(days=1 if when == "yesterday" else 0)
            start = week_start_date(day, club.week_start)
            used = (
                await session.execute(
                    select(func.count()).where(
                        Checkin.member_id == member.id, Checkin.kind == Kind.EXTRA.value,
                        Checkin.local_date >= start, Checkin.local_date < start + timedelta(days=7),
                        Checkin.local_date != day,
                    )
                )
            ).scalar_one()
            routine = self.routine_for(club)
            step = routine.step(await member_step(session, member.id, routine))
            allowed = step.sessions_per_week - 1 + test_plan_days(
                self._content, await latest_test_result(session, member.id)
            )
        if used >= allowed:
            if not allowed:
                if step.sessions_per_week == 1:
                    raise NotAllowed(N_(
                        "Not counted: your step is once a week and your last self-test asks for nothing more, so "
                        "an extra session earns no points this week. Steps with more days come further up the "
                        "ladder."
                    ))
                raise NotAllowed(N_(
                    "Not counted: your step is {days} days a week and your last self-test asks for nothing more, "
                    "so an extra session earns no points this week. Steps with more days come further up the "
                    "ladder."
                ), days=step.sessions_per_week)
            if step.sessions_per_week == 1:
                raise NotAllowed(
                    N_("Not counted: your plan this week has room for {allowed} extra session(s) beyond the "
                       "routine (once a week on your step), and they are in."),
                    allowed=allowed,
                )
            raise NotAllowed(
                N_("Not counted: your plan this week has room for {allowed} extra session(s) beyond the routine "
                   "({days} days a week on your step), and they are in."),
                allowed=allowed, days=step.sessions_per_week,
            )


def test_plan_days(content: Content, latest: TestResult | None) -> int:
    """Sessions a week a weak self-test result adds beyond the routine (its first stage, on days of its own)."""
    if latest is None or not latest.weak:
        return 0
    test = content.selftests.get(latest.test_slug)
    outcome = next((o for o in test.outcomes if o.id == latest.outcome), None) if test else None
    return outcome.stages[0].per_week if outcome is not None and outcome.stages else 0


def personalise(
    content: Content, plan: WeekPlan, *, done: bool, lead_in: str | None = None, plan_days: int = 0,
    texts: Texts = ENGLISH,
) -> WeekPlan:
    """Add the member's own touches: a done mark with what to do next, and a short lead-in set."""
    tr = texts
    content = content.localized(tr.language)
    next_steps: list[str] = []
    if done:
        if plan.sessions_per_week > 1:
            next_steps.append(tr.t(
                "Your step has {days} days a week: do it again on another day and log `/checkin kind:extra` (+5).",
                days=plan.sessions_per_week,
            ))
        else:
            next_steps.append(tr.t("Your step is once a week: that is this week's routine done."))
        if plan_days == 1:
            next_steps.append(tr.t(
                "Your self-test plan adds once a week of its own: log it with `/checkin kind:extra` (+5)."
            ))
        elif plan_days:
            next_steps.append(tr.t(
                "Your self-test plan adds {days} days a week of its own: log each with `/checkin kind:extra` (+5).",
                days=plan_days,
            ))
        stretches = [content.exercises[s] for s in content.guide.after_run_stretches if s in content.exercises]
        if stretches:
            names = ", ".join(f"{s.name} {s.dose.render(tr)}" for s in stretches)
            next_steps.append(tr.t("Stretch after every run: {names} (`/checkin kind:stretch`, +2).", names=names))
    lead = None
    in_plan = {i.slug for i in plan.items}
    if lead_in is not None and lead_in in content.exercises and lead_in not in in_plan:
        exercise = content.exercises[lead_in]
        lead = replace(
            _item(content, lead_in, lead_in_dose(exercise.dose),
                  name=tr.t("{name} (1 set {mark} before the routine, from your self-test)", name=exercise.name,
                            mark=SUGGESTED_MARK), texts=tr),
            suggested=True,
        )
    return replace(plan, done=done, next_steps=next_steps, lead_in=lead)

