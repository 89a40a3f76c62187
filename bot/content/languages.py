"""The content's texts in other languages: ``content/locales/<code>/<file>.yaml`` beside the English files.

A translation carries the texts only (names, steps, cues, results, why texts, safety lines …); the facts and
doses (reps, sets, seconds, days, sources, links between items) are the English files' and shared by every
language. :func:`texts_of` lists the texts of the English content as a tree keyed like the translation files:

    exercises.yaml  exercises: {slug: {name, aliases, summary, steps, cues, mistakes, easier, harder, safety,
                                       dose_note, source, dose_source}}
    routines.yaml   routines: {slug: {name, summary, why, description, notes, assumptions, dose_notes: {exercise}}}
    selftests.yaml  selftests: {slug: {name, summary, side_word, steps, look_for, safety,
                                       outcomes: {id: {label, recommendation}}}}
    guide.yaml      the guide's text keys (intro, muscle_names, muscles, injuries, facts, …)

``easier``/``harder`` appear only where the English is a text (not a link to another exercise), ``dose_note``
only where the English dose has a note. ``source`` (where the article names the exercise) and ``dose_source``
(where it gives the dose, only where the dose has one) are shown on the card: each starts with the article's
number, as the English does. ``aliases`` are optional: extra names an exercise is found by in that
language (its English name and aliases keep working too).

:func:`localize` builds the content in one language, English wherever a text is missing;
``Content.localized`` caches it. :mod:`bot.content.translations` checks the files.
"""

from __future__ import annotations

import logging
import unicodedata
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

if TYPE_CHECKING:
    from bot.content.schema import Content

log = logging.getLogger(__name__)

LOCALES_DIR = "locales"
EXERCISES_FILE = "exercises.yaml"
ROUTINES_FILE = "routines.yaml"
SELFTESTS_FILE = "selftests.yaml"
GUIDE_FILE = "guide.yaml"
TEXT_FILES = (EXERCISES_FILE, ROUTINES_FILE, SELFTESTS_FILE, GUIDE_FILE)
# Keys a translation may give or leave out: they add to the English instead of replacing a text.
OPTIONAL_KEYS = frozenset({"aliases"})
GUIDE_TEXTS = (
    "intro", "muscle_names", "muscles", "injuries", "facts", "disclaimer", "caution", "sitting", "after_run",
    "screening",
)

_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

Tree = dict[str, Any]


def fold(text: str) -> str:
    """Case and accents dropped: ``Übung`` → ``ubung``, ``élévation`` → ``elevation``, ``ß`` → ``ss``."""
    decomposed = unicodedata.normalize("NFKD", text.casefold().replace("œ", "oe").replace("æ", "ae"))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


# ----------------------------------------------------------------------------------------------- the texts


def _link(value: str | None) -> bool:
    from bot.content.base import looks_like_slug

    return value is None or looks_like_slug(value)


def _dose_notes(items: list[Any]) -> dict[str, str]:
    return {item.exercise: item.dose.note for item in items if item.dose.note}


def texts_of(content: Content) -> dict[str, Tree]:
    """The English content's texts, per file, as a translation file holds them (without ``aliases``)."""
    exercises: Tree = {}
    for slug, ex in content.exercises.items():
        entry: Tree = {"name": ex.name, "summary": ex.summary, "steps": list(ex.steps), "cues": list(ex.cues),
                       "mistakes": list(ex.mistakes)}
        for which in ("easier", "harder"):
            value = getattr(ex, which)
            if not _link(value):
                entry[which] = value
        entry["safety"] = list(ex.safety)
        if ex.dose.note:
            entry["dose_note"] = ex.dose.note
        entry["source"] = ex.source
        if ex.dose.source:
            entry["dose_source"] = ex.dose.source
        exercises[slug] = entry
    routines: Tree = {}
    for slug, routine in content.routines.items():
        entry = {"name": routine.name, "summary": routine.summary, "why": routine.why,
                 "description": routine.progression.description,
                 "notes": [step.note for step in routine.progression.steps]}
        if routine.assumptions:
            entry["assumptions"] = list(routine.assumptions)
        notes = _dose_notes(routine.items)
        for step in routine.progression.steps:
            notes.update(_dose_notes(step.items or []))
        if notes:
            entry["dose_notes"] = notes
        routines[slug] = entry
    selftests: Tree = {}
    for slug, test in content.selftests.items():
        selftests[slug] = {
            "name": test.name, "summary": test.summary, "side_word": test.side_word, "steps": list(test.steps),
            "look_for": list(test.look_for), "safety": list(test.safety),
            "outcomes": {o.id: {"label": o.label, "recommendation": o.recommendation} for o in test.outcomes},
        }
    guide: Tree = {}
    for key in GUIDE_TEXTS:
        value = getattr(content.guide, key)
        if value:
            guide[key] = dict(value) if isinstance(value, dict) else list(value) if isinstance(value, list) else value
    return {EXERCISES_FILE: {"exercises": exercises}, ROUTINES_FILE: {"routines": routines},
            SELFTESTS_FILE: {"selftests": selftests}, GUIDE_FILE: guide}


def flatten(tree: Any, prefix: str = "") -> dict[str, Any]:
    """``{"exercises": {"x": {"steps": ["a"]}}}`` → ``{"exercises.x.steps[0]": "a"}`` (leaves as they are)."""
    out: dict[str, Any] = {}
    if isinstance(tree, dict):
        for key, value in tree.items():
            out.update(flatten(value, f"{prefix}.{key}" if prefix else str(key)))
    elif isinstance(tree, list):
        for index, value in enumerate(tree):
            out.update(flatten(value, f"{prefix}[{index}]"))
    else:
        out[prefix] = tree
    return out


