"""Leaderboard query time with 1,000,000 check-ins across 100 clubs and 10,000 members.

    python benchmarks/leaderboard.py --db sqlite
    python benchmarks/leaderboard.py --db postgres

Check-ins and the running totals the bot keeps on insert (member_points) are loaded directly.
Prints the median time of the board query per period; target ≤ 10 ms (median). Writes
benchmarks/results/leaderboard-<db>.json.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sqlite3
import time
from datetime import UTC, date, datetime, timedelta

import asyncpg
from _common import Database, summary, write_result
from sqlalchemy import text

from bot.core.clock import ManualClock
from bot.core.leaderboard import LeaderboardService, Period
from bot.core.timeutil import board_periods
from bot.db.engine import make_engine, make_session_factory
from bot.db.rowcache import RowCache

NOW = datetime(2026, 11, 18, 12, 0, tzinfo=UTC)
KINDS = (("routine", 10), ("extra", 5), ("stretch", 2), ("test", 3))


def rows(clubs: int, members: int, checkins: int, seed: int = 7):
    rng = random.Random(seed)
    per_member = checkins // members
    today = NOW.date()
    club_rows = [(c + 1, (c + 1) << 22, NOW) for c in range(clubs)]
    member_rows = []
    checkin_rows = []
    next_id = 1
    for m in range(members):
        club_id = m % clubs + 1
        member_rows.append((m + 1, club_id, 10_000 + m, f"runner{m}", NOW))
        days = rng.sample(range(730), per_member)
        for day_offset in days:
            kind, points = KINDS[rng.randrange(len(KINDS))]
            day = today - timedelta(days=day_offset)
            created = datetime.combine(day, datetime.min.time(), tzinfo=UTC) + timedelta(minutes=rng.randrange(1440))
            checkin_rows.append((next_id, m + 1, club_id, kind, day, f"{kind[0]}{day.isoformat()}", points, created))
            next_id += 1
    return club_rows, member_rows, checkin_rows


def totals(checkin_rows):
    """The running totals the bot keeps on insert (member_points), for the same check-ins."""
    acc: dict[tuple[int, str], list] = {}
    for _i, member_id, club_id, kind, day, _p, points, created in checkin_rows:
        for period in board_periods(day, "monday"):
            entry = acc.setdefault((member_id, period), [club_id, 0, 0, created])
            entry[1] += points
            entry[2] += kind == "routine"
            entry[3] = max(entry[3], created)
    return [(m, p, c, pts, r, t) for (m, p), (c, pts, r, t) in acc.items()]


def load_sqlite(path, club_rows, member_rows, checkin_rows) -> None:
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA journal_mode=WAL")
    with conn:
        conn.executemany(
            "INSERT INTO club (id, guild_id, timezone, week_start, post_day, post_time, leaderboard_day, "
            "leaderboard_time, routine_slug, paused, excluded_role_ids, created_at) "
            "VALUES (?, ?, 'UTC', 'monday', 'monday', '07:00', 'monday', '08:00', 'five-minute', 0, '', ?)",
            [(i, g, c.replace(tzinfo=None).isoformat(" ")) for i, g, c in club_rows],
        )
        conn.executemany(
            "INSERT INTO member (id, club_id, user_id, display_name, hidden, role_ids, created_at) "
            "VALUES (?, ?, ?, ?, 0, '', ?)",
            [(i, c, u, n, t.replace(tzinfo=None).isoformat(" ")) for i, c, u, n, t in member_rows],
        )
        conn.executemany(
            "INSERT INTO checkin (id, member_id, club_id, kind, local_date, period_key, points, created_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [(i, m, c, k, d.isoformat(), p, pts, t.replace(tzinfo=None).isoformat(" "))
             for i, m, c, k, d, p, pts, t in checkin_rows],
        )
        conn.executemany(
            "INSERT INTO member_points (member_id, period, club_id, points, routines, reached) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            [(m, p, c, pts, r, t.replace(tzinfo=None).isoformat(" ")) for m, p, c, pts, r, t in totals(checkin_rows)],
        )
    conn.execute("ANALYZE")
    conn.close()


async def load_postgres(dsn, club_rows, member_rows, checkin_rows) -> None:
    conn = await asyncpg.connect(dsn)
    try:
        await conn.copy_records_to_table(
            "club",
            records=[(i, g, "UTC", "monday", "monday", "07:00", "monday", "08:00", "five-minute", False, "", c)
                     for i, g, c in club_rows],
            columns=["id", "guild_id", "timezone", "week_start", "post_day", "post_time", "leaderboard_day",
                     "leaderboard_time", "routine_slug", "paused", "excluded_role_ids", "created_at"],
        )
        await conn.copy_records_to_table(
            "member", records=[(i, c, u, n, False, "", t) for i, c, u, n, t in member_rows],
            columns=["id", "club_id", "user_id", "display_name", "hidden", "role_ids", "created_at"],
        )
        await conn.copy_records_to_table(
            "checkin", records=checkin_rows,
            columns=["id", "member_id", "club_id", "kind", "local_date", "period_key", "points", "created_at"],
        )
        await conn.copy_records_to_table(
            "member_points", records=totals(checkin_rows),
            columns=["member_id", "period", "club_id", "points", "routines", "reached"],
        )
        for table in ("club", "member", "checkin"):
            await conn.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
        await conn.execute("ANALYZE")
    finally:
        await conn.close()


async def measure(url: str, clubs: int, rounds: int) -> dict[str, dict[str, float]]:
    engine = make_engine(url)
    # As the bot builds it (bot/services.py): club rows come from the shared row cache after the first read.
    boards = LeaderboardService(make_session_factory(engine), ManualClock(NOW), RowCache())
    rng = random.Random(3)
    out = {}
    try:
        # A reference in the same run: one trivial round trip to the database (the machine is shared).
        sessions = make_session_factory(engine)
        samples = []
        for _ in range(rounds):
            start = time.perf_counter()
            async with sessions() as session:
                await session.execute(text("SELECT 1"))
            samples.append((time.perf_counter() - start) * 1000)
        out["select 1"] = summary(samples)
        for period in (Period.WEEK, Period.MONTH, Period.ALL):
            await boards.board(1 << 22, period)  # warm the pool and caches
            samples = []
            for _ in range(rounds):
                guild = (rng.randrange(clubs) + 1) << 22
                caller = 10_000 + rng.randrange(10_000)
                start = time.perf_counter()
                board = await boards.board(guild, period, caller_user_id=caller)
                samples.append((time.perf_counter() - start) * 1000)
                assert board.rows, "the benchmark data must produce a board"
            out[period.value] = summary(samples)
    finally:
        await engine.dispose()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--checkins", type=int, default=1_000_000)
    parser.add_argument("--members", type=int, default=10_000)
    parser.add_argument("--clubs", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=200)
    args = parser.parse_args()
    started = time.perf_counter()
    club_rows, member_rows, checkin_rows = rows(args.clubs, args.members, args.checkins)
    with Database(args.db) as db:
        if args.db == "sqlite":
            load_sqlite(db.path, club_rows, member_rows, checkin_rows)
        else:
            asyncio.run(load_postgres(db.dsn, club_rows, member_rows, checkin_rows))
        loaded = time.perf_counter() - started
        figures = asyncio.run(measure(db.url, args.clubs, args.rounds))
    print(f"leaderboard on {args.db}: {len(checkin_rows):,} check-ins, {args.members:,} members, "
          f"{args.clubs} clubs (loaded in {loaded:.1f} s)")
    for period, stats in figures.items():
        verdict = "reference" if period == "select 1" else "ok" if stats["median_ms"] <= 10 else "over target"
        print(f"  {period:>8}: median {stats['median_ms']:.2f} ms, p90 {stats['p90_ms']:.2f} ms, "
              f"max {stats['max_ms']:.2f} ms  (target median ≤ 10 ms: {verdict})")
    path = write_result(f"leaderboard-{args.db}", {"checkins": len(checkin_rows), "members": args.members,
                                                   "clubs": args.clubs, "periods": figures, "target_ms": 10})
    print(f"written {path.relative_to(path.parents[2])}")


if __name__ == "__main__":
    _ = date
    main()
