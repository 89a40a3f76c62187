"""Check-in burst: the real bot against the floor bot, alternating, in one run.

    python benchmarks/checkin_burst.py --db sqlite            # 1,000 presses in 10 s, 2 rounds each
    python benchmarks/checkin_burst.py --db postgres
    python benchmarks/checkin_burst.py --db sqlite --sustained   # 100 presses/s for 60 s
    python benchmarks/checkin_burst.py --db sqlite --via slash   # /checkin instead of the Done button
    python benchmarks/checkin_burst.py --db sqlite --profile benchmarks/results/profile-after
    python benchmarks/checkin_burst.py --db sqlite --only floor --profile-bot floor --profile F --profile-rate 1000

Each round starts the fake Discord in this process, a fresh migrated database, and one bot as a
child process: ``floor_bot.py`` (one insert, one type-4 reply) or ``python -m bot run``. Distinct
members press Done (custom id ``gc:done:routine``) at an even pace. Rounds alternate floor,
project, floor, project… so both see the same machine load. For each bot it prints:

- first response p50/p99: INTERACTION_CREATE sent → the interaction callback arrives;
- completion p50/p99: INTERACTION_CREATE sent → the member sees the result (the type-4 callback,
  or after a deferral the follow-up);
- CPU ms per press: the bot process's user+system time over the burst ÷ presses;
- lost: presses without a visible result within 3 s; counted: rows in the database for the
  pressing members, which must equal the presses (exactly once);
- ERROR lines in the bot's log;

and the project ÷ floor ratios (targets: CPU ≤ 1.3×, completion p99 ≤ 1.5×).
``--profile FILE`` records the project bot (or ``--profile-bot floor``) with ``py-spy --gil`` (samples
holding the GIL: Python CPU) during its last round and prints the top frames.
Writes benchmarks/results/checkin_burst-<db>[-sustained].json.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import gc
import os
import shutil
import statistics
import sys
import threading
import time
from pathlib import Path
from typing import Any

from _common import ROOT, Database, write_result

from tests.fakediscord import FakeDiscord

TOKEN = "MTA4NTM1MTY1NzQ3MjAwMDAwNw.fake.token"
DEADLINE_S = 3.0
TICK = os.sysconf("SC_CLK_TCK")


SLOW_MS = 50


class HarnessPauses:
    """Garbage collections in this process (the fake Discord) longer than 5 ms: they delay every press in
    flight, whichever bot is being measured, so they are kept out of the burst (its heap is frozen before
    the burst and every 100 presses) and reported if any remain."""

    def __init__(self) -> None:
        self.pauses: list[tuple[float, float]] = []
        self._began = 0.0

    def __call__(self, phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            self._began = time.perf_counter()
        elif (took := time.perf_counter() - self._began) > 0.005:
            self.pauses.append((self._began, took * 1000))


HARNESS_PAUSES = HarnessPauses()
gc.callbacks.append(HARNESS_PAUSES)


class DiskProbe:
    """Flushes 8 KB to a file on the database's disk every 20 ms, in a thread, and keeps how long each flush took.

    A commit on PostgreSQL waits for the same kind of flush of its write-ahead log: when the shared disk
    stalls, every bot's presses stall with it. The probe says whether the disk stalled during a round, apart
    from any bot.
    """

    def __init__(self, directory: Path) -> None:
        self._path = directory / f"disk-probe-{os.getpid()}"
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="disk-probe", daemon=True)
        self.flushes: list[tuple[float, float]] = []  # (perf_counter at start, ms)

    def __enter__(self) -> DiskProbe:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self._path.unlink(missing_ok=True)

    def _run(self) -> None:
        block = os.urandom(8192)
        fd = os.open(self._path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            while not self._stop.wait(0.02):
                began = time.perf_counter()
                os.pwrite(fd, block, 0)
                os.fdatasync(fd)
                self.flushes.append((began, (time.perf_counter() - began) * 1000))
        finally:
            os.close(fd)

    def during(self, start: float, end: float) -> list[tuple[float, float]]:
        return [(at - start, ms) for at, ms in self.flushes if start <= at <= end]


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def cpu_seconds(pid: int) -> tuple[float, float]:
    """(user, system) CPU seconds of a process, all its threads."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return int(fields[11]) / TICK, int(fields[12]) / TICK


