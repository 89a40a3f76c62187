"""Weekly fan-out: many clubs due in the same minute, under Discord's global 50 requests/s.

    python benchmarks/weekly_fanout.py --clubs 10000 [--db sqlite|postgres] [--profile FILE]

The fake Discord enforces a global limit of 50 requests/s with real 429 responses
(``retry_after``, ``X-RateLimit-Global``); discord.py's rate limiter does the pacing. Every
club's routine job is fired at once, as the scheduler would at the shared minute. Prints
posts/s as a fraction of 50 (target ≥ 0.95), the 429s received, and checks that no club
got zero or two posts. Writes benchmarks/results/weekly_fanout-<db>.json.

The bot and the fake Discord run in this one process (one event loop), so the CPU figure per
post is both of theirs. ``--profile FILE`` records the process with ``py-spy --gil`` during the
fan-out only and prints the top frames.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import shutil
import signal
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from _common import ROOT, Database, write_result
from checkin_burst import summarise_profile

from bot.__main__ import build_bot
from bot.content.loader import load_content
from bot.core.clock import ManualClock
from bot.core.clubs import ClubChanges, ClubService
from bot.db.engine import make_engine, make_session_factory
from bot.settings import Settings
from tests.fakediscord import FakeDiscord
from tests.fakediscord.harness import running

TOKEN = "MTA4NTM1MTY1NzQ3MjAwMDAwNw.fake.token"
LIMIT = 50


async def start_profile(path: Path) -> asyncio.subprocess.Process:
    path.parent.mkdir(parents=True, exist_ok=True)
    spy = await asyncio.create_subprocess_exec(
        shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy"), "record", "--pid", str(os.getpid()),
        "--format", "raw", "--output", str(path), "--rate", "250", "--nonblocking", "--gil",
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL)
    await asyncio.sleep(1.0)
    return spy


async def fanout(url: str, clubs: int, profile: Path | None = None) -> dict[str, object]:
    logging.getLogger("discord").setLevel(logging.ERROR)
    logging.getLogger("bot").setLevel(logging.WARNING)
    due = datetime.now(UTC).replace(second=0, microsecond=0)
    async with FakeDiscord(interaction_deadline=None, spec_check=False) as fake:
        guilds = [fake.add_guild(f"Club {n}") for n in range(clubs)]
        engine = make_engine(url)
        try:
            service = ClubService(make_session_factory(engine), load_content(ROOT / "content"),
                                  ManualClock(due - timedelta(days=1)))
            for guild in guilds:
                await service.configure(guild.id, ClubChanges(
                    channel_id=guild.text_channel_id, day=due.strftime("%A").lower(),
                    time=due.strftime("%H:%M"), timezone="UTC"))
        finally:
            await engine.dispose()
        settings = Settings(_env_file=None, discord_token=TOKEN, database_url=url, discord_api_base=fake.api_base,
                            discord_gateway_url=fake.gateway_url, guild_ready_timeout=0.1,
                            content_dir=ROOT / "content")  # type: ignore[call-arg]
        # The bot's own clock stands at the shared minute; jobs start paused so only this run fires them.
        async with build_bot(settings, clock=ManualClock(due), start_jobs=False) as bot, running(
            bot, fake, token=TOKEN, ready_timeout=120
        ):
            jobs_loaded = await bot.shared["club_jobs"].load_all()
            fake.set_global_rate_limit(LIMIT)
            spy = await start_profile(profile) if profile is not None else None
            load_before = os.getloadavg()[0]
            cpu_before = time.process_time()
            started = time.perf_counter()
            results = await asyncio.gather(*(bot.shared["club_jobs"].run(g.id, "routine") for g in guilds))
            elapsed = time.perf_counter() - started
            cpu = time.process_time() - cpu_before
            load_after = os.getloadavg()[0]
            if spy is not None:
                spy.send_signal(signal.SIGINT)
                await spy.wait()
        per_channel = [len(fake.channel_messages(g.text_channel_id)) for g in guilds]
    sent = sum(1 for r in results if r is not None and r.status == "sent")
    return {
        "clubs": clubs,
        "jobs": jobs_loaded,
        "seconds": round(elapsed, 2),
        "posts_per_second": round(sent / elapsed, 2),
        "fraction_of_limit": round(sent / elapsed / LIMIT, 3),
        "cpu_ms_per_post": round(1000 * cpu / max(1, sent), 2),
        "load_average": [round(load_before, 2), round(load_after, 2)],
        "rate_limited_429s": fake.rate_limited_count,
        "missed": sum(1 for n in per_channel if n == 0),
        "doubled": sum(1 for n in per_channel if n > 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--clubs", type=int, default=10_000)
    parser.add_argument("--profile", type=Path, default=None, help="py-spy output file (raw) for the fan-out")
    args = parser.parse_args()
    with Database(args.db) as db:
        result = asyncio.run(fanout(db.url, args.clubs, args.profile))
    print(f"weekly fan-out on {args.db}: {result['clubs']} clubs in {result['seconds']} s")
    print(f"  {result['posts_per_second']} posts/s = {result['fraction_of_limit']} of {LIMIT}/s "
          f"(target ≥ 0.95: {'ok' if result['fraction_of_limit'] >= 0.95 else 'under target'})")
    print(f"  429s received {result['rate_limited_429s']}, missed {result['missed']}, doubled {result['doubled']}")
    print(f"  process CPU (bot and fake Discord) {result['cpu_ms_per_post']} ms per post; "
          f"load average {result['load_average'][0]} before, {result['load_average'][1]} after")
    if args.profile is not None and args.profile.exists():
        print("\n".join(summarise_profile(args.profile, top=25)))
    path = write_result(f"weekly_fanout-{args.db}", {**result, "target_fraction": 0.95})
    print(f"written {path.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
