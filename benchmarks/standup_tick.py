"""Database cost of the stand-up tick: 100,000 opted-in members, 1 % of them due, one claim.

    python benchmarks/standup_tick.py [--db sqlite|postgres] [--members 100000] [--rounds 9]

Fills a throwaway database (a temporary SQLite file, or a scratch PostgreSQL database that is
dropped afterwards), makes 1 % of the members due, and times the stand-up job's database work for one
batch: ``StandupService.claim_due`` (select with ``FOR UPDATE SKIP LOCKED`` on PostgreSQL, compute each
next slot, write them back, insert the reminders' send-once claims, commit) and recording them sent (the
claims deleted). Each round is followed by a reference measured the same way in the same run: the row
move alone (select, member look-up, advance, commit), the same SQL on every version of the code, so
the ratio tick / reference can be compared between versions run at different times. The same rows are
put back to due before each. Prints the medians, also per 1,000 due, and writes them to
``benchmarks/results/standup_tick.json`` (one entry per backend). Target: ≤ 50 ms.

PostgreSQL is reached through ``BENCH_POSTGRES_URL`` (default ``postgresql://postgres@127.0.0.1:5432/postgres``).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import platform
import random
import statistics
import sys
import tempfile
import time as timer
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
import sqlalchemy
from sqlalchemy import delete, insert, text, update

from bot.core.checkins import CheckinService
from bot.core.clock import ManualClock
from bot.core.standups import StandupService
from bot.db import migrate, sqlite_checkpoint
from bot.db.engine import make_engine, make_session_factory
from bot.db.models import Club, Member, SendClaim, Standup
from bot.db.standup_queries import advance, due_query, people

RESULTS = Path(__file__).resolve().parent / "results" / "standup_tick.json"
PG_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
TARGET_MS = 50.0
NOW = datetime(2026, 11, 18, 12, 0, tzinfo=UTC)  # a Wednesday, inside everyone's window
MEMBERS_PER_CLUB = 1000
CHUNK = 5000

ZONES = ["UTC", "Europe/London", "Europe/Berlin", "Europe/Madrid", "Europe/Warsaw", "Africa/Lagos", "Asia/Kolkata"]
EVERY = [30, 45, 60, 90]


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--members", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=9)
    parser.add_argument("--due-percent", type=float, default=1.0)
    parser.add_argument("--explain", action="store_true", help="print the due query's plan (PostgreSQL)")
    return parser.parse_args()


async def _pg_admin(sql: str, admin_url: str) -> None:
    conn = await asyncpg.connect(admin_url, timeout=5)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


def _chunks(rows: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    return [rows[i : i + CHUNK] for i in range(0, len(rows), CHUNK)]


async def fill(url: str, members: int, due_ids: set[int]) -> None:
    """Bulk-insert clubs, members and their stand-up rows; ids are assigned here so they are known."""
    rng = random.Random(7)
    engine = make_engine(url)
    try:
        clubs = [
            {"id": c + 1, "guild_id": (10_000 + c) << 22, "created_at": NOW, "timezone": "UTC"}
            for c in range((members + MEMBERS_PER_CLUB - 1) // MEMBERS_PER_CLUB)
        ]
        member_rows = []
        standup_rows = []
        for i in range(1, members + 1):
            club_id = (i - 1) // MEMBERS_PER_CLUB + 1
            member_rows.append(
                {"id": i, "club_id": club_id, "user_id": 1_000_000 + i, "display_name": f"runner{i}", "created_at": NOW}
            )
            if i in due_ids:
                due = NOW - timedelta(seconds=rng.randint(1, 120))
            else:
                due = NOW + timedelta(seconds=rng.randint(60, 86_400))
            standup_rows.append(
                {
                    "id": i,
                    "member_id": i,
                    "club_id": club_id,
                    "every_minutes": rng.choice(EVERY),
                    "window_start": rng.choice(["08:00", "09:00"]),
                    "window_end": rng.choice(["17:00", "17:30", "18:00"]),
                    "days": "monday,tuesday,wednesday,thursday,friday",
                    "timezone": rng.choice(ZONES),
                    "enabled": True,
                    "dm_blocked": False,
                    "snoozed": False,
                    "next_slot_at": due,
                    "next_due_at": due,
                    "created_at": NOW,
                    "updated_at": NOW,
                }
            )
        async with engine.begin() as conn:
            await conn.execute(insert(Club.__table__), clubs)  # type: ignore[attr-defined]
            for chunk in _chunks(member_rows):
                await conn.execute(insert(Member.__table__), chunk)  # type: ignore[attr-defined]
            for chunk in _chunks(standup_rows):
                await conn.execute(insert(Standup.__table__), chunk)  # type: ignore[attr-defined]
        async with engine.begin() as conn:
            if engine.dialect.name == "postgresql":
                for table in ("club", "member", "standup"):
                    sequence = f"pg_get_serial_sequence('{table}', 'id')"
                    await conn.execute(text(f"SELECT setval({sequence}, max(id)) FROM {table}"))
            await conn.execute(text("ANALYZE"))
    finally:
        await engine.dispose()


async def explain(url: str) -> None:
    """The plan of the claim's locking query, exactly as the service builds it."""
    engine = make_engine(url)
    try:
        query = due_query(NOW, 1000).compile(dialect=engine.dialect, compile_kwargs={"literal_binds": True})
        async with engine.connect() as conn:
            rows = await conn.execute(text(f"EXPLAIN ANALYZE {query}"))
            print("\n".join(r[0] for r in rows))
            await conn.rollback()
    finally:
        await engine.dispose()


