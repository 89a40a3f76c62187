"""Check-in rules and leaderboards against real SQLite and PostgreSQL databases."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import shutil
import sqlite3
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import delete, func, select, text, update

from bot.content.loader import default_content_dir, load_content
from bot.core.checkins import CheckinService
from bot.core.clock import ManualClock
from bot.core.clubs import ClubChanges, ClubService
from bot.core.errors import InvalidInput, NotFound
from bot.core.leaderboard import LeaderboardService, Period
from bot.core.members import Who
from bot.core.points import POINTS, STANDUP_DAILY_CAP, Kind
from bot.db.engine import SessionFactory, make_engine, make_session_factory
from bot.db.models import Checkin, Member
from bot.db.press_pool import APPLICATION_NAME
from bot.db.rowcache import RowCache

GUILD = 111 << 22
CONTENT = load_content(default_content_dir())


@dataclass
class Env:
    sessions: SessionFactory
    clock: ManualClock
    checkins: CheckinService
    boards: LeaderboardService

    clubs: ClubService

    async def set_club(self, **values: str) -> None:
        """Change club settings the way `/club setup` does (which also refreshes cached club rows)."""
        await self.clubs.configure(GUILD, ClubChanges(**values))

    async def count(self, kind: str | None = None) -> int:
        async with self.sessions() as session:
            query = select(func.count()).select_from(Checkin)
            if kind:
                query = query.where(Checkin.kind == kind)
            return (await session.execute(query)).scalar_one()


@pytest.fixture
async def env(db_url: str) -> AsyncIterator[Env]:
    engine = make_engine(db_url)
    sessions = make_session_factory(engine)
    clock = ManualClock(datetime(2026, 11, 18, 12, 0, tzinfo=UTC))  # a Wednesday
    rows = RowCache()
    checkins = CheckinService(sessions, clock, rows)
    yield Env(
        sessions, clock, checkins, LeaderboardService(sessions, clock),
        ClubService(sessions, CONTENT, clock, rows),
    )
    await checkins.close()
    await engine.dispose()


def who(n: int, name: str | None = None) -> Who:
    return Who(guild_id=GUILD, user_id=1000 + n, display_name=name or f"runner{n}")


async def test_second_routine_in_a_week_counts_once(env: Env) -> None:
    first = await env.checkins.record(who(1), "routine")
    env.clock.advance(timedelta(days=2))
    second = await env.checkins.record(who(1), "routine")
    assert first.counted
    assert first.points == POINTS[Kind.ROUTINE]
    assert not second.counted
    assert "Already counted" in second.message
    assert await env.count("routine") == 1
    assert second.week_points == POINTS[Kind.ROUTINE]
    assert second.place == 1


async def test_concurrent_double_clicks_count_once(env: Env) -> None:
    results = await asyncio.gather(*(env.checkins.record(who(2), "routine") for _ in range(6)))
    assert sum(r.counted for r in results) == 1
    assert await env.count("routine") == 1


async def test_a_press_after_the_server_cut_the_press_connections_still_counts(env: Env, db_url: str) -> None:
    if db_url.startswith("sqlite"):
        pytest.skip("PostgreSQL's press connections; SQLite presses go through one writer thread")
    assert (await env.checkins.record(who(7), "routine")).counted
    async with env.sessions() as session:  # the server ends the press path's connections (a restart, a failover)
        cut = await session.execute(text(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE application_name = :name AND datname = current_database()"
        ), {"name": APPLICATION_NAME})
        assert len(cut.all()) >= 1
    result = await env.checkins.record(who(8), "stretch")
    assert result.counted
    assert await env.count() == 2


async def test_closing_right_after_the_server_cut_the_press_connections_leaves_nothing_behind(
    env: Env, db_url: str
) -> None:
    """No connection is being opened behind the press path's back when it closes (an open cut short by the
    close leaves a future whose error nobody reads: logged as an error when it is collected)."""
    if db_url.startswith("sqlite"):
        pytest.skip("PostgreSQL's press connections; SQLite presses go through one writer thread")
    for round_no in range(5):
        checkins = CheckinService(env.sessions, env.clock, RowCache())
        assert (await checkins.record(who(20 + round_no), "routine")).counted
        async with env.sessions() as session:
            await session.execute(text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                " WHERE application_name = :name AND datname = current_database()"
            ), {"name": APPLICATION_NAME})
        for _ in range(round_no):
            await asyncio.sleep(0.005)  # the client hears of the cut at some point in between
        await checkins.close()
        await asyncio.sleep(0.05)
        gc.collect()  # a future nobody read reports itself when collected


async def test_every_press_connection_is_ready_before_a_member_needs_it(env: Env, db_url: str) -> None:
    """The press statement is prepared on every press connection as the pool opens, not on a member's press."""
    if db_url.startswith("sqlite"):
        pytest.skip("PostgreSQL's press connections; SQLite presses go through one writer thread")
    assert (await env.checkins.record(who(7), "routine")).counted  # one press: the pool opens
    async with env.sessions() as session:
        rows = (await session.execute(text(
            "SELECT query FROM pg_stat_activity WHERE application_name = :name AND datname = current_database()"
        ), {"name": APPLICATION_NAME})).scalars().all()
    assert len(rows) == 4
    assert all(query for query in rows), rows  # each has run something: at least the statement's preparation


