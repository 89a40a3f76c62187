"""Weekly fan-out: many clubs due in the same minute, under Discord's global 50 requests/s.

    python benchmarks/weekly_fanout.py --clubs 10000 [--db sqlite|postgres] [--profile FILE]
    python benchmarks/weekly_fanout.py --clubs 2000 --through-setup [--spread SECONDS] [--db sqlite|postgres]

The fake Discord enforces a global limit of 50 requests/s with real 429 responses
(``retry_after``, ``X-RateLimit-Global``); discord.py's rate limiter does the pacing. Every
club's routine job is fired at once, as the scheduler would at the shared minute. Prints
posts/s as a fraction of 50 (target ≥ 0.95), the 429s received, and checks that no club
got zero or two posts. Writes benchmarks/results/weekly_fanout-<db>.json.

The bot and the fake Discord run in this one process (one event loop), so the CPU figure per
post is both of theirs. ``--profile FILE`` records the process with ``py-spy --gil`` during the
fan-out only and prints the top frames.

``--through-setup`` sets the clubs up the way admins do, each guild's admin running ``/club setup`` through
the fake Discord, all at once (or started evenly over ``--spread`` seconds), instead of writing the rows
before the bot starts. It prints setups/s, how many answers were "Saved." and how many something else,
the answer times (first response and final answer; Discord wants the first within 3 s), and checks that
every club has its saved row and exactly one job of each kind before the fan-out.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import logging
import os
import shutil
import signal
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from _common import ROOT, Database, write_result
from checkin_burst import summarise_profile

from bot.__main__ import build_bot
from bot.content.loader import load_content
from bot.core.clock import ManualClock
from bot.core.clubs import ClubChanges, ClubService
from bot.db.engine import make_engine, make_session_factory
from bot.db.models import Club
from bot.playground.fake.harness import running
from bot.settings import Settings
from tests.fakediscord import FakeDiscord, Perm

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


class LogLines(logging.Handler):
    """Counts the bot's ERROR lines (a generic failure answer has one) and its saves run again on a busy database."""

    def __init__(self) -> None:
        super().__init__(level=logging.WARNING)
        self.errors = 0
        self.busy = 0
        self.first_error = ""

    def emit(self, record: logging.LogRecord) -> None:
        if record.levelno >= logging.ERROR:
            self.errors += 1
            if not self.first_error:
                cause = record.exc_info[1] if record.exc_info else None
                self.first_error = record.getMessage() + (f" ({type(cause).__name__}: {cause})" if cause else "")
        elif record.getMessage().startswith("the database was busy"):
            self.busy += 1


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else 0.0


async def saved_clubs(url: str) -> int:
    engine = make_engine(url)
    try:
        async with make_session_factory(engine)() as session:
            rows = (await session.execute(
                Club.__table__.select().with_only_columns(Club.guild_id).where(Club.channel_id.is_not(None))
            )).all()
    finally:
        await engine.dispose()
    return len(rows)


async def set_up_through_command(bot: Any, fake: FakeDiscord, guilds: list[Any], admins: list[Any], due: datetime,
                                 spread: float) -> dict[str, object]:
    """Every guild's admin runs /club setup (all at once, or started evenly over ``spread`` s); the figures."""
    await bot.sync_commands()  # the fake learns the option types from the pushed commands
    options = {"day": due.strftime("%A").lower(), "time": due.strftime("%H:%M"), "timezone": "UTC"}

    async def one(n: int) -> Any:
        if spread:
            await asyncio.sleep(spread * n / len(guilds))
        guild, admin = guilds[n], admins[n]
        ix = await fake.slash(guild.id, admin.id, "club setup", channel=guild.text_channel_id, **options)
        return ix, await ix.final(timeout=3600)

    lines = LogLines()
    logging.getLogger().addHandler(lines)
    started = time.perf_counter()
    try:
        done = await asyncio.gather(*(one(n) for n in range(len(guilds))))
    finally:
        logging.getLogger().removeHandler(lines)
    elapsed = time.perf_counter() - started
    answers = [(reply.get("content") or "") for _ix, reply in done]
    first = [ix.latency for ix, _ in done if ix.latency is not None]
    final = [ix.final_latency for ix, _ in done if ix.final_latency is not None]
    jobs = [job.id for job in bot.scheduler.get_jobs()]
    per_club = [(jobs.count(f"club:{g.id}:routine"), jobs.count(f"club:{g.id}:leaderboard")) for g in guilds]
    other = collections.Counter(a.split(".")[0][:60] for a in answers if not a.startswith("Saved."))
    return {
        "spread_seconds": spread,
        "setup_seconds": round(elapsed, 2),
        "setups_per_second": round(len(guilds) / elapsed, 1),
        "saved_answers": sum(a.startswith("Saved.") for a in answers),
        "other_answers": dict(other),
        "error_lines": lines.errors,
        "saves_run_again_on_a_busy_database": lines.busy,
        "first_error_line": lines.first_error[:300],
        "first_response_p50_s": round(statistics.median(first), 3) if first else None,
        "first_response_p99_s": round(percentile(first, 0.99), 3),
        "first_response_over_3s": sum(1 for x in first if x > 3.0),
        "final_answer_p50_s": round(statistics.median(final), 3) if final else None,
        "final_answer_p99_s": round(percentile(final, 0.99), 3),
        "clubs_with_one_job_of_each_kind": sum(1 for c in per_club if c == (1, 1)),
        "clubs_without_jobs": sum(1 for c in per_club if c == (0, 0)),
        "clubs_with_extra_jobs": sum(1 for r, b in per_club if r > 1 or b > 1),
    }


