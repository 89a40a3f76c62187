"""Renders pictures off the event loop and never lets a failed picture stop an answer.

* Exercise figures (Pillow, a few MB) are drawn in a thread of this process and cached in memory,
  keyed by a hash of the pose data, so each is drawn once per process.
* Charts (matplotlib, about 45 MB once imported) are drawn in one worker process, started on the first
  chart, so the serving process never imports matplotlib (see ``benchmarks/pictures.py``). The worker
  gets one chart at a time; the others wait their turn here, in the event loop. A chart that takes longer
  than its timeout gets its worker killed and replaced: the charts waiting behind it are not touched.

Every method returns a :class:`Picture` or ``None``; on ``None`` the caller sends its text alone.
A failure is logged once per picture (with what was being drawn); repeats are logged at DEBUG (the
pictures remembered as failed are capped at ``FAILED_MAX``, the oldest forgotten first).
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import multiprocessing
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import Executor, ProcessPoolExecutor, ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from typing import Any

from bot.content.poses import Figure, PoseBook
from bot.content.schema import Content
from bot.core.challenges import Goal, Results
from bot.core.history import MemberDays, TestEntry, WeekTotal
from bot.i18n import ENGLISH, SOURCE_LANGUAGE, Texts
from bot.pictures import charts, figures

log = logging.getLogger(__name__)

# Bump when the drawing code changes what a figure looks like, so cached figures are redrawn.
FIGURE_STYLE = 3
# Longest a picture may take before the answer goes out without it (seconds); a cold chart worker
# needs about a second to import matplotlib.
RENDER_TIMEOUT = 10.0
# An answer that has not been deferred must reach Discord within 3 s: wait at most this for a picture.
INTERACTIVE_TIMEOUT = 1.5
CHART_PRELOAD = ("bot.pictures.charts", "matplotlib.figure", "matplotlib.backends.backend_agg", "matplotlib.dates")
# Charts waiting for the one worker beyond this many are skipped (the text goes out alone).
CHART_QUEUE_MAX = 8
# Failed pictures remembered (to log each failure once); their names hold user ids, so the set is capped.
FAILED_MAX = 256


@dataclass(frozen=True)
class Picture:
    filename: str
    data: bytes
    description: str  # alt text for screen readers


@dataclass(frozen=True)
class HistoryWords:
    """A test-history chart's words in the member's language, made by the caller: the worker loads no
    catalogue. ``alt`` writes the alt text from the chart's data."""

    sides: dict[str, str]
    months: tuple[str, ...]
    alt: Callable[[charts.TestHistory], str]


