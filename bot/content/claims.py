"""What the texts claim, checked against the doses: every figure no article gives carries †, and a text
that states a time or a frequency states the one computed for it.

Figures are numbers with a unit (``10–30 s``, ``3–5 times``, ``a few weeks``). A figure is backed when
its number appears, with the same kind of unit, in the item's own sourced dose or in one of its source
statements; any other figure must be followed by †. Times and frequencies are never typed into a
routine's name, summary or why (a member on any step sees them); a step note may state its own.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from bot.content.dose import SUGGESTED_MARK, Dose, minutes_for
from bot.content.routines import Routine
from bot.content.schema import Exercise
from bot.content.selftests import SelfTest

# "one" is left out: "one set" or "one leg" is no figure anyone invents.
WORDS = {
    "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10,
    "twelve": 12, "fifteen": 15, "twenty": 20, "thirty": 30, "a few": -1, "a couple of": -2,
}
_NUMBER = r"(?:\d+(?:\s*[–-]\s*\d+)?|(?:" + "|".join(sorted(WORDS, key=len, reverse=True)) + r")(?=\s))"
UNITS = {
    "s": "seconds", "sec": "seconds", "second": "seconds", "seconds": "seconds",
    "min": "minutes", "mins": "minutes", "minute": "minutes", "minutes": "minutes",
    "week": "weeks", "weeks": "weeks", "day": "days", "days": "days",
}
_COUNT_UNITS = r"reps?|times|sets?|holds?|lifts|circles|steps|rounds"
FIGURE = re.compile(
    rf"\b(?P<n>{_NUMBER})\s*(?P<u>seconds?|secs?|s|minutes?|mins?|min|weeks?|days?|{_COUNT_UNITS})\b", re.I
)
BARE_NUMBER = re.compile(rf"\b{_NUMBER}\b", re.I)
TIME = re.compile(rf"\b(?P<n>{_NUMBER}|about \d+)\s*(?:minutes?|mins?|min)\b", re.I)
FREQUENCY = re.compile(
    r"\b(?:once|twice|(?:\d+|one|two|three|four|five|six|seven) (?:times|days|sessions))"
    r" (?:a|per|each) week\b|\bevery day\b|\bdaily\b|\ba (?P<nth>second|third|fourth) day\b",
    re.I,
)
_TIMES_A_WEEK = {"once": 1, "twice": 2}
_NTH_DAY = {"second": 2, "third": 3, "fourth": 4}


@dataclass(frozen=True)
class Claim:
    """One problem with a text: where it is and what is wrong."""

    field: str
    message: str


def _numbers(text: str) -> set[int]:
    out: set[int] = set()
    for part in re.split(r"\s*[–-]\s*", text.strip().lower()):
        if part.isdigit():
            out.add(int(part))
        elif part in WORDS:
            out.add(WORDS[part])
    return out


def _kind(unit: str) -> str:
    return UNITS.get(unit.lower(), "count")


def figures(text: str) -> Iterator[tuple[str, str, set[int], bool]]:
    """(figure as written, kind of unit, its numbers, whether † follows it) for each figure in ``text``."""
    for match in FIGURE.finditer(text):
        marked = SUGGESTED_MARK in text[match.end() : match.end() + 3]
        yield match.group(0), _kind(match["u"]), _numbers(match["n"]), marked


def backing(doses: Iterable[Dose], statements: Iterable[str | None]) -> set[tuple[str, int]]:
    """(kind, number) pairs the sources give: sourced doses' values, and every figure of the source statements
    (a number without a unit there counts as a count)."""
    known: set[tuple[str, int]] = set()
    for dose in doses:
        if dose.suggested:
            continue
        statements = [*statements, dose.source]
        known |= {("count", n) for n in (dose.sets, dose.reps, dose.reps_max) if n is not None}
        known |= {("seconds", n) for n in (dose.hold_seconds, dose.hold_seconds_max) if n is not None}
    for statement in statements:
        if not statement:
            continue
        text = statement.split(":", 1)[1] if ":" in statement[:4] else statement
        united = set()
        for match in FIGURE.finditer(text):
            united.add(match.span("n"))
            known |= {(_kind(match["u"]), n) for n in _numbers(match["n"])}
        for match in BARE_NUMBER.finditer(text):
            if match.span() not in united:
                known |= {("count", n) for n in _numbers(match.group(0))}
    return known


def unmarked(field: str, text: str | None, known: set[tuple[str, int]]) -> list[Claim]:
    """A problem for each figure in ``text`` that no source backs and no † marks."""
    problems = []
    for written, kind, numbers, marked in figures(text or ""):
        # A time in minutes is checked against the computed time instead (routine_claims).
        if marked or kind == "minutes" or (numbers and all((kind, n) in known for n in numbers)):
            continue
        problems.append(Claim(field, f"{written!r}: no source gives this figure; mark it {SUGGESTED_MARK}"))
    return problems


def stated_times(text: str) -> list[str]:
    return [m.group(0) for m in TIME.finditer(text)]


def stated_frequencies(text: str) -> list[tuple[str, int | None]]:
    """Each frequency ``text`` states, with the sessions a week it means (None for every day)."""
    out: list[tuple[str, int | None]] = []
    for match in FREQUENCY.finditer(text):
        written = match.group(0).lower()
        if match["nth"]:
            out.append((written, _NTH_DAY[match["nth"].lower()]))
        elif written.split()[0] in _TIMES_A_WEEK:
            out.append((written, _TIMES_A_WEEK[written.split()[0]]))
        elif written in ("every day", "daily"):
            out.append((written, 7))
        else:
            numbers = _numbers(written.split()[0])
            out.append((written, next(iter(numbers)) if numbers else None))
    return out


def routine_claims(routine: Routine) -> list[Claim]:
    """The routine's texts against its doses: no time or frequency where any step is shown, a step note's
    own time and frequency match the step, every unbacked figure marked †."""
    problems: list[Claim] = []
    for field in ("name", "summary", "why"):
        text = getattr(routine, field)
        for written in stated_times(text):
            problems.append(Claim(field, f"{written!r}: a time here is shown at every step; the bot adds the "
                                         "member's own, computed from the doses"))
        for written, _ in stated_frequencies(text):
            problems.append(Claim(field, f"{written!r}: a frequency here is shown at every step; the bot adds "
                                         "the member's own"))
    base = [item.dose for item in routine.items]
    statements = [routine.per_week_source, *(s.source for s in routine.progression.steps)]
    known = backing(base, statements)
    for field in ("summary", "why"):
        problems += unmarked(field, getattr(routine, field), known)
    problems += unmarked("progression.description", routine.progression.description, known)
    for index, step in enumerate(routine.progression.steps):
        field = f"progression.steps[{index}].note"
        current = routine.step(index)
        minutes = minutes_for(current.seconds)
        for written in stated_times(step.note):
            if _numbers(written.split()[-2]) != {minutes}:
                problems.append(Claim(field, f"{written!r}: the doses of this step take about {minutes} min"))
        for written, times in stated_frequencies(step.note):
            if times != current.sessions_per_week:
                problems.append(Claim(field, f"{written!r}: this step is {current.sessions_per_week} day(s) a week"))
        own = backing([d for _, d in current.items if not d.suggested], [step.source])
        problems += unmarked(field, step.note, known | own)
    problems += _dose_or_days(routine)
    return problems


def _dose_or_days(routine: Routine) -> list[Claim]:
    """Article 004: more reps or more days. A step that raises the dose above the base keeps the base days."""
    problems = []
    for index, step in enumerate(routine.progression.steps):
        more_days = (step.sessions_per_week or routine.per_week) > routine.per_week
        more_dose = step.extra_reps > 0 or step.extra_hold_seconds > 0
        if more_days and more_dose:
            problems.append(Claim(f"progression.steps[{index}]", "a step raises the dose or the days, not both "
                                  "(set extra_reps/extra_hold_seconds or sessions_per_week)"))
    return problems


def selftest_claims(test: SelfTest) -> list[Claim]:
    """A self-test's texts: every figure its source does not give is marked †; results promise nothing safe."""
    known = backing([], [test.source])
    problems: list[Claim] = []
    for name in ("summary",):
        problems += unmarked(name, getattr(test, name), known)
    for name in ("steps", "look_for", "safety"):
        for index, text in enumerate(getattr(test, name)):
            problems += unmarked(f"{name}[{index}]", text, known)
    for index, outcome in enumerate(test.outcomes):
        field = f"outcomes[{index}].recommendation"
        problems += unmarked(field, outcome.recommendation, known)
        if re.search(r"\bsafe\b", outcome.recommendation, re.I):
            problems.append(Claim(field, "a result cannot promise that anything is safe"))
    return problems


