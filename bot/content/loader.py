"""Reading and checking the content directory.

``check_content`` collects every problem it can find (YAML syntax, schema errors, duplicates,
links that do not resolve) so that one run of ``gluteclub check-content`` shows them all, each
with its file and field path. ``load_content`` returns the validated :class:`Content` or raises
:class:`ContentError` carrying the same list.
"""

from __future__ import annotations

import difflib
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from bot.content.claims import content_claims
from bot.content.languages import read_translations
from bot.content.pose_checks import figure_problems
from bot.content.poses import POSES_FILE, PoseBook
from bot.content.schema import (
    LEAD_IN_SECONDS_MAX,
    Content,
    Exercise,
    Guide,
    Routine,
    SelfTest,
    lead_in_dose,
    looks_like_slug,
)
from bot.content.search import compact, loose, names_of
from bot.resources import content_dir

# libyaml's parser when PyYAML was built with it: the same safe loading, about ten times faster.
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

EXERCISES_FILE = "exercises.yaml"
ROUTINES_FILE = "routines.yaml"
SELFTESTS_FILE = "selftests.yaml"
GUIDE_FILE = "guide.yaml"
FILES = (EXERCISES_FILE, ROUTINES_FILE, SELFTESTS_FILE, GUIDE_FILE, POSES_FILE)
# Equipment an exercise lists -> the prop its figure must draw.
PROP_FOR_EQUIPMENT = {
    "band": "band",
    "dumbbell": "dumbbells",
    "barbell": "barbell",
    "wall": "wall",
    "step": "step",
    "mat": "mat",
    "chair": "chair",
}


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
    """The content shipped with the package (the repository's ``content/``)."""
    return content_dir()


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
        # Each list as written, valid items or not: links and duplicates are checked on these, so that
        # one bad field neither hides other problems nor makes every link to its item look broken.
        self.raw: dict[str, list[Any]] = {}
        self.raw_guide: dict[str, Any] | None = None

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
            return yaml.load(path.read_text(encoding="utf-8"), Loader=_YAML_LOADER)
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
        self.raw[key] = items
        out = []
        for index, raw in enumerate(items):
            model_obj = self.validate(model, raw, filename, [key, index])
            if model_obj is not None:
                out.append((index, model_obj))
        return out


def _get(data: Any, *path: str | int) -> Any:
    """``data[path[0]][path[1]]…``, or None where the structure is not as expected."""
    for part in path:
        if isinstance(part, int):
            if not isinstance(data, list) or part >= len(data):
                return None
        elif not isinstance(data, dict):
            return None
        data = data[part] if isinstance(part, int) else data.get(part)
    return data


def _each(data: Any, *path: str | int) -> list[tuple[int, Any]]:
    value = _get(data, *path)
    return list(enumerate(value)) if isinstance(value, list) else []


def _slugs(raw: list[Any]) -> list[tuple[int, str]]:
    return [(i, item["slug"]) for i, item in enumerate(raw) if isinstance(_get(item, "slug"), str)]


def _unique_slugs(reader: _Reader, filename: str, key: str, items: list[tuple[int, Any]]) -> dict[str, Any]:
    first: dict[str, int] = {}
    for index, slug in _slugs(reader.raw.get(key, [])):
        if slug in first:
            reader.add(filename, f"{key}[{index}].slug", f"duplicate slug {slug!r} (first at {key}[{first[slug]}])")
        else:
            first[slug] = index
    return {item.slug: item for index, item in items if first.get(item.slug) == index}


