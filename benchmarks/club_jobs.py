"""Time to rebuild the weekly-post jobs from the clubs table at start-up.

    python benchmarks/club_jobs.py [--clubs 10000] [--db sqlite|postgres]

Two jobs per club (routine post, leaderboard post). Prints the job count and the median
rebuild time over several runs; writes benchmarks/results/club_jobs-<db>.json.
"""

from __future__ import annotations

import argparse
import asyncio
import time
from datetime import UTC, datetime

from _common import ROOT, Database, summary, write_result
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from sqlalchemy import insert

from bot.content.loader import load_content
from bot.core.clock import SystemClock
from bot.core.club_posts import ClubPostService
from bot.core.clubs import ClubService
from bot.core.leaderboard import LeaderboardService
from bot.core.routines import RoutineService
from bot.db.engine import make_engine, make_session_factory
from bot.db.models import Club
from bot.scheduling.club_jobs import ClubJobs

ZONES = ["Europe/London", "America/New_York", "Australia/Sydney", "Asia/Tokyo", "UTC"]
DAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]


async def run(url: str, clubs: int, rounds: int) -> dict[str, object]:
    engine = make_engine(url)
    now = datetime.now(UTC)
    async with engine.begin() as conn:
        await conn.execute(insert(Club.__table__), [  # type: ignore[attr-defined]
            {"guild_id": (n + 1) << 22, "channel_id": n + 1, "timezone": ZONES[n % 5], "post_day": DAYS[n % 7],
             "post_time": f"{n % 24:02d}:{n % 60:02d}", "created_at": now} for n in range(clubs)])
    sessions = make_session_factory(engine)
    clock = SystemClock()
    content = load_content(ROOT / "content")
    routines = RoutineService(sessions, content, clock)
    posts = ClubPostService(sessions, clock, routines, LeaderboardService(sessions, clock))

    async def never(_post: object) -> int:
        raise AssertionError("nothing is sent while measuring")

    samples, jobs = [], 0
    try:
        for _ in range(rounds):
            scheduler = AsyncIOScheduler(timezone="UTC")
            scheduler.start(paused=True)
            started = time.perf_counter()
            jobs = await ClubJobs(scheduler, ClubService(sessions, content, clock), posts, never).load_all()
            samples.append((time.perf_counter() - started) * 1000)
            assert len(scheduler.get_jobs()) == jobs
            scheduler.shutdown(wait=False)
    finally:
        await engine.dispose()
    return {"clubs": clubs, "jobs": jobs, "rebuild": summary(samples)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--clubs", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    with Database(args.db) as db:
        result = asyncio.run(run(db.url, args.clubs, args.rounds))
    stats = result["rebuild"]
    print(f"club jobs on {args.db}: {result['clubs']} clubs → {result['jobs']} jobs; "
          f"rebuild median {stats['median_ms']:.0f} ms (max {stats['max_ms']:.0f} ms)")  # type: ignore[index]
    path = write_result(f"club_jobs-{args.db}", result)
    print(f"written {path.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