def exercise_claims(exercise: Exercise) -> list[Claim]:
    """A card's texts: every figure its dose and source do not give is marked †."""
    known = backing([exercise.dose], [exercise.source])
    problems = unmarked("dose.note", exercise.dose.note, known)
    for name in ("summary", "easier", "harder"):
        problems += unmarked(name, getattr(exercise, name), known)
    for name in ("steps", "cues", "mistakes", "safety"):
        for index, text in enumerate(getattr(exercise, name)):
            problems += unmarked(f"{name}[{index}]", text, known)
    return problems


def content_claims(
    exercises: list[tuple[int, Exercise]], routines: list[tuple[int, Routine]], selftests: list[tuple[int, SelfTest]],
    known: dict[str, Exercise],
) -> list[tuple[str, str, str]]:
    """(file key, field, message) for every claim problem across the valid items, each at its index in the file."""
    out: list[tuple[str, str, str]] = []
    for index, exercise in exercises:
        out += [("exercises", f"exercises[{index}].{c.field}", c.message) for c in exercise_claims(exercise)]
    for index, routine in routines:
        out += [("routines", f"routines[{index}].{c.field}", c.message) for c in routine_claims(routine)]
    for index, test in selftests:
        out += [("selftests", f"selftests[{index}].{c.field}", c.message) for c in selftest_claims(test)]
        for o, outcome in enumerate(test.outcomes):
            for g, stage in enumerate(outcome.stages):
                for slug in stage.easier:
                    card = known.get(slug)
                    if card is not None and (not card.easier or card.easier in known):
                        out.append(("selftests", f"selftests[{index}].outcomes[{o}].stages[{g}].easier",
                                    f"{slug!r} has no easier form on its card; name the easier exercise instead"))
    return out
