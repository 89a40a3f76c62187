"""The slash commands in the member's language: names, descriptions, options and choices from the catalogues.

discord.py asks the translator for every string of the tree once per Discord locale when the tree is pushed
(``tree.sync``) and when the push's fingerprint is taken; Discord then shows each member the names in their
own client's language. The English stays the command's own name: what an interaction carries back.

Each kind of string has its own catalogue context (``command-name``, ``command-description``, ``option-name``,
``option-description``, ``choice``), so "show" the command and "show" the choice can read differently. The
strings are not calls in the code: :func:`command_extras` lists them from the tree for the extractor.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

import discord
from discord import app_commands
from discord.app_commands import TranslationContextLocation as Where

from bot.i18n import Languages
from bot.i18n.catalogues import Extra

COMMAND_NAME = "command-name"
COMMAND_DESCRIPTION = "command-description"
OPTION_NAME = "option-name"
OPTION_DESCRIPTION = "option-description"
CHOICE = "choice"

CONTEXTS: dict[Where, str] = {
    Where.command_name: COMMAND_NAME,
    Where.group_name: COMMAND_NAME,
    Where.command_description: COMMAND_DESCRIPTION,
    Where.group_description: COMMAND_DESCRIPTION,
    Where.parameter_name: OPTION_NAME,
    Where.parameter_description: OPTION_DESCRIPTION,
    Where.choice_name: CHOICE,
}
_NAMES = {COMMAND_NAME, OPTION_NAME}
# Discord's rule for a command or option name, in any language (its ``\p{L}\p{N}`` are ``\w`` here); the
# letters must also be lowercase where the script has case.
NAME_RULE = re.compile(r"^[-_'\w]{1,32}$")
TEXT_MAX = 100  # a description or a choice's name


def valid_name(name: str) -> bool:
    return bool(NAME_RULE.match(name)) and name == name.lower()


class CatalogueTranslator(app_commands.Translator):
    """Reads the command strings from the catalogues; English (``None``) where a catalogue lacks one, where
    the locale has no catalogue, or where a translated name would break Discord's rules."""

    def __init__(self, languages: Languages) -> None:
        self.languages = languages

    async def translate(
        self, string: app_commands.locale_str, locale: discord.Locale, context: app_commands.TranslationContext
    ) -> str | None:
        return self.translated(string.message, locale.value, context.location)

    def translated(self, message: str, locale: str, location: Where) -> str | None:
        kind = CONTEXTS.get(location)
        if kind is None or self.languages.catalogue_for(locale) is None:
            return None
        text = self.languages.texts(locale).tc(kind, message)
        if text == message:
            return None
        if kind in _NAMES:
            return text if valid_name(text) else None
        return text if len(text) <= TEXT_MAX else None


def walk(commands: Iterable[app_commands.Command | app_commands.Group]) -> Iterator[tuple[str, str]]:
    """Every (context, English) string of ``commands``, sub-commands, options and choices included."""
    for command in commands:
        yield COMMAND_NAME, command.name
        yield COMMAND_DESCRIPTION, command.description
        if isinstance(command, app_commands.Group):
            yield from walk(command.commands)
            continue
        for parameter in command.parameters:
            yield OPTION_NAME, parameter.display_name
            yield OPTION_DESCRIPTION, parameter.description
            for choice in parameter.choices:
                yield CHOICE, choice.name


def command_extras(commands: Iterable[app_commands.Command | app_commands.Group]) -> list[Extra]:
    """The tree's strings as catalogue entries, for ``update-catalogues``."""
    seen: dict[tuple[str, str], None] = {}
    for context, message in walk(commands):
        if message:
            seen.setdefault((context, message), None)
    return [Extra(message, context, where="command-tree") for context, message in seen]


def cog_commands() -> list[app_commands.Command | app_commands.Group]:
    """The top-level slash commands every feature's cog defines (their class-level definitions: the same
    strings as the bot's tree, without building the bot)."""
    from discord.ext import commands

    import bot.app  # noqa: F401  (imports every cog module)

    found: list[app_commands.Command | app_commands.Group] = []
    pending = list(commands.Cog.__subclasses__())
    while pending:
        cog = pending.pop(0)
        pending.extend(cog.__subclasses__())
        if cog.__module__.startswith("bot.cogs."):
            found.extend(c for c in cog.__cog_app_commands__ if c.parent is None)
    return sorted(found, key=lambda c: c.name)
