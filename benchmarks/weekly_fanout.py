"""Weekly fan-out: many clubs due in the same minute, under Discord's global 50 requests/s.

    python benchmarks/weekly_fanout.py --clubs 10000 [--db sqlite|postgres]

The fake Discord enforces a global limit of 50 requests/s with real 429 responses
(``retry_after``, ``X-RateLimit-Global``); discord.py's rate limiter does the pacing. Every
club's routine job is fired at once, as the scheduler would at the shared minute. Prints
posts/s as a fraction of 50 (target ≥ 0.95), the 429s received, and checks that no club
got zero or two posts. Writes benchmarks/results/weekly_fanout-<db>.json.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import time
from datetime import UTC, datetime, timedelta

from _common import ROOT, Database, write_result

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


async def fanout(url: str, clubs: int) -> dict[str, object]:
    logging.getLogger("discord").setLevel(logging.ERROR)
    logging.getLogger("bot").setLevel(logging.WARNING)
    due = datetime.now(UTC).replace(second=0, microsecond=0)
    async with FakeDiscord(interaction_deadline=None) as fake:
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
            started = time.perf_counter()
            results = await asyncio.gather(*(bot.shared["club_jobs"].run(g.id, "routine") for g in guilds))
            elapsed = time.perf_counter() - started
        per_channel = [len(fake.channel_messages(g.text_channel_id)) for g in guilds]
    sent = sum(1 for r in results if r is not None and r.status == "sent")
    return {
        "clubs": clubs,
        "jobs": jobs_loaded,
        "seconds": round(elapsed, 2),
        "posts_per_second": round(sent / elapsed, 2),
        "fraction_of_limit": round(sent / elapsed / LIMIT, 3),
        "rate_limited_429s": fake.rate_limited_count,
        "missed": sum(1 for n in per_channel if n == 0),
        "doubled": sum(1 for n in per_channel if n > 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--clubs", type=int, default=10_000)
    args = parser.parse_args()
    with Database(args.db) as db:
        result = asyncio.run(fanout(db.url, args.clubs))
    print(f"weekly fan-out on {args.db}: {result['clubs']} clubs in {result['seconds']} s")
    print(f"  {result['posts_per_second']} posts/s = {result['fraction_of_limit']} of {LIMIT}/s "
          f"(target ≥ 0.95: {'ok' if result['fraction_of_limit'] >= 0.95 else 'under target'})")
    print(f"  429s received {result['rate_limited_429s']}, missed {result['missed']}, doubled {result['doubled']}")
    path = write_result(f"weekly_fanout-{args.db}", {**result, "target_fraction": 0.95})
    print(f"written {path.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