async def test_sqlite_presses_reach_the_database_file_off_the_commit_path(env: Env, db_url: str,
                                                                       tmp_path: Path) -> None:
    """The writer never checkpoints on commit; its checkpoint thread copies the log into the file soon after."""
    if not db_url.startswith("sqlite"):
        pytest.skip("SQLite's write-ahead log")
    await asyncio.gather(*(env.checkins.record(who(100 + n), "routine") for n in range(30)))
    database = Path(db_url.split("///", 1)[1])

    def in_the_file_alone() -> int:
        copy = tmp_path / "file-alone.db"  # the main file without its -wal: only what was checkpointed
        shutil.copyfile(database, copy)
        with contextlib.closing(sqlite3.connect(copy)) as conn:
            return conn.execute("SELECT count(*) FROM checkin").fetchone()[0]

    for _ in range(50):  # up to 10 s; about 1 s is expected
        if (found := in_the_file_alone()) == 30:
            break
        await asyncio.sleep(0.2)
    assert found == 30


async def test_sqlite_presses_handed_in_when_the_service_closes_are_all_written(env: Env, db_url: str) -> None:
    if not db_url.startswith("sqlite"):
        pytest.skip("SQLite's write queue")
    await env.checkins.record(who(199), "routine")  # the club row is cached: a press goes straight to the queue
    presses = [asyncio.create_task(env.checkins.record(who(200 + n), "routine")) for n in range(40)]
    await asyncio.sleep(0)  # every press handed in; the first batch is in the writer, the rest wait behind it
    await asyncio.wait_for(env.checkins.close(), timeout=10)
    done, waiting = await asyncio.wait(presses, timeout=1)
    for press in waiting:
        press.cancel()
    assert not waiting, f"{len(waiting)} presses were never answered"
    assert all(press.result().counted for press in done)
    assert await env.count("routine") == 41
    with pytest.raises(RuntimeError):  # after close nothing more is taken (the bot stops its features first)
        await env.checkins.record(who(300), "routine")


async def test_a_press_after_the_member_row_went_behind_the_cache_still_counts(env: Env) -> None:
    assert (await env.checkins.record(who(0), Kind.ROUTINE)).counted
    # Another process forgot the member: this one still holds their row id in its cache.
    async with env.sessions() as session:
        await session.execute(delete(Member).where(Member.user_id == who(0).user_id))
        await session.commit()
    again = await env.checkins.record(who(0), Kind.EXTRA)
    assert again.counted
    assert again.week_points == POINTS[Kind.EXTRA]  # a new member row: the deleted one's routine went with it
    assert await env.count() == 1
    async with env.sessions() as session:
        assert (await session.execute(select(func.count()).select_from(Member))).scalar_one() == 1


