"""Finding exercises by name: exact lookup, ranked search for autocomplete, "did you mean"."""

from __future__ import annotations

import re
from collections.abc import Iterable
from difflib import SequenceMatcher

from bot.content.languages import fold
from bot.content.schema import Content, Exercise

AUTOCOMPLETE_LIMIT = 25
FUZZY_MIN = 0.72

_APOSTROPHES = re.compile(r"['’‘`´]")
_SEPARATORS = re.compile(r"[^a-z0-9]+")


def normalize(text: str) -> str:
    """Lower case without accents ("Übung" = "ubung"), apostrophes dropped, hyphens and other punctuation
    turned into single spaces."""
    text = _APOSTROPHES.sub("", fold(text))
    return _SEPARATORS.sub(" ", text).strip()


def compact(text: str) -> str:
    """The lookup key: ``normalize`` without spaces, so "clam shell" equals "clamshell"."""
    return normalize(text).replace(" ", "")


def loose(text: str) -> str:
    """Like :func:`compact`, also ignoring a plural ``s`` on each word ("bridges" = "bridge")."""
    words = [w[:-1] if len(w) > 3 and w.endswith("s") and not w.endswith("ss") else w for w in normalize(text).split()]
    return "".join(words)


def names_of(exercise: Exercise) -> list[str]:
    """Every text an exercise can be found by: name, aliases and slug."""
    return [exercise.name, *exercise.aliases, exercise.slug]


def find_exercise(content: Content, query: str) -> Exercise | None:
    """The exercise whose slug, name or alias matches ``query`` exactly (ignoring case, spaces,
    hyphens, apostrophes and a plural s), or None."""
    key = compact(query)
    if not key:
        return None
    for exercise in content.exercises.values():
        if any(compact(name) == key for name in names_of(exercise)):
            return exercise
    key = loose(query)
    for exercise in content.exercises.values():
        if any(loose(name) == key for name in names_of(exercise)):
            return exercise
    return None


def _fuzzy(query: str, text: str) -> tuple[float, float]:
    """Similarity of ``query`` to ``text`` or to any run of as many words in it (0–1), and, to
    break ties, the similarity to the whole of ``text``."""
    whole = SequenceMatcher(None, query, text).ratio()
    best = whole
    q_words = query.split()
    t_words = text.split()
    n = len(q_words)
    if 0 < n < len(t_words):
        for i in range(len(t_words) - n + 1):
            window = " ".join(t_words[i : i + n])
            # Typos rarely hit the first letter; requiring it keeps "band" from matching "and".
            if window[0] == query[0]:
                best = max(best, SequenceMatcher(None, query, window).ratio())
    return best, whole


def _rank(exercise: Exercise, query: str) -> tuple[int, float, float] | None:
    """(tier, -score, -tie-break) for the best-matching name of ``exercise``; lower sorts first; None = no match.

    Tiers: 0 exact, 1 prefix, 2 every query word starts a word, 3 substring, 4 typo-tolerant.
    """
    q_compact = query.replace(" ", "")
    q_words = query.split()
    best: tuple[int, float, float] | None = None
    for raw in names_of(exercise):
        text = normalize(raw)
        t_compact = text.replace(" ", "")
        t_words = text.split()
        if t_compact == q_compact or loose(text) == loose(query):
            rank = (0, -1.0, 0.0)
        elif text.startswith(query) or t_compact.startswith(q_compact):
            rank = (1, -len(query) / len(text), 0.0)
        elif all(any(w.startswith(q) for w in t_words) for q in q_words):
            rank = (2, -len(query) / len(text), 0.0)
        elif query in text or q_compact in t_compact:
            rank = (3, -len(query) / len(text), 0.0)
        else:
            score, whole = _fuzzy(query, text)
            if score < FUZZY_MIN:
                continue
            rank = (4, -score, -whole)
        if best is None or rank < best:
            best = rank
    return best


def _sorted_by_name(exercises: Iterable[Exercise]) -> list[Exercise]:
    return sorted(exercises, key=lambda e: normalize(e.name))


