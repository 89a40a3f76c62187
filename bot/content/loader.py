"""Reading and checking the content directory.

``check_content`` collects every problem it can find (YAML syntax, schema errors, duplicates,
links that do not resolve) so that one run of ``gluteclub check-content`` shows them all, each
with its file and field path. ``load_content`` returns the validated :class:`Content` or raises
:class:`ContentError` carrying the same list.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from bot.content.schema import Content, Exercise, Guide, Routine, SelfTest, looks_like_slug
from bot.content.search import compact, loose, names_of

EXERCISES_FILE = "exercises.yaml"
ROUTINES_FILE = "routines.yaml"
SELFTESTS_FILE = "selftests.yaml"
GUIDE_FILE = "guide.yaml"


@dataclass(frozen=True)
class Problem:
    file: str
    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}: {self.field}: {self.message}" if self.field else f"{self.file}: {self.message}"


class ContentError(Exception):
    def __init__(self, problems: list[Problem]) -> None:
        self.problems = list(problems)
        lines = "\n".join(f"  {p}" for p in self.problems[:20])
        more = f"\n  … and {len(self.problems) - 20} more" if len(self.problems) > 20 else ""
        super().__init__(f"{len(self.problems)} content problem(s):\n{lines}{more}")


def default_content_dir() -> Path:
    """The repository's ``content/`` directory."""
    return Path(__file__).resolve().parents[2] / "content"


def _path(parts: tuple[Any, ...] | list[Any]) -> str:
    out = ""
    for part in parts:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


def _message(error: dict[str, Any]) -> str:
    msg = str(error["msg"])
    for prefix in ("Value error, ", "Assertion failed, "):
        if msg.startswith(prefix):
            msg = msg[len(prefix) :]
    if error["type"] in {"missing", "extra_forbidden"}:
        return msg
    value = error.get("input")
    if isinstance(value, (str, int, float, bool)) and not isinstance(value, dict):
        shown = repr(value)
        if len(shown) > 60:
            shown = shown[:57] + "…'"
        msg += f" (got {shown})"
    return msg


class _Reader:
    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.problems: list[Problem] = []

    def label(self, filename: str) -> str:
        return f"{self.directory.name}/{filename}"

    def add(self, filename: str, field: str, message: str) -> None:
        self.problems.append(Problem(self.label(filename), field, message))

    def read_yaml(self, filename: str) -> Any:
        path = self.directory / filename
        if not path.is_file():
            self.add(filename, "", "file is missing")
            return None
        try:
            return yaml.safe_load(path.read_text(encoding="utf-8"))
        except UnicodeDecodeError as exc:
            self.add(filename, "", f"not UTF-8 text: {exc}")
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            where = f"line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
            problem = getattr(exc, "problem", None) or str(exc)
            context = getattr(exc, "context", None)
            text = f"YAML syntax error: {problem}" + (f" ({context})" if context else "")
            self.add(filename, where, text)
        return None

    def validate(self, model: type[BaseModel], data: Any, filename: str, prefix: list[Any]) -> Any:
        try:
            return model.model_validate(data)
        except ValidationError as exc:
            for error in exc.errors():
                self.add(filename, _path([*prefix, *error["loc"]]), _message(error))
        return None

    def read_list(self, filename: str, key: str, model: type[BaseModel]) -> list[tuple[int, Any]]:
        """Valid items of the list under ``key``, each with its index in the file."""
        data = self.read_yaml(filename)
        if data is None:
            if (self.directory / filename).is_file() and not any(p.file == self.label(filename) for p in self.problems):
                self.add(filename, key, "file is empty")
            return []
        if not isinstance(data, dict) or key not in data:
            self.add(filename, key, f"expected a mapping with a '{key}:' list at the top")
            return []
        for extra in sorted(set(data) - {key}, key=str):
            self.add(filename, str(extra), "unexpected top-level key")
        items = data[key]
        if not isinstance(items, list):
            self.add(filename, key, "expected a list")
            return []
        out = []
        for index, raw in enumerate(items):
            model_obj = self.validate(model, raw, filename, [key, index])
            if model_obj is not None:
                out.append((index, model_obj))
        return out


def _unique_slugs(reader: _Reader, filename: str, key: str, items: list[tuple[int, Any]]) -> dict[str, Any]:
    by_slug: dict[str, Any] = {}
    first: dict[str, int] = {}
    for index, item in items:
        if item.slug in by_slug:
            reader.add(
                filename, f"{key}[{index}].slug", f"duplicate slug {item.slug!r} (first at {key}[{first[item.slug]}])"
            )
            continue
        by_slug[item.slug] = item
        first[item.slug] = index
    return by_slug


def _hint(slug: str, known: dict[str, Any]) -> str:
    close = difflib.get_close_matches(slug, list(known), n=1)
    return f"; did you mean {close[0]!r}?" if close else ""


def _check_exercises(reader: _Reader, items: list[tuple[int, Exercise]], exercises: dict[str, Exercise]) -> None:
    f = EXERCISES_FILE
    # Every name, alias and slug must lead to one exercise only.
    owner: dict[str, str] = {}
    for index, ex in items:
        if exercises.get(ex.slug) is not ex:
            continue
        mine: set[str] = set()
        for pos, name in enumerate(names_of(ex)):
            field = "name" if pos == 0 else ("slug" if pos == len(ex.aliases) + 1 else f"aliases[{pos - 1}]")
            for key in {compact(name), loose(name)}:
                other = owner.get(key)
                if other is not None and other != ex.slug:
                    reader.add(f, f"exercises[{index}].{field}", f"{name!r} also names exercise {other!r}")
                    break
            mine |= {compact(name), loose(name)}
        for key in mine:
            owner.setdefault(key, ex.slug)
    for index, ex in items:
        for which in ("easier", "harder"):
            value = getattr(ex, which)
            if value and looks_like_slug(value) and value not in exercises:
                reader.add(f, f"exercises[{index}].{which}", f"unknown exercise {value!r}{_hint(value, exercises)}")


