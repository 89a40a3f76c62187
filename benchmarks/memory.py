"""Memory: RSS of a bot process serving 10,000 guilds with 100,000 members' reminder settings.

    python benchmarks/memory.py [--guilds 10000] [--members 100000]

Fills a SQLite database (10,000 configured clubs, 100,000 members with stand-up reminders),
starts the fake Discord with 10,000 guilds, runs ``python -m bot run`` as a subprocess and
reads its RSS (``VmRSS``/``VmHWM`` from /proc) once every guild is ready and the club jobs are
built. Reminder settings stay in the database (the tick reads due rows in batches), so they
cost no process memory by design. Target: ≤ 150 MB. Writes benchmarks/results/memory.json.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import sys
import time
from datetime import UTC, datetime, timedelta

from _common import ROOT, Database, write_result
from sqlalchemy import insert, text

from bot.db.engine import make_engine
from bot.db.models import Club, Member, Standup
from tests.fakediscord import FakeDiscord

TOKEN = "MTA4NTM1MTY1NzQ3MjAwMDAwNw.fake.token"
NOW = datetime.now(UTC)


async def fill(url: str, guilds: list, members: int) -> None:
    engine = make_engine(url)
    per_club = max(1, members // len(guilds))
    clubs = [{"id": n + 1, "guild_id": g.id, "channel_id": g.text_channel_id, "created_at": NOW,
              "timezone": "Europe/London", "post_day": "monday", "post_time": "07:00"} for n, g in enumerate(guilds)]
    member_rows, standups = [], []
    for i in range(1, members + 1):
        club_id = (i - 1) // per_club % len(guilds) + 1
        member_rows.append({"id": i, "club_id": club_id, "user_id": 5_000_000 + i, "display_name": f"runner{i}",
                            "created_at": NOW})
        due = NOW + timedelta(hours=2, seconds=i % 3600)
        standups.append({"id": i, "member_id": i, "club_id": club_id, "every_minutes": 45, "window_start": "09:00",
                         "window_end": "17:30", "days": "monday,tuesday,wednesday,thursday,friday",
                         "timezone": "Europe/London", "enabled": True, "dm_blocked": False, "snoozed": False,
                         "next_slot_at": due, "next_due_at": due, "created_at": NOW, "updated_at": NOW})
    try:
        async with engine.begin() as conn:
            await conn.execute(insert(Club.__table__), clubs)  # type: ignore[attr-defined]
            for start in range(0, members, 5000):
                await conn.execute(insert(Member.__table__), member_rows[start:start + 5000])  # type: ignore[attr-defined]
                await conn.execute(insert(Standup.__table__), standups[start:start + 5000])  # type: ignore[attr-defined]
        async with engine.begin() as conn:
            await conn.execute(text("ANALYZE"))
    finally:
        await engine.dispose()


def rss_kib(pid: int) -> tuple[int, int]:
    status = open(f"/proc/{pid}/status").read()  # noqa: SIM115
    rss = int(re.search(r"VmRSS:\s+(\d+)", status).group(1))  # type: ignore[union-attr]
    hwm = int(re.search(r"VmHWM:\s+(\d+)", status).group(1))  # type: ignore[union-attr]
    return rss, hwm


async def run(url: str, guild_count: int, members: int, settle: int) -> dict[str, object]:
    async with FakeDiscord(interaction_deadline=None, spec_check=False) as fake:
        guilds = [fake.add_guild(f"Club {n}") for n in range(guild_count)]
        await fill(url, guilds, members)
        env = {**os.environ, "DISCORD_TOKEN": TOKEN, "DATABASE_URL": url, "DISCORD_API_BASE": fake.api_base,
               "DISCORD_GATEWAY_URL": fake.gateway_url, "GUILD_READY_TIMEOUT": "2", "PYTHONPATH": str(ROOT),
               "LOG_LEVEL": "INFO"}
        started = time.perf_counter()
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "run", env=env, cwd=str(ROOT / "benchmarks"),
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT)
        lines: list[str] = []
        try:
            assert process.stdout is not None
            while True:
                raw = await asyncio.wait_for(process.stdout.readline(), timeout=300)
                if not raw:
                    raise RuntimeError("the bot exited:\n" + "".join(lines[-20:]))
                lines.append(raw.decode())
                if "ready as" in lines[-1]:
                    break
            ready_after = time.perf_counter() - started
            # The first catch-up (every club once) and stand-up ticks run after ready: sample through them.
            samples = []
            for _ in range(settle):
                await asyncio.sleep(1)
                samples.append(rss_kib(process.pid)[0])
            rss, hwm = rss_kib(process.pid)
        finally:
            process.terminate()
            await process.wait()
    jobs = next((line for line in lines if "club jobs" in line), "").strip()
    return {"guilds": guild_count, "members_with_reminders": members, "rss_mb": round(rss / 1024, 1),
            "peak_rss_mb": round(hwm / 1024, 1),
            "max_sampled_rss_mb": round(max(samples) / 1024, 1), "sampled_for_s": settle,
            "ready_after_s": round(ready_after, 1), "jobs_log": jobs[-60:]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--guilds", type=int, default=10_000)
    parser.add_argument("--members", type=int, default=100_000)
    parser.add_argument("--settle", type=int, default=30, help="seconds to sample RSS after ready")
    args = parser.parse_args()
    with Database("sqlite") as db:
        result = asyncio.run(run(db.url, args.guilds, args.members, args.settle))
    print(f"memory: {result['guilds']} guilds, {result['members_with_reminders']} members with reminders")
    print(f"  RSS {result['rss_mb']} MB after {result['sampled_for_s']} s (highest sample "
          f"{result['max_sampled_rss_mb']} MB), peak {result['peak_rss_mb']} MB "
          f"(target ≤ 150 MB: {'ok' if result['peak_rss_mb'] <= 150 else 'over target'}); "
          f"ready after {result['ready_after_s']} s; {result['jobs_log']}")
    path = write_result("memory", {**result, "target_mb": 150})
    print(f"written {path.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
