"""The command tree: domain errors become friendly ephemeral replies; everything else is logged."""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Awaitable
from typing import Any

import discord
from discord import app_commands

from bot.core.errors import DomainError, TryAgain, quoted
from bot.i18n import ENGLISH, N_, Languages, Texts
from bot.ops import metrics as ops
from bot.ops.metrics import BotMetrics

log = logging.getLogger(__name__)

GENERIC_FAILURE = N_("Sorry, something went wrong on my side. It has been logged; please try again in a minute.")


def club_language(interaction: discord.Interaction) -> str | None:
    """The club's language as the press path's row cache knows it (no database read); None when not cached."""
    services = getattr(interaction.client, "services", None)
    rows = getattr(services, "rows", None)
    if rows is None or interaction.guild_id is None:
        return None
    row = rows.club(interaction.guild_id)
    return row.language if row is not None else None


def texts_for(interaction: discord.Interaction, languages: Languages, club_language_: str | None = None) -> Texts:
    """The language of a private answer to ``interaction``: the member's Discord locale, then the club's
    language (given, or from the row cache, else the server's locale), then English. The one rule every
    private answer follows."""
    guild_locale = interaction.guild_locale if interaction.guild_id is not None else None
    return languages.texts(
        str(interaction.locale) if interaction.locale else None,
        club_language_ or club_language(interaction) or (str(guild_locale) if guild_locale else None),
    )


def texts_of(interaction: discord.Interaction, club_language_: str | None = None) -> Texts:
    """:func:`texts_for` with the bot's own catalogues (English before the services exist)."""
    services = getattr(interaction.client, "services", None)
    languages: Languages | None = getattr(services, "languages", None)
    if languages is None:
        return ENGLISH
    return texts_for(interaction, languages, club_language_)


async def reply_ephemeral(interaction: discord.Interaction, message: str) -> None:
    """Reply privately, whether or not the interaction was already answered or deferred."""
    try:
        if interaction.response.is_done():
            await interaction.followup.send(message, ephemeral=True)
        else:
            await interaction.response.send_message(message, ephemeral=True)
    except discord.HTTPException as error:
        log.warning("could not deliver an error reply for interaction %s (HTTP %s, code %s)", interaction.id,
                    error.status, error.code)


# A snowflake inside a custom id (buttons name their owner): left out of the log, which holds no user ids.
_SNOWFLAKE = re.compile(r"\d{15,20}")


def describe(interaction: discord.Interaction) -> str:
    """The interaction for the log: command or button, interaction, guild and channel ids; no names, no user ids."""
    command = interaction.command.qualified_name if interaction.command else "?"
    custom_id = (interaction.data or {}).get("custom_id")
    if isinstance(custom_id, str):
        custom_id = _SNOWFLAKE.sub("…", custom_id)
    return (
        f"command={command!r} custom_id={custom_id!r} interaction={interaction.id} "
        f"guild={interaction.guild_id} channel={interaction.channel_id}"
    )


def friendly_message(error: BaseException, tr: Texts = ENGLISH) -> str | None:
    """The text to show for an error the member can act on (in the language of ``tr``), or None for a real
    failure."""
    original = error.original if isinstance(error, app_commands.CommandInvokeError) else error
    if isinstance(original, DomainError):
        return original.text(tr)
    if isinstance(error, app_commands.MissingPermissions):
        missing = ", ".join(p.replace("_", " ").title() for p in error.missing_permissions)
        return tr.t("Only members with **{permissions}** can do that.", permissions=missing)
    if isinstance(error, app_commands.NoPrivateMessage):
        return tr.t("That command works inside a club's server, not in direct messages.")
    if isinstance(error, app_commands.CommandOnCooldown):
        return tr.t("Easy there: try again in {seconds} s.", seconds=tr.number(round(error.retry_after)))
    if isinstance(error, app_commands.TransformerError):
        return tr.t("I could not understand {value} for that option.", value=quoted(error.value, 50))
    if isinstance(error, NotAChoice):
        return error.text(tr)
    if isinstance(error, app_commands.CheckFailure):
        return tr.t("You can't use that command here.")
    return None


async def handle_interaction_error(interaction: discord.Interaction, error: BaseException) -> str:
    """Answer privately: a domain error with its own message, anything else with :data:`GENERIC_FAILURE`;
    returns the outcome to count: refused (a friendly reason) or error.

    Every generic answer has its ERROR line first, with the exception (type and traceback) and the ids an
    operator needs to find it: command, interaction, guild, channel.
    """
    original = getattr(error, "original", error)
    tr = texts_of(interaction)
    message = friendly_message(error, tr)
    outcome = ops.REFUSED
    if message is None:
        log.error("unhandled error in %s: %s", describe(interaction), type(original).__name__, exc_info=original)
        message = tr.t(GENERIC_FAILURE)
        outcome = ops.ERROR
        metrics = getattr(interaction.client, "metrics", None)
        if metrics is not None and ops.is_raw_driver_error(original):
            metrics.database_error(type(original).__name__)
    elif isinstance(original, TryAgain):
        cause = original.__cause__
        log.warning("asked to run again (%s) in %s", type(cause).__name__ if cause else "busy", describe(interaction))
    await reply_ephemeral(interaction, message)
    return outcome


