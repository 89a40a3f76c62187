"""Typed models for the club's training content: exercises, the guide, and the whole set (routines and self-tests
live in their own modules and are re-exported here).

Every model forbids unknown keys, so a typo in a YAML file is reported instead of ignored.
Cross-references between files (routine items, easier/harder variants, outcome exercises)
are checked by :mod:`bot.content.loader`, which sees all files at once.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field, PrivateAttr, StringConstraints, field_validator, model_validator

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
    REST_NOTE,
    SIDE_SWITCH_SECONDS,
    SUGGESTED_LEGEND,
    SUGGESTED_MARK,
    Dose,
    lead_in_dose,
    minutes_for,
    rest_note,
    session_seconds,
    suggested_legend,
)
from bot.content.poses import PoseBook
from bot.content.routines import Progression, ProgressionStep, Routine, RoutineItem, RoutineStep
from bot.content.selftests import (
    LEAD_IN_SECONDS_MAX,
    PLAN_STAGES,
    STAGE_TITLES,
    WITH_EARLIER,
    Outcome,
    PlanStage,
    SelfTest,
)

# Re-exported: the rest of the bot and the tests import these from here.
__all__ = [
    "CUE_MAX",
    "EQUIPMENT",
    "EXERCISE_EMBED_MAX",
    "FIELD_MAX",
    "HOLD_MAX",
    "LABEL_MAX",
    "LEAD_IN_SECONDS_MAX",
    "MINUTES_MAX",
    "MOVE_SWITCH_SECONDS",
    "MUSCLES",
    "NAME_MAX",
    "PLAN_STAGES",
    "POSITIONS",
    "REPS_MAX",
    "REP_SECONDS",
    "REST_NOTE",
    "SESSIONS_MAX",
    "SETS_MAX",
    "SIDE_SWITCH_SECONDS",
    "SLUG_RE",
    "SOURCE_IDS",
    "STAGE_TITLES",
    "STEP_MAX",
    "SUGGESTED_LEGEND",
    "SUGGESTED_MARK",
    "WITH_EARLIER",
    "Content",
    "Dose",
    "Exercise",
    "Guide",
    "Outcome",
    "PlanStage",
    "Progression",
    "ProgressionStep",
    "Routine",
    "RoutineItem",
    "RoutineStep",
    "SelfTest",
    "lead_in_dose",
    "looks_like_slug",
    "minutes_for",
    "rest_note",
    "session_seconds",
    "suggested_legend",
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
        return dose.require_traced()

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

    # The texts of each language ({code: {file: tree}}, see bot.content.languages) and the content built
    # for each language, shared by every localized copy.
    _translations: dict[str, dict[str, Any]] = PrivateAttr(default_factory=dict)
    _localized: dict[str, Content] = PrivateAttr(default_factory=dict)

    def with_translations(self, translations: dict[str, dict[str, Any]]) -> Content:
        """This content, knowing the texts of other languages (read by the loader); returns itself."""
        self._translations = translations
        self._localized = {}
        return self

    @property
    def languages(self) -> tuple[str, ...]:
        """The languages this content has texts for, besides English."""
        return tuple(sorted(self._translations))

    def localized(self, language: str) -> Content:
        """The same content with its texts in ``language`` (a catalogue code, as ``Texts.language``);
        facts and doses are shared by every language. English where the language or a text is missing.
        Each language is built once."""
        from bot.content.languages import language_key, localize

        key = language_key(language, self._translations)
        if key is None:
            return self._localized.get("en", self)
        made = self._localized.get(key)
        if made is None:
            english = self._localized.get("en", self)
            made = localize(english, self._translations[key])
            made._translations = self._translations
            made._localized = self._localized
            self._localized.setdefault("en", english)
            self._localized[key] = made
        return made

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
