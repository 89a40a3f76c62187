"""Typed models for the club's training content (exercises, routines, self-tests, guide).

Every model forbids unknown keys, so a typo in a YAML file is reported instead of ignored.
Cross-references between files (routine items, easier/harder variants, outcome exercises)
are checked by :mod:`bot.content.loader`, which sees all files at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Literal

from pydantic import Field, StringConstraints, field_validator, model_validator

from bot.content.base import (
    CUE_MAX,
    EQUIPMENT,
    EXERCISE_EMBED_MAX,
    FIELD_MAX,
    HOLD_MAX,
    LABEL_MAX,
    MINUTES_MAX,
    MUSCLES,
    NAME_MAX,
    POSITIONS,
    REPS_MAX,
    SESSIONS_MAX,
    SETS_MAX,
    SLUG_RE,
    SOURCE_IDS,
    STEP_MAX,
    Cue,
    ExerciseType,
    Name,
    ShortText,
    Slug,
    Step,
    StrictModel,
    Text,
    bulleted,
    check_sources,
    looks_like_slug,
    numbered,
)
from bot.content.dose import (
    MOVE_SWITCH_SECONDS,
    REP_SECONDS,
    SIDE_SWITCH_SECONDS,
    SUGGESTED_LEGEND,
    SUGGESTED_MARK,
    Dose,
    lead_in_dose,
    minutes_for,
    session_seconds,
)
from bot.content.poses import PoseBook

# Re-exported: the rest of the bot and the tests import these from here.
__all__ = [
    "CUE_MAX", "EQUIPMENT", "EXERCISE_EMBED_MAX", "FIELD_MAX", "HOLD_MAX", "LABEL_MAX", "MINUTES_MAX",
    "MOVE_SWITCH_SECONDS", "MUSCLES", "NAME_MAX", "POSITIONS", "REPS_MAX", "REP_SECONDS", "SESSIONS_MAX",
    "SETS_MAX", "SIDE_SWITCH_SECONDS", "SLUG_RE", "SOURCE_IDS", "STEP_MAX", "SUGGESTED_LEGEND", "SUGGESTED_MARK",
    "Content", "Dose", "Exercise", "Guide", "Outcome", "PlanStage", "Progression", "ProgressionStep", "Routine",
    "RoutineItem", "RoutineStep", "SelfTest", "lead_in_dose", "looks_like_slug", "minutes_for", "session_seconds",
]

class Exercise(StrictModel):
    slug: Slug
    name: Name
    aliases: list[Name] = Field(default_factory=list)
    summary: ShortText
    muscles: list[str]
    equipment: list[str]
    position: str
    type: ExerciseType
    dose: Dose
    steps: list[Step]
    cues: list[Cue]
    mistakes: list[ShortText]
    easier: ShortText | None = None
    harder: ShortText | None = None
    safety: list[ShortText]
    sources: list[str]
    # Which article and which statement the exercise comes from.
    source: ShortText

    @field_validator("aliases")
    @classmethod
    def _aliases(cls, aliases: list[str]) -> list[str]:
        seen = set()
        for alias in aliases:
            key = alias.casefold()
            if key in seen:
                raise ValueError(f"alias {alias!r} is listed twice")
            seen.add(key)
        return aliases

    @field_validator("muscles")
    @classmethod
    def _muscles(cls, muscles: list[str]) -> list[str]:
        if not muscles:
            raise ValueError("name at least one muscle")
        unknown = sorted(set(muscles) - MUSCLES)
        if unknown:
            raise ValueError(f"unknown muscle(s) {unknown}; known: {sorted(MUSCLES)}")
        if len(set(muscles)) != len(muscles):
            raise ValueError("a muscle is listed twice")
        return muscles

    @field_validator("equipment")
    @classmethod
    def _equipment(cls, equipment: list[str]) -> list[str]:
        if not equipment:
            raise ValueError("name the equipment, or use [none]")
        unknown = sorted(set(equipment) - EQUIPMENT)
        if unknown:
            raise ValueError(f"unknown equipment {unknown}; known: {sorted(EQUIPMENT)}")
        if "none" in equipment and len(equipment) > 1:
            raise ValueError("'none' cannot be combined with other equipment")
        if len(set(equipment)) != len(equipment):
            raise ValueError("equipment is listed twice")
        return equipment

    @field_validator("position")
    @classmethod
    def _position(cls, position: str) -> str:
        if position not in POSITIONS:
            raise ValueError(f"unknown position {position!r}; known: {sorted(POSITIONS)}")
        return position

    @field_validator("steps")
    @classmethod
    def _steps(cls, steps: list[str]) -> list[str]:
        if not 2 <= len(steps) <= 8:
            raise ValueError(f"give 2–8 steps (got {len(steps)})")
        if len(numbered(steps)) > FIELD_MAX:
            raise ValueError(f"steps together must fit in {FIELD_MAX} characters")
        return steps

    @field_validator("cues")
    @classmethod
    def _cues(cls, cues: list[str]) -> list[str]:
        if not 2 <= len(cues) <= 4:
            raise ValueError(f"give 2–4 coaching cues (got {len(cues)})")
        return cues

    @field_validator("mistakes", "safety")
    @classmethod
    def _short_list(cls, items: list[str]) -> list[str]:
        if not 1 <= len(items) <= 4:
            raise ValueError(f"give 1–4 entries (got {len(items)})")
        if len(bulleted(items)) > FIELD_MAX:
            raise ValueError(f"entries together must fit in {FIELD_MAX} characters")
        return items

    @field_validator("sources")
    @classmethod
    def _sources(cls, sources: list[str]) -> list[str]:
        return check_sources(sources)

    @field_validator("dose")
    @classmethod
    def _dose_traced(cls, dose: Dose) -> Dose:
        problem = dose.traced()
        if problem:
            raise ValueError(problem)
        return dose

    @property
    def source_dose(self) -> bool:
        """True when an article gives this dose; False for the bot's own suggestion."""
        return not self.dose.suggested

    @model_validator(mode="after")
    def _links(self) -> Exercise:
        for which in ("easier", "harder"):
            if getattr(self, which) == self.slug:
                raise ValueError(f"{which} cannot point to the exercise itself")
        if any(alias.casefold() == self.name.casefold() for alias in self.aliases):
            raise ValueError("an alias repeats the name")
        if self.embed_length() > EXERCISE_EMBED_MAX:
            raise ValueError(f"too long for one embed ({self.embed_length()} > {EXERCISE_EMBED_MAX} characters)")
        return self

    def embed_length(self) -> int:
        """Roughly how many characters a full embed of this exercise takes (Discord allows 6000)."""
        parts = [
            self.name,
            self.summary,
            self.dose.render(),
            ", ".join(self.muscles),
            ", ".join(self.equipment),
            self.position,
            numbered(self.steps),
            bulleted(self.cues),
            bulleted(self.mistakes),
            bulleted(self.safety),
            self.easier or "",
            self.harder or "",
        ]
        # Field titles ("How to", "Cues", ...) and separators.
        return sum(len(p) for p in parts) + 120