async def fanout(url: str, clubs: int, profile: Path | None = None, *, through_setup: bool = False,
                 spread: float = 0.0) -> dict[str, object]:
    logging.getLogger("discord").setLevel(logging.ERROR)
    logging.getLogger("bot").setLevel(logging.WARNING)
    due = datetime.now(UTC).replace(second=0, microsecond=0)
    setup: dict[str, object] = {}
    async with FakeDiscord(interaction_deadline=None, spec_check=False) as fake:
        guilds = [fake.add_guild(f"Club {n}") for n in range(clubs)]
        admins = [fake.add_member(g.id, f"admin{n}", permissions=Perm.MANAGE_GUILD | Perm.USE_APPLICATION_COMMANDS)
                  for n, g in enumerate(guilds)] if through_setup else []
        if not through_setup:
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
            if through_setup:
                setup = await set_up_through_command(bot, fake, guilds, admins, due, spread)
                setup["saved_rows"] = await saved_clubs(url)
                jobs_loaded = sum(1 for job in bot.scheduler.get_jobs() if job.id.startswith("club:"))
            else:
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
        **({"setup": setup} if through_setup else {}),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--clubs", type=int, default=10_000)
    parser.add_argument("--profile", type=Path, default=None, help="py-spy output file (raw) for the fan-out")
    parser.add_argument("--through-setup", action="store_true", help="set the clubs up with /club setup first")
    parser.add_argument("--spread", type=float, default=0.0, help="start the setups evenly over this many seconds")
    args = parser.parse_args()
    with Database(args.db) as db:
        result = asyncio.run(fanout(db.url, args.clubs, args.profile, through_setup=args.through_setup,
                                    spread=args.spread))
    setup: Any = result.get("setup")
    if setup:
        started = f"over {setup['spread_seconds']} s" if setup["spread_seconds"] else "at once"
        print(f"/club setup on {args.db}: {result['clubs']} admins, started {started}: "
              f"{setup['setup_seconds']} s, {setup['setups_per_second']} setups/s")
        print(f"  answers: {setup['saved_answers']} saved, other {setup['other_answers'] or 'none'}; "
              f"ERROR lines {setup['error_lines']}; "
              f"saves run again on a busy database {setup['saves_run_again_on_a_busy_database']}")
        if setup["first_error_line"]:
            print(f"  first ERROR line: {setup['first_error_line']}")
        print(f"  first response p50 {setup['first_response_p50_s']} s, p99 {setup['first_response_p99_s']} s, "
              f"over 3 s {setup['first_response_over_3s']}; final answer p50 {setup['final_answer_p50_s']} s, "
              f"p99 {setup['final_answer_p99_s']} s")
        print(f"  saved rows {setup['saved_rows']}; clubs with one job of each kind "
              f"{setup['clubs_with_one_job_of_each_kind']}, without jobs {setup['clubs_without_jobs']}, "
              f"with extra jobs {setup['clubs_with_extra_jobs']}")
    print(f"weekly fan-out on {args.db}: {result['clubs']} clubs in {result['seconds']} s")
    print(f"  {result['posts_per_second']} posts/s = {result['fraction_of_limit']} of {LIMIT}/s "
          f"(target ≥ 0.95: {'ok' if result['fraction_of_limit'] >= 0.95 else 'under target'})")
    print(f"  429s received {result['rate_limited_429s']}, missed {result['missed']}, doubled {result['doubled']}")
    print(f"  process CPU (bot and fake Discord) {result['cpu_ms_per_post']} ms per post; "
          f"load average {result['load_average'][0]} before, {result['load_average'][1]} after")
    if args.profile is not None and args.profile.exists():
        print("\n".join(summarise_profile(args.profile, top=25)))
    name = f"weekly_fanout-{args.db}" + ("-through-setup" if args.through_setup else "")
    path = write_result(name, {**result, "target_fraction": 0.95})
    print(f"written {path.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