# The response types that mean "answer later": a follow-up or an edit comes after them.
_DEFERRED = (
    discord.InteractionResponseType.deferred_channel_message,
    discord.InteractionResponseType.deferred_message_update,
)


def _count(
    metrics: BotMetrics, interaction: discord.Interaction, kind: str, name: str, outcome: str, started: float
) -> None:
    """One handled interaction into the bot's counters."""
    response = interaction.response.type
    if response is None and outcome == ops.OK:
        outcome = ops.UNANSWERED
    metrics.answered(kind, name, outcome, time.perf_counter() - started, response in _DEFERRED)


async def guard(interaction: discord.Interaction, work: Awaitable[None]) -> None:
    """Run a button's callback: any error gets the same friendly handling as a slash command's; counted."""
    started = time.perf_counter()
    outcome = ops.OK
    try:
        await work
    except Exception as error:
        outcome = await handle_interaction_error(interaction, error)
    metrics: BotMetrics | None = getattr(interaction.client, "metrics", None)
    if metrics is not None:
        custom_id = str((interaction.data or {}).get("custom_id", ""))
        _count(metrics, interaction, ops.COMPONENT, ops.component_name(custom_id), outcome, started)


class NotAChoice(app_commands.CheckFailure):
    """An option with a fixed list of choices arrived with a value that is not one of them."""

    def __init__(self, option: str, names: list[str]) -> None:
        self.option, self.names = option, names
        super().__init__(self.text(ENGLISH))

    def text(self, tr: Texts) -> str:
        """The choices as the member's Discord shows them: in their language (the command tree's own)."""
        names = ", ".join(f"`{tr.tc('choice', name)}`" for name in self.names)
        option = tr.tc("option-name", self.option)
        return tr.t("For `{option}`, pick one of: {names}.", option=option, names=names)


def _leaf_options(data: Any) -> list[dict[str, Any]]:
    options = list((data or {}).get("options") or [])
    while options and options[0].get("type") in (1, 2):  # sub-command (group): go one level down
        options = list(options[0].get("options") or [])
    return options


def check_choices(interaction: discord.Interaction) -> None:
    """Discord's own client only offers the listed choices, but the payload is not to be trusted."""
    command = interaction.command
    if interaction.type is not discord.InteractionType.application_command:
        return
    if not isinstance(command, app_commands.Command):
        return
    by_name = {p.display_name: p for p in command.parameters if p.choices}
    for option in _leaf_options(interaction.data):
        parameter = by_name.get(option.get("name", ""))
        if parameter is None:
            continue
        allowed = [c.value for c in parameter.choices]
        if option.get("value") not in allowed:
            raise NotAChoice(parameter.display_name, [c.name for c in parameter.choices])


class ClubCommandTree(app_commands.CommandTree):
    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        check_choices(interaction)
        return True

    async def on_error(self, interaction: discord.Interaction, error: app_commands.AppCommandError) -> None:
        interaction.extras["outcome"] = await handle_interaction_error(interaction, error)

    async def _call(self, interaction: discord.Interaction) -> None:
        # discord.py runs every slash command and autocomplete through this method (in a task of its own): the
        # one place that sees each of them start and end. A failed check raises out of it, and discord.py then
        # calls on_error; the outcome is counted here, from the error, before that reply.
        metrics: BotMetrics | None = getattr(self.client, "metrics", None)
        if metrics is None:
            await super()._call(interaction)
            return
        started = time.perf_counter()
        outcome = None
        try:
            await super()._call(interaction)
        except app_commands.AppCommandError as error:
            outcome = ops.REFUSED if friendly_message(error) is not None else ops.ERROR
            raise
        finally:
            command = interaction.command
            kind = ops.AUTOCOMPLETE if interaction.type is discord.InteractionType.autocomplete else ops.COMMAND
            name = command.qualified_name if command is not None else "other"
            _count(metrics, interaction, kind, name, outcome or interaction.extras.get("outcome", ops.OK), started)


class ClubView(discord.ui.View):
    """A view whose callbacks fail the same friendly way as commands (its callbacks are ``guarded`` too)."""

    async def on_error(
        self, interaction: discord.Interaction, error: Exception, item: discord.ui.Item[discord.ui.View]
    ) -> None:
        await handle_interaction_error(interaction, error)


def stop_listening_views(client: discord.Client) -> None:
    """Stop the views a closed client still listens on: each one with a timeout has a task waiting for it.

    discord.py keeps them in its view store (there is no public list of all of them) and does not stop them
    on close.
    """
    store = client._connection._view_store
    views = {item.view for items in store._views.values() for item in items.values() if item.view is not None}
    views.update(store._synced_message_views.values(), store._modals.values())
    for view in views:
        view.stop()