async def count_rows(url: str, bot: str, user_ids: list[int]) -> tuple[int, int]:
    """(rows for these users, distinct users with a row) in the bot's table."""
    ids = ",".join(str(u) for u in user_ids)
    if bot == "floor":
        sql = f"SELECT count(*), count(DISTINCT user_id) FROM floor_checkin WHERE user_id IN ({ids})"
    else:
        sql = (
            "SELECT count(*), count(DISTINCT m.user_id) FROM checkin c JOIN member m ON m.id = c.member_id "
            f"WHERE m.user_id IN ({ids})"
        )
    if url.startswith("sqlite"):
        import sqlite3

        conn = sqlite3.connect(url.split("///", 1)[1])
        try:
            return tuple(conn.execute(sql).fetchone())  # type: ignore[return-value]
        finally:
            conn.close()
    import asyncpg

    conn = await asyncpg.connect(url.replace("postgresql+asyncpg", "postgresql"))
    try:
        row = await conn.fetchrow(sql)
        return int(row[0]), int(row[1])
    finally:
        await conn.close()


def bot_command(bot: str, url: str, fake: FakeDiscord) -> tuple[list[str], dict[str, str]]:
    """The command line and environment of ``floor_bot.py`` or the bot, pointed at ``fake`` and ``url``."""
    env = {**os.environ, "DISCORD_TOKEN": TOKEN, "DISCORD_API_BASE": fake.api_base,
           "DISCORD_GATEWAY_URL": fake.gateway_url, "GUILD_READY_TIMEOUT": "0.1", "PYTHONPATH": str(ROOT),
           "DATABASE_URL": url, "LOG_LEVEL": "INFO", "CONTENT_DIR": str(ROOT / "content")}
    if bot == "floor":
        floor_url = url.replace("sqlite+aiosqlite", "sqlite").replace("postgresql+asyncpg", "postgresql")
        return [sys.executable, str(ROOT / "benchmarks" / "floor_bot.py"), "--db-url", floor_url], env
    return [sys.executable, "-m", "bot", "run"], env


