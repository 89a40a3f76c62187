"""Two bot processes as shards 0 and 1 of 2 on one PostgreSQL database: one post per guild."""

from __future__ import annotations

import asyncio
import os
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.content.loader import default_content_dir, load_content
from bot.core.clock import ManualClock
from bot.core.clubs import ClubChanges, ClubService
from bot.db.engine import make_engine, make_session_factory
from tests.e2e.conftest import TOKEN
from tests.fakediscord import FakeDiscord

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("db_url", ["postgres"], indirect=True)
async def test_two_shard_processes_post_once_per_guild(db_url: str, tmp_path: Path) -> None:
    async with FakeDiscord(shard_count=2) as fake:
        guilds = [fake.add_guild(f"Club {n}", shard_id=n % 2) for n in range(6)]
        # Every club's routine post was due a minute ago: both processes start and catch up at once.
        due = datetime.now(UTC) - timedelta(minutes=1)
        # The board post half a day away, so whatever the time of the run it is not due as well.
        board = due + timedelta(hours=12)
        engine = make_engine(db_url)
        try:
            set_up_at = ManualClock(datetime.now(UTC) - timedelta(minutes=10))
            clubs = ClubService(make_session_factory(engine), load_content(default_content_dir()), set_up_at)
            for guild in guilds:
                await clubs.configure(guild.id, ClubChanges(
                    channel_id=guild.text_channel_id, day=due.strftime("%A").lower(),
                    time=due.strftime("%H:%M"), timezone="UTC",
                    leaderboard_day=board.strftime("%A").lower(), leaderboard_time=board.strftime("%H:%M")))
        finally:
            await engine.dispose()

        processes = []
        for shard in (0, 1):
            env = {**os.environ, "DISCORD_TOKEN": TOKEN, "DATABASE_URL": db_url,
                   "DISCORD_API_BASE": fake.api_base, "DISCORD_GATEWAY_URL": fake.gateway_url,
                   "SHARD_COUNT": "2", "SHARD_IDS": str(shard), "GUILD_READY_TIMEOUT": "0.1",
                   "PYTHONPATH": str(ROOT)}
            processes.append(await asyncio.create_subprocess_exec(
                sys.executable, "-m", "bot", "run", cwd=tmp_path, env=env,
                stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT))
        outputs = []
        try:
            await fake.wait_connected(shard_ids=(0, 1), timeout=60)
            for _ in range(300):
                if all(fake.channel_messages(g.text_channel_id) for g in guilds):
                    break
                await asyncio.sleep(0.05)
            await asyncio.sleep(1.0)  # room for a wrong second post to show up
        finally:
            for process in processes:
                process.terminate()
            for process in processes:
                out, _ = await asyncio.wait_for(process.communicate(), timeout=30)
                outputs.append(out.decode())
        assert sorted(fake.identified_shards) == [(0, 2), (1, 2)]
        for guild in guilds:
            posts = fake.channel_messages(guild.text_channel_id)
            assert len(posts) == 1, (guild.name, [(m.get("embeds") or [{}])[0].get("title") for m in posts])
        for shard, text in enumerate(outputs):
            for guild in guilds:
                mine = (guild.id >> 22) % 2 == shard
                assert (f"catch-up post for guild {guild.id}: sent" in text) == mine, text[-3000:]



async def test_two_shard_processes_pace_bulk_sends_under_the_token_limit(tmp_path: Path) -> None:
    """Two processes (shards 0 and 1 of 2) send as fast as their pacers allow: together no 429 at all."""
    async with FakeDiscord(shard_count=2) as fake:
        guild = fake.add_guild("Busy Club")
        fake.set_global_rate_limit(50)
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        processes = [
            await asyncio.create_subprocess_exec(
                sys.executable, "-m", "tests.e2e.paced_sender", fake.api_base, TOKEN, str(guild.text_channel_id),
                "60", "2", str(shard), cwd=tmp_path, env=env, stdin=asyncio.subprocess.PIPE,
                stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT)
            for shard in (0, 1)
        ]
        for process in processes:  # both logged in
            assert process.stdout is not None
            line = await asyncio.wait_for(process.stdout.readline(), timeout=60)
            assert line.strip() == b"ready", line
        await asyncio.sleep(1.1)  # the fake's one-second window of the logins is over
        outputs = await asyncio.gather(*(p.communicate(b"go\n") for p in processes))
        assert all(p.returncode == 0 for p in processes), [out for out, _ in outputs]
        assert len(fake.channel_messages(guild.text_channel_id)) == 120
        limited = [f"{c.method} {c.path}" for c in fake.calls if c.status == 429]
        assert limited == []
