"""The playground's running parts: the fake Discord, the real bot built by the run path, and what the page asks."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bot.core.club_posts import PostKind
from bot.playground.clock import ShiftedClock
from bot.playground.fake import FakeDiscord
from bot.playground.world import World, convert_options, flatten_commands, message_view, seed_world
from bot.settings import Settings

log = logging.getLogger(__name__)

# The fake accepts any well-formed token; this one only ever reaches 127.0.0.1.
TOKEN = "MTA4NTM1MTY1NzQ3MjAwMDAwNw.playground.token"
DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
# Clock targets the page offers: the two weekly club posts, and the due-work jobs by their claim kind.
POST_TARGETS = {"weekly": PostKind.ROUTINE, "board": PostKind.LEADERBOARD}
DUE_TARGETS = {"standup": "standup", "nudge": "nudge", "challenge": "challenge", "retest": "retest"}
# The Discord locales the member picker offers (sent as each interaction's ``locale``): English, the catalogue
# languages, and one without a catalogue.
LOCALES = ("en-US", "de", "fr", "es-ES", "ja")
# How far ahead a due-work jump looks, and its coarse step (refined to the minute).
LOOK_AHEAD = timedelta(days=9)
COARSE_STEP = timedelta(hours=1)

Listener = Callable[[dict[str, Any]], None]


class Playground:
    """One seeded club on a fake Discord with the bot connected; the page's actions land here."""

    def __init__(self, fake: FakeDiscord, clock: ShiftedClock, problems: list[str]) -> None:
        self.fake = fake
        self.clock = clock
        self.problems = problems
        self.world: World = seed_world(fake)
        self.bot: Any = None
        self.messages: dict[str, dict[str, Any]] = {}
        self.listeners: set[Listener] = set()
        fake.observers.append(self._observe)

    # -- what the page sees -------------------------------------------------------------------------

    def _observe(self, change: str, message: dict[str, Any]) -> None:
        if change == "delete":
            self.messages.pop(message["id"], None)
            event: dict[str, Any] = {"t": "delete", "id": message["id"]}
        else:
            self.messages[message["id"]] = message
            event = {"t": "message", "message": message_view(self.fake, message)}
        self._emit(event)

    def _emit(self, event: dict[str, Any]) -> None:
        for listener in list(self.listeners):
            listener(event)

    def commands(self) -> list[dict[str, Any]]:
        gid = self.world.guild.id
        return flatten_commands([*self.fake.commands, *self.fake.guild_commands.get(gid, [])])

    def state(self) -> dict[str, Any]:
        guild = self.world.guild
        channels = [
            {"id": str(c.id), "name": c.name}
            for c in sorted(guild.channels.values(), key=lambda c: (c.position, c.id))
            if c.type == 0
        ]
        return {
            "t": "state",
            "guild": {"id": str(guild.id), "name": guild.name},
            "club_channel": str(self.world.club_channel.id),
            "channels": channels,
            "members": [
                {"id": str(m.user.id), "name": m.user.username, "coach": m is self.world.coach}
                for m in self.world.members
            ],
            "bot": {"id": str(self.fake.bot_user.id), "name": self.fake.bot_user.username},
            "locales": list(LOCALES),
            "commands": self.commands(),
            "clock": self.clock.now().isoformat(),
            "problems": self.problems,
            "messages": [message_view(self.fake, m) for m in self.messages.values()],
        }

    # -- what the page does -------------------------------------------------------------------------

    async def act(self, request: dict[str, Any]) -> dict[str, Any]:
        """One action from the page; returns the answer to send back (errors as text, never raised)."""
        op = request.get("op")
        try:
            if self.bot is None:
                raise ValueError("The bot is not running (see the content problems).")
            if op == "slash":
                await self._slash(request)
                return {"t": "ok"}
            if op == "autocomplete":
                return {"t": "choices", "choices": await self._autocomplete(request)}
            if op == "click":
                await self._click(request)
                return {"t": "ok"}
            if op == "clock":
                text = await self.jump(str(request.get("target")))
                self._emit({"t": "clock", "clock": self.clock.now().isoformat(), "text": text})
                return {"t": "ok", "text": text}
        except (ValueError, KeyError, LookupError) as error:
            return {"t": "error", "text": str(error)}
        return {"t": "error", "text": f"unknown action {op!r}"}

    def _where(self, request: dict[str, Any]) -> tuple[int | None, int]:
        """Guild and channel of an action: a guild channel, or the member's DM with the bot."""
        user_id = int(request["user"])
        if request.get("dm"):
            return None, self.fake.dm_channel_id(user_id)
        return self.world.guild.id, int(request.get("channel") or self.world.club_channel.id)

    @staticmethod
    def _locale(request: dict[str, Any]) -> str:
        """The Discord locale the page chose for the acting member; English when it sent none we offer."""
        locale = str(request.get("locale") or LOCALES[0])
        return locale if locale in LOCALES else LOCALES[0]

    def _definition(self, path: str) -> dict[str, Any]:
        for command in self.commands():
            if command["path"] == path:
                return command
        raise ValueError(f"no command /{path}")

    async def _slash(self, request: dict[str, Any]) -> None:
        path = " ".join(str(request["command"]).lstrip("/").split())
        options = convert_options(self._definition(path), request.get("options") or {})
        guild_id, channel_id = self._where(request)
        await self.fake.slash(guild_id, int(request["user"]), path, channel_id=channel_id, options=options,
                              locale=self._locale(request))

    async def _autocomplete(self, request: dict[str, Any]) -> list[dict[str, Any]]:
        path = " ".join(str(request["command"]).lstrip("/").split())
        definition = self._definition(path)
        focused = str(request["focused"])
        others = {k: v for k, v in (request.get("options") or {}).items() if k != focused}
        options = convert_options(definition, others)
        guild_id, channel_id = self._where(request)
        ix = await self.fake.autocomplete(
            guild_id, int(request["user"]), path, focused=focused, value=str(request.get("value") or ""),
            channel_id=channel_id, options=options, locale=self._locale(request),
        )
        response = await ix.response(timeout=10)
        return list((response.get("data") or {}).get("choices") or [])

    async def _click(self, request: dict[str, Any]) -> None:
        message = self.messages.get(str(request["message"]))
        if message is None:
            raise ValueError("that message is gone")
        values = request.get("values")
        user_id = int(request["user"])
        if self.fake.channels[int(message["channel_id"])].guild_id is None:
            await self.fake.dm_click(request["custom_id"], user_id, message=message, values=values,
                                     locale=self._locale(request))
        else:
            await self.fake.click(message, user_id, custom_id=request["custom_id"], values=values,
                                  locale=self._locale(request))

    # -- the clock ----------------------------------------------------------------------------------

    async def jump(self, target: str) -> str:
        """Move the bot's clock to the next time ``target`` happens and run the job that became due."""
        services = self.bot.services
        if target in POST_TARGETS:
            kind = POST_TARGETS[target]
            club = await services.clubs.get(self.world.guild.id)
            if club is None or club.channel_id is None:
                return "The club is not set up yet: run /club setup as the coach."
            at = services.posts.next_at(club, kind, self.clock.now())
            self.clock.jump_to(at + timedelta(seconds=1))
            result = await self.bot.shared["club_jobs"].run(self.world.guild.id, kind.value)
            status = getattr(result, "status", "not run")
            return f"Jumped to the {kind.value} post ({_when(at)}): {status}."
        if target in DUE_TARGETS:
            name = DUE_TARGETS[target]
            if name not in self.bot.due.jobs:
                return f"No {name} job in this bot."
            at = await self._next_due(name)
            if at is None:
                return f"Nothing is due for {name} in the next {LOOK_AHEAD.days} days."
            self.clock.jump_to(at)
            # The regular tick may claim the work first: then this run finds nothing left, which is fine.
            await self.bot.due.run(name)
            return f"Jumped to the next {name} ({_when(at)})."
        raise ValueError(f"unknown clock target {target!r}")

    async def _next_due(self, name: str) -> datetime | None:
        """The first minute within LOOK_AHEAD at which job ``name`` has due work (coarse steps, then minutes)."""
        source = self.bot.due.job(name).source
        start = self.clock.now()
        at = start
        while at <= start + LOOK_AHEAD:
            if await source.has_due(at):
                fine = max(start, at - COARSE_STEP)
                while fine < at and not await source.has_due(fine):
                    fine += timedelta(minutes=1)
                return fine
            at += COARSE_STEP
        return None

    async def set_up_club(self) -> None:
        """``/club setup`` as the coach, through the fake: the weekly post tomorrow morning; the board on Monday
        evening, when the club week that holds today has just ended (so today's check-ins are on it)."""
        today = self.clock.now().astimezone(UTC).weekday()
        ix = await self.fake.slash(
            self.world.guild.id, self.world.coach.id, "club setup", channel_id=self.world.club_channel.id,
            channel=self.world.club_channel.id, day=DAYS[(today + 1) % 7], time="07:00", timezone="UTC",
            leaderboard_day="monday", leaderboard_time="18:00",
        )
        await ix.final(timeout=30)