def _link_fields(reader: _Reader) -> list[tuple[str, str, str]]:
    """(file, field, slug) for every place the content names an exercise by slug."""
    links: list[tuple[str, str, str]] = []
    for i, item in enumerate(reader.raw.get("exercises", [])):
        for which in ("easier", "harder"):
            value = _get(item, which)
            if isinstance(value, str) and looks_like_slug(value):
                links.append((EXERCISES_FILE, f"exercises[{i}].{which}", value))
    for r, routine in enumerate(reader.raw.get("routines", [])):
        places = [(f"routines[{r}].items", _each(routine, "items"))]
        for s, step in _each(routine, "progression", "steps"):
            places.append((f"routines[{r}].progression.steps[{s}].items", _each(step, "items")))
        for prefix, entries in places:
            for j, entry in entries:
                slug = _get(entry, "exercise")
                if isinstance(slug, str):
                    links.append((ROUTINES_FILE, f"{prefix}[{j}].exercise", slug))
    for t, test in enumerate(reader.raw.get("selftests", [])):
        for o, outcome in _each(test, "outcomes"):
            lead_in = _get(outcome, "lead_in")
            if isinstance(lead_in, str):
                links.append((SELFTESTS_FILE, f"selftests[{t}].outcomes[{o}].lead_in", lead_in))
            for g, stage in _each(outcome, "stages"):
                for e, slug in _each(stage, "exercises"):
                    if isinstance(slug, str):
                        links.append((SELFTESTS_FILE, f"selftests[{t}].outcomes[{o}].stages[{g}].exercises[{e}]", slug))
    guide = reader.raw_guide
    if isinstance(_get(guide, "hip_flexor_stretch"), str):
        links.append((GUIDE_FILE, "hip_flexor_stretch", guide["hip_flexor_stretch"]))
    for i, slug in _each(guide, "after_run_stretches"):
        if isinstance(slug, str):
            links.append((GUIDE_FILE, f"after_run_stretches[{i}]", slug))
    return links


def _check_links(reader: _Reader) -> None:
    if "exercises" not in reader.raw:
        return  # the exercise list could not be read: every link would look broken
    known = {slug for _, slug in _slugs(reader.raw["exercises"])}
    for filename, field, slug in _link_fields(reader):
        if slug not in known:
            reader.add(filename, field, f"unknown exercise {slug!r}{_hint(slug, known)}")


def _check_default_routine(reader: _Reader) -> None:
    raw = reader.raw.get("routines")
    if not raw:
        return
    defaults = [str(_get(r, "slug") or f"routines[{i}]") for i, r in enumerate(raw) if _get(r, "default") is True]
    if len(defaults) != 1:
        found = ", ".join(defaults) if defaults else "none"
        reader.add(ROUTINES_FILE, "routines[*].default", f"exactly one routine must have default: true (found {found})")


def _hint(slug: str, known: Collection[str]) -> str:
    close = difflib.get_close_matches(slug, list(known), n=1)
    return f"; did you mean {close[0]!r}?" if close else ""


def _check_names(reader: _Reader, items: list[tuple[int, Exercise]]) -> None:
    f = EXERCISES_FILE
    # Every name, alias and slug must lead to one exercise only (ignoring case, spacing, plural s).
    users: dict[str, dict[str, tuple[int, str, str]]] = {}
    for index, ex in items:
        for pos, name in enumerate(names_of(ex)):
            field = "name" if pos == 0 else ("slug" if pos == len(ex.aliases) + 1 else f"aliases[{pos - 1}]")
            for key in (compact(name), loose(name)):
                users.setdefault(key, {}).setdefault(ex.slug, (index, field, name))
    reported: set[tuple[str, str]] = set()
    for by_slug in users.values():
        for slug, (index, field, name) in by_slug.items():
            for other in by_slug:
                if other != slug and (slug, other) not in reported:
                    reported.add((slug, other))
                    reader.add(f, f"exercises[{index}].{field}", f"{name!r} also names exercise {other!r}")


def _check_outcome_order(reader: _Reader, items: list[tuple[int, SelfTest]], exercises: dict[str, Exercise]) -> None:
    """A weak result starts with a short activation lead-in, and its stages go from isolation to loading."""
    f = SELFTESTS_FILE
    for index, test in items:
        for o, outcome in enumerate(test.outcomes):
            prefix = f"selftests[{index}].outcomes[{o}]"
            if outcome.lead_in in exercises:
                lead = exercises[outcome.lead_in]
                if lead.type != "activation":
                    reader.add(f, f"{prefix}.lead_in", f"{lead.slug!r} is not activation work")
                elif lead_in_dose(lead.dose).seconds() >= LEAD_IN_SECONDS_MAX:
                    reader.add(f, f"{prefix}.lead_in", "one set of it takes 2 minutes or more")
            if not outcome.weak:
                continue
            valid = [exercises[slug] for stage in outcome.stages for slug in stage.exercises if slug in exercises]
            kinds = [ex.type for ex in valid if ex.type != "stretch"]
            if kinds and kinds[0] != "activation":
                reader.add(f, f"{prefix}.stages", "a weak outcome should start with activation work")
            elif "loaded" in kinds and "activation" in kinds[kinds.index("loaded") :]:
                reader.add(f, f"{prefix}.stages", "list activation exercises before loaded ones")


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
        if slug in exercises and exercises[slug].type != "stretch":
            reader.add(f, field, f"{slug!r} is not a stretch")


