"""The slash commands as the push sends them: every name, description, option and choice in German, French and
Spanish, names Discord accepts, and every string of the tree in the catalogues."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import discord
import pytest
from babel.messages.pofile import read_po
from discord import app_commands

from bot.discord_ui.translator import (
    CHOICE,
    COMMAND_NAME,
    OPTION_NAME,
    TEXT_MAX,
    CatalogueTranslator,
    cog_commands,
    command_extras,
    valid_name,
)
from bot.i18n import LOCALES_DIR, Languages
from bot.i18n.catalogues import extract
from tests.i18n.test_languages import write_po

# The Discord locales of the shipped catalogues: Spanish of Spain is es-ES (es-419 gets the same catalogue).
LOCALES = ("de", "fr", "es-ES")


async def translated_payload(languages: Languages) -> list[dict[str, Any]]:
    client = discord.Client(intents=discord.Intents.none())
    tree = app_commands.CommandTree(client)
    for command in cog_commands():
        tree.add_command(command)
    translator = CatalogueTranslator(languages)
    await tree.set_translator(translator)
    return [await command.get_translated_payload(tree, translator) for command in tree.get_commands()]


@pytest.fixture(scope="module")
def payload() -> list[dict[str, Any]]:
    return asyncio.run(translated_payload(Languages()))


@pytest.fixture(scope="module")
def same_in() -> dict[str, set[tuple[str | None, str]]]:
    """Per Discord locale, the (context, English) a catalogue translates as the same word ("club", "test"):
    discord.py sends no localisation for those, and Discord shows the English, which is the word."""
    languages = Languages()
    found: dict[str, set[tuple[str | None, str]]] = {}
    for locale in LOCALES:
        code = languages.catalogue_for(locale)
        assert code is not None
        with (LOCALES_DIR / code / "LC_MESSAGES" / "messages.po").open("rb") as handle:
            catalogue = read_po(handle, locale=code)
        found[locale] = {(m.context, m.id) for m in catalogue if m.id and m.string == m.id}
    return found


def _walk(items: list[dict[str, Any]], path: str = "") -> list[tuple[str, dict[str, Any], list[dict[str, Any]]]]:
    """(path, item, its siblings) for every command, sub-command and option."""
    found = []
    for item in items:
        here = f"{path} {item['name']}".strip()
        found.append((here, item, items))
        found += _walk(item.get("options") or [], here)
    return found


def test_every_command_option_and_choice_has_each_language(
    payload: list[dict[str, Any]], same_in: dict[str, set[tuple[str | None, str]]]
) -> None:
    missing = []
    for path, item, _ in _walk(payload):
        for locale in LOCALES:
            same = {(COMMAND_NAME, item["name"]), (OPTION_NAME, item["name"])} & same_in[locale]
            if locale not in (item.get("name_localizations") or {}) and not same:
                missing.append(f"{path}: name in {locale}")
            if item.get("description", "…") != "…" and locale not in (item.get("description_localizations") or {}):
                missing.append(f"{path}: description in {locale}")
            for choice in item.get("choices") or []:
                same = (CHOICE, choice["name"]) in same_in[locale]
                if locale not in (choice.get("name_localizations") or {}) and not same:
                    missing.append(f"{path}: choice {choice['name']!r} in {locale}")
    assert missing == []


def test_translated_names_follow_discords_rules_and_stay_unique(payload: list[dict[str, Any]]) -> None:
    problems = []
    for path, item, siblings in _walk(payload):
        for locale, name in (item.get("name_localizations") or {}).items():
            if not valid_name(name):
                problems.append(f"{path} in {locale}: {name!r} is not a valid name")
            same = [s["name"] for s in siblings if (s.get("name_localizations") or {}).get(locale, s["name"]) == name]
            if len(same) > 1:
                problems.append(f"{path} in {locale}: {name!r} also names {same}")
        for locale, text in (item.get("description_localizations") or {}).items():
            if not 1 <= len(text) <= TEXT_MAX:
                problems.append(f"{path} in {locale}: description of {len(text)} characters")
        for choice in item.get("choices") or []:
            for locale, text in (choice.get("name_localizations") or {}).items():
                if not 1 <= len(text) <= TEXT_MAX:
                    problems.append(f"{path} in {locale}: choice {text!r} is too long")
    assert problems == []


def test_every_language_locale_of_a_catalogue_gets_it_and_english_locales_do_not(
    payload: list[dict[str, Any]],
) -> None:
    glutes = next(c for c in payload if c["name"] == "glutes")
    today = next(o for o in glutes["options"] if o["name"] == "today")
    names = today["name_localizations"]
    assert names["de"] == "heute"
    assert names["es-419"] == names["es-ES"]  # one Spanish catalogue serves both
    assert not {"en-US", "en-GB", "ja"} & set(names)


def test_the_tree_strings_are_in_the_catalogue_templates() -> None:
    templates = extract(command_extras(cog_commands()))["messages"]
    extras = command_extras(cog_commands())
    assert extras, "the tree has strings"
    assert [e for e in extras if templates.get(e.id, context=e.context) is None] == []
    # The language choice of /club setup names each language in its own words: never translated.
    assert all(e.id != "Deutsch" for e in extras)


async def test_a_translated_name_discord_would_refuse_stays_english(tmp_path: Path) -> None:
    write_po(tmp_path, "de", '''
msgctxt "command-name"
msgid "today"
msgstr "Heute Abend"

msgctxt "command-name"
msgid "glutes"
msgstr "gesäß"
''')
    translator = CatalogueTranslator(Languages(tmp_path))
    where = app_commands.TranslationContextLocation.command_name
    assert translator.translated("today", "de", where) is None  # capital letter and a space
    assert translator.translated("glutes", "de", where) == "gesäß"
    assert translator.translated("glutes", "ja", where) is None
    assert translator.translated("glutes", "en-GB", where) is None
    assert COMMAND_NAME == "command-name"


def test_a_club_cog_keeps_its_language_choices_to_itself() -> None:
    from bot.cogs.club import ClubCog

    cog = ClubCog(None, None, None, None, {}, None, Languages())  # type: ignore[arg-type]
    mine = cog.club.get_command("setup")
    assert isinstance(mine, app_commands.Command)
    assert [c.value for c in mine._params["language"].choices] == ["de", "en", "es", "fr"]
    shared = ClubCog.club.get_command("setup")
    assert isinstance(shared, app_commands.Command)
    choices = shared._params["language"].choices
    assert not isinstance(choices, list) or not choices

