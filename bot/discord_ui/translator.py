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
from collections.abc import Callable, Iterable, Iterator

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


def _paths(commands: Iterable[app_commands.Command | app_commands.Group]) -> Iterator[
        app_commands.Command | app_commands.Group]:
    for command in commands:
        yield command
        if isinstance(command, app_commands.Group):
            yield from _paths(command.commands)


def mention_rewriter(translator: CatalogueTranslator, locale: str,
                     commands: Iterable[app_commands.Command | app_commands.Group]) -> Callable[[str], str]:
    """A function that writes every command a text names (``/glutes safety``, ``/club setup language:fr``)
    the way a member whose Discord is in ``locale`` sees it in the command list (``/gesäß sicherheit``,
    ``/club einrichten sprache:fr``): the names come from the same translator the tree is pushed with."""

    def name(token: str, where: Where) -> str:
        return translator.translated(token, locale, where) or token

    written: dict[str, tuple[str, dict[str, str]]] = {}
    for command in _paths(commands):
        local = " ".join(name(token, Where.command_name) for token in command.qualified_name.split())
        options = {} if isinstance(command, app_commands.Group) else {
            p.display_name: name(p.display_name, Where.parameter_name) for p in command.parameters}
        written[command.qualified_name] = (local, options)
    if not written:
        return lambda text: text
    # The longest path first, so "/glutes progression reset" is not read as "/glutes" and two words.
    alternatives = "|".join(re.escape(path) for path in sorted(written, key=len, reverse=True))
    pattern = re.compile(rf"(?<![\w/<:]){'/'}({alternatives})(?![\w-])((?: [\w-]+:[^\s`]*)*)")
    option = re.compile(r" ([\w-]+):")

    def one(match: re.Match[str]) -> str:
        local, options = written[match.group(1)]
        tail = option.sub(lambda m: f" {options.get(m.group(1), m.group(1))}:", match.group(2))
        return f"/{local}{tail}"

    return lambda text: pattern.sub(one, text) if "/" in text else text


def localize_mentions(translator: CatalogueTranslator,
                      commands: Iterable[app_commands.Command | app_commands.Group]) -> int:
    """Rewrites the commands every catalogue's texts name into that language's command names (once, at
    start). Returns how many texts changed."""
    tree = list(commands)
    languages = translator.languages
    return sum(
        languages.rewrite(code, mention_rewriter(translator, code.replace("_", "-"), tree), keep=_NAMES | {CHOICE})
        for code in languages.catalogue_codes
    )
