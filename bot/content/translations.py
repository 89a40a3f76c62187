"""Checking the content's translations (``content/locales/<code>/*.yaml``), part of ``check-content``.

Each problem names the file (``locales/de/exercises.yaml``), the text's key (``exercises.glute-bridge.steps[2]``)
and so the language. A translation fails when it misses a text or has one the English has not, when a
``{placeholder}``, a † mark, a **bold** part or a number of the English is missing, when a source text
(``source``, ``dose_source``) does not start with the English's article number, when a text passes
Discord's limits or the content's own, or when two exercises share a name in that language.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from bot.content.languages import (
    EXERCISES_FILE,
    LOCALES_DIR,
    OPTIONAL_KEYS,
    ROUTINES_FILE,
    SELFTESTS_FILE,
    TEXT_FILES,
    flatten,
    localize,
    texts_of,
)
from bot.content.loader import Problem
from bot.content.schema import Content, Exercise, Guide, Routine, SelfTest
from bot.content.search import compact, loose

_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

# Discord's limits: an embed field's value, a field's (or embed title's) name, an autocomplete choice's name.
FIELD_LIMIT = 1024
NAME_LIMIT = 256
CHOICE_LIMIT = 100

_PLACEHOLDER = re.compile(r"\{[^{}]*\}")
_BOLD = re.compile(r"\*\*(.+?)\*\*")
_NUMBER = re.compile(r"\d+(?:[.,]\d+)?")
# Texts shown as a name (embed title, field name, button): exercise, routine and self-test names, outcome labels,
# muscle names.
_NAME_KEY = re.compile(r"^(exercises|routines|selftests)\.[^.]+\.name$|\.label$|^muscle_names\.")
_EXERCISE_NAME_KEY = re.compile(r"^exercises\.([^.]+)\.(name|aliases\[\d+\])$")
# Texts that say where an article gives a fact; the article's number leads them, in every language.
_SOURCE_KEY = re.compile(r"\.(source|dose_source)$")
_ARTICLE = re.compile(r"^\d{3}(?!\d)")


def _numbers(text: str) -> list[str]:
    return [n.replace(",", ".") for n in _NUMBER.findall(text)]


def text_problems(english: str, translated: str) -> list[str]:
    """What ``translated`` lost of ``english``: placeholders, † marks, bold parts, numbers."""
    problems = []
    if sorted(_PLACEHOLDER.findall(english)) != sorted(_PLACEHOLDER.findall(translated)):
        problems.append(
            f"placeholders differ: English has {sorted(set(_PLACEHOLDER.findall(english))) or 'none'}, "
            f"the translation {sorted(set(_PLACEHOLDER.findall(translated))) or 'none'}"
        )
    if translated.count("†") < english.count("†"):
        problems.append(f"the English has {english.count('†')} † mark(s), the translation {translated.count('†')}")
    if len(_BOLD.findall(translated)) < len(_BOLD.findall(english)):
        problems.append(
            f"the English has {len(_BOLD.findall(english))} **bold** part(s), the translation "
            f"{len(_BOLD.findall(translated))}"
        )
    found = _numbers(translated)
    missing = [n for n in dict.fromkeys(_numbers(english)) if found.count(n) < _numbers(english).count(n)]
    if missing:
        problems.append(f"number(s) of the English missing: {', '.join(missing)}")
    return problems


def _article_problems(key: str, english: str, translated: str) -> list[str]:
    """A source text must start with the article number the English starts with (``000 …``, ``001: …``)."""
    if not _SOURCE_KEY.search(key):
        return []
    number, given = _ARTICLE.match(english), _ARTICLE.match(translated.strip())
    if number and (given is None or given.group() != number.group()):
        return [f"must start with the article number {number.group()}, as the English does"]
    return []


def _limit_problems(key: str, text: str) -> list[str]:
    problems = []
    if len(text) > FIELD_LIMIT:
        problems.append(f"{len(text)} characters, more than an embed field holds ({FIELD_LIMIT})")
    if _NAME_KEY.search(key) and len(text) > NAME_LIMIT:
        problems.append(f"{len(text)} characters, more than a name holds ({NAME_LIMIT})")
    if _EXERCISE_NAME_KEY.match(key) and len(text) > CHOICE_LIMIT:
        problems.append(f"{len(text)} characters, more than an autocomplete choice holds ({CHOICE_LIMIT})")
    return problems


def _optional(key: str) -> bool:
    return any(part.split("[", 1)[0] in OPTIONAL_KEYS for part in key.split("."))


def _file_problems(language: str, filename: str, english: dict[str, Any], data: Any) -> list[tuple[str, str]]:
    """(key, message) for one translation file against the English texts of that file."""
    problems: list[tuple[str, str]] = []
    given = flatten(data)
    for key, value in given.items():
        if _optional(key):
            if not isinstance(value, str) or not value.strip():
                problems.append((key, "an alias must be a text"))
            else:
                problems += [(key, p) for p in _limit_problems(key, value)]
            continue
        if key not in english:
            problems.append((key, f"extra text: the English {filename} has no such text"))
            continue
        if not isinstance(value, str) or not value.strip():
            problems.append((key, "not a text (a translation is a string, as the English)"))
            continue
        problems += [(key, p) for p in text_problems(english[key], value)]
        problems += [(key, p) for p in _article_problems(key, english[key], value)]
        problems += [(key, p) for p in _limit_problems(key, value.strip())]
    for key in english:
        if key not in given:
            problems.append((key, f"missing text (English: {english[key][:60]!r})"))
    return problems


def _model_problems(localized: Content) -> list[tuple[str, str, str]]:
    """(file, key, message) where a localized item breaks the content's own limits (step and cue length …)."""
    out = []
    checks = [
        (EXERCISES_FILE, "exercises", Exercise, localized.exercises),
        (ROUTINES_FILE, "routines", Routine, localized.routines),
        (SELFTESTS_FILE, "selftests", SelfTest, localized.selftests),
    ]
    for filename, kind, model, items in checks:
        for slug, item in items.items():
            try:
                model.model_validate(item.model_dump())
            except ValidationError as exc:
                for error in exc.errors():
                    where = ".".join(str(p) if not isinstance(p, int) else f"[{p}]" for p in error["loc"])
                    out.append((filename, f"{kind}.{slug}.{where}".replace(".[", "["), error["msg"]))
    try:
        Guide.model_validate(localized.guide.model_dump())
    except ValidationError as exc:
        for error in exc.errors():
            out.append(("guide.yaml", ".".join(str(p) for p in error["loc"]), error["msg"]))
    return out