class PictureService:
    def __init__(self, content: Content, *, figure_workers: int = 1) -> None:
        self.content = content
        self._figure_workers = figure_workers
        self._threads: ThreadPoolExecutor | None = None
        self._process: ProcessPoolExecutor | None = None
        self._cache: dict[str, bytes] = {}
        # The cache key of each routine picture asked for: hashing the pose data costs more than the lookup, and
        # a fan-out asks for the same few pictures once per club.
        self._strip_keys: dict[tuple[tuple[str, ...], tuple[str, ...]], str] = {}
        self._failed: OrderedDict[str, None] = OrderedDict()
        self._charts_pending = 0
        # The worker draws one chart at a time: the others wait for this, not in the pool's queue, so
        # a stuck chart can be killed with its worker without cancelling them.
        self._chart_turn = asyncio.Lock()
        self.chart_timeout = RENDER_TIMEOUT
        self._busy_logged = False

    @property
    def poses(self) -> PoseBook | None:
        return self.content.poses

    # -- executors ---------------------------------------------------------------------------

    def _thread_pool(self) -> Executor:
        if self._threads is None:
            self._threads = ThreadPoolExecutor(max_workers=self._figure_workers, thread_name_prefix="figures")
        return self._threads

    def _process_pool(self) -> Executor:
        if self._process is None:
            # forkserver: the worker is forked from a small clean server process, not from the bot (no copy
            # of its memory, no inherited event loop); that server imports matplotlib once, so a new worker
            # after a crash or a restart of the pool starts in milliseconds.
            context = multiprocessing.get_context("forkserver")
            context.set_forkserver_preload(list(CHART_PRELOAD))
            self._process = ProcessPoolExecutor(max_workers=1, mp_context=context)
        return self._process

    def chart_worker_pids(self) -> list[int]:
        """Process ids of the running chart worker (none before the first chart)."""
        if self._process is None:
            return []
        return [p.pid for p in (self._process._processes or {}).values() if p.pid is not None]

    async def aclose(self) -> None:
        """Stop the figure thread and the chart worker (idempotent)."""
        if self._threads is not None:
            self._threads.shutdown(wait=False, cancel_futures=True)
            self._threads = None
        if self._process is not None:
            process, self._process = self._process, None
            if self._chart_turn.locked():
                # A chart still drawing now is abandoned: its worker is killed, not waited for (it may never end).
                _kill_workers(process)
            # Waiting for the worker to exit blocks: do it off the event loop.
            await asyncio.to_thread(process.shutdown, wait=True, cancel_futures=True)

    async def _run(self, what: str, executor: Executor, fn: Callable[..., bytes], *args: Any,
                   timeout: float = RENDER_TIMEOUT) -> bytes | None:
        loop = asyncio.get_running_loop()
        try:
            return await asyncio.wait_for(loop.run_in_executor(executor, fn, *args), timeout)
        except asyncio.CancelledError as exc:
            task = asyncio.current_task()
            if task is not None and task.cancelling():
                raise  # the caller is being cancelled (shutdown): not a picture's failure
            # The executor cancelled the drawing (its pool was shut down under it): one missing picture.
            self._failure(what, exc)
            return None
        except Exception as exc:
            self._failure(what, exc)
            if isinstance(exc, (BrokenProcessPool, TimeoutError)) and executor is self._process:
                # A dead or stuck worker (killed, out of memory, drawing forever): a new one draws the next.
                self._kill_chart_worker()
            return None

    def _failure(self, what: str, exc: BaseException) -> None:
        if what in self._failed:
            self._failed.move_to_end(what)
            log.debug("rendering %s failed again", what, exc_info=exc)
            return
        self._failed[what] = None
        if len(self._failed) > FAILED_MAX:
            self._failed.popitem(last=False)
        log.error("rendering %s failed; the answer goes out without it", what, exc_info=exc)

    def _kill_chart_worker(self) -> None:
        """Kill the chart worker and drop its pool (nothing else is queued in it: one chart at a time)."""
        if self._process is None:
            return
        process, self._process = self._process, None
        _kill_workers(process)
        process.shutdown(wait=False, cancel_futures=True)

    # -- figures -----------------------------------------------------------------------------

    def _figure_key(self, *parts: Any) -> str:
        blob = json.dumps([FIGURE_STYLE, *parts], sort_keys=True, default=str).encode()
        return hashlib.sha256(blob).hexdigest()

    async def _figure(self, what: str, key: str, fn: Callable[..., bytes], *args: Any,
                      timeout: float = RENDER_TIMEOUT) -> bytes | None:
        cached = self._cache.get(key)
        if cached is not None:
            return cached
        data = await self._run(what, self._thread_pool(), fn, *args, timeout=timeout)
        if data is not None:
            self._cache[key] = data
        return data

    def _dump(self, figure: Figure) -> dict[str, Any]:
        return figure.model_dump(mode="json")

    async def exercise_figure(self, slug: str, timeout: float = RENDER_TIMEOUT,
                              texts: Texts | None = None) -> Picture | None:
        """The exercise's figure, its name and alt text in the language of ``texts`` (English without)."""
        return await self._single("exercise", slug, timeout, texts)

    async def selftest_figure(self, slug: str, timeout: float = RENDER_TIMEOUT,
                              texts: Texts | None = None) -> Picture | None:
        """The test's figure, its name and alt text in the language of ``texts`` (English without)."""
        return await self._single("selftest", slug, timeout, texts)

    async def _single(self, kind: str, slug: str, timeout: float, texts: Texts | None = None) -> Picture | None:
        poses = self.poses
        if poses is None:
            return None
        item = self.content.exercises.get(slug) if kind == "exercise" else self.content.selftests.get(slug)
        figures_of = poses.exercises if kind == "exercise" else poses.selftests
        figure = figures_of.get(slug)
        if item is None or figure is None:
            return None
        name = item.name
        if texts is not None:
            localized = self.content.localized(texts.language)
            found = localized.exercises.get(slug) if kind == "exercise" else localized.selftests.get(slug)
            name = (found or item).name
        # The worker draws the name as a plain string: it loads no catalogue.
        key = self._figure_key(kind, name, self._dump(figure), poses.skeleton.model_dump())
        data = await self._figure(
            f"the figure of {kind} {slug!r}", key, figures.figure_png, figure, poses.skeleton, name,
            timeout=timeout,
        )
        if data is None:
            return None
        return Picture(f"{slug}.png", data, figure_description(name, figure, texts))

    async def routine_strip(self, slugs: list[str], names: list[str], filename: str = "routine.png",
                            timeout: float = RENDER_TIMEOUT, texts: Texts | None = None) -> Picture | None:
        """The routine's moves side by side, numbered like the list (``names`` as shown there); the alt text in
        the language of ``texts`` (English without)."""
        poses = self.poses
        if poses is None or not slugs:
            return None
        panels = [(name, poses.exercises[slug]) for slug, name in zip(slugs, names, strict=True)
                  if slug in poses.exercises]
        if len(panels) != len(slugs):
            return None
        asked = (tuple(slugs), tuple(names))
        key = self._strip_keys.get(asked)
        if key is None:
            key = self._strip_keys[asked] = self._figure_key(
                "strip", [(n, self._dump(f)) for n, f in panels], poses.skeleton.model_dump())
        data = await self._figure(f"the routine picture of {', '.join(slugs)}", key, figures.strip_png, panels,
                                  poses.skeleton, timeout=timeout)
        if data is None:
            return None
        listed = "; ".join(f"{n}. {name}" for n, name in enumerate(names, start=1))
        alt = (texts or ENGLISH).t("The routine's moves side by side, numbered like the list: {moves}", moves=listed)
        return Picture(filename, data, clip_alt(alt))

    # -- charts ------------------------------------------------------------------------------

    async def _chart(self, what: str, filename: str, fn: Callable[..., bytes], data: Any, alt: str) -> Picture | None:
        if self._charts_pending >= CHART_QUEUE_MAX:
            # Hundreds of clubs posting in one minute: the posts go out on time, without their charts.
            if not self._busy_logged:
                self._busy_logged = True
                log.info("chart worker busy (%d waiting): %s goes out without its chart", self._charts_pending, what)
            return None
        self._charts_pending += 1
        try:
            async with self._chart_turn:
                # The timeout counts from the chart's turn: time spent behind a stuck chart is not held against it.
                png = await self._run(what, self._process_pool(), fn, data, timeout=self.chart_timeout)
        finally:
            self._charts_pending -= 1
        return None if png is None else Picture(filename, png, alt)

    async def club_chart(self, guild_id: int, title: str, weeks: list[WeekTotal],
                         words: tuple[charts.ClubWords, str] | None = None) -> Picture | None:
        """The club's last weeks; ``title`` and ``words`` (the chart's words and its alt text) in the club's
        language (English without ``words``)."""
        if not weeks:
            return None
        chart = charts.ClubWeeks(guild_id, title, [w.week_start for w in weeks], [w.members for w in weeks],
                                 [w.points for w in weeks], words[0] if words else None)
        alt = words[1] if words else charts.club_chart_alt(chart)
        return await self._chart(f"the club chart of guild {guild_id}", "club-weeks.png", charts.club_chart_png,
                                 chart, clip_alt(alt))

    async def member_card(self, user_id: int, name: str, days: MemberDays,
                          words: tuple[charts.CardWords, str] | None = None) -> Picture | None:
        """The member's 12 weeks as a calendar; ``words`` (the card's words and its alt text) in the member's
        language (English without)."""
        card = charts.MemberCard(user_id, name, days.first_day, dict(days.days), days.current_streak,
                                 days.best_streak, days.week_points, today=days.today,
                                 weekly_points=list(days.weekly_points), words=words[0] if words else None)
        alt = words[1] if words else charts.member_card_alt(card)
        return await self._chart(f"the /me card of user {user_id}", "me.png", charts.member_card_png, card,
                                 clip_alt(alt))

    async def challenge_chart(self, guild_id: int, results: Results,
                              words: tuple[charts.ChallengeWords, str] | None = None) -> Picture | None:
        """Each member's progress toward the target; members the boards leave out only in the totals.
        ``words``: the chart's words and its alt text in the club's language (English without)."""
        info = results.challenge
        unit = "routines" if info.goal is Goal.ROUTINES else "points"
        board = charts.challenge_board(guild_id, info.name, unit, info.target, results.standings, results.members,
                                       results.club_total, words[0] if words else None)
        alt = words[1] if words else charts.challenge_chart_alt(board)
        return await self._chart(f"the challenge chart of guild {guild_id}", "challenge.png",
                                 charts.challenge_chart_png, board, clip_alt(alt))

    async def test_history(self, user_id: int, entries: list[TestEntry], content: Content | None = None,
                           words: HistoryWords | None = None) -> Picture | None:
        """The member's results over time; ``content`` in the member's language (its test names and
        outcomes), ``words`` the chart's own words and its alt text in that language (English without)."""
        series = history_series(content or self.content, entries)
        if not series:
            return None
        history = charts.TestHistory(user_id, series, dict(words.sides) if words else {},
                                     tuple(words.months) if words else ())
        alt = words.alt(history) if words else charts.test_history_alt(history)
        return await self._chart(f"the test history of user {user_id}", "test-history.png", charts.test_history_png,
                                 history, clip_alt(alt))