def _read_poses(reader: _Reader, exercises: dict[str, Exercise]) -> PoseBook | None:
    """The figures: one per exercise and self-test, each with both poses, sound joints and its props."""
    data = reader.read_yaml(POSES_FILE)
    if data is None:
        if (reader.directory / POSES_FILE).is_file() and not any(
            p.file == reader.label(POSES_FILE) for p in reader.problems
        ):
            reader.add(POSES_FILE, "", "file is empty")
        return None
    book = reader.validate(PoseBook, data, POSES_FILE, [])
    if book is None:
        return None
    for kind, figures in (("exercises", book.exercises), ("selftests", book.selftests)):
        if kind not in reader.raw:  # that file could not be read: its own problem is reported
            continue
        known = {slug for _, slug in _slugs(reader.raw[kind])}
        for slug in sorted(set(known) - set(figures)):
            reader.add(POSES_FILE, f"{kind}.{slug}", "no figure: give it a start and an end pose")
        for slug in sorted(set(figures) - set(known)):
            reader.add(POSES_FILE, f"{kind}.{slug}", f"figure for an unknown {kind[:-1]}{_hint(slug, known)}")
        for slug, figure in figures.items():
            for field, message in figure_problems(figure, book.skeleton):
                reader.add(POSES_FILE, f"{kind}.{slug}.{field}", message)
    for slug, exercise in exercises.items():
        figure = book.exercises.get(slug)
        if figure is None:
            continue
        for item in exercise.equipment:
            prop = PROP_FOR_EQUIPMENT.get(item)
            if prop and not getattr(figure.props, prop):
                reader.add(POSES_FILE, f"exercises.{slug}.props.{prop}", f"the exercise uses a {item}: draw it")
    return book


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
        reader.raw_guide = guide_data if isinstance(guide_data, dict) else None
        guide = reader.validate(Guide, guide_data, GUIDE_FILE, [])
    elif (reader.directory / GUIDE_FILE).is_file() and not any(
        p.file == reader.label(GUIDE_FILE) for p in reader.problems
    ):
        reader.add(GUIDE_FILE, "", "file is empty")

    exercises = _unique_slugs(reader, EXERCISES_FILE, "exercises", exercise_items)
    routines = _unique_slugs(reader, ROUTINES_FILE, "routines", routine_items)
    selftests = _unique_slugs(reader, SELFTESTS_FILE, "selftests", selftest_items)

    _check_names(reader, exercise_items)
    _check_links(reader)
    _check_default_routine(reader)
    _check_outcome_order(reader, selftest_items, exercises)
    for key, field, message in content_claims(exercise_items, routine_items, selftest_items, exercises):
        reader.add({"exercises": EXERCISES_FILE, "routines": ROUTINES_FILE, "selftests": SELFTESTS_FILE}[key],
                   field, message)
    if guide is not None:
        _check_guide(reader, guide, exercises)
    poses = _read_poses(reader, exercises)

    if reader.problems or guide is None:
        order = {reader.label(name): rank for rank, name in enumerate(FILES)}
        return None, sorted(reader.problems, key=lambda p: order.get(p.file, -1))
    content = Content(exercises=exercises, routines=routines, selftests=selftests, guide=guide, poses=poses)
    return content, []


def check_content(directory: Path) -> list[Problem]:
    """Every problem in the content directory, its translations' too; an empty list means it loads."""
    content, problems = _read(directory)
    if content is None:
        return problems
    from bot.content.translations import check_translations  # it checks against the loaded English

    return check_translations(content, Path(directory))


def load_content(directory: Path | None = None) -> Content:
    """The validated content; raises :class:`ContentError` listing all problems."""
    directory = directory if directory is not None else default_content_dir()
    content, problems = _read(directory)
    if content is None:
        raise ContentError(problems or [Problem(str(directory), "", "content could not be loaded")])
    return content.with_translations(read_translations(directory))
