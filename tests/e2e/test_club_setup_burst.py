"""Many `/club setup` at once, through the real bot and the fake Discord: every club is saved and scheduled
exactly once, its jobs match its saved row, and a setup the database could not take says what to run again."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sqlite3
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.engine import make_url

from bot.core.errors import TryAgain
from bot.db import engine as db_engine
from bot.db.engine import make_engine, make_session_factory
from bot.db.models import Club as ClubRow
from tests.conftest import ErrorLogGuard
from tests.e2e.conftest import Club, new_club
from tests.fakediscord import FakeDiscord, FakeGuild, FakeMember, Perm

ADMIN = Perm.MANAGE_GUILD | Perm.USE_APPLICATION_COMMANDS


@pytest.fixture
async def patient_fake() -> AsyncIterator[FakeDiscord]:
    """A fake Discord without the 3-s answer deadline: hundreds of setups sent in one go on a loaded machine
    answer late, and these tests are about what is saved and scheduled, not how fast (see benchmarks/)."""
    async with FakeDiscord(interaction_deadline=None) as server:
        yield server


async def saved_rows(db_url: str) -> dict[int, tuple[Any, ...]]:
    """guild id → (channel id, post time) of every saved club."""
    engine = make_engine(db_url)
    try:
        async with make_session_factory(engine)() as session:
            rows = (await session.execute(select(ClubRow.guild_id, ClubRow.channel_id, ClubRow.post_time))).all()
    finally:
        await engine.dispose()
    return {row[0]: (row[1], row[2]) for row in rows}


def routine_times(club: Club) -> dict[int, list[str]]:
    """guild id → the times of its routine-post jobs (one, or it is scheduled wrong)."""
    assert club.bot is not None
    found: dict[int, list[str]] = {}
    for job in club.bot.scheduler.get_jobs():
        parts = job.id.split(":")
        if len(parts) == 3 and parts[0] == "club" and parts[2] == "routine":
            found.setdefault(int(parts[1]), []).append(job.trigger.at)
    return found


def job_ids(club: Club) -> list[str]:
    assert club.bot is not None
    return [job.id for job in club.bot.scheduler.get_jobs()]


async def setup_all(fake: FakeDiscord, runs: list[tuple[FakeGuild, FakeMember, str]]) -> list[str]:
    """Every `/club setup` sent at once; their visible answers, in order."""
    interactions = await asyncio.gather(*(
        fake.slash(guild.id, admin.id, "club setup", channel=guild.text_channel_id, day="monday", time=at,
                   timezone="Europe/London")
        for guild, admin, at in runs
    ))
    replies = await asyncio.gather(*(ix.final(timeout=600) for ix in interactions))
    return [reply.get("content") or "" for reply in replies]


async def test_three_hundred_clubs_set_up_at_once_are_each_saved_and_scheduled_once(
    patient_fake: FakeDiscord, db_url: str
) -> None:
    fake = patient_fake
    club = new_club(fake, db_url)
    runs = [(club.guild, club.admin, "07:00")]
    for n in range(299):
        guild = fake.add_guild(f"Club {n}")
        admin = fake.add_member(guild.id, f"admin{n}", permissions=ADMIN)
        runs.append((guild, admin, f"{6 + n % 12:02d}:{n % 60:02d}"))
    await club.start()
    try:
        answers = await setup_all(fake, runs)
        jobs = job_ids(club)
        times = routine_times(club)
    finally:
        await club.stop()
    saved = await saved_rows(db_url)
    assert [a for a in answers if not a.startswith("Saved. Next routine post:")] == []
    for guild, _admin, at in runs:
        assert saved[guild.id] == (guild.text_channel_id, at)
        assert jobs.count(f"club:{guild.id}:routine") == 1
        assert jobs.count(f"club:{guild.id}:leaderboard") == 1
        assert times[guild.id] == [at]


async def test_two_setups_of_one_club_at_once_leave_its_jobs_as_its_saved_row(
    club: Club, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The first setup's task resumes late after its save (a busy event loop does that), and a second setup of the
    same club comes in meanwhile. Before, the second saved and scheduled 07:30, then the first scheduled 07:00:
    the row said 07:30, the post went at 07:00. Now the second waits for the first to finish scheduling."""
    assert club.bot is not None
    clubs = club.bot.services.clubs
    real_configure = clubs.configure
    first_saving, second_saved = asyncio.Event(), asyncio.Event()

    async def configure(guild_id: int, changes: Any, **kwargs: Any) -> Any:
        first = not first_saving.is_set()
        first_saving.set()
        saved = await real_configure(guild_id, changes, **kwargs)
        if first:
            with contextlib.suppress(TimeoutError):  # the second cannot save until the first is scheduled
                await asyncio.wait_for(second_saved.wait(), timeout=2)
        else:
            second_saved.set()
        return saved

    monkeypatch.setattr(clubs, "configure", configure)
    options = {"channel": club.guild.text_channel_id, "day": "monday", "timezone": "UTC"}
    first = await club.fake.slash(club.guild.id, club.admin.id, "club setup", time="07:00", **options)
    await first_saving.wait()
    second = await club.fake.slash(club.guild.id, club.admin.id, "club setup", time="07:30", **options)
    answers = [(await ix.final(timeout=30))["content"] for ix in (first, second)]
    assert all(a.startswith("Saved.") for a in answers)
    assert (await saved_rows(db_url))[club.guild.id][1] == "07:30"
    assert routine_times(club)[club.guild.id] == ["07:30"]


