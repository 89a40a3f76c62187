"""Routines: their items, doses and progression steps by feel, and the time a session takes."""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import Field, field_validator, model_validator

from bot.content.base import (
    HOLD_MAX,
    REPS_MAX,
    SESSIONS_MAX,
    Name,
    ShortText,
    Slug,
    StrictModel,
    Text,
    check_sources,
)
from bot.content.dose import (
    Dose,
    session_seconds,
)


class RoutineItem(StrictModel):
    exercise: Slug
    dose: Dose

    @field_validator("dose")
    @classmethod
    def _dose_traced(cls, dose: Dose) -> Dose:
        return dose.require_traced()


def _check_items(items: list[RoutineItem]) -> list[RoutineItem]:
    if not items:
        raise ValueError("a routine needs at least one exercise")
    slugs = [item.exercise for item in items]
    dupes = sorted({s for s in slugs if slugs.count(s) > 1})
    if dupes:
        raise ValueError(f"exercise(s) listed twice: {dupes}")
    return items




class ProgressionStep(StrictModel):
    """One rung of a routine's ladder; a member moves up it by feel, one step at a time."""

    extra_reps: int = Field(default=0, ge=0, le=20)
    extra_hold_seconds: int = Field(default=0, ge=0, le=60)
    sessions_per_week: int | None = Field(default=None, ge=1, le=SESSIONS_MAX)
    items: list[RoutineItem] | None = None
    note: ShortText
    source: ShortText | None = None
    suggested: bool = False

    @field_validator("items")
    @classmethod
    def _items(cls, items: list[RoutineItem] | None) -> list[RoutineItem] | None:
        return None if items is None else _check_items(items)

    @model_validator(mode="after")
    def _traced(self) -> ProgressionStep:
        if bool(self.source) == self.suggested:
            raise ValueError("a step needs either a source (article and statement) or suggested: true")
        return self


class Progression(StrictModel):
    """The steps a member can climb, base first; which step is theirs is stored per member."""

    description: Text
    max_reps: int = Field(ge=1, le=REPS_MAX)
    max_hold_seconds: int = Field(ge=1, le=HOLD_MAX)
    steps: list[ProgressionStep]

    @field_validator("steps")
    @classmethod
    def _steps(cls, steps: list[ProgressionStep]) -> list[ProgressionStep]:
        if not 1 <= len(steps) <= 8:
            raise ValueError(f"give 1–8 steps (got {len(steps)})")
        base = steps[0]
        if base.extra_reps or base.extra_hold_seconds or base.items is not None or base.sessions_per_week:
            raise ValueError("the first step is the base routine: no extras, items or sessions")
        return steps

    def dose_for(self, dose: Dose, index: int) -> Dose:
        step = self.steps[index]
        return dose.scaled(step.extra_reps, step.extra_hold_seconds, self.max_reps, self.max_hold_seconds)


@dataclass(frozen=True)
class RoutineStep:
    index: int  # 0 = the base routine
    count: int  # how many steps the routine has
    items: list[tuple[str, Dose]]
    sessions_per_week: int
    note: str
    suggested: bool
    routine_name: str = ""
    frequency_suggested: bool = False  # the step's days a week are the bot's own, not an article's

    @property
    def seconds(self) -> int:
        return session_seconds([dose for _, dose in self.items])

    @property
    def is_top(self) -> bool:
        return self.index >= self.count - 1


class Routine(StrictModel):
    slug: Slug
    name: Name
    summary: ShortText
    per_week: int = Field(ge=1, le=SESSIONS_MAX)
    per_week_source: ShortText | None = None
    per_week_suggested: bool = False
    default: bool = False
    items: list[RoutineItem]
    why: Text
    progression: Progression
    sources: list[str]
    assumptions: list[ShortText] = Field(default_factory=list)

    @field_validator("items")
    @classmethod
    def _items(cls, items: list[RoutineItem]) -> list[RoutineItem]:
        return _check_items(items)

    @field_validator("sources")
    @classmethod
    def _sources(cls, sources: list[str]) -> list[str]:
        return check_sources(sources)

    @model_validator(mode="after")
    def _caps(self) -> Routine:
        if bool(self.per_week_source) == self.per_week_suggested:
            raise ValueError("per_week needs either per_week_source or per_week_suggested: true")
        p = self.progression
        all_items = list(self.items)
        for step in p.steps:
            all_items += step.items or []
        for item in all_items:
            d = item.dose
            if d.reps is not None and (d.reps_max or d.reps) > p.max_reps:
                raise ValueError(f"{item.exercise}: reps above progression.max_reps ({p.max_reps})")
            if d.hold_seconds is not None and (d.hold_seconds_max or d.hold_seconds) > p.max_hold_seconds:
                raise ValueError(f"{item.exercise}: hold above progression.max_hold_seconds ({p.max_hold_seconds})")
        return self

    @property
    def step_count(self) -> int:
        return len(self.progression.steps)

    def step(self, index: int) -> RoutineStep:
        """The routine at ``index`` on its ladder (0 = base); out-of-range indexes are clamped."""
        index = min(max(index, 0), self.step_count - 1)
        step = self.progression.steps[index]
        items = step.items if step.items is not None else self.items
        doses = [(item.exercise, self.progression.dose_for(item.dose, index)) for item in items]
        own_days = step.sessions_per_week is not None
        return RoutineStep(
            index=index,
            count=self.step_count,
            items=doses,
            sessions_per_week=step.sessions_per_week or self.per_week,
            note=step.note,
            suggested=step.suggested,
            routine_name=self.name,
            frequency_suggested=step.suggested if own_days else self.per_week_suggested,
        )

    def exercise_slugs(self) -> list[str]:
        """Every exercise the routine uses at any step, in first-use order."""
        slugs = [item.exercise for item in self.items]
        for step in self.progression.steps:
            slugs += [item.exercise for item in step.items or []]
        return list(dict.fromkeys(slugs))
