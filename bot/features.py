"""Features register themselves: each feature module has one ``setup(ctx) -> Feature``; ``app.py`` lists them.

A feature hands back its cogs, its persistent buttons (dynamic items), its due-work jobs and its start and
stop hooks. What one feature shares with later ones (e.g. the Done button, which the weekly post carries)
goes in ``ctx.shared`` under a name; the order of :data:`bot.app.FEATURES` is the order of setup.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from apscheduler.schedulers.base import BaseScheduler
from discord.ext import commands

from bot.delivery.discord_output import DiscordOutput
from bot.scheduling.due import DueJob, DueRunner
from bot.services import Services
from bot.settings import Settings

if TYPE_CHECKING:
    import discord


@dataclass
class FeatureContext:
    """What a feature's setup may use. Nothing global: everything arrives here."""

    bot: commands.Bot
    services: Services
    settings: Settings
    scheduler: BaseScheduler
    output: DiscordOutput
    due: DueRunner
    owns: Callable[[int], bool]
    shared: dict[str, Any] = field(default_factory=dict)


@dataclass
class Feature:
    name: str
    cogs: list[commands.Cog] = field(default_factory=list)
    dynamic_items: list[type[discord.ui.DynamicItem[Any]]] = field(default_factory=list)
    # Fixed custom ids (or their prefixes) of buttons that are not dynamic items, e.g. "gc:forget:".
    custom_ids: list[str] = field(default_factory=list)
    due_jobs: list[DueJob[Any]] = field(default_factory=list)
    # After the scheduler is set up (paused): build scheduler jobs from the database.
    on_start: list[Callable[[], Awaitable[Any]]] = field(default_factory=list)
    # Once the gateway is ready (once per process): e.g. catch up on missed posts.
    on_ready: list[Callable[[], Awaitable[Any]]] = field(default_factory=list)
    # On shutdown, given the seconds left: finish or record work in flight.
    on_stop: list[Callable[[float], Awaitable[Any]]] = field(default_factory=list)


FeatureSetup = Callable[[FeatureContext], Feature]