class RoutineItem(StrictModel):
    exercise: Slug
    dose: Dose

    @field_validator("dose")
    @classmethod
    def _dose_traced(cls, dose: Dose) -> Dose:
        problem = dose.traced()
        if problem:
            raise ValueError(problem)
        return dose


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
        return RoutineStep(
            index=index,
            count=self.step_count,
            items=doses,
            sessions_per_week=step.sessions_per_week or self.per_week,
            note=step.note,
            suggested=step.suggested,
        )

    def exercise_slugs(self) -> list[str]:
        """Every exercise the routine uses at any step, in first-use order."""
        slugs = [item.exercise for item in self.items]
        for step in self.progression.steps:
            slugs += [item.exercise for item in step.items or []]
        return list(dict.fromkeys(slugs))


OutcomeLabel = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=LABEL_MAX)]

# A result's plan, in order: what to do now, what to add once it gets easy, and after that.
PLAN_STAGES = ("this-week", "when-easy", "then")
STAGE_TITLES = {"this-week": "This week", "when-easy": "When it gets easy", "then": "Then"}
LEAD_IN_SECONDS_MAX = 120




class PlanStage(StrictModel):
    when: Literal["this-week", "when-easy", "then"]
    exercises: list[Slug]
    per_week: int = Field(ge=1, le=3)
    per_week_source: ShortText | None = None
    per_week_suggested: bool = False

    @model_validator(mode="after")
    def _sane(self) -> PlanStage:
        if not 1 <= len(self.exercises) <= 3:
            raise ValueError("a stage lists 1–3 exercises")
        if bool(self.per_week_source) == self.per_week_suggested:
            raise ValueError("per_week needs either per_week_source or per_week_suggested: true")
        return self