def _check_routines(
    reader: _Reader, items: list[tuple[int, Routine]], exercises: dict[str, Exercise], routines: dict[str, Routine]
) -> None:
    f = ROUTINES_FILE
    for index, routine in items:
        lists = [(f"routines[{index}].items", routine.items)]
        for s, stage in enumerate(routine.progression.stages):
            if stage.items is not None:
                lists.append((f"routines[{index}].progression.stages[{s}].items", stage.items))
        for prefix, routine_items in lists:
            for i, item in enumerate(routine_items):
                if item.exercise not in exercises:
                    reader.add(
                        f,
                        f"{prefix}[{i}].exercise",
                        f"unknown exercise {item.exercise!r}{_hint(item.exercise, exercises)}",
                    )
    defaults = [r.slug for r in routines.values() if r.default]
    if routines and len(defaults) != 1:
        found = ", ".join(defaults) if defaults else "none"
        reader.add(f, "routines[*].default", f"exactly one routine must have default: true (found {found})")


def _check_selftests(reader: _Reader, items: list[tuple[int, SelfTest]], exercises: dict[str, Exercise]) -> None:
    f = SELFTESTS_FILE
    for index, test in items:
        for o, outcome in enumerate(test.outcomes):
            prefix = f"selftests[{index}].outcomes[{o}]"
            known = []
            for e, slug in enumerate(outcome.exercises):
                if slug not in exercises:
                    reader.add(f, f"{prefix}.exercises[{e}]", f"unknown exercise {slug!r}{_hint(slug, exercises)}")
                else:
                    known.append(exercises[slug])
            if outcome.weak and known:
                # Isolation first, loading after: once a loaded exercise appears, no activation work follows.
                kinds = [ex.type for ex in known if ex.type != "stretch"]
                if "activation" not in kinds:
                    reader.add(f, f"{prefix}.exercises", "a weak outcome should start with activation work")
                elif "loaded" in kinds and "activation" in kinds[kinds.index("loaded") :]:
                    reader.add(f, f"{prefix}.exercises", "list activation exercises before loaded ones")


def _check_guide(reader: _Reader, guide: Guide, exercises: dict[str, Exercise]) -> None:
    f = GUIDE_FILE
    used: dict[str, str] = {}
    for ex in exercises.values():
        for muscle in ex.muscles:
            used.setdefault(muscle, ex.slug)
    for muscle, slug in sorted(used.items()):
        if muscle not in guide.muscles:
            reader.add(f, "muscles", f"no entry for {muscle!r} (used by {slug!r})")
    links = [("hip_flexor_stretch", guide.hip_flexor_stretch)] if guide.hip_flexor_stretch else []
    links += [(f"after_run_stretches[{i}]", slug) for i, slug in enumerate(guide.after_run_stretches)]
    for field, slug in links:
        if slug not in exercises:
            reader.add(f, field, f"unknown exercise {slug!r}{_hint(slug, exercises)}")
        elif exercises[slug].type != "stretch":
            reader.add(f, field, f"{slug!r} is not a stretch")


def _read(directory: Path) -> tuple[Content | None, list[Problem]]:
    reader = _Reader(Path(directory))
    if not reader.directory.is_dir():
        reader.add("", "", f"content directory {reader.directory} does not exist")
        return None, reader.problems

    exercise_items = reader.read_list(EXERCISES_FILE, "exercises", Exercise)
    routine_items = reader.read_list(ROUTINES_FILE, "routines", Routine)
    selftest_items = reader.read_list(SELFTESTS_FILE, "selftests", SelfTest)
    guide_data = reader.read_yaml(GUIDE_FILE)
    guide = None
    if guide_data is not None:
        guide = reader.validate(Guide, guide_data, GUIDE_FILE, [])
    elif (reader.directory / GUIDE_FILE).is_file() and not any(
        p.file == reader.label(GUIDE_FILE) for p in reader.problems
    ):
        reader.add(GUIDE_FILE, "", "file is empty")

    exercises = _unique_slugs(reader, EXERCISES_FILE, "exercises", exercise_items)
    routines = _unique_slugs(reader, ROUTINES_FILE, "routines", routine_items)
    selftests = _unique_slugs(reader, SELFTESTS_FILE, "selftests", selftest_items)

    _check_exercises(reader, exercise_items, exercises)
    _check_routines(reader, routine_items, exercises, routines)
    _check_selftests(reader, selftest_items, exercises)
    if guide is not None:
        _check_guide(reader, guide, exercises)

    if reader.problems or guide is None:
        return None, reader.problems
    content = Content(exercises=exercises, routines=routines, selftests=selftests, guide=guide)
    return content, []


def check_content(directory: Path) -> list[Problem]:
    """Every problem in the content directory; an empty list means it loads."""
    return _read(directory)[1]


def load_content(directory: Path | None = None) -> Content:
    """The validated content; raises :class:`ContentError` listing all problems."""
    content, problems = _read(directory if directory is not None else default_content_dir())
    if content is None:
        raise ContentError(problems or [Problem(str(directory), "", "content could not be loaded")])
    return content