async def test_a_stale_cached_member_among_other_presses_fails_alone_and_counts_on_retry(env: Env) -> None:
    for n in range(4):
        assert (await env.checkins.record(who(n), Kind.ROUTINE)).counted
    async with env.sessions() as session:
        await session.execute(delete(Member).where(Member.user_id == who(2).user_id))
        await session.commit()
    # Together: on SQLite the first goes alone and the rest wait behind it as one batch with the stale one inside.
    results = await asyncio.gather(*(env.checkins.record(who(n), Kind.EXTRA) for n in range(4)))
    assert all(result.counted for result in results)
    assert await env.count("extra") == 4
    assert await env.count("routine") == 3  # the deleted member's routine went with their row


async def test_extra_and_stretch_once_a_day_and_yesterday_allowed(env: Env) -> None:
    assert (await env.checkins.record(who(3), "stretch")).counted
    assert not (await env.checkins.record(who(3), "stretch")).counted
    back = await env.checkins.record(who(3), "stretch", when="yesterday")
    assert back.counted
    assert back.local_date.isoformat() == "2026-11-17"
    with pytest.raises(InvalidInput):
        await env.checkins.record(who(3), "extra", when="tomorrow")
    assert await env.count("stretch") == 2


async def test_standups_are_capped_per_day(env: Env) -> None:
    results = [await env.checkins.record(who(4), "standup") for _ in range(STANDUP_DAILY_CAP + 2)]
    assert [r.counted for r in results].count(True) == STANDUP_DAILY_CAP
    assert "up to" in results[-1].message
    assert await env.count("standup") == STANDUP_DAILY_CAP


async def test_standups_pressed_at_the_same_moment_each_take_a_slot_up_to_the_cap(env: Env) -> None:
    """Stand-ups go the same way as every other press (on PostgreSQL one statement): presses that find the same
    free slot at once do not lose a count."""
    results = await asyncio.gather(*(env.checkins.record(who(6), "standup") for _ in range(STANDUP_DAILY_CAP + 3)))
    assert [r.counted for r in results].count(True) == STANDUP_DAILY_CAP
    assert await env.count("standup") == STANDUP_DAILY_CAP
    assert max(r.week_points for r in results) == STANDUP_DAILY_CAP * POINTS[Kind.STANDUP]


async def test_undo_only_within_ten_minutes(env: Env) -> None:
    await env.checkins.record(who(5), "extra")
    env.clock.advance(timedelta(minutes=9))
    assert "Undone" in await env.checkins.undo_last(who(5))
    assert await env.count() == 0
    await env.checkins.record(who(5), "extra")
    env.clock.advance(timedelta(minutes=11))
    with pytest.raises(NotFound):
        await env.checkins.undo_last(who(5))
    assert await env.count() == 1


async def test_streak_survives_the_current_week_until_it_ends(env: Env) -> None:
    start = env.clock.now()
    for weeks_ago in (3, 2, 1):
        env.clock.set(start - timedelta(weeks=weeks_ago))
        await env.checkins.record(who(6), "routine")
    env.clock.set(start)
    result = await env.checkins.record(who(6), "stretch")
    assert result.streak.current == 3
    result = await env.checkins.record(who(6), "routine")
    assert (result.streak.current, result.streak.longest) == (4, 4)
    env.clock.set(start + timedelta(weeks=2))
    result = await env.checkins.record(who(6), "stretch")
    assert result.streak.current == 0
    assert result.streak.longest == 4


