"""Stand-up reminders delivered through the due-work runner and the Discord output, with a stand-in for Discord."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from types import SimpleNamespace

import discord
import pytest
from sqlalchemy import select, update

from bot.cogs.standups import make_standup_buttons, reminder_job
from bot.core.checkins import CheckinService
from bot.core.clock import ManualClock
from bot.core.members import Who
from bot.core.standups import StandupService
from bot.db.engine import SessionFactory, make_engine, make_session_factory
from bot.db.models import Club, Member, Standup
from bot.delivery.discord_output import DiscordOutput
from bot.delivery.standup_dm import StandupDmSender
from bot.i18n import Languages
from bot.pacing import Pacer
from bot.scheduling.due import DueRunner

GUILD = 222 << 22


def at(hour: int, minute: int = 0, day: int = 18) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=UTC)


def uid(n: int) -> int:
    return 5000 + n


def who(n: int) -> Who:
    return Who(guild_id=GUILD, user_id=uid(n), display_name=f"sitter{n}")


@dataclass
class Env:
    sessions: SessionFactory
    clock: ManualClock
    standups: StandupService

    async def row(self, n: int) -> Standup:
        async with self.sessions() as session:
            result = await session.execute(
                select(Standup).join(Member, Member.id == Standup.member_id).where(Member.user_id == uid(n))
            )
            return result.scalar_one()


@pytest.fixture
async def env(db_url: str) -> AsyncIterator[Env]:
    engine = make_engine(db_url)
    sessions = make_session_factory(engine)
    clock = ManualClock(at(9))
    checkins = CheckinService(sessions, clock)
    yield Env(sessions, clock, StandupService(sessions, clock, checkins))
    await checkins.close()
    await engine.dispose()


# -- the tick with a stand-in for Discord -------------------------------------------------------


class _Response:
    def __init__(self, status: int, reason: str) -> None:
        self.status = status
        self.reason = reason


class FakeChannel(discord.abc.Messageable):
    """Records what was sent; a DM raises what its user's inbox is set to raise."""

    def __init__(self, bot: FakeBot, user_id: int | None = None) -> None:
        self.bot = bot
        self.user_id = user_id
        self.sent: list[tuple[str, dict[str, object]]] = []

    async def send(self, content: str | None = None, **kwargs: object) -> SimpleNamespace:  # type: ignore[override]
        if self.user_id is not None:
            self.bot.attempts.append(self.user_id)
            error = self.bot.failing.get(self.user_id)
            if error is not None:
                raise error
        self.sent.append((content or "", kwargs))
        return SimpleNamespace(id=len(self.sent))


class FakeBot:
    def __init__(self) -> None:
        self.dms: dict[int, FakeChannel] = {}
        self.club_channel = FakeChannel(self)
        self.failing: dict[int, discord.HTTPException] = {}
        self.attempts: list[int] = []

    def get_user(self, user_id: int) -> None:
        return None

    async def create_dm(self, user: discord.abc.Snowflake) -> FakeChannel:
        return self.dms.setdefault(user.id, FakeChannel(self, user.id))

    def get_channel(self, channel_id: int) -> FakeChannel | None:
        return self.club_channel if channel_id == 777 else None

    async def fetch_channel(self, channel_id: int) -> FakeChannel:
        raise discord.NotFound(_Response(404, "Not Found"), {"code": 10003, "message": "Unknown Channel"})


def dms_closed() -> discord.Forbidden:
    body = {"code": 50007, "message": "Cannot send messages to this user"}
    return discord.Forbidden(_Response(403, "Forbidden"), body)


@pytest.fixture
def fake_bot() -> FakeBot:
    return FakeBot()


class Ticker:
    """The due-work runner with the stand-up job registered, as the bot sets it up."""

    def __init__(self, runner: DueRunner) -> None:
        self.runner = runner

    async def tick(self) -> int:
        return await self.runner.run("standup")