def history_series(content: Content, entries: list[TestEntry]) -> list[charts.TestSeries]:
    """Each self-test's results as a chart series; its unsure outcomes ("Can't tell") are named as such, so the
    chart shows them apart instead of below the weak outcome."""
    series: dict[str, charts.TestSeries] = {}
    for entry in entries:
        test = content.selftests.get(entry.test_slug)
        if test is None:
            continue
        ids = [o.id for o in test.outcomes]
        if entry.outcome not in ids:
            continue
        if test.slug not in series:
            series[test.slug] = charts.TestSeries(test.name, [o.label for o in test.outcomes], [],
                                                  unsure=[o.label for o in test.outcomes if o.unsure])
        series[test.slug].points.append(
            charts.TestPoint(entry.at.date(), entry.side, ids.index(entry.outcome),
                             test.outcomes[ids.index(entry.outcome)].label)
        )
    return list(series.values())


def _kill_workers(process: ProcessPoolExecutor) -> None:
    for worker in list((process._processes or {}).values()):
        if worker.is_alive():
            worker.kill()


ALT_MAX = 1024  # Discord's limit for an attachment description


def clip_alt(text: str) -> str:
    return text if len(text) <= ALT_MAX else text[: ALT_MAX - 1] + "…"


_VIEW_WORDS = {"side": "from the side", "front": "from the front", "back": "from behind"}