async def test_sunday_2330_local_counts_for_that_week(env: Env) -> None:
    await env.checkins.record(who(7), "stretch")  # creates the club
    await env.set_club(timezone="America/Los_Angeles")
    # Sunday 22 Nov 2026 23:30 in Los Angeles is Monday 07:30 UTC.
    env.clock.set(datetime(2026, 11, 23, 7, 30, tzinfo=UTC))
    result = await env.checkins.record(who(7), "routine")
    assert result.local_date.isoformat() == "2026-11-22"
    env.clock.set(datetime(2026, 11, 23, 9, 0, tzinfo=UTC))  # 01:00 Monday local: a new week
    assert (await env.checkins.record(who(7), "routine")).counted
    assert await env.count("routine") == 2


async def test_board_ties_share_a_rank_and_earliest_comes_first(env: Env) -> None:
    # runner1: 10 at 12:00; runner2: 10 at 12:05; runner3: 15; runner4: 2.
    await env.checkins.record(who(1, "Ann"), "routine")
    env.clock.advance(timedelta(minutes=5))
    await env.checkins.record(who(2, "Ben"), "routine")
    await env.checkins.record(who(3, "Cat"), "routine")
    await env.checkins.record(who(3, "Cat"), "extra")
    await env.checkins.record(who(4, "Dan"), "stretch")
    board = await env.boards.board(GUILD, Period.WEEK)
    assert [(r.rank, r.display_name, r.points) for r in board.rows] == [
        (1, "Cat", 15),
        (2, "Ann", 10),
        (2, "Ben", 10),
        (4, "Dan", 2),
    ]
    assert board.rows[0].routines == 1
    assert board.ranked_members == 4


async def test_hidden_left_and_excluded_members_drop_off_boards(env: Env) -> None:
    await env.checkins.record(who(1, "Ann"), "routine")
    await env.checkins.record(who(2, "Ben"), "routine")
    await env.checkins.record(who(3, "Cat"), "routine")
    await env.checkins.record(Who(GUILD, 1004, "Coach", role_ids=(77,)), "routine")
    async with env.sessions() as session:
        await session.execute(update(Member).where(Member.user_id == 1001).values(hidden=True))
        await session.execute(update(Member).where(Member.user_id == 1002).values(left_at=env.clock.now()))
        await session.commit()
    await env.clubs.set_excluded_roles(GUILD, [77])
    board = await env.boards.board(GUILD, Period.WEEK)
    assert [r.display_name for r in board.rows] == ["Cat"]


async def test_top_ten_plus_the_callers_own_row(env: Env) -> None:
    for n in range(12):
        await env.checkins.record(who(n, f"r{n}"), "routine")
        env.clock.advance(timedelta(seconds=1))
    board = await env.boards.board(GUILD, Period.WEEK, caller_user_id=1011)
    assert len(board.rows) == 11
    assert board.rows[-1].display_name == "r11"
    assert board.rows[-1].is_caller
    assert all(r.rank == 1 for r in board.rows)


async def test_finished_week_is_archived_once_and_shown_again(env: Env) -> None:
    await env.checkins.record(who(1, "Ann"), "routine")
    env.clock.advance(timedelta(days=7))
    first = await env.boards.finished_week(GUILD)
    await env.checkins.record(who(2, "Ben"), "routine", when="yesterday")  # late entry for last week
    again = await env.boards.finished_week(GUILD)
    assert [r.display_name for r in first.rows] == ["Ann"]
    assert again.rows == first.rows
    shown = await env.boards.board(GUILD, Period.LAST_WEEK)
    assert shown.archived
    assert [r.display_name for r in shown.rows] == ["Ann"]


async def test_month_board_follows_the_club_calendar(env: Env) -> None:
    env.clock.set(datetime(2026, 10, 31, 12, 0, tzinfo=UTC))
    await env.checkins.record(who(1, "Ann"), "extra")
    env.clock.set(datetime(2026, 11, 2, 12, 0, tzinfo=UTC))
    await env.checkins.record(who(2, "Ben"), "extra")
    month = await env.boards.board(GUILD, Period.MONTH)
    everything = await env.boards.board(GUILD, Period.ALL)
    assert [r.display_name for r in month.rows] == ["Ben"]
    assert {r.display_name for r in everything.rows} == {"Ann", "Ben"}
