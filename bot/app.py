"""The bot: one subclass, cogs built with their services, scheduler owned by the bot's lifetime."""

from __future__ import annotations

import asyncio
import gc
import hashlib
import json
import logging
from typing import Any

import discord
import yarl
from discord.ext import commands

from bot.cogs import (
    challenges,
    checkins,
    club,
    glutes,
    nudges,
    privacy,
    progression,
    retests,
    selftests,
    standups,
    winner_role,
)
from bot.delivery.discord_output import DiscordOutput, sweep_buckets_less_often
from bot.discord_ui.translator import CatalogueTranslator, localize_mentions
from bot.features import Feature, FeatureContext, FeatureSetup
from bot.ops.metrics import BotMetrics
from bot.ops.server import HealthServer
from bot.pacing import Pacer, process_share
from bot.scheduling.due import DueRunner
from bot.scheduling.executor import make_scheduler, stop_scheduler
from bot.services import Services
from bot.settings import Settings
from bot.tasks import finish_tasks
from bot.tree import ClubCommandTree, stop_listening_views

log = logging.getLogger(__name__)

COMMANDS_KEY = "commands_fingerprint"

# Every feature, in setup order: progression's feel buttons go under check-ins' Done button, which the
# /glutes plan and the weekly post carry.
FEATURES: tuple[FeatureSetup, ...] = (
    progression.setup, checkins.setup, glutes.setup, privacy.setup, selftests.setup, club.setup, standups.setup,
    nudges.setup, retests.setup, challenges.setup, winner_role.setup,
)


def point_discord_at(api_base: str | None, gateway_url: str | None) -> None:
    """Send REST and gateway traffic to a proxy (or a local stand-in) instead of discord.com.

    discord.py reads both from class attributes, so this is process-wide by nature.
    """
    if api_base:
        discord.http.Route.BASE = api_base.rstrip("/")
    if gateway_url:
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(gateway_url)


def make_intents() -> discord.Intents:
    intents = discord.Intents.none()
    intents.guilds = True
    # Leaving members drop off the boards: GUILD_MEMBER_REMOVE needs this (privileged) intent.
    intents.members = True
    return intents


def freeze_startup_heap() -> None:
    """Exempt what start-up built (modules, content, the guild cache, the jobs) from the cyclic collector.

    Those objects live as long as the process. Left in the collector's oldest generation, every full
    collection walks all of them: 70–240 ms with the event loop stopped, seen as stalls in a burst of
    presses. Frozen, a full collection walks only what was made since. Called once before connecting and
    once after the start-up steps; the second collection walks only what came in between.
    """
    gc.collect()
    gc.freeze()
    log.info("start-up heap frozen: %d objects left out of full collections", gc.get_freeze_count())


