"""Database cost per tick of the nudge, re-test and challenge-results jobs at 100,000 members.

    python benchmarks/keeping_at_it_tick.py [--db sqlite|postgres] [--members 100000] [--batch 500] [--rounds 9]

Fills a scratch database with 100 clubs of 1,000 members; every member has a nudge, a re-test
reminder, a stand-up row (the reference) and has joined their club's challenge; half have this
week's routine in. Then measures, per round:

- **idle ticks**: each job's ``claim_due`` when nothing is due (what almost every tick costs);
- **busy nudge batch**: one claim of ``--batch`` due nudges (select ``FOR UPDATE SKIP LOCKED`` on
  PostgreSQL, the routine check, the ``send_claim`` inserts, moving rows to next week, commit);
- **busy re-test batch**: one claim of ``--batch`` due re-test reminders;
- **challenge results**: all 100 clubs' challenges ending at once, each with 1,000 members' progress;
- **reference**: ``StandupService.claim_due`` of ``--batch`` due stand-up rows, same run.

The nudge's worst case is everyone on the default (last day of the week, 18:00) in one zone:
100,000 due in one minute, i.e. members ÷ batch batches; the script prints that projection too.
Writes ``benchmarks/results/keeping_at_it_tick_<db>.json``.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import time as timer
from datetime import UTC, datetime, timedelta
from typing import Any

from _common import Database, summary, write_result
from sqlalchemy import delete, insert, text, update

from bot.core.challenges import ChallengeService
from bot.core.checkins import CheckinService
from bot.core.clock import ManualClock
from bot.core.nudges import NudgeService
from bot.core.retests import RetestService
from bot.core.standups import StandupService
from bot.db.engine import make_engine, make_session_factory
from bot.db.models import (
    Challenge,
    ChallengeMember,
    Checkin,
    Club,
    Member,
    Nudge,
    RetestReminder,
    SendClaim,
    Standup,
)

NOW = datetime(2026, 11, 22, 18, 0, tzinfo=UTC)  # Sunday 18:00: the default nudge time, UTC clubs
MEMBERS_PER_CLUB = 1000
CHUNK = 5000


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--members", type=int, default=100_000)
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument("--rounds", type=int, default=9)
    return parser.parse_args()


def _chunks(rows: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    return [rows[i : i + CHUNK] for i in range(0, len(rows), CHUNK)]


async def fill(url: str, members: int) -> None:
    rng = random.Random(5)
    later = NOW + timedelta(days=3)
    clubs = [
        {"id": c + 1, "guild_id": (20_000 + c) << 22, "created_at": NOW, "timezone": "UTC", "channel_id": 1}
        for c in range((members + MEMBERS_PER_CLUB - 1) // MEMBERS_PER_CLUB)
    ]
    member_rows, nudges, standups, checkins, retests, joined = [], [], [], [], [], []
    challenges = [
        {"id": c["id"], "club_id": c["id"], "name": f"Challenge {c['id']}", "goal": "points", "target": 20,
         "weeks": 4, "start_date": NOW.date(), "starts_at": NOW, "ends_at": later, "status": "active",
         "next_due_at": later, "channel_id": 1, "created_at": NOW, "updated_at": NOW}
        for c in clubs
    ]
    for i in range(1, members + 1):
        club_id = (i - 1) // MEMBERS_PER_CLUB + 1
        member_rows.append({"id": i, "club_id": club_id, "user_id": 2_000_000 + i, "display_name": f"r{i}",
                            "created_at": NOW})
        nudges.append({"id": i, "member_id": i, "club_id": club_id, "day": None, "at_time": "18:00",
                       "timezone": "UTC", "enabled": True, "dm_blocked": False,
                       "next_due_at": later + timedelta(seconds=rng.randint(0, 86_400)),
                       "created_at": NOW, "updated_at": NOW})
        standups.append({"id": i, "member_id": i, "club_id": club_id, "every_minutes": 45, "window_start": "09:00",
                         "window_end": "17:30", "days": "monday,tuesday,wednesday,thursday,friday",
                         "timezone": "UTC", "enabled": True, "dm_blocked": False, "snoozed": False,
                         "next_slot_at": later, "next_due_at": later, "created_at": NOW, "updated_at": NOW})
        retests.append({"id": i, "member_id": i, "club_id": club_id, "test_slug": "hip-drop", "dm_blocked": False,
                        "next_due_at": later + timedelta(seconds=rng.randint(0, 86_400)), "created_at": NOW,
                        "updated_at": NOW})
        joined.append({"challenge_id": club_id, "member_id": i, "joined_at": NOW})
        if i % 2:
            checkins.append({"member_id": i, "club_id": club_id, "kind": "routine",
                             "local_date": NOW.date(), "period_key": "w2026-11-16", "points": 10,
                             "created_at": NOW})
    engine = make_engine(url)
    try:
        async with engine.begin() as conn:
            await conn.execute(insert(Club.__table__), clubs)  # type: ignore[attr-defined]
            tables: list[tuple[Any, list[dict[str, Any]]]] = [
                (Member, member_rows), (Nudge, nudges), (Standup, standups), (Checkin, checkins),
                (RetestReminder, retests), (Challenge, challenges), (ChallengeMember, joined),
            ]
            for table, rows in tables:
                for chunk in _chunks(rows):
                    await conn.execute(insert(table.__table__), chunk)  # type: ignore[attr-defined]
        async with engine.begin() as conn:
            if engine.dialect.name == "postgresql":
                for table in ("club", "member", "nudge", "standup", "retest_reminder", "challenge"):
                    await conn.execute(text(
                        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), max(id)) FROM {table}"
                    ))
            await conn.execute(text("ANALYZE"))
    finally:
        await engine.dispose()


async def measure(url: str, members: int, batch: int, rounds: int) -> dict[str, list[float]]:
    engine = make_engine(url)
    sessions = make_session_factory(engine)
    clock = ManualClock(NOW)
    nudges = NudgeService(sessions, clock)
    standups = StandupService(sessions, clock, CheckinService(sessions, clock))
    retests = RetestService(sessions, clock, {"hip-drop": "Hip drop"})
    challenges = ChallengeService(sessions, clock)
    rng = random.Random(9)
    times: dict[str, list[float]] = {
        "idle": [], "busy": [], "reference": [], "retest_idle": [], "retest_busy": [], "challenge_idle": [],
        "challenge_results": [],
    }
    try:
        for round_no in range(rounds + 1):
            ids = rng.sample(range(1, members + 1), batch)
            async with sessions() as session:
                await session.execute(delete(SendClaim))
                await session.execute(update(Nudge).where(Nudge.id.in_(ids)).values(next_due_at=NOW))
                await session.execute(update(RetestReminder).where(RetestReminder.id.in_(ids)).values(next_due_at=NOW))
                await session.execute(update(Challenge).values(next_due_at=NOW, status="active"))
                await session.execute(update(Standup).where(Standup.id.in_(ids))
                                      .values(next_due_at=NOW - timedelta(seconds=30),
                                              next_slot_at=NOW - timedelta(seconds=30)))
                await session.commit()
            started = timer.perf_counter()
            empty = await nudges.claim_due(NOW - timedelta(minutes=1), limit=batch)
            idle = (timer.perf_counter() - started) * 1000
            started = timer.perf_counter()
            claimed = await nudges.claim_due(NOW, limit=batch)
            busy = (timer.perf_counter() - started) * 1000
            started = timer.perf_counter()
            reference = await standups.claim_due(NOW, limit=batch)
            ref = (timer.perf_counter() - started) * 1000
            started = timer.perf_counter()
            retest_empty = await retests.claim_due(NOW - timedelta(minutes=1), limit=batch)
            retest_idle = (timer.perf_counter() - started) * 1000
            started = timer.perf_counter()
            retest_claimed = await retests.claim_due(NOW, limit=batch)
            retest_busy = (timer.perf_counter() - started) * 1000
            started = timer.perf_counter()
            challenge_empty = await challenges.claim_due(NOW - timedelta(minutes=1))
            challenge_idle = (timer.perf_counter() - started) * 1000
            started = timer.perf_counter()
            results = await challenges.claim_due(NOW)
            challenge_results = (timer.perf_counter() - started) * 1000
            if empty or retest_empty or challenge_empty or len(reference) != batch or not claimed:
                raise SystemExit(f"unexpected claim sizes: idle {len(empty)}, reference {len(reference)}")
            if len(retest_claimed) != batch or not results:
                raise SystemExit(f"unexpected claim sizes: re-tests {len(retest_claimed)}, results {len(results)}")
            print(f"  round {round_no}: idle {idle:7.2f} ms  busy {busy:7.2f} ms ({len(claimed)} to send of "
                  f"{batch} due)  stand-up reference {ref:7.2f} ms  re-test idle {retest_idle:6.2f} busy "
                  f"{retest_busy:7.2f} ms  challenge idle {challenge_idle:6.2f} results of {len(results)} "
                  f"{challenge_results:7.2f} ms" + ("  (warm-up)" if not round_no else ""))
            if round_no:
                times["idle"].append(idle)
                times["busy"].append(busy)
                times["reference"].append(ref)
                times["retest_idle"].append(retest_idle)
                times["retest_busy"].append(retest_busy)
                times["challenge_idle"].append(challenge_idle)
                times["challenge_results"].append(challenge_results)
    finally:
        await engine.dispose()
    return times


def main() -> None:
    args = parse_args()
    with Database(args.db) as db:
        started = timer.perf_counter()
        asyncio.run(fill(db.url, args.members))
        print(f"filled {args.members:,} members on {args.db} in {timer.perf_counter() - started:.1f} s")
        times = asyncio.run(measure(db.url, args.members, args.batch, args.rounds))
    busy = statistics.median(times["busy"])
    ref = statistics.median(times["reference"])
    batches = -(-args.members // args.batch)
    result = {
        "db": args.db,
        "members": args.members,
        "batch": args.batch,
        "nudge_idle_tick": summary(times["idle"]),
        "nudge_busy_batch": summary(times["busy"]),
        "retest_idle_tick": summary(times["retest_idle"]),
        "retest_busy_batch": summary(times["retest_busy"]),
        "challenge_idle_tick": summary(times["challenge_idle"]),
        "challenge_results_all_clubs": summary(times["challenge_results"]),
        "standup_reference_batch": summary(times["reference"]),
        "busy_over_reference": round(busy / ref, 2),
        "worst_case_all_due_batches": batches,
        "worst_case_all_due_db_seconds": round(batches * busy / 1000, 1),
    }
    path = write_result(f"keeping_at_it_tick_{args.db}", result)
    print(f"idle ticks (median): nudge {result['nudge_idle_tick']['median_ms']} ms, re-test "
          f"{result['retest_idle_tick']['median_ms']} ms, challenge {result['challenge_idle_tick']['median_ms']} ms")
    print(f"nudge batch of {args.batch} median {busy:.1f} ms = {result['busy_over_reference']} x the stand-up "
          f"claim of the same size ({ref:.1f} ms); re-test batch {result['retest_busy_batch']['median_ms']} ms; "
          f"results of every club's challenge at once {result['challenge_results_all_clubs']['median_ms']} ms")
    print(f"all {args.members:,} due at once: {batches} batches, about "
          f"{result['worst_case_all_due_db_seconds']} s of database time; written to {path}")


if __name__ == "__main__":
    main()
