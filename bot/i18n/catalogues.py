"""Keeping the catalogues whole: extract every message from the code, update each language's ``.po``
files, and list what a language lacks.

Two domains, each its own file per language: ``content`` holds the messages of ``bot/content/`` (how a
dose, a rest or a step reads), ``messages`` everything else the bot says. Messages that are not calls in
the code (the slash commands' names and descriptions) are added by whoever knows them, as
:class:`Extra` entries.

``gluteclub i18n extract`` writes ``locales/<domain>.pot``; ``gluteclub i18n update`` brings every
language's ``.po`` up to date with it (new messages empty, gone ones dropped); ``gluteclub i18n check``
lists what is missing. A test runs the check on the shipped catalogues.
"""

from __future__ import annotations

import re
import string
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from babel.messages.catalog import Catalog, Message
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po, write_po

from bot.i18n import KEYWORDS, LOCALES_DIR

PACKAGE_DIR = LOCALES_DIR.parent.parent  # bot/
DOMAINS = ("messages", "content")
_CONTENT_CODE = "content/"
_HEADER = "# gluteclub: the bot's messages, {language}.\n#"


def _new_catalogue(locale: str | None = None) -> Catalog:
    return Catalog(
        locale=locale, project="gluteclub", version="1", msgid_bugs_address="", last_translator="gluteclub",
        language_team="gluteclub", header_comment=_HEADER.format(language=locale or "template"), fuzzy=False,
    )


@dataclass(frozen=True)
class Extra:
    """A message that is not a call in the code, e.g. a command's name; ``context`` as for ``tr.tc``."""

    id: str
    context: str | None = None
    where: str = ""


@dataclass(frozen=True)
class Problem:
    language: str
    domain: str
    message: str
    context: str | None
    problem: str

    def __str__(self) -> str:
        where = f"{self.context}: " if self.context else ""
        return f"{self.language}/{self.domain}.po: {where}{self.message!r}: {self.problem}"


def _domain_of(path: str) -> str:
    return "content" if path.replace("\\", "/").startswith(_CONTENT_CODE) else "messages"


def extract(extras: Iterable[Extra] = (), package_dir: Path = PACKAGE_DIR) -> dict[str, Catalog]:
    """Every message in the code under ``package_dir`` (and ``extras``), one template per domain."""
    templates = {domain: _new_catalogue() for domain in DOMAINS}
    skip = {"i18n/catalogues.py"}  # its own docs show calls that are examples
    found = extract_from_dir(
        str(package_dir),
        method_map=[("**/locales/**", "ignore"), ("**.py", "python")],
        keywords=KEYWORDS,
        comment_tags=("i18n:",),
        strip_comment_tags=True,
    )
    for filename, lineno, message, comments, context in found:
        if filename.replace("\\", "/") in skip:
            continue
        templates[_domain_of(filename)].add(
            message, locations=[(f"bot/{filename}", lineno)], auto_comments=comments, context=context,
            flags=("python-brace-format",) if _placeholders(message if isinstance(message, str) else message[1])
            else (),
        )
    for extra in extras:
        templates["messages"].add(extra.id, context=extra.context, locations=[(extra.where, 0)] if extra.where else ())
    return templates


def write_templates(templates: dict[str, Catalog], directory: Path = LOCALES_DIR) -> list[Path]:
    paths = []
    for domain, template in templates.items():
        path = directory / f"{domain}.pot"
        with path.open("wb") as handle:
            write_po(handle, template, width=100, sort_output=True, omit_header=False)
        paths.append(path)
    return paths


def languages_in(directory: Path = LOCALES_DIR) -> list[str]:
    return sorted(p.name for p in directory.iterdir() if (p / "LC_MESSAGES").is_dir()) if directory.is_dir() else []


def update(templates: dict[str, Catalog], directory: Path = LOCALES_DIR, new: Iterable[str] = ()) -> list[Path]:
    """Each language's ``.po`` files brought up to date with ``templates``; ``new`` languages created."""
    written = []
    for code in sorted({*languages_in(directory), *new}):
        for domain, template in templates.items():
            path = directory / code / "LC_MESSAGES" / f"{domain}.po"
            path.parent.mkdir(parents=True, exist_ok=True)
            if path.exists():
                with path.open("rb") as handle:
                    catalogue = read_po(handle, locale=code)
            else:
                catalogue = _new_catalogue(code)
            catalogue.update(template, no_fuzzy_matching=True)
            catalogue.obsolete.clear()
            with path.open("wb") as handle:
                write_po(handle, catalogue, width=100, sort_output=True, ignore_obsolete=True)
            written.append(path)
    return written


_FIELD = string.Formatter()
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*")


def _placeholders(text: str) -> set[str]:
    """The named fields of a ``str.format`` text (``{points}``, ``{day:%a}`` → ``points``, ``day``)."""
    names = set()
    try:
        for _, field, _, _ in _FIELD.parse(text):
            if field is not None:
                match = _NAME.match(field)
                names.add(match.group(0) if match else field)
    except ValueError:
        names.add("<unbalanced braces>")
    return names


def _message_problems(template: Message, found: Message | None) -> list[str]:
    if found is None:
        return ["missing"]
    if found.fuzzy:
        return ["marked fuzzy (not checked by a translator)"]
    if isinstance(template.id, tuple):
        forms = list(found.string) if isinstance(found.string, tuple | list) else [found.string]
        if not forms or not all(forms):
            return ["a plural form is empty"]
        wanted = _placeholders(template.id[1])
        problems = []
        for index, form in enumerate(forms):
            have = _placeholders(form)
            # A form for exactly one may say "one" in words instead of {count}.
            if have - wanted or (wanted - {"count"}) - have:
                problems.append(f"plural form {index} has placeholders {sorted(have)}, English {sorted(wanted)}")
        return problems
    if not found.string:
        return ["not translated"]
    have, wanted = _placeholders(found.string), _placeholders(template.id)
    if have != wanted:
        return [f"placeholders {sorted(have)} where English has {sorted(wanted)}"]
    return []


def check(templates: dict[str, Catalog], directory: Path = LOCALES_DIR) -> list[Problem]:
    """What each language's catalogues lack against ``templates``: a message, a translation, a placeholder."""
    problems: list[Problem] = []
    for code in languages_in(directory):
        for domain, template in templates.items():
            path = directory / code / "LC_MESSAGES" / f"{domain}.po"
            catalogue = None
            if path.exists():
                with path.open("rb") as handle:
                    catalogue = read_po(handle, locale=code)
            for message in template:
                if not message.id:
                    continue
                found = catalogue.get(message.id, context=message.context) if catalogue is not None else None
                key = message.id[0] if isinstance(message.id, tuple) else message.id
                for problem in _message_problems(message, found):
                    problems.append(Problem(code, domain, key, message.context, problem))
    return problems