async def reference_move(sessions: Any, limit: int) -> int:
    """The reference: the tick's row work alone, the same SQL on every version of the code (select the due
    rows locked, look up their members, move each to a fixed next time, commit); no slot maths, no claims."""
    async with sessions() as session:
        rows = (await session.execute(due_query(NOW, limit))).all()
        await people(session, [row.member_id for row in rows])
        await advance(session, [(row.id, NOW + timedelta(days=1), True) for row in rows], NOW)
        await session.commit()
    return len(rows)


async def tick(service: StandupService, sessions: Any, limit: int) -> int:
    """What the stand-up job does with the database for one batch: claim the due reminders and, once they are
    sent, record the outcome (where reminders have claims: a sent claim is deleted)."""
    claimed = await service.claim_due(NOW, limit=limit)
    if claimed and getattr(claimed[0], "claim", None) is not None:
        from bot.core.delivery import Outcome
        from bot.db.send_claims import Finished, finish

        done = [Finished(due.claim.id, Outcome.SENT, 1, message_id=1) for due in claimed]  # type: ignore[attr-defined]
        await finish(sessions, done, NOW, keep_sent=False)  # type: ignore[call-arg]
    return len(claimed)


async def measure(url: str, due_ids: list[int], rounds: int) -> dict[str, list[float]]:
    """Alternating rounds of the tick and of the reference, the same due rows put back before each."""
    engine = make_engine(url)
    sessions = make_session_factory(engine)
    clock = ManualClock(NOW)
    service = StandupService(sessions, clock, CheckinService(sessions, clock))
    due_at = NOW - timedelta(minutes=1)
    reset = (
        update(Standup)
        .where(Standup.id.in_(due_ids))  # type: ignore[union-attr]
        .values(next_due_at=due_at, next_slot_at=due_at, snoozed=False)
    )
    sqlite = engine.dialect.name == "sqlite"
    if sqlite:
        # The bot checkpoints the WAL in a thread of its own about a second after commits
        # (bot/db/sqlite_checkpoint.py). Here each round is followed by a checkpoint run and timed by the
        # benchmark itself, so the thread is held off: its copy would otherwise land in a later round.
        sqlite_checkpoint.CHECKPOINT_AFTER_S = 3600.0
    times: dict[str, list[float]] = {"tick": [], "reference": [], "checkpoint": [], "tick_and_checkpoint": [],
                                     "reference_and_checkpoint": []}
    try:
        for round_no in range(rounds + 1):
            line = f"  round {round_no}:"
            for name in ("tick", "reference"):
                async with sessions() as session:
                    await session.execute(reset)
                    await session.execute(delete(SendClaim).where(SendClaim.kind == "standup"))
                    await session.commit()
                if sqlite:
                    # The reset's own writes must not be checkpointed on the claim's time.
                    await checkpoint(engine)
                started = timer.perf_counter()
                if name == "tick":
                    count = await tick(service, sessions, len(due_ids))
                else:
                    count = await reference_move(sessions, len(due_ids))
                elapsed = (timer.perf_counter() - started) * 1000
                if count != len(due_ids):
                    raise SystemExit(f"{name}: {count} rows, expected {len(due_ids)}")
                line += f"  {name} {elapsed:7.2f} ms"
                if sqlite:
                    # What the round leaves for a later commit to copy back from the WAL: SQLite's
                    # checkpoint runs inside whichever commit takes the WAL past its threshold.
                    spent = await checkpoint(engine)
                    line += f" (+ WAL checkpoint {spent:6.2f} ms)"
                    if round_no and name == "tick":
                        times["checkpoint"].append(spent)
                        times["tick_and_checkpoint"].append(elapsed + spent)
                    if round_no and name == "reference":
                        times["reference_and_checkpoint"].append(elapsed + spent)
                if round_no:  # the first round warms the pool and the slot cache
                    times[name].append(elapsed)
            print(line + ("  (warm-up)" if not round_no else ""))
    finally:
        await engine.dispose()
    return times