class _ClubBotMixin(commands.bot.BotBase):
    settings: Settings
    services: Services
    # Seconds before each retry of a failed command push; the last one repeats.
    PUSH_RETRY_DELAYS: tuple[float, ...] = (30, 120, 600)

    def __init__(
        self, settings: Settings, services: Services, *, start_jobs: bool = True, metrics: BotMetrics | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(
            command_prefix=commands.when_mentioned,
            intents=make_intents(),
            tree_cls=ClubCommandTree,
            help_command=None,
            chunk_guilds_at_startup=False,
            member_cache_flags=discord.MemberCacheFlags.none(),
            guild_ready_timeout=settings.guild_ready_timeout,
            max_messages=None,
            allowed_mentions=discord.AllowedMentions(everyone=False, users=True, roles=True),
            **kwargs,
        )
        self.settings = settings
        self.services = services
        self.start_jobs = start_jobs
        self.scheduler = make_scheduler()
        self._background: set[asyncio.Task[None]] = set()
        self._closing_all: asyncio.Future[None] | None = None
        # Counters for /metrics (None when HEALTH_PORT is not set: nothing is counted).
        self.metrics = metrics
        self.health: HealthServer | None = None
        self._ignore_ready_after_close()

    def _ignore_ready_after_close(self) -> None:
        """Drop a READY that arrives once the close has begun.

        A reconnect under way when the bot closes (a refused resume, a dropped gateway) can still identify and
        get its READY after the close ended the waits for guilds (:meth:`_end_ready_waits`). discord.py would
        start another such wait for it, which nothing ends: a task left running after the close.
        """
        parsers = self._connection.parsers
        parse_ready = parsers["READY"]

        def ready_unless_closed(data: Any) -> None:
            if not self.is_closed():
                parse_ready(data)

        parsers["READY"] = ready_unless_closed

    async def setup_hook(self) -> None:
        if self.metrics is not None and self.settings.health_port is not None:
            # First, so /healthz answers (503, not ready) while the rest starts.
            health = HealthServer(
                self, self.metrics, self.services.sessions, self.services.clock, host=self.settings.health_host,
                port=self.settings.health_port, db_timeout=self.settings.health_db_timeout,
            )
            await health.start()
            self.health = health
        # Posts, notices and DMs share this process's part of the token's global budget (its shards' share).
        share = process_share(self.settings.shard_count, self.settings.shard_ids)
        self.output = DiscordOutput(self, Pacer(per_second=self.settings.bulk_sends_per_second * share),
                                    metrics=self.metrics)
        sweep_buckets_less_often(self.http)
        self.due = DueRunner(self.services.clock, notifier=self.output)
        ctx = FeatureContext(
            bot=self, services=self.services, settings=self.settings, scheduler=self.scheduler, output=self.output,
            due=self.due, owns=self.owns_guild,
        )
        self.features: list[Feature] = []
        for setup in FEATURES:
            feature = setup(ctx)
            self.features.append(feature)
            self.add_dynamic_items(*feature.dynamic_items)
            for cog in feature.cogs:
                await self.add_cog(cog)
            for job in feature.due_jobs:
                self.due.register(job)
        self.shared = ctx.shared
        # The commands' names and descriptions in each member's language, read from the catalogues.
        translator = CatalogueTranslator(self.services.languages)
        await self.tree.set_translator(translator)
        # A sentence that names a command names it as the reader's Discord lists it.
        localize_mentions(translator, self.tree.get_commands())
        if self.start_jobs and self.settings.sync_commands_on_start:
            await self._push_commands_or_retry_later()
        if self.start_jobs:
            # One job serves every feature's due work: each item's due time is a database row.
            seconds = self.settings.due_tick_seconds
            self.scheduler.add_job(
                self.due.tick, "interval", seconds=seconds, id="due:tick",
                max_instances=1, coalesce=True, misfire_grace_time=int(seconds), replace_existing=True,
            )
            # Start paused so jobs land in the real store (replace_existing applies), then run.
            self.scheduler.start(paused=True)
            for feature in self.features:
                for start in feature.on_start:
                    await start()
            self.scheduler.resume()
            # Catch-up needs the gateway up; run it once from here, not from on_ready (which repeats).
            self._background.add(asyncio.create_task(self._when_ready()))
            if self.settings.freeze_startup_heap:
                # Most of the heap (modules, content, features) exists now, before any interaction can
                # arrive: the one long collection happens here. The guild cache is frozen after ready.
                freeze_startup_heap()
        log.info("setup complete: %d features, %d cogs, scheduler %s", len(self.features), len(self.cogs),
                 "on" if self.start_jobs else "off")

    async def _push_commands_or_retry_later(self) -> None:
        """Push the commands if they changed; a failure is logged and retried later, never fatal."""
        if await self._try_push(attempt=1):
            return
        self._background.add(asyncio.create_task(self._retry_push()))

    async def _try_push(self, attempt: int) -> bool:
        try:
            await self.sync_if_changed()
        except Exception as error:  # Discord or the database: the bot still serves the commands it has
            delays = self.PUSH_RETRY_DELAYS
            wait = delays[min(attempt - 1, len(delays) - 1)]
            log.warning("pushing the slash commands failed (attempt %d: %s: %s); trying again in %g s",
                        attempt, type(error).__name__, str(error).splitlines()[0][:200] if str(error) else "",
                        wait)
            return False
        return True

    async def _retry_push(self) -> None:
        attempt = 1
        while True:
            delays = self.PUSH_RETRY_DELAYS
            await asyncio.sleep(delays[min(attempt - 1, len(delays) - 1)])
            attempt += 1
            if await self._try_push(attempt):
                log.info("slash commands pushed on attempt %d", attempt)
                return

    async def _when_ready(self) -> None:
        await self.wait_until_ready()
        for feature in self.features:
            for hook in feature.on_ready:
                try:
                    await hook()
                except Exception:
                    log.exception("the start-up step of %s failed", feature.name)
        if self.settings.freeze_startup_heap:
            freeze_startup_heap()

    async def on_ready(self) -> None:
        # Fires again after every reconnect: only log here, never (re)start anything.
        log.info("ready as %s in %d guilds", self.user, len(self.guilds))

    async def close(self) -> None:
        """Stop taking new work, let posts and DMs in flight finish (or record them interrupted), then close.

        Everything the bot started is awaited here, not only cancelled, so nothing still uses the database
        when the engine is disposed after this (see bot/tasks.py). One run however often it is called: SIGTERM
        starts it in a task of its own, and the ``async with`` exit (which comes as soon as the gateway is
        closed, halfway through) waits for all of it, so the loop never ends under its last steps.
        """
        if self._closing_all is None:
            self._closing_all = asyncio.ensure_future(self._close_all())
        await asyncio.shield(self._closing_all)

    async def __aexit__(self, *exc: object) -> None:
        # discord.py's exit only waits for its own part of the close when a close has started.
        await self.close()

    async def _close_all(self) -> None:
        grace = self.settings.shutdown_grace_seconds
        stops = [
            stop_scheduler(self.scheduler, grace=grace),
            finish_tasks(self._background, grace=0, what="background task(s)"),
        ]
        stops += [self.due.stop(grace)] if hasattr(self, "due") else []
        stops += [stop(grace) for feature in getattr(self, "features", ()) for stop in feature.on_stop]
        results = await asyncio.gather(*stops, return_exceptions=True)
        for result in results:
            if isinstance(result, Exception):
                log.warning("stopping work in flight failed: %r", result)
        await super().close()
        await self._end_ready_waits()
        stop_listening_views(self)
        if self.health is not None:
            await self.health.stop()
        await self.services.pictures.aclose()
        await self.services.checkins.close()
        await self.services.posts.close()

    async def _end_ready_waits(self) -> None:
        """End discord.py's waits for the guilds of a READY that came just before the close.

        discord.py starts such a wait on every READY and does not end it when the client closes. After a second
        READY it can also lose its own handle on the newer wait (the cancelled older one clears the shared
        attribute as it ends), so the waits are found among the running tasks by what they run.
        """
        state = self._connection
        pending = []
        for task in asyncio.all_tasks():
            coro = task.get_coro()
            frame = getattr(coro, "cr_frame", None)
            if (
                not task.done()
                and getattr(coro, "__name__", "") in {"_delay_ready", "_delay_shard_ready"}
                and frame is not None
                and frame.f_locals.get("self") is state
            ):
                task.cancel()
                pending.append(task)
        await asyncio.gather(*pending, return_exceptions=True)

    def owns_guild(self, guild_id: int) -> bool:
        """Whether this process runs the shard that Discord routes ``guild_id`` to."""
        count = self.shard_count or 1
        mine = getattr(self, "shard_ids", None)
        if mine is None:
            shard_id = getattr(self, "shard_id", None)
            mine = [shard_id] if shard_id is not None else range(count)
        return (guild_id >> 22) % count in mine

    async def command_payload(self) -> list[dict[str, Any]]:
        """The command tree as a push sends it: with each language's names and descriptions."""
        translator = self.tree.translator
        commands = self.tree.get_commands()
        if translator is None:
            payload = [c.to_dict(self.tree) for c in commands]
        else:
            payload = [await c.get_translated_payload(self.tree, translator) for c in commands]
        return sorted(payload, key=lambda c: c["name"])

    async def command_fingerprint(self) -> str:
        """A hash of the command tree as it would be pushed (translations included), and where to."""
        payload = await self.command_payload()
        blob = json.dumps({"guild": self.settings.dev_guild_id, "commands": payload}, sort_keys=True)
        return hashlib.sha256(blob.encode()).hexdigest()

    async def sync_if_changed(self) -> bool:
        """Push the commands only when they differ from the last push (one process does it: shard 0's)."""
        if not self.owns_guild(0):
            return False
        fingerprint = await self.command_fingerprint()
        if await self.services.state.get(COMMANDS_KEY) == fingerprint:
            return False
        await self.sync_commands()
        log.info("slash commands changed since the last push: synced")
        return True

    async def sync_commands(self) -> list[discord.app_commands.AppCommand]:
        """Push the slash-command tree: to the dev guild when set (instant), else globally."""
        if self.settings.dev_guild_id:
            guild = discord.Object(id=self.settings.dev_guild_id)
            self.tree.copy_global_to(guild=guild)
            synced = await self.tree.sync(guild=guild)
            await self.services.state.set(COMMANDS_KEY, await self.command_fingerprint())
            return synced
        synced = await self.tree.sync()
        await self.services.state.set(COMMANDS_KEY, await self.command_fingerprint())
        return synced


class GluteBot(_ClubBotMixin, commands.Bot):
    """One process, one gateway connection."""


class ShardedGluteBot(_ClubBotMixin, commands.AutoShardedBot):
    """One process running the shards in ``SHARD_IDS`` of ``SHARD_COUNT``."""


def create_bot(settings: Settings, services: Services, **kwargs: Any) -> GluteBot | ShardedGluteBot:
    if settings.shard_count:
        kwargs.setdefault("shard_count", settings.shard_count)
        if settings.shard_ids:
            kwargs.setdefault("shard_ids", settings.shard_ids)
        return ShardedGluteBot(settings, services, **kwargs)
    return GluteBot(settings, services, **kwargs)