async def one_round(bot: str, url: str, presses: int, seconds: float, via: str, profile: Path | None,
                    log_path: Path, profile_rate: int = 250, disk: DiskProbe | None = None) -> dict[str, Any]:
    async with FakeDiscord(interaction_deadline=None, spec_check=False) as fake:
        guild = fake.add_guild("Burst Club")
        warmups = fake.add_members(guild.id, 20, prefix="warmup")
        members = fake.add_members(guild.id, presses, prefix="runner")
        argv, env = bot_command(bot, url, fake)
        with log_path.open("w") as log:
            process = await asyncio.create_subprocess_exec(*argv, env=env, cwd=str(ROOT / "benchmarks"),
                                                           stdout=log, stderr=log)
        spy = None
        try:
            await fake.wait_connected((0,), timeout=120)
            await asyncio.sleep(1.0)

            async def press(user_id: int) -> Any:
                if via == "slash":
                    return await fake.slash(guild.id, user_id, "checkin", kind="routine")
                return await fake.click("gc:done:routine", user_id, guild.id)

            for member in warmups:  # pools, caches and code paths warm
                await (await press(member.id)).final(timeout=30)
            if profile is not None:
                profile.parent.mkdir(parents=True, exist_ok=True)
                spy = await asyncio.create_subprocess_exec(
                    shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy"), "record", "--pid",
                    str(process.pid), "--format", "raw", "--output", str(profile), "--duration",
                    str(int(seconds + 5)), "--rate", str(profile_rate), "--nonblocking", "--gil",
                    stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL)
                await asyncio.sleep(1.0)
            # The fake's own heap (a thousand members, earlier rounds) out of full collections during the burst.
            gc.collect()
            gc.freeze()
            HARNESS_PAUSES.pauses.clear()
            cpu_before = cpu_seconds(process.pid)
            interval = seconds / presses
            wall_start = time.time()
            started = time.perf_counter()
            interactions = []
            for index, member in enumerate(members):
                delay = started + index * interval - time.perf_counter()
                if delay > 0:
                    await asyncio.sleep(delay)
                interactions.append(await press(member.id))
                if index % 100 == 99:
                    gc.freeze()  # what the fake kept of the presses so far, out of its later full collections
            # Only the presses still unanswered: a wait per press, thousands at once, would hold up the last ones.
            await asyncio.gather(*(ix.final(timeout=30) for ix in interactions if ix.final_at is None),
                                 return_exceptions=True)
            elapsed = time.perf_counter() - started
            flushes = disk.during(started, started + elapsed) if disk is not None else []
            user, system = (after - before for after, before in zip(cpu_seconds(process.pid), cpu_before, strict=True))
            cpu = user + system
            harness = [(round(at - started, 2), round(ms, 1)) for at, ms in HARNESS_PAUSES.pauses]
            gc.unfreeze()
            if spy is not None:
                await spy.wait()
        finally:
            process.terminate()
            await process.wait()
    first = [ix.latency * 1000 for ix in interactions if ix.latency is not None]
    done = [ix.final_latency * 1000 for ix in interactions if ix.final_latency is not None]
    lost = sum(1 for ix in interactions if ix.final_latency is None or ix.final_latency > DEADLINE_S)
    not_counted = sum(1 for ix in interactions if ix.final_at is not None and "Counted" not in _text(ix))
    deferred = sum(1 for ix in interactions if ix.response_type == 5)
    rows, distinct = await count_rows(url, bot, [m.id for m in members])
    log_text = await asyncio.to_thread(log_path.read_text)
    errors = sum(1 for line in log_text.splitlines() if "ERROR" in line or "Traceback" in line)
    # When each slow press was sent (s into the burst) and how long it took: stalls show as clusters.
    slow = [(round(i * interval, 2), round(ix.final_latency * 1000, 1)) for i, ix in enumerate(interactions)
            if ix.final_latency is not None and ix.final_latency * 1000 > SLOW_MS]
    return {"bot": bot, "presses": presses, "window_s": round(elapsed, 2), "started_at": wall_start,
            "first_ms": first, "done_ms": done,
            "slow_presses": slow, "harness_pauses": harness,
            "disk_flush_ms": [round(ms, 2) for _, ms in flushes],
            "disk_stalls": [(round(at, 2), round(ms)) for at, ms in flushes if ms > SLOW_MS],
            "cpu_ms_per_press": cpu * 1000 / presses, "system_share": round(system / cpu, 2) if cpu else None,
            "lost": lost, "rows": rows, "distinct": distinct,
            "not_counted_replies": not_counted, "deferred": deferred, "errors": errors}


def _text(ix: Any) -> str:
    if ix.callback and ix.callback.get("type") == 4:
        return str((ix.callback.get("data") or {}).get("content", ""))
    if ix.followups:
        return str(ix.followups[0].get("content", ""))
    return str((ix.original or {}).get("content", ""))


def summarise_profile(path: Path, top: int = 15) -> list[str]:
    """Top frames by inclusive share of samples, from py-spy's collapsed-stack output."""
    inclusive: collections.Counter[str] = collections.Counter()
    own: collections.Counter[str] = collections.Counter()
    total = 0
    for line in path.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        n = int(count)
        total += n
        frames = stack.split(";")
        for frame in set(frames):
            inclusive[frame] += n
        own[frames[-1]] += n
    lines = [f"{total} samples; top {top} frames by inclusive share (own share):"]
    for frame, n in inclusive.most_common(top + 5)[:top]:
        lines.append(f"  {100 * n / total:5.1f}% ({100 * own[frame] / total:4.1f}%)  {frame[:150]}")
    lines.append("top frames by own share:")
    for frame, n in own.most_common(top):
        lines.append(f"  {100 * n / total:5.1f}%  {frame[:150]}")
    return lines