def _overlay(english: Any, translated: Any) -> Any:
    """``english`` with each text that ``translated`` gives in its place; English where one is missing."""
    if isinstance(english, dict):
        given = translated if isinstance(translated, dict) else {}
        return {key: _overlay(value, given.get(key)) for key, value in english.items()}
    if isinstance(english, list):
        given = translated if isinstance(translated, list) else []
        return [_overlay(value, given[i] if i < len(given) else None) for i, value in enumerate(english)]
    if isinstance(translated, str) and translated.strip():
        return translated.strip()
    return english


# ------------------------------------------------------------------------------------------ reading files


def read_translation(path: Path) -> Tree | None:
    """One translation file, or None when it is missing or not a YAML mapping."""
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=_YAML_LOADER)
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return None
    return data if isinstance(data, dict) else None


def read_translations(content_dir: Path) -> dict[str, dict[str, Tree]]:
    """Every language under ``content_dir/locales``: {code: {file: tree}}; unreadable files are left out
    (``check-content`` reports them; the bot shows English for their texts)."""
    root = Path(content_dir) / LOCALES_DIR
    if not root.is_dir():
        return {}
    out: dict[str, dict[str, Tree]] = {}
    for folder in sorted(p for p in root.iterdir() if p.is_dir()):
        files = {}
        for name in TEXT_FILES:
            data = read_translation(folder / name)
            if data is not None:
                files[name] = data
            elif (folder / name).exists():
                log.warning("content translation %s/%s cannot be read; English used", folder.name, name)
        out[folder.name] = files
    return out


# ----------------------------------------------------------------------------------------- localizing


def _aliases(name: str, extra: Any, english: list[str]) -> list[str]:
    """The language's own aliases, then the English names, each once and none repeating the name."""
    own = [a.strip() for a in extra if isinstance(a, str) and a.strip()] if isinstance(extra, list) else []
    seen = {fold(name)}
    out = []
    for alias in [*own, *english]:
        if fold(alias) not in seen:
            seen.add(fold(alias))
            out.append(alias)
    return out


def localize(content: Content, files: dict[str, Tree]) -> Content:
    """``content`` with the texts of one language's ``files`` (English wherever a text is missing).

    Built with ``model_copy``: the English content was validated and the texts' limits are check-content's.
    """
    english = texts_of(content)
    merged = {name: _overlay(tree, files.get(name)) for name, tree in english.items()}
    given_exercises = (files.get(EXERCISES_FILE) or {}).get("exercises")
    given_exercises = given_exercises if isinstance(given_exercises, dict) else {}

    exercises = {}
    for slug, ex in content.exercises.items():
        texts = merged[EXERCISES_FILE]["exercises"][slug]
        given = given_exercises.get(slug)
        extra = given.get("aliases") if isinstance(given, dict) else None
        update: dict[str, Any] = {
            key: texts[key]
            for key in ("name", "summary", "steps", "cues", "mistakes", "safety", "easier", "harder", "source")
            if key in texts
        }
        update["aliases"] = _aliases(texts["name"], extra, [ex.name, *ex.aliases])
        dose = {key: texts[f"dose_{key}"] for key in ("note", "source") if f"dose_{key}" in texts}
        if dose:
            update["dose"] = ex.dose.model_copy(update=dose)
        exercises[slug] = ex.model_copy(update=update)

    routines = {}
    for slug, routine in content.routines.items():
        texts = merged[ROUTINES_FILE]["routines"][slug]
        notes = texts.get("dose_notes", {})

        def items(entries: list[Any], notes: dict[str, str] = notes) -> list[Any]:
            return [
                item.model_copy(update={"dose": item.dose.model_copy(update={"note": notes[item.exercise]})})
                if item.dose.note and item.exercise in notes else item
                for item in entries
            ]

        steps = [
            step.model_copy(update={"note": note, **({"items": items(step.items)} if step.items else {})})
            for step, note in zip(routine.progression.steps, texts["notes"], strict=True)
        ]
        progression = routine.progression.model_copy(update={"description": texts["description"], "steps": steps})
        routines[slug] = routine.model_copy(update={
            "name": texts["name"], "summary": texts["summary"], "why": texts["why"], "progression": progression,
            "assumptions": texts.get("assumptions", []), "items": items(routine.items),
        })

    selftests = {}
    for slug, test in content.selftests.items():
        texts = merged[SELFTESTS_FILE]["selftests"][slug]
        outcomes = [o.model_copy(update=texts["outcomes"][o.id]) for o in test.outcomes]
        selftests[slug] = test.model_copy(update={
            **{key: texts[key] for key in ("name", "summary", "side_word", "steps", "look_for", "safety")},
            "outcomes": outcomes,
        })

    guide = content.guide.model_copy(update=merged[GUIDE_FILE])
    return content.model_copy(update={"exercises": exercises, "routines": routines, "selftests": selftests,
                                      "guide": guide})


def language_key(language: str, available: Any) -> str | None:
    """The translation that serves ``language``: its own (``pt_BR``), else its base language's, else None."""
    code = language.replace("-", "_")
    if code in available:
        return code
    base = code.split("_", 1)[0]
    return base if base in available else None
