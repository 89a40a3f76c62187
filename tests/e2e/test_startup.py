"""The bot's own start-up path: CLI, settings, migrations, connect, answer — as a user runs it."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import inspect

from bot.__main__ import build_bot, main
from bot.db import migrate
from bot.db.engine import make_engine
from bot.playground.fake.harness import running
from tests.e2e.conftest import TOKEN, embed_text, settings_for
from tests.fakediscord import FakeDiscord

ROOT = Path(__file__).resolve().parents[2]


def clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in {"DISCORD_TOKEN", "DATABASE_URL"}}
    env.update(extra)
    return env


def test_missing_token_prints_one_line_and_exits_non_zero(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "bot", "run"],
        cwd=tmp_path,
        env=clean_env(DATABASE_URL=f"sqlite+aiosqlite:///{tmp_path}/x.db", PYTHONPATH=str(ROOT)),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode != 0
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1
    assert "DISCORD_TOKEN" in lines[0]
    assert "discord.com/developers" in lines[0]
    assert not (tmp_path / "x.db").exists(), "nothing is touched without a token"


@pytest.mark.parametrize("placeholder", ["changeme", "<token>", "   "])
def test_placeholder_token_is_refused(placeholder: str, monkeypatch: pytest.MonkeyPatch,
                                      capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DISCORD_TOKEN", placeholder)
    assert main(["run"]) == 2
    assert "DISCORD_TOKEN" in capsys.readouterr().err


def test_check_content_reports_file_and_field(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    broken = tmp_path / "content"
    broken.mkdir()
    for source in (ROOT / "content").glob("*.yaml"):
        (broken / source.name).write_text(source.read_text())
    routines = broken / "routines.yaml"
    routines.write_text(routines.read_text().replace("exercise: glute-bridge", "exercise: glute-bridgeX", 1))
    monkeypatch.setenv("CONTENT_DIR", str(broken))
    assert main(["check-content"]) == 1
    out = capsys.readouterr().out
    assert "routines.yaml" in out
    assert "glute-bridgeX" in out
    monkeypatch.setenv("CONTENT_DIR", str(ROOT / "content"))
    assert main(["check-content"]) == 0


async def test_migrations_build_every_table_on_an_empty_database(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path}/fresh.db"
    await migrate.upgrade_async(url)
    engine = make_engine(url)
    try:
        async with engine.connect() as conn:
            tables = await conn.run_sync(lambda c: set(inspect(c).get_table_names()))
            mode = (await conn.exec_driver_sql("PRAGMA journal_mode")).scalar()
            fks = (await conn.exec_driver_sql("PRAGMA foreign_keys")).scalar()
    finally:
        await engine.dispose()
    assert {"club", "member", "checkin", "board_archive", "test_result", "send_claim"} <= tables
    assert mode == "wal"
    assert fks == 1
    await asyncio.to_thread(migrate.check, url)


async def test_in_process_start_from_an_empty_database(fake: FakeDiscord, tmp_path: Path) -> None:
    guild = fake.add_guild("Hill Harriers")
    runner = fake.add_member(guild.id, "ann")
    settings = settings_for(fake, f"sqlite+aiosqlite:///{tmp_path}/new.db")
    await migrate.upgrade_async(settings.db_url)
    async with build_bot(settings) as bot, running(bot, fake, token=TOKEN):
        synced = await bot.sync_commands()
        assert {c.name for c in synced} >= {"glutes", "checkin"}
        ix = await fake.slash(guild.id, runner.id, "glutes today")
        assert "Glute bridge" in embed_text(await ix.final())
    assert fake.identify_count == 1


async def test_on_ready_again_after_reconnect_does_not_resync_or_restart(fake: FakeDiscord, tmp_path: Path) -> None:
    guild = fake.add_guild("Hill Harriers")
    settings = settings_for(fake, f"sqlite+aiosqlite:///{tmp_path}/re.db")
    await migrate.upgrade_async(settings.db_url)
    async with build_bot(settings) as bot, running(bot, fake, token=TOKEN):
        jobs_before = len(bot.scheduler.get_jobs())
        await fake.drop_gateway(resume=True)
        await fake.wait_connected(timeout=10)
        assert bot.scheduler.running
        assert len(bot.scheduler.get_jobs()) == jobs_before
    puts = [c for c in fake.calls if c.method == "PUT" and "commands" in c.path]
    assert puts == []
    assert guild.id


async def test_the_bot_runs_as_a_subprocess_from_environment_variables_only(
    fake: FakeDiscord, tmp_path: Path
) -> None:
    guild = fake.add_guild("Canal Joggers")
    runner = fake.add_member(guild.id, "ann")
    env = clean_env(
        DISCORD_TOKEN=TOKEN,
        DATABASE_URL=f"sqlite+aiosqlite:///{tmp_path}/sub.db",
        DISCORD_API_BASE=fake.api_base,
        DISCORD_GATEWAY_URL=fake.gateway_url,
        GUILD_READY_TIMEOUT="0.1",
        PYTHONPATH=str(ROOT),
    )
    seen: list[bytes] = []
    started = time.perf_counter()
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "run", cwd=tmp_path, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )
    try:
        await fake.wait_connected(timeout=60)
        ready_after = time.perf_counter() - started
        ix = await fake.slash(guild.id, runner.id, "glutes today")
        reply = await ix.final(timeout=10)
        assert "Runner's arabesque" in embed_text(reply)
        print(f"process start to READY: {ready_after:.2f} s")
        # After the start-up steps, the serving process leaves its start-up heap out of full collections.
        assert process.stdout is not None
        async def until_frozen(stdout: asyncio.StreamReader) -> None:
            while b"start-up heap frozen" not in (line := await stdout.readline()):
                assert line, "the bot's output ended before the start-up heap was frozen"
                seen.append(line)

        await asyncio.wait_for(until_frozen(process.stdout), timeout=30)
    finally:
        process.terminate()
        output, _ = await asyncio.wait_for(process.communicate(), timeout=30)
    text = b"".join(seen).decode() + output.decode()
    assert process.returncode == 0, text[-2000:]
    assert TOKEN not in text, "the token is never logged"
    assert "applying migrations" in text
    assert (tmp_path / "sub.db").exists()


async def test_commands_are_pushed_at_start_only_when_they_changed(fake: FakeDiscord, tmp_path: Path) -> None:
    guild = fake.add_guild("Hill Harriers")
    settings = settings_for(fake, f"sqlite+aiosqlite:///{tmp_path}/sync.db", sync_commands_on_start=True)
    await migrate.upgrade_async(settings.db_url)

    def pushes() -> int:
        return len([c for c in fake.calls if c.method == "PUT" and c.path.endswith("/commands")])

    async with build_bot(settings) as bot, running(bot, fake, token=TOKEN):
        pass
    assert pushes() == 1
    assert {c["name"] for c in fake.commands} >= {"glutes", "club", "standup"}
    async with build_bot(settings) as bot, running(bot, fake, token=TOKEN):
        pass
    assert pushes() == 1, "an unchanged tree is not pushed again"
    async with build_bot(settings_for(fake, settings.db_url, sync_commands_on_start=True,
                                      dev_guild_id=guild.id)) as bot, running(bot, fake, token=TOKEN):
        pass
    assert pushes() == 2, "a different target counts as a change"


async def test_sync_commands_cli_pushes_the_tree_once(fake: FakeDiscord, tmp_path: Path) -> None:
    env = clean_env(
        DISCORD_TOKEN=TOKEN,
        DATABASE_URL=f"sqlite+aiosqlite:///{tmp_path}/cli.db",
        DISCORD_API_BASE=fake.api_base,
        DISCORD_GATEWAY_URL=fake.gateway_url,
        PYTHONPATH=str(ROOT),
    )
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "sync-commands", cwd=tmp_path, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )
    output, _ = await asyncio.wait_for(process.communicate(), timeout=60)
    assert process.returncode == 0, output.decode()[-2000:]
    assert "Synced" in output.decode()
    assert {c["name"] for c in fake.commands} >= {"glutes", "club", "standup", "test", "privacy"}
    assert fake.identify_count == 0, "pushing commands needs no gateway connection"