class Outcome(StrictModel):
    id: Slug
    label: OutcomeLabel
    weak: bool
    recommendation: Text
    # For a weak result: one short activation set before the routine (1 set, under 2 minutes).
    lead_in: Slug | None = None
    stages: list[PlanStage] = Field(default_factory=list)

    @model_validator(mode="after")
    def _staged(self) -> Outcome:
        if self.weak and (self.lead_in is None or not self.stages):
            raise ValueError("a weak outcome needs a lead_in and a staged plan")
        if not self.weak and self.lead_in is not None:
            raise ValueError("only a weak outcome has a lead_in")
        order = [PLAN_STAGES.index(s.when) for s in self.stages]
        if order != sorted(set(order)):
            raise ValueError(f"stages go in this order, each once: {', '.join(PLAN_STAGES)}")
        return self

    @property
    def exercises(self) -> list[str]:
        """Every exercise the outcome names: the lead-in, then each stage's."""
        slugs = [self.lead_in] if self.lead_in else []
        for stage in self.stages:
            slugs += stage.exercises
        return list(dict.fromkeys(slugs))


class SelfTest(StrictModel):
    slug: Slug
    name: Name
    summary: ShortText
    one_sided: bool
    steps: list[Step]
    look_for: list[ShortText]
    outcomes: list[Outcome]
    safety: list[ShortText]
    sources: list[str]
    source: ShortText

    @field_validator("steps")
    @classmethod
    def _steps(cls, steps: list[str]) -> list[str]:
        if not 2 <= len(steps) <= 8:
            raise ValueError(f"give 2–8 steps (got {len(steps)})")
        return steps

    @field_validator("look_for", "safety")
    @classmethod
    def _non_empty(cls, items: list[str]) -> list[str]:
        if not 1 <= len(items) <= 5:
            raise ValueError(f"give 1–5 entries (got {len(items)})")
        return items

    @field_validator("outcomes")
    @classmethod
    def _outcomes(cls, outcomes: list[Outcome]) -> list[Outcome]:
        # Outcomes become buttons: at most five fit in one row.
        if not 2 <= len(outcomes) <= 5:
            raise ValueError(f"give 2–5 outcomes (got {len(outcomes)})")
        ids = [o.id for o in outcomes]
        if len(set(ids)) != len(ids):
            raise ValueError("outcome ids must be unique")
        if not any(o.weak for o in outcomes) or all(o.weak for o in outcomes):
            raise ValueError("a test needs at least one weak and one not-weak outcome")
        return outcomes

    @field_validator("sources")
    @classmethod
    def _sources(cls, sources: list[str]) -> list[str]:
        return check_sources(sources)

    def outcome(self, outcome_id: str) -> Outcome:
        for outcome in self.outcomes:
            if outcome.id == outcome_id:
                return outcome
        raise KeyError(outcome_id)


class Guide(StrictModel):
    intro: Text
    muscles: dict[str, Text]
    muscle_names: dict[str, Name]
    injuries: list[ShortText]
    facts: list[ShortText] = Field(default_factory=list)
    disclaimer: Text
    # One line for the footer of every embed where a member exercises or tests.
    caution: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
    sitting: Text
    hip_flexor_stretch: Slug | None = None
    after_run: Text | None = None
    after_run_stretches: list[Slug] = Field(default_factory=list)
    screening: Text | None = None

    @field_validator("muscles", "muscle_names")
    @classmethod
    def _known_muscles(cls, value: dict[str, str]) -> dict[str, str]:
        unknown = sorted(set(value) - MUSCLES)
        if unknown:
            raise ValueError(f"unknown muscle(s) {unknown}; known: {sorted(MUSCLES)}")
        return value

    @model_validator(mode="after")
    def _names_match(self) -> Guide:
        if set(self.muscles) != set(self.muscle_names):
            raise ValueError("muscles and muscle_names must list the same muscles")
        if not self.injuries:
            raise ValueError("list the injuries weak glutes are linked to")
        return self


class Content(StrictModel):
    exercises: dict[str, Exercise]
    routines: dict[str, Routine]
    selftests: dict[str, SelfTest]
    guide: Guide
    poses: PoseBook | None = None

    @model_validator(mode="after")
    def _keys_are_slugs(self) -> Content:
        for kind in ("exercises", "routines", "selftests"):
            for key, item in getattr(self, kind).items():
                if key != item.slug:
                    raise ValueError(f"{kind}: key {key!r} differs from slug {item.slug!r}")
        return self

    def default_routine(self) -> Routine:
        defaults = [r for r in self.routines.values() if r.default]
        if len(defaults) != 1:
            raise LookupError(f"expected exactly one default routine, found {len(defaults)}")
        return defaults[0]

    def exercise(self, slug: str) -> Exercise:
        """The exercise with this slug; KeyError when there is none."""
        return self.exercises[slug]

    def routine(self, slug: str) -> Routine:
        return self.routines[slug]

    def selftest(self, slug: str) -> SelfTest:
        return self.selftests[slug]