@contextlib.contextmanager
def write_lock_held(db_url: str) -> Iterator[sqlite3.Connection]:
    """Another connection holds SQLite's write lock (as a long write elsewhere would) until released."""
    conn = sqlite3.connect(make_url(db_url).database or "", isolation_level=None)
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
    finally:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        conn.close()


async def started_up(club: Club) -> None:
    """The bot's start-up steps (the catch-up reads every club) are over: only the setup meets the held lock."""
    assert club.bot is not None
    await asyncio.gather(*club.bot._background)


def sqlite_only(db_url: str) -> None:
    if not db_url.startswith("sqlite"):
        pytest.skip("PostgreSQL waits on a lock without a timeout: a busy write there is slow, not refused")


async def test_a_setup_while_the_database_is_busy_past_its_timeout_is_saved_and_scheduled(
    fake: FakeDiscord, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """SQLite gives up on a lock after its busy timeout ("database is locked"): the save is run again, so a busy
    moment costs a moment. Before, the admin got "something went wrong" and the club no post."""
    sqlite_only(db_url)
    monkeypatch.setattr(db_engine, "SQLITE_BUSY_TIMEOUT_MS", 200)
    club = new_club(fake, db_url, club_save_retry_delays=(0.3, 0.3, 0.3))
    await club.start()
    try:
        await started_up(club)
        with write_lock_held(db_url):
            ix = await fake.slash(club.guild.id, club.admin.id, "club setup", channel=club.guild.text_channel_id,
                                  day="monday", time="07:00", timezone="UTC")
            await ix.response()  # deferred; the save is waiting on the lock
            await asyncio.sleep(0.3)  # past the busy timeout: the first attempt fails
        answer = await ix.final(timeout=30)
        jobs = job_ids(club)
    finally:
        await club.stop()
    assert answer["content"].startswith("Saved. Next routine post:")
    assert (await saved_rows(db_url))[club.guild.id] == (club.guild.text_channel_id, "07:00")
    assert f"club:{club.guild.id}:routine" in jobs


async def test_a_setup_the_database_stays_too_busy_for_says_to_run_it_again_and_changes_nothing(
    fake: FakeDiscord, db_url: str, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    sqlite_only(db_url)
    monkeypatch.setattr(db_engine, "SQLITE_BUSY_TIMEOUT_MS", 100)
    club = new_club(fake, db_url, club_save_retry_delays=(0.05,))
    await club.start()
    try:
        await started_up(club)
        with write_lock_held(db_url), caplog.at_level(logging.WARNING, logger="bot"):
            answer = await club.slash(club.admin, "club setup", channel=club.guild.text_channel_id, day="monday",
                                      time="07:00", timezone="UTC")
        jobs = job_ids(club)
    finally:
        await club.stop()
    assert answer["content"] == (
        "The database was too busy to save the club settings just now. Nothing was changed and no post was "
        "scheduled: run `/club setup` again."
    )
    assert club.guild.id not in await saved_rows(db_url)
    assert not any(job.startswith(f"club:{club.guild.id}:") for job in jobs)
    warned = [r.getMessage() for r in caplog.records if r.name == "bot.tree"]
    assert any("asked to run again (OperationalError)" in line and f"guild={club.guild.id}" in line
               for line in warned)


async def test_every_generic_failure_answer_is_logged_at_error_with_its_ids(
    club: Club, error_log_guard: ErrorLogGuard, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert club.bot is not None

    async def broken(*_args: Any, **_kwargs: Any) -> Any:
        raise RuntimeError("injected failure")

    monkeypatch.setattr(club.bot.services.clubs, "configure", broken)
    error_log_guard.expect("unhandled error in command='club setup'")
    with caplog.at_level(logging.ERROR, logger="bot.tree"):
        ix = await club.fake.slash(club.guild.id, club.admin.id, "club setup", channel=club.guild.text_channel_id,
                                   day="monday", time="07:00", timezone="UTC")
        answer = await ix.final()
    assert answer["content"].startswith("Sorry, something went wrong on my side.")
    [record] = [r for r in caplog.records if r.name == "bot.tree"]
    line = record.getMessage()
    assert record.levelno == logging.ERROR
    assert "command='club setup'" in line
    assert f"interaction={ix.id}" in line
    assert f"guild={club.guild.id}" in line
    assert "RuntimeError" in line
    assert record.exc_info is not None
    assert isinstance(record.exc_info[1], RuntimeError)
    # No member names (nor user ids) in the log.
    assert club.admin.user.username not in line
    assert str(club.admin.user.id) not in line


def test_contention_is_told_apart_from_other_database_errors() -> None:
    from sqlalchemy.exc import IntegrityError, OperationalError
    from sqlalchemy.exc import TimeoutError as PoolTimeout

    assert db_engine.is_contention(OperationalError("x", {}, sqlite3.OperationalError("database is locked")))
    assert db_engine.is_contention(PoolTimeout("QueuePool limit reached"))
    assert not db_engine.is_contention(OperationalError("x", {}, sqlite3.OperationalError("no such table: club")))
    assert not db_engine.is_contention(IntegrityError("x", {}, sqlite3.IntegrityError("UNIQUE constraint failed")))
    assert not db_engine.is_contention(RuntimeError("database is locked"))
    assert issubclass(TryAgain, Exception)