def _when(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%a %d %b %H:%M UTC")


@contextlib.asynccontextmanager
async def running_playground(
    settings: Settings, fake: FakeDiscord, clock: ShiftedClock, problems: list[str]
) -> AsyncIterator[Playground]:
    """The bot started as ``gluteclub run`` starts it (build_bot, then start) against ``fake``."""
    from bot.__main__ import build_bot

    playground = Playground(fake, clock, problems)
    if problems:
        yield playground
        return
    async with build_bot(settings, clock=clock) as bot:
        task = asyncio.create_task(bot.start(TOKEN), name="playground-bot")
        try:
            ready = asyncio.create_task(bot.wait_until_ready())
            done, _ = await asyncio.wait({ready, task}, timeout=60, return_when=asyncio.FIRST_COMPLETED)
            if ready not in done:
                ready.cancel()
                if task in done:
                    task.result()
                raise TimeoutError("the bot did not connect to the playground's Discord within 60 s")
            playground.bot = bot
            await _wait_for_commands(fake)
            await playground.set_up_club()
            yield playground
        finally:
            playground.bot = None
            await bot.close()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await asyncio.wait_for(task, 10)


async def _wait_for_commands(fake: FakeDiscord, timeout: float = 30) -> None:
    """The bot pushes its command tree while it starts; wait until the fake has it."""
    deadline = asyncio.get_running_loop().time() + timeout
    while not fake.commands and not fake.guild_commands:
        if asyncio.get_running_loop().time() > deadline:
            raise TimeoutError("the bot pushed no slash commands")
        await asyncio.sleep(0.05)


def playground_settings(fake: FakeDiscord, data_dir: Path, content_dir: Path | None) -> Settings:
    values: dict[str, Any] = {
        "discord_token": TOKEN,
        "data_dir": data_dir,
        "database_url": f"sqlite+aiosqlite:///{data_dir / 'gluteclub.db'}",
        "discord_api_base": fake.api_base,
        "discord_gateway_url": fake.gateway_url,
        "guild_ready_timeout": 0.1,
        "dev_guild_id": None,
        # The page's clock jumps run due work at once; the regular tick keeps working between jumps.
        "due_tick_seconds": 5,
    }
    if content_dir is not None:
        values["content_dir"] = content_dir
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]