def stalls(slow: list[tuple[float, float]]) -> str:
    """Slow presses grouped into runs sent within 0.1 s of each other: a stall of the bot or of the machine."""
    groups: list[list[tuple[float, float]]] = []
    for at, ms in slow:
        if groups and at - groups[-1][-1][0] <= 0.1:
            groups[-1].append((at, ms))
        else:
            groups.append([(at, ms)])
    if not groups:
        return "none"
    return ", ".join(f"{len(g)} at {g[0][0]:.1f} s (worst {max(ms for _, ms in g):.0f} ms)" for g in groups[:8]) + (
        f" and {len(groups) - 8} more" if len(groups) > 8 else "")


def round_line(round_no: int, result: dict[str, Any]) -> str:
    at = time.strftime("%H:%M:%S", time.localtime(result["started_at"]))
    flushes = result["disk_flush_ms"]
    disk = (f"disk flush p50 {percentile(flushes, 0.5):.1f} ms max {max(flushes):.0f} ms"
            + (f", stalls over {SLOW_MS} ms (s, ms): {result['disk_stalls'][:6]}" if result["disk_stalls"] else "")
            if flushes else "disk probe: no flushes")
    return (f"  round {round_no + 1} {result['bot']:7} (burst from {at}): "
            f"done p99 {percentile(result['done_ms'], 0.99):7.1f} ms, "
            f"cpu {result['cpu_ms_per_press']:.2f} ms/press ({100 * (result['system_share'] or 0):.0f}% system), "
            f"lost {result['lost']}, rows {result['rows']}, "
            f"errors {result['errors']}; over {SLOW_MS} ms: {stalls(result['slow_presses'])}; {disk}"
            + (f"; harness GC pauses (s, ms): {result['harness_pauses']}" if result["harness_pauses"] else ""))


def pairs(floor: list[dict[str, Any]], project: list[dict[str, Any]]) -> dict[str, list[float]]:
    """Project ÷ floor for each pair of neighbouring rounds (floor round i, then project round i)."""
    return {
        "cpu": [round(p["cpu_ms_per_press"] / f["cpu_ms_per_press"], 2) for f, p in zip(floor, project, strict=True)],
        "done_p99": [round(percentile(p["done_ms"], 0.99) / percentile(f["done_ms"], 0.99), 2)
                     for f, p in zip(floor, project, strict=True)],
    }


