"""Instructions per press, project against floor: a CPU figure that does not move with the machine's load.

    python benchmarks/checkin_instructions.py --db sqlite        # 300 presses per bot at 10/s, twice each
    python benchmarks/checkin_instructions.py --db postgres --presses 300 --repeats 1

CPU seconds per press move by a third from one round to the next on a shared machine (other work, caches,
frequency), which leaves a single pair of rounds in ``checkin_burst.py`` unable to tell 1.2× from 1.4×.
Here each bot runs under ``valgrind --tool=callgrind``, which counts the instructions the process executes in
user space whatever else the machine is doing. The bot starts with counting off; after its warm-up presses
``callgrind_control -i on`` starts the count, distinct members press Done at an even, slow pace (the bot
runs about 50 times slower under valgrind), every press is awaited to its answer, and the count stops.
Everything the process runs in that window counts: the presses, and the gateway, heartbeats and timers
beside them. The kernel's share (system time, about a tenth of a press in ``checkin_burst.py``) is not
counted.

Before the presses the bot idles for as long as the presses will take, counted too; "net of idle" takes
that away. The bot's due tick runs every 30 s (``DUE_TICK_SECONDS``), so both windows last a whole number
of tick periods (the default: 300 presses at 10/s, 30 s) and hold the same number of ticks: a window that
caught a tick the other missed would add the tick's queries to the presses.

Prints instructions per press for each run, and the project ÷ floor ratio. Needs valgrind
(Debian: ``apt-get install valgrind``). Writes benchmarks/results/checkin_instructions-<db>.json.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from _common import ROOT, Database, write_result
from checkin_burst import _text, bot_command, count_rows

from tests.fakediscord import FakeDiscord

# "Counted" in English, and in the languages a ``--locale`` run may press in.
COUNTED = ("Counted", "Gezählt", "Compté", "Contado")
THREAD_COUNT = re.compile(r"^\s*Th\s+\d+\s+([\d,]+)\s*$", re.MULTILINE)


async def control(pid: int, *args: str) -> str:
    tool = await asyncio.create_subprocess_exec(
        "callgrind_control", *args, str(pid), stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT)
    out, _ = await tool.communicate()
    text = out.decode(errors="replace")
    if tool.returncode != 0 or ("OK" not in text and "Totals" not in text):
        raise RuntimeError(f"callgrind_control {' '.join(args)} {pid} failed: {text}")
    return text


async def counted_so_far(pid: int) -> list[int]:
    """Instructions counted so far in the process, per thread (the main thread first)."""
    text = await control(pid, "-e")
    counts = THREAD_COUNT.findall(text)
    if not counts:
        raise RuntimeError(f"no counts in: {text}")
    return [int(c.replace(",", "")) for c in counts]


def minus(after: list[int], before: list[int]) -> list[int]:
    """Per-thread difference; threads started in between count from zero."""
    return [a - (before[i] if i < len(before) else 0) for i, a in enumerate(after)]


async def one_run(bot: str, url: str, presses: int, rate: float, workdir: Path, keep: Path | None = None,
                  locale: str = "en-US") -> dict[str, Any]:
    out_file = (keep or workdir) / f"callgrind-{bot}-{time.monotonic_ns()}.out"
    async with FakeDiscord(interaction_deadline=None, spec_check=False) as fake:
        guild = fake.add_guild("Instruction Club")
        warmups = fake.add_members(guild.id, 20, prefix="warmup")
        members = fake.add_members(guild.id, presses, prefix="runner")
        argv, env = bot_command(bot, url, fake)
        valgrind = ["valgrind", "--tool=callgrind", "--instr-atstart=no", f"--callgrind-out-file={out_file}"]
        log_path = workdir / f"checkin_instructions-{bot}.log"
        with log_path.open("w") as log:
            process = await asyncio.create_subprocess_exec(*valgrind, *argv, env=env, cwd=str(ROOT / "benchmarks"),
                                                           stdout=log, stderr=log)
        try:
            await fake.wait_connected((0,), timeout=600)
            await asyncio.sleep(2.0)
            for member in warmups:
                await (await fake.click("gc:done:routine", member.id, guild.id, locale=locale)).final(timeout=120)
            await asyncio.sleep(1.0)
            await control(process.pid, "-i", "on")
            # The idle window: what the bot runs with nobody pressing, over as long as the presses will take.
            window = presses / rate
            before_idle = await counted_so_far(process.pid)
            await asyncio.sleep(window)
            after_idle = await counted_so_far(process.pid)
            started = time.perf_counter()
            interactions = []
            for index, member in enumerate(members):
                delay = started + index / rate - time.perf_counter()
                if delay > 0:
                    await asyncio.sleep(delay)
                interactions.append(await fake.click("gc:done:routine", member.id, guild.id, locale=locale))
            await asyncio.gather(*(ix.final(timeout=120) for ix in interactions), return_exceptions=True)
            elapsed = time.perf_counter() - started
            after_presses = await counted_so_far(process.pid)
            await control(process.pid, "-i", "off")
        finally:
            process.terminate()
            await process.wait()
    if keep is None:
        out_file.unlink(missing_ok=True)
    else:
        print(f"  callgrind output kept: {out_file} (callgrind_annotate {out_file})")
    idle_per_s = sum(minus(after_idle, before_idle)) / window
    by_thread = minus(after_presses, after_idle)
    gross = sum(by_thread)
    answered = sum(1 for ix in interactions if ix.final_latency is not None)
    counted = sum(1 for ix in interactions if any(word in _text(ix) for word in COUNTED))
    rows, distinct = await count_rows(url, bot, [m.id for m in members])
    latencies = sorted(ix.final_latency * 1000 for ix in interactions if ix.final_latency is not None)
    return {"bot": bot, "presses": presses, "instructions": gross, "idle_per_s": idle_per_s,
            "per_press_by_thread": [round(n / presses) for n in by_thread],
            "gross_per_press": gross / presses, "per_press": (gross - idle_per_s * elapsed) / presses,
            "window_s": round(elapsed, 1), "answered": answered,
            "counted_replies": counted, "rows": rows, "distinct": distinct,
            "median_ms_under_valgrind": round(statistics.median(latencies), 1) if latencies else None}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--presses", type=int, default=300)
    parser.add_argument("--rate", type=float, default=10.0, help="presses per second (the bots run under valgrind)")
    parser.add_argument("--repeats", type=int, default=2, help="runs per bot, alternating")
    parser.add_argument("--only", choices=["floor", "project"], default=None)
    parser.add_argument("--locale", default="en-US", help="the pressing members' Discord locale, e.g. de")
    parser.add_argument("--keep", type=Path, default=None, help="keep callgrind's output files in this folder")
    args = parser.parse_args()
    tick = float(os.environ.get("DUE_TICK_SECONDS", 30))
    periods = args.presses / args.rate / tick
    if abs(periods - round(periods)) > 0.01 or round(periods) < 1:
        print(f"note: the windows ({args.presses / args.rate:g} s) are not a whole number of due-tick periods "
              f"({tick:g} s): one may hold a tick the other does not")
    if shutil.which("valgrind") is None or shutil.which("callgrind_control") is None:
        sys.exit("valgrind is not installed (Debian: apt-get install valgrind)")
    order = [args.only] if args.only else ["floor", "project"]
    runs: dict[str, list[dict[str, Any]]] = {"floor": [], "project": []}
    with tempfile.TemporaryDirectory() as tmp:
        for repeat in range(args.repeats):
            for bot in order:
                with Database(args.db) as db:
                    run = asyncio.run(one_run(bot, db.url, args.presses, args.rate, Path(tmp), args.keep,
                                              locale=args.locale))
                runs[bot].append(run)
                print(f"  run {repeat + 1} {bot:7}: {run['per_press'] / 1e6:.3f} M instructions per press net of idle "
                      f"({run['gross_per_press'] / 1e6:.3f} M gross: {run['instructions']:,} over {run['presses']} "
                      f"presses in {run['window_s']} s; idle {run['idle_per_s'] / 1e6:.2f} M/s; by thread: "
                      f"{[round(n / 1e6, 3) for n in run['per_press_by_thread']]} M); answered "
                      f"{run['answered']}, 'Counted' replies {run['counted_replies']}, rows {run['rows']} "
                      f"({run['distinct']} members); median answer under valgrind {run['median_ms_under_valgrind']} ms",
                      flush=True)
    summary = {bot: statistics.median(r["per_press"] for r in rs) for bot, rs in runs.items() if rs}
    idle = {bot: statistics.median(r["idle_per_s"] for r in rs) for bot, rs in runs.items() if rs}
    print(f"instructions per Done press on {args.db} (user space, callgrind), median of {args.repeats} run(s):")
    for bot, per_press in summary.items():
        spread = [round(r["per_press"] / 1e6, 3) for r in runs[bot]]
        print(f"  {bot:7}: {per_press / 1e6:.3f} M net of idle (runs: {spread}); idle {idle[bot] / 1e6:.2f} M/s; "
              f"at a burst's 100 presses/s {(per_press + idle[bot] / 100) / 1e6:.3f} M")
    ratio = None
    if len(summary) == 2:
        ratio = round(summary["project"] / summary["floor"], 3)
        at_burst = round((summary["project"] + idle["project"] / 100) / (summary["floor"] + idle["floor"] / 100), 3)
        print(f"  project ÷ floor: {ratio}× per press, {at_burst}× at 100 presses/s with idle work "
              "(target for CPU per press ≤ 1.3×)")
    path = write_result(f"checkin_instructions-{args.db}", {"runs": runs, "ratio": ratio})
    print(f"written {path.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