async def checkpoint(engine: Any) -> float:
    started = timer.perf_counter()
    async with engine.connect() as conn:
        # On the driver's connection: the engine would wrap the pragma in BEGIN IMMEDIATE.
        raw = await conn.get_raw_connection()
        await raw.driver_connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return (timer.perf_counter() - started) * 1000


def write_results(db: str, entry: dict[str, Any]) -> None:
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    data: dict[str, Any] = {}
    if RESULTS.exists():
        try:
            data = json.loads(RESULTS.read_text(encoding="utf-8"))
        except json.JSONDecodeError:
            data = {}
    data[db] = entry
    RESULTS.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")


async def run(args: argparse.Namespace, url: str) -> dict[str, Any]:
    due_count = max(1, int(args.members * args.due_percent / 100))
    due_ids = sorted(random.Random(11).sample(range(1, args.members + 1), due_count))
    started = timer.perf_counter()
    await asyncio.to_thread(migrate.upgrade, url)
    await fill(url, args.members, set(due_ids))
    print(f"filled {args.members:,} members ({due_count:,} due) in {timer.perf_counter() - started:.1f} s")
    if args.explain and url.startswith("postgresql"):
        await explain(url)
    times = await measure(url, due_ids, args.rounds)
    samples, checkpoints = times["tick"], times["checkpoint"]
    median = statistics.median(samples)
    reference = statistics.median(times["reference"])
    extra = {}
    if checkpoints:
        # Where SQLite's checkpoint falls (inside the tick's commit, or a later one) depends on how much the
        # WAL holds: a tick that writes more may pay it itself. With it, the rounds compare alike.
        with_tick = statistics.median(times["tick_and_checkpoint"])
        with_reference = statistics.median(times["reference_and_checkpoint"])
        extra = {"wal_checkpoint_median_ms": round(statistics.median(checkpoints), 2),
                 "tick_and_checkpoint_median_ms": round(with_tick, 2),
                 "reference_and_checkpoint_median_ms": round(with_reference, 2),
                 "with_checkpoint_tick_over_reference": round(with_tick / with_reference, 2)}
    return {
        "members": args.members,
        "due": due_count,
        "rounds": len(samples),
        "median_ms": round(median, 2),
        "min_ms": round(min(samples), 2),
        "max_ms": round(max(samples), 2),
        "per_row_us": round(median * 1000 / due_count, 1),
        "ms_per_1000_due": round(median * 1000 / due_count, 2),
        "reference_median_ms": round(reference, 2),
        "reference_ms_per_1000_due": round(reference * 1000 / due_count, 2),
        "tick_over_reference": round(median / reference, 2),
        "target_ms": TARGET_MS,
        "within_target": median <= TARGET_MS,
        **extra,
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "python": platform.python_version(),
        "sqlalchemy": sqlalchemy.__version__,
    }


def main() -> int:
    args = parse_args()
    if args.db == "sqlite":
        with tempfile.TemporaryDirectory(prefix="gc_bench_") as folder:
            entry = asyncio.run(run(args, f"sqlite+aiosqlite:///{folder}/bench.db"))
    else:
        import os

        admin = os.environ.get("BENCH_POSTGRES_URL", PG_ADMIN_URL)
        name = f"gc_bench_{uuid.uuid4().hex[:8]}"
        asyncio.run(_pg_admin(f'CREATE DATABASE "{name}"', admin))
        try:
            url = admin.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://", 1) + f"/{name}"
            entry = asyncio.run(run(args, url))
        finally:
            asyncio.run(_pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)', admin))
    write_results(args.db, entry)
    verdict = "within" if entry["within_target"] else "OVER"
    print(
        f"{args.db}: claim_due of {entry['due']:,} due rows among {entry['members']:,} members: "
        f"median {entry['median_ms']} ms over {entry['rounds']} rounds "
        f"(min {entry['min_ms']}, max {entry['max_ms']}; {verdict} the {TARGET_MS:g} ms target)"
    )
    print(
        f"  per 1,000 due: tick {entry['ms_per_1000_due']} ms, reference (the row move alone) "
        f"{entry['reference_ms_per_1000_due']} ms, tick / reference {entry['tick_over_reference']}"
    )
    if "wal_checkpoint_median_ms" in entry:
        print(
            f"  with the WAL checkpoint each round leaves: tick {entry['tick_and_checkpoint_median_ms']} ms, "
            f"reference {entry['reference_and_checkpoint_median_ms']} ms, "
            f"tick / reference {entry['with_checkpoint_tick_over_reference']}"
        )
        print(
            f"  plus {entry['wal_checkpoint_median_ms']} ms (median) to checkpoint the claim's writes from the WAL, "
            "paid by a later commit"
        )
    print(f"results written to {RESULTS}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
