"""Pictures: render time and size of every image the bot sends, and what the drawing libraries cost in memory.

    python benchmarks/pictures.py [--runs 5]

* Every exercise and self-test figure, every routine picture, and the three charts (club weeks with
  12 weeks, a /me card with a full calendar, a test history with two tests × two sides × 6 results):
  median / max render time over ``--runs`` warm runs and the PNG size. Targets: ≤ 300 ms, ≤ 500 KB.
  Each time is also given as a ratio to a reference measured in the same run (encoding one blank
  800×400 PNG with Pillow), so figures from different machines compare.
* Memory: RSS of a fresh process after importing the bot (``bot.app``), then after drawing one figure
  (Pillow, in the serving process) or one chart (matplotlib, which the bot only imports in its chart
  worker process). Writes benchmarks/results/pictures.json.
"""

from __future__ import annotations

import argparse
import io
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

from _common import ROOT, write_result

from bot.content import load_content
from bot.pictures import charts, figures

BUDGET_MS = 300.0
BUDGET_BYTES = 500 * 1024

MEMORY_PROBE = """
import sys
def rss():
    for line in open("/proc/self/status"):
        if line.startswith("VmRSS"):
            return int(line.split()[1]) / 1024
before = rss()
import bot.app  # everything the serving process imports
base = rss()
what = sys.argv[1]
if what == "figure":
    from bot.content import load_content
    from bot.pictures.figures import figure_png
    c = load_content()
    figure_png(c.poses.exercises["clams"], c.poses.skeleton, "Clams")
elif what == "chart":
    from datetime import date
    from bot.pictures.charts import ClubWeeks, club_chart_png
    club_chart_png(ClubWeeks(1, "t", [date(2026, 1, 5)] * 12, [3] * 12, [50] * 12))
print(f"{before:.1f} {base:.1f} {rss():.1f}")
"""


def timed(fn: Callable[[], bytes], runs: int) -> tuple[list[float], int]:
    fn()  # warm: lazy imports, fonts, caches
    samples = []
    size = 0
    for _ in range(runs):
        start = time.perf_counter()
        size = len(fn())
        samples.append((time.perf_counter() - start) * 1000)
    return samples, size


def reference(runs: int) -> float:
    from PIL import Image

    def encode() -> bytes:
        buffer = io.BytesIO()
        Image.new("RGB", (800, 400), (238, 241, 245)).save(buffer, format="PNG")
        return buffer.getvalue()

    return statistics.median(timed(encode, runs * 4)[0])


def memory(what: str) -> dict[str, float]:
    out = subprocess.run([sys.executable, "-c", MEMORY_PROBE, what], capture_output=True, text=True, check=True,
                         cwd=ROOT).stdout.split()
    python, bot, after = (float(x) for x in out)
    return {"python_mb": python, "bot_imported_mb": bot, "after_mb": after, "cost_mb": round(after - bot, 1)}


def sample_charts() -> dict[str, Callable[[], bytes]]:
    weeks = [date(2026, 9, 7) + timedelta(days=7 * i) for i in range(12)]
    club = charts.ClubWeeks(1, "The club's last 12 weeks", weeks, [3 + i for i in range(12)],
                            [80 + 25 * i for i in range(12)])
    kinds = ["routine", "extra", "stretch", "standup"]
    card = charts.MemberCard(2, "a runner", weeks[0], {weeks[0] + timedelta(days=d): kinds[d % 4] for d in range(84)},
                             5, 9, 25)
    history = charts.TestHistory(2, [
        charts.TestSeries(name, ["level", "wobbled", "dropped"],
                          [charts.TestPoint(weeks[2 * i], side, (i + (side == "left")) % 3, "level")
                           for i in range(6) for side in ("left", "right")])
        for name in ("Hip drop", "Single-leg squat")
    ])
    return {
        "chart: club weeks": lambda: charts.club_chart_png(club),
        "chart: /me card": lambda: charts.member_card_png(card),
        "chart: test history": lambda: charts.test_history_png(history),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    content = load_content()
    poses = content.poses
    assert poses is not None
    jobs: dict[str, Callable[[], bytes]] = {}
    for slug, exercise in content.exercises.items():
        jobs[f"figure: {slug}"] = lambda f=poses.exercises[slug], n=exercise.name: figures.figure_png(
            f, poses.skeleton, n)
    for slug, test in content.selftests.items():
        jobs[f"figure: test {slug}"] = lambda f=poses.selftests[slug], n=test.name: figures.figure_png(
            f, poses.skeleton, n)
    for slug, routine in content.routines.items():
        panels = [(content.exercise(i.exercise).name, poses.exercises[i.exercise]) for i in routine.items]
        jobs[f"routine picture: {slug} ({len(panels)} moves)"] = lambda p=panels: figures.strip_png(
            p, poses.skeleton)
    jobs.update(sample_charts())

    ref = reference(args.runs)
    print(f"reference (blank 800×400 PNG encode): {ref:.2f} ms")
    rows: dict[str, Any] = {}
    for name, fn in jobs.items():
        samples, size = timed(fn, args.runs)
        median, worst = statistics.median(samples), max(samples)
        ok = worst <= BUDGET_MS and size <= BUDGET_BYTES
        rows[name] = {"median_ms": round(median, 1), "max_ms": round(worst, 1), "bytes": size,
                      "ratio_to_reference": round(median / ref, 1), "within_budget": ok}
        print(f"{name:55} median {median:6.1f} ms  max {worst:6.1f} ms  ×ref {median / ref:6.1f}  "
              f"{size / 1024:6.1f} KB  {'ok' if ok else 'OVER'}")
    worst_ms = max(r["max_ms"] for r in rows.values())
    worst_kb = max(r["bytes"] for r in rows.values()) / 1024
    print(f"worst render {worst_ms:.1f} ms (budget {BUDGET_MS:.0f}), largest image {worst_kb:.1f} KB (budget 500)")

    mem = {"figure_in_serving_process": memory("figure"), "chart_if_drawn_in_serving_process": memory("chart")}
    for what, m in mem.items():
        print(f"memory {what}: bot imported {m['bot_imported_mb']:.1f} MB → {m['after_mb']:.1f} MB "
              f"(+{m['cost_mb']:.1f} MB)")
    path = write_result("pictures", {"reference_ms": round(ref, 3), "images": rows, "memory": mem,
                                     "worst_ms": worst_ms, "largest_kb": round(worst_kb, 1)})
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