def search_exercises(content: Content, query: str, limit: int = AUTOCOMPLETE_LIMIT) -> list[Exercise]:
    """Exercises matching ``query``, best first: exact, prefix, word-prefix, substring, then close
    spellings. An empty query lists exercises by name. Never more than ``limit``."""
    if limit <= 0:
        return []
    query = normalize(query)
    if not query:
        return _sorted_by_name(content.exercises.values())[:limit]
    ranked = []
    for exercise in content.exercises.values():
        rank = _rank(exercise, query)
        if rank is not None:
            ranked.append((rank, normalize(exercise.name), exercise))
    ranked.sort(key=lambda r: (r[0], r[1]))
    return [exercise for _, _, exercise in ranked[:limit]]


def suggest(content: Content, query: str, limit: int = 3) -> list[Exercise]:
    """ "Did you mean …?" for a name that :func:`find_exercise` does not know (typo-tolerant)."""
    query = normalize(query)
    if not query or limit <= 0:
        return []
    scored = []
    for exercise in content.exercises.values():
        rank = _rank(exercise, query)
        if rank is not None:
            scored.append((rank, normalize(exercise.name), exercise))
            continue
        # Looser than search: a query far from every name may still be a long, garbled one.
        score, whole = max(_fuzzy(query, normalize(name)) for name in names_of(exercise))
        if score >= 0.6:
            scored.append(((5, -score, -whole), normalize(exercise.name), exercise))
    scored.sort(key=lambda r: (r[0], r[1]))
    return [exercise for _, _, exercise in scored[:limit]]


_MUSCLE_ALIASES = {
    "glutes": "glutes",
    "glute": "glutes",
    "gluteals": "glutes",
    "gmax": "gluteus-maximus",
    "glute-max": "gluteus-maximus",
    "gluteus-max": "gluteus-maximus",
    "gmed": "gluteus-medius",
    "glute-med": "gluteus-medius",
    "gluteus-med": "gluteus-medius",
    "gmin": "gluteus-minimus",
    "glute-min": "gluteus-minimus",
    "gluteus-min": "gluteus-minimus",
    "tensor-fasciae-latae": "tfl",
    "hamstring": "hamstrings",
    "hammies": "hamstrings",
    "quad": "quads",
    "quadriceps": "quads",
    "hip-flexor": "hip-flexors",
    "abs": "core",
    "calf": "calves",
    "adductor": "adductors",
}
_GLUTES = {"gluteus-maximus", "gluteus-medius", "gluteus-minimus"}

_EQUIPMENT_ALIASES = {
    "bodyweight": "none",
    "no-equipment": "none",
    "nothing": "none",
    "bands": "band",
    "resistance-band": "band",
    "mini-band": "band",
    "dumbbells": "dumbbell",
    "db": "dumbbell",
    "barbells": "barbell",
    "bench": "step",
    "box": "step",
    "steps": "step",
    "mats": "mat",
}
# "none" means: nothing to buy or find beyond the floor (a mat is optional comfort).
_NO_GEAR = {"none", "mat"}


def _key(value: str) -> str:
    return normalize(value).replace(" ", "-")


def filter_exercises(content: Content, muscle: str | None = None, equipment: str | None = None) -> list[Exercise]:
    """Exercises that work ``muscle`` and use ``equipment`` (both optional), sorted by name.

    Accepts friendly spellings: "glute med", "gmed", "glutes" (any of the three), "bodyweight",
    "dumbbells". ``equipment="none"`` lists exercises that need nothing but the floor.
    """
    result = list(content.exercises.values())
    if muscle:
        key = _key(muscle)
        key = _MUSCLE_ALIASES.get(key, key)
        wanted = _GLUTES if key == "glutes" else {key}
        result = [e for e in result if wanted & set(e.muscles)]
    if equipment:
        key = _key(equipment)
        key = _EQUIPMENT_ALIASES.get(key, key)
        if key == "none":
            result = [e for e in result if set(e.equipment) <= _NO_GEAR]
        else:
            result = [e for e in result if key in e.equipment]
    return _sorted_by_name(result)