def combine(rounds: list[dict[str, Any]]) -> dict[str, Any]:
    first = [v for r in rounds for v in r["first_ms"]]
    done = [v for r in rounds for v in r["done_ms"]]
    return {
        "rounds": len(rounds),
        "presses": sum(r["presses"] for r in rounds),
        "first_p50_ms": round(percentile(first, 0.5), 2), "first_p99_ms": round(percentile(first, 0.99), 2),
        "done_p50_ms": round(percentile(done, 0.5), 2), "done_p99_ms": round(percentile(done, 0.99), 2),
        "done_max_ms": round(max(done) if done else float("nan"), 2),
        "cpu_ms_per_press": round(statistics.mean(r["cpu_ms_per_press"] for r in rounds), 3),
        "cpu_ms_per_press_rounds": [round(r["cpu_ms_per_press"], 3) for r in rounds],
        "lost": sum(r["lost"] for r in rounds),
        "rows": sum(r["rows"] for r in rounds), "distinct": sum(r["distinct"] for r in rounds),
        "not_counted_replies": sum(r["not_counted_replies"] for r in rounds),
        "deferred": sum(r["deferred"] for r in rounds),
        "errors": sum(r["errors"] for r in rounds),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--presses", type=int, default=1000)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--rounds", type=int, default=2, help="rounds per bot, alternating")
    parser.add_argument("--sustained", action="store_true", help="100 presses/s for 60 s (one round each)")
    parser.add_argument("--via", choices=["button", "slash"], default="button")
    parser.add_argument("--only", choices=["floor", "project"], default=None, help="run one bot only")
    parser.add_argument("--profile", type=Path, default=None, help="py-spy output file, of the project bot unless "
                        "--profile-bot floor")
    parser.add_argument("--profile-bot", choices=["floor", "project"], default="project")
    parser.add_argument("--profile-rate", type=int, default=250, help="py-spy samples per second")
    args = parser.parse_args()
    if args.sustained:
        args.presses, args.seconds, args.rounds = 6000, 60.0, 1
    order = [args.only] if args.only else ["floor", "project"]
    results: dict[str, list[dict[str, Any]]] = {"floor": [], "project": []}
    logs = ROOT / "benchmarks" / "results"
    logs.mkdir(parents=True, exist_ok=True)
    with DiskProbe(logs) as disk:
        for round_no in range(args.rounds):
            for bot in order:
                profile = args.profile if bot == args.profile_bot and round_no == args.rounds - 1 else None
                with Database(args.db) as db:
                    result = asyncio.run(one_round(bot, db.url, args.presses, args.seconds, args.via, profile,
                                                   logs / f"checkin_burst-{bot}.log", args.profile_rate, disk))
                results[bot].append(result)
                print(round_line(round_no, result), flush=True)
    summary = {bot: combine(rs) for bot, rs in results.items() if rs}
    mode = "sustained" if args.sustained else "burst"
    print(f"check-in {mode} on {args.db} via {args.via}: {args.presses} presses in {args.seconds:g} s per round, "
          f"{args.rounds} round(s) per bot, alternating")
    for bot, s in summary.items():
        print(f"  {bot:7}: first response p50 {s['first_p50_ms']} ms p99 {s['first_p99_ms']} ms | completion "
              f"p50 {s['done_p50_ms']} ms p99 {s['done_p99_ms']} ms max {s['done_max_ms']} ms | CPU "
              f"{s['cpu_ms_per_press']} ms/press | lost {s['lost']} | rows {s['rows']} for {s['presses']} presses "
              f"({s['distinct']} members) | deferred {s['deferred']} | not-counted replies "
              f"{s['not_counted_replies']} | ERROR lines {s['errors']}")
    ratios = {}
    if len(summary) == 2:
        f, p = summary["floor"], summary["project"]
        ratios = {"cpu": round(p["cpu_ms_per_press"] / f["cpu_ms_per_press"], 2),
                  "done_p99": round(p["done_p99_ms"] / f["done_p99_ms"], 2),
                  "done_p50": round(p["done_p50_ms"] / f["done_p50_ms"], 2)}
        once = p["rows"] == p["presses"] == p["distinct"]
        print(f"  ratios project ÷ floor, all rounds pooled: CPU {ratios['cpu']}× (target ≤ 1.3), completion p99 "
              f"{ratios['done_p99']}× (target ≤ 1.5), completion p50 {ratios['done_p50']}×; lost {p['lost']}, "
              f"counted exactly once: {'yes' if once else 'NO'}, ERROR lines {p['errors']}")
        per_pair = pairs(results["floor"], results["project"])
        ratios["pairs"] = per_pair
        ratios["pairs_median"] = {k: round(statistics.median(v), 2) for k, v in per_pair.items()}
        print(f"  ratios per pair of rounds: CPU {per_pair['cpu']} (median {ratios['pairs_median']['cpu']}×), "
              f"completion p99 {per_pair['done_p99']} (median {ratios['pairs_median']['done_p99']}×)")
        stalled = sum(1 for r in results["floor"] + results["project"] if r["disk_stalls"])
        print(f"  rounds in which the disk probe saw a flush over {SLOW_MS} ms: {stalled} of "
              f"{len(results['floor']) + len(results['project'])}")
    if args.sustained and "project" in summary:
        p99 = summary["project"]["done_p99_ms"]
        print(f"  sustained completion p99 {p99} ms (target ≤ 250 ms: {'ok' if p99 <= 250 else 'over target'})")
    if args.profile is not None and args.profile.exists():
        print("\n".join(summarise_profile(args.profile)))
    name = f"checkin_burst-{args.db}" + ("-sustained" if args.sustained else "") + ("-slash" if args.via == "slash"
                                                                                     else "")
    path = write_result(name, {"mode": mode, "via": args.via, "summary": summary, "ratios": ratios})
    print(f"written {path.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