def cog_for(env: Env, bot: FakeBot, batch_size: int = 500) -> Ticker:
    output = DiscordOutput(bot, Pacer(per_second=1000, spacing=0))  # type: ignore[arg-type]
    languages = Languages()
    sender = StandupDmSender(output, make_standup_buttons(env.standups, languages), languages)
    runner = DueRunner(env.clock, notifier=output)
    runner.register(reminder_job(env.standups, sender, env.sessions, env.clock, batch_size=batch_size))
    return Ticker(runner)


async def set_channel(env: Env, channel_id: int | None) -> None:
    """Set the club's channel (the club row exists once someone has used the bot)."""
    async with env.sessions() as session:
        await session.execute(update(Club).where(Club.guild_id == GUILD).values(channel_id=channel_id))
        await session.commit()


async def test_tick_sends_each_due_member_one_dm_with_the_three_buttons(env: Env, fake_bot: FakeBot) -> None:
    for n in range(1, 8):
        await env.standups.turn_on(who(n))
    cog = cog_for(env, fake_bot, batch_size=3)  # several batches in one tick
    env.clock.set(at(9, 45))
    assert await cog.tick() == 7
    assert await cog.tick() == 0
    assert sorted(fake_bot.dms) == [uid(n) for n in range(1, 8)]
    content, kwargs = fake_bot.dms[uid(1)].sent[0]
    assert "stand up" in content
    view = kwargs["view"]
    assert isinstance(view, discord.ui.View)
    ids = [c["custom_id"] for row in view.to_components() for c in row["components"]]
    assert ids == [f"gc:su:{a}:{GUILD}:{uid(1)}" for a in ("up", "snooze", "skip")]


async def test_closed_dms_fall_back_to_the_channel_once_and_are_never_retried(
    env: Env, fake_bot: FakeBot
) -> None:
    await env.standups.turn_on(who(1))
    await env.standups.turn_on(who(2))
    await set_channel(env, 777)
    fake_bot.failing[uid(1)] = dms_closed()
    cog = cog_for(env, fake_bot)
    env.clock.set(at(9, 45))
    assert await cog.tick() == 1
    [(notice, kwargs)] = fake_bot.club_channel.sent
    assert f"<@{uid(1)}>" in notice
    assert "/standup on" in notice
    mentions = kwargs["allowed_mentions"]
    assert isinstance(mentions, discord.AllowedMentions)
    allowed = mentions.to_dict()
    assert (allowed["parse"], allowed["users"]) == ([], [uid(1)])
    for hour in (10, 11, 12, 13):
        env.clock.set(at(hour, 45))
        await cog.tick()
    assert fake_bot.attempts.count(uid(1)) == 1
    assert len(fake_bot.club_channel.sent) == 1
    # Turning on again after opening DMs brings the reminders back.
    del fake_bot.failing[uid(1)]
    await env.standups.turn_on(who(1))
    env.clock.set(at(14, 15))
    assert await cog.tick() == 2


async def test_closed_dms_without_a_club_channel_just_stop(env: Env, fake_bot: FakeBot) -> None:
    await env.standups.turn_on(who(1))
    fake_bot.failing[uid(1)] = dms_closed()
    cog = cog_for(env, fake_bot)
    env.clock.set(at(9, 45))
    assert await cog.tick() == 0
    assert fake_bot.club_channel.sent == []
    assert (await env.row(1)).dm_blocked


async def test_other_send_failures_are_logged_and_the_rest_still_go(
    env: Env, fake_bot: FakeBot, caplog: pytest.LogCaptureFixture
) -> None:
    for n in (1, 2, 3):
        await env.standups.turn_on(who(n))
    fake_bot.failing[uid(2)] = discord.HTTPException(_Response(500, "Server Error"), {"code": 0, "message": "oops"})
    cog = cog_for(env, fake_bot)
    env.clock.set(at(9, 45))
    assert await cog.tick() == 2
    assert any("failed: HTTP 500" in r.getMessage() for r in caplog.records)
    assert not (await env.row(2)).dm_blocked
    # Not retried in a loop: the member's series simply moves on.
    assert await cog.tick() == 0
    assert (await env.row(2)).next_due_at == at(10, 30)