def _name_problems(localized: Content) -> list[tuple[str, str]]:
    """Two exercises that share a name or alias in this language (ignoring case, accents, spacing, plural s)."""
    users: dict[str, str] = {}
    problems = []
    for slug, ex in localized.exercises.items():
        for pos, name in enumerate([ex.name, *ex.aliases]):
            field = "name" if pos == 0 else f"aliases ({name!r})"
            for key in {compact(name), loose(name)}:
                other = users.setdefault(key, slug)
                if other != slug:
                    problems.append((f"exercises.{slug}.{field}", f"{name!r} also names exercise {other!r}"))
                    break
    return problems


def check_translations(content: Content, content_dir: Path) -> list[Problem]:
    """Every problem of every language under ``content_dir/locales`` against the English ``content``."""
    root = Path(content_dir) / LOCALES_DIR
    if not root.is_dir():
        return []
    english = {name: flatten(tree) for name, tree in texts_of(content).items()}
    problems: list[Problem] = []
    for folder in sorted(p for p in root.iterdir() if p.is_dir()):
        language = folder.name
        label = f"{Path(content_dir).name}/{LOCALES_DIR}/{language}"
        files: dict[str, Any] = {}
        for filename in TEXT_FILES:
            path = folder / filename
            where = f"{label}/{filename}"
            if not path.is_file():
                problems.append(Problem(where, "", f"file is missing: the {language} texts of {filename}"))
                continue
            try:
                data = yaml.load(path.read_text(encoding="utf-8"), Loader=_YAML_LOADER)
            except (UnicodeDecodeError, yaml.YAMLError) as exc:
                problems.append(Problem(where, "", f"cannot be read ({language}): {exc}"))
                continue
            if not isinstance(data, dict):
                problems.append(Problem(where, "", f"expected a mapping of texts ({language})"))
                continue
            files[filename] = data
            for key, message in _file_problems(language, filename, english[filename], data):
                problems.append(Problem(where, key, f"{message} [{language}]"))
        localized = localize(content, files)
        for filename, key, message in _model_problems(localized):
            problems.append(Problem(f"{label}/{filename}", key, f"{message} [{language}]"))
        for key, message in _name_problems(localized):
            problems.append(Problem(f"{label}/{EXERCISES_FILE}", key, f"{message} [{language}]"))
    return problems


__all__ = ["CHOICE_LIMIT", "FIELD_LIMIT", "NAME_LIMIT", "check_translations", "text_problems"]
