"""Check-in burst: 1,000 distinct members press Done within 10 seconds.

    python benchmarks/checkin_burst.py --db sqlite
    python benchmarks/checkin_burst.py --db postgres

The real bot runs against the project's fake Discord on 127.0.0.1. Latency is measured from
the moment the fake sends INTERACTION_CREATE to the moment it receives the interaction
callback (the bot defers, then follows up with the result). Prints p50/p99/max, checks that
no press was lost (a row and a callback for every press), and writes
benchmarks/results/checkin_burst-<db>.json. Target: p99 ≤ 30 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import time

from _common import ROOT, Database, write_result
from sqlalchemy import func, select

from bot.__main__ import build_bot
from bot.db.engine import make_engine, make_session_factory
from bot.db.models import Checkin
from bot.settings import Settings
from tests.fakediscord import FakeDiscord
from tests.fakediscord.harness import running

TOKEN = "MTA4NTM1MTY1NzQ3MjAwMDAwNw.fake.token"


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


async def burst(url: str, presses: int, seconds: float) -> dict[str, object]:
    import logging

    logging.getLogger("discord").setLevel(logging.WARNING)
    async with FakeDiscord(interaction_deadline=None) as fake:
        guild = fake.add_guild("Burst Club")
        members = fake.add_members(guild.id, presses, prefix="runner")
        settings = Settings(_env_file=None, discord_token=TOKEN, database_url=url, discord_api_base=fake.api_base,
                            discord_gateway_url=fake.gateway_url, guild_ready_timeout=0.1,
                            content_dir=ROOT / "content")  # type: ignore[call-arg]
        async with build_bot(settings) as bot, running(bot, fake, token=TOKEN):
            # One warm-up press so pools and caches are in their steady state.
            warm = fake.add_member(guild.id, "warmup")
            await (await fake.click("gc:done:routine", warm.id, guild.id)).final(timeout=30)
            interval = seconds / presses
            started = time.perf_counter()
            interactions = []
            for index, member in enumerate(members):
                target = started + index * interval
                delay = target - time.perf_counter()
                if delay > 0:
                    await asyncio.sleep(delay)
                interactions.append(await fake.click("gc:done:routine", member.id, guild.id))
            finals = await asyncio.gather(*(ix.final(timeout=60) for ix in interactions), return_exceptions=True)
            elapsed = time.perf_counter() - started
    lost_callbacks = sum(1 for f in finals if isinstance(f, BaseException))
    latencies = [ix.latency * 1000 for ix in interactions if ix.latency is not None]
    finals_ms = [ix.final_latency * 1000 for ix in interactions if ix.final_latency is not None]
    engine = make_engine(url)
    try:
        async with make_session_factory(engine)() as session:
            rows = (await session.execute(select(func.count()).select_from(Checkin))).scalar_one() - 1
    finally:
        await engine.dispose()
    return {
        "presses": presses,
        "window_s": round(elapsed, 2),
        "callback_ms": {"p50": round(percentile(latencies, 0.5), 2), "p99": round(percentile(latencies, 0.99), 2),
                        "max": round(max(latencies), 2)},
        "reply_ms": {"p50": round(percentile(finals_ms, 0.5), 2), "p99": round(percentile(finals_ms, 0.99), 2),
                     "max": round(max(finals_ms), 2)},
        "rows": rows,
        "callbacks": len(latencies),
        "lost": presses - min(rows, len(latencies)) + lost_callbacks,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--presses", type=int, default=1000)
    parser.add_argument("--seconds", type=float, default=10.0)
    args = parser.parse_args()
    with Database(args.db) as db:
        result = asyncio.run(burst(db.url, args.presses, args.seconds))
    cb, reply = result["callback_ms"], result["reply_ms"]
    print(f"check-in burst on {args.db}: {args.presses} presses in {result['window_s']} s")
    print(f"  INTERACTION_CREATE → callback: p50 {cb['p50']} ms, p99 {cb['p99']} ms, max {cb['max']} ms "
          f"(target p99 ≤ 30 ms: {'ok' if cb['p99'] <= 30 else 'over target'})")
    print(f"  INTERACTION_CREATE → visible reply: p50 {reply['p50']} ms, p99 {reply['p99']} ms, max {reply['max']} ms")
    print(f"  rows {result['rows']}, callbacks {result['callbacks']}, lost {result['lost']}")
    path = write_result(f"checkin_burst-{args.db}", {**result, "target_p99_ms": 30})
    print(f"written {path.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