def figure_description(name: str, figure: Figure, texts: Texts | None = None) -> str:
    if texts is not None and texts.language != SOURCE_LANGUAGE:
        return clip_alt(_figure_description_in(texts, name, figure))
    props = figure.props
    kit = [
        word
        for word, present in (
            ("a mat", props.mat),
            (f"a band around the {props.band}" if props.band else "", props.band),
            ("dumbbells" if props.dumbbells == "hands" else "a dumbbell at the chest", props.dumbbells),
            ("a barbell on the shoulders", props.barbell),
            ("a wall", props.wall is not None),
            ("a step", props.step is not None),
            ("a chair", props.chair is not None),
        )
        if present
    ]
    with_kit = f", with {', '.join(kit)}" if kit else ""
    return clip_alt(
        f"Figure of {name} seen {_VIEW_WORDS[figure.view]}{with_kit}: the start position in pale grey, "
        f"the end position in dark, an orange arrow for the movement."
    )


def _figure_description_in(tr: Texts, name: str, figure: Figure) -> str:
    """The figure's alt text in ``tr``'s language: what the figure shows, the kit named as a list."""
    props = figure.props
    view = {"side": tr.t("seen from the side"), "front": tr.t("seen from the front"),
            "back": tr.t("seen from behind")}[figure.view]
    kit = [
        word
        for word, present in (
            (tr.t("a mat"), props.mat),
            (tr.t("a band around the knees") if props.band == "knees" else tr.t("a band around the ankles"),
             props.band),
            (tr.t("dumbbells") if props.dumbbells == "hands" else tr.t("a dumbbell at the chest"), props.dumbbells),
            (tr.t("a barbell on the shoulders"), props.barbell),
            (tr.t("a wall"), props.wall is not None),
            (tr.t("a step"), props.step is not None),
            (tr.t("a chair"), props.chair is not None),
        )
        if present
    ]
    if kit:
        return tr.t("Figure of {name} {view}, with {kit}: the start position in pale grey, the end position in "
                    "dark, an orange arrow for the movement.", name=name, view=view, kit=tr.join(kit))
    return tr.t("Figure of {name} {view}: the start position in pale grey, the end position in dark, an orange "
                "arrow for the movement.", name=name, view=view)
