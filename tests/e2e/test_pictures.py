"""Pictures through the real discord.py client and the fake Discord: attached, described, and optional."""

from __future__ import annotations

import asyncio
import io
import logging
import os
import signal
import sys
from datetime import timedelta
from typing import Any

import pytest
from PIL import Image

from bot.pictures import figures
from tests.conftest import ErrorLogGuard
from tests.e2e.conftest import Club, custom_ids, embed_text
from tests.fakediscord import Perm

MAX_BYTES = 500 * 1024


def uploads(club: Club, message: dict[str, Any]) -> list[tuple[str, bytes]]:
    """The files uploaded with a channel message, from the request that created it."""
    return next(
        c.files for c in club.fake.calls
        if c.method == "POST" and isinstance(c.response, dict) and c.response.get("id") == message["id"]
    )


def attached_image(message: dict[str, Any], filename: str | None = None,
                   files: list[tuple[str, bytes]] | None = None) -> tuple[dict[str, Any], Image.Image]:
    """The message's one attachment: its metadata (with the alt text) and the decoded image."""
    (name, blob), = files if files is not None else message["files"]
    if filename is not None:
        assert name == filename
    meta = next(a for a in message["attachments"] if a["filename"] == name)
    assert len(blob) <= MAX_BYTES
    image = Image.open(io.BytesIO(blob))
    image.load()
    return meta, image


async def test_exercise_answer_shows_the_figure_as_embed_image(club: Club) -> None:
    message = await club.slash(club.runner, "glutes exercise", name="clams")
    assert message["flags"] & 64
    embed = message["embeds"][0]
    assert embed["title"] == "Clams"
    meta, image = attached_image(message, "clams.png")
    assert embed["image"]["url"] == "attachment://clams.png"
    assert image.format == "PNG"
    assert 300 <= image.width <= 1200
    assert 200 <= image.height <= 800
    assert meta["description"].startswith("Figure of Clams seen from the front")


async def test_self_test_start_message_shows_its_figure(club: Club) -> None:
    message = await club.slash(club.runner, "test hip-drop")
    assert message["flags"] & 64
    meta, image = attached_image(message, "hip-drop.png")
    assert message["embeds"][0]["image"]["url"] == "attachment://hip-drop.png"
    assert "from behind" in meta["description"]
    assert image.size == figures.FIGURE_SIZE


async def test_failed_figure_still_answers_with_text_and_logs_once(
    club: Club, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture, error_log_guard: ErrorLogGuard
) -> None:
    error_log_guard.expect("rendering the figure of exercise 'glute-bridge' failed")
    def broken(*args: Any) -> bytes:
        raise RuntimeError("drawing broke")

    monkeypatch.setattr(figures, "figure_png", broken)
    caplog.set_level(logging.DEBUG, logger="bot.pictures.service")
    for _ in range(2):
        message = await club.slash(club.runner, "glutes exercise", name="glute bridge")
        assert message["embeds"][0]["title"] == "Glute bridge"
        assert "How to" in embed_text(message)
        assert not message.get("files")
        assert "image" not in message["embeds"][0]
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(errors) == 1
    assert "exercise 'glute-bridge'" in errors[0].getMessage()
    assert errors[0].exc_info is not None


async def setup_club(club: Club, channel: int | None = None) -> None:
    reply = await club.slash(club.admin, "club setup", channel=channel or club.guild.text_channel_id, day="monday",
                             time="07:00", timezone="Europe/London")
    assert "Saved" in reply["content"]


async def test_routine_post_and_glutes_today_carry_the_routine_picture(club: Club) -> None:
    await setup_club(club)
    await club.slash(club.admin, "club post-now")
    (post,) = club.fake.channel_messages(club.guild.text_channel_id)
    meta, image = attached_image(post, "routine.png", uploads(club, post))
    assert post["embeds"][0]["image"]["url"] == "attachment://routine.png"
    numbered = [f["name"] for f in post["embeds"][0]["fields"] if f["name"][:1].isdigit()]
    assert numbered, "the post lists the moves"
    for name in numbered:  # "1. Bent-knee plank" in the list and in the picture's description
        assert name in meta["description"]
    assert image.width > image.height

    today = await club.slash(club.runner, "glutes today")
    assert today["flags"] & 64
    meta_today, _ = attached_image(today, "routine.png")
    assert today["embeds"][0]["image"]["url"] == "attachment://routine.png"
    assert meta_today["description"].startswith("The routine's moves side by side")


async def test_board_post_carries_the_club_chart_without_hidden_members(club: Club) -> None:
    await setup_club(club)
    await club.slash(club.runner, "checkin", kind="routine")
    await club.slash(club.other, "checkin", kind="routine")
    await club.slash(club.other, "privacy hide")
    club.clock.advance(timedelta(days=7))
    assert club.bot is not None
    jobs = club.bot.shared["club_jobs"]
    result = await jobs.posts.fire(club.guild.id, "leaderboard", jobs.send, manual=True)
    assert result.status == "sent"
    (post,) = club.fake.channel_messages(club.guild.text_channel_id)
    meta, image = attached_image(post, "club-weeks.png", uploads(club, post))
    assert post["embeds"][0]["image"]["url"] == "attachment://club-weeks.png"
    assert image.mode == "RGBA"
    assert image.width >= 550
    # Two members did the routine; the one who hid is left out.
    assert "last 12 weeks" in meta["description"]
    assert "last week 1," in meta["description"]
    assert "total points (last week 10)" in meta["description"]


async def test_me_and_test_history_carry_their_pictures_ephemerally(club: Club) -> None:
    await club.slash(club.runner, "checkin", kind="routine")
    await club.slash(club.runner, "checkin", kind="stretch", when="yesterday")
    me = await club.slash(club.runner, "me")
    assert me["flags"] & 64
    meta, image = attached_image(me, "me.png")
    assert me["embeds"][0]["image"]["url"] == "attachment://me.png"
    assert "1 day with routine, 1 day with stretch" in meta["description"]
    assert image.width >= 550

    start = await club.slash(club.runner, "test hip-drop")
    button = next(c for c in custom_ids(start) if c.endswith(":l:level"))
    await club.click(club.runner, button)
    history = await club.slash(club.runner, "test history")
    assert history["flags"] & 64
    meta, _ = attached_image(history, "test-history.png")
    assert "(1 result; latest left: Hips stayed level" in meta["description"]
    public = club.fake.channel_messages(club.guild.text_channel_id)
    assert not any(m.get("attachments") for m in public), "personal pictures never go to the channel"
    assert "matplotlib" not in sys.modules, "charts are drawn in the worker process, not in the bot's"


async def test_post_goes_out_without_its_picture_where_files_are_not_allowed(club: Club) -> None:
    channel = club.fake.add_channel(club.guild.id, "no-files", bot_permissions_deny=Perm.ATTACH_FILES)
    await setup_club(club, channel)
    posted = await club.slash(club.admin, "club post-now")
    assert "Posted" in posted["content"]
    (post,) = club.fake.channel_messages(channel)
    assert "Bent-knee plank" in embed_text(post)
    assert not post.get("attachments")
    assert "image" not in post["embeds"][0]
    assert custom_ids(post), "the Done button is still there"


async def test_dead_chart_worker_costs_one_picture_then_a_new_one_draws(
    club: Club, error_log_guard: ErrorLogGuard
) -> None:
    error_log_guard.expect(f"rendering the /me card of user {club.runner.id} failed")
    await club.slash(club.runner, "checkin", kind="routine")
    assert club.bot is not None
    pictures = club.bot.services.pictures
    first = await club.slash(club.runner, "me")
    attached_image(first, "me.png")
    (pid,) = pictures.chart_worker_pids()
    os.kill(pid, signal.SIGKILL)
    for _ in range(200):  # wait until the worker is gone (reaped by the server it was forked from)
        await asyncio.sleep(0.05)
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            break
    else:
        pytest.fail("the killed chart worker did not go away")
    broken = await club.slash(club.runner, "me")
    assert "10 pts" in embed_text(broken), "the text goes out without the card"
    assert not broken.get("files")
    again = await club.slash(club.runner, "me")
    attached_image(again, "me.png")
    assert pictures.chart_worker_pids() != [pid]


async def start_challenge_with_a_hidden_member(club: Club, channel: int | None = None) -> None:
    """ann and ben join a 1-week routines challenge and both reach it; ben hides from boards."""
    await setup_club(club, channel)
    await club.slash(club.admin, "challenge start", name="Bridge $week$ <@everyone>", weeks=1, goal="routines",
                     target=1, start="this-week")
    for member in (club.runner, club.other):
        joined = await club.slash(member, "challenge join")
        assert "You joined" in joined["content"]
        await club.slash(member, "checkin", kind="routine")
    await club.slash(club.other, "privacy hide")


async def test_challenge_results_carry_a_chart_without_hidden_names(
    club: Club, monkeypatch: pytest.MonkeyPatch
) -> None:
    await start_challenge_with_a_hidden_member(club)
    assert club.bot is not None
    pictures = club.bot.services.pictures
    drawn: list[Any] = []
    real_chart = pictures._chart

    async def spy(what: str, filename: str, fn: Any, data: Any, alt: str) -> Any:
        drawn.append(data)
        return await real_chart(what, filename, fn, data, alt)

    monkeypatch.setattr(pictures, "_chart", spy)
    ended = await club.slash(club.admin, "challenge end")
    assert "results are posted" in ended["content"]
    [post] = [m for m in club.fake.channel_messages(club.guild.text_channel_id) if "is over" in (m["content"] or "")]
    meta, image = attached_image(post, "challenge.png", uploads(club, post))
    assert image.format == "PNG"
    assert image.mode == "RGBA"
    assert image.width >= 550
    alt = meta["description"]
    assert "target of 1 weekly routine" in alt
    assert "ann 1" in alt
    assert "2 members took part, 2 routines together" in alt, "the hidden member counts in the totals"
    assert "ben" not in alt
    [board] = drawn
    assert board.names == ["ann"]
    assert board.values == [1]
    assert (board.members, board.club_total) == (2, 2)
    assert "ben" not in repr(board)
    assert "ben" not in post["content"]
    assert "matplotlib" not in sys.modules, "charts are drawn in the worker process, not in the bot's"


async def test_challenge_results_go_out_as_text_when_the_chart_fails(
    club: Club, monkeypatch: pytest.MonkeyPatch, error_log_guard: ErrorLogGuard
) -> None:
    from concurrent.futures import ThreadPoolExecutor

    from bot.pictures import charts

    error_log_guard.expect(f"rendering the challenge chart of guild {club.guild.id} failed")
    await start_challenge_with_a_hidden_member(club)
    assert club.bot is not None
    pictures = club.bot.services.pictures

    def broken(*args: Any) -> bytes:
        raise RuntimeError("drawing broke")

    # Draw in a thread of this process so the broken drawing function is the one that runs.
    threads = ThreadPoolExecutor(max_workers=1)
    monkeypatch.setattr(pictures, "_process_pool", lambda: threads)
    monkeypatch.setattr(charts, "challenge_chart_png", broken)
    try:
        ended = await club.slash(club.admin, "challenge end")
    finally:
        threads.shutdown(wait=True)
    assert "results are posted" in ended["content"]
    [post] = [m for m in club.fake.channel_messages(club.guild.text_channel_id) if "is over" in (m["content"] or "")]
    assert "Reached the target: ann and 1 more" in post["content"]
    assert not post.get("attachments")


async def test_challenge_results_go_out_without_their_chart_where_files_are_not_allowed(club: Club) -> None:
    channel = club.fake.add_channel(club.guild.id, "no-files", bot_permissions_deny=Perm.ATTACH_FILES)
    await start_challenge_with_a_hidden_member(club, channel)
    ended = await club.slash(club.admin, "challenge end")
    assert "results are posted" in ended["content"]
    [post] = [m for m in club.fake.channel_messages(channel) if "is over" in (m["content"] or "")]
    assert not post.get("attachments")
    assert "Reached the target: ann and 1 more" in post["content"]


async def until(check: Any, what: str) -> None:
    """Wait for something another task is doing (bounded; no timing asserted)."""
    for _ in range(1000):
        if check():
            return
        await asyncio.sleep(0.01)
    pytest.fail(f"never happened: {what}")


class Gate:
    """Holds a picture request at its door until the test lets it through."""

    def __init__(self, real: Any) -> None:
        self.real = real
        self.entered = False
        self.open = asyncio.Event()

    async def __call__(self, *args: Any) -> Any:
        self.entered = True
        await self.open.wait()
        return await self.real(*args)


async def test_defect_h_a_stuck_chart_is_killed_and_costs_only_its_own_picture(
    club: Club, monkeypatch: pytest.MonkeyPatch, error_log_guard: ErrorLogGuard
) -> None:
    """ann's card hangs in the worker while ben's test history and the weekly board wait behind it: the hung
    worker is killed at the timeout, ann gets her text alone, the other two still get their pictures."""
    from bot.pictures import charts
    from bot.pictures.service import RENDER_TIMEOUT
    from tests.e2e import stuck_chart

    error_log_guard.expect(f"rendering the /me card of user {club.runner.id} failed")
    await setup_club(club)
    await club.slash(club.runner, "checkin", kind="routine")
    await club.slash(club.other, "checkin", kind="routine")
    start = await club.slash(club.other, "test hip-drop")
    await club.click(club.other, next(c for c in custom_ids(start) if c.endswith(":l:level")))
    attached_image(await club.slash(club.runner, "me"), "me.png")  # the worker is up
    assert club.bot is not None
    pictures = club.bot.services.pictures
    jobs = club.bot.shared["club_jobs"]
    board_gate, history_gate = Gate(pictures.club_chart), Gate(pictures.test_history)
    monkeypatch.setattr(pictures, "club_chart", board_gate)
    monkeypatch.setattr(pictures, "test_history", history_gate)
    monkeypatch.setattr(charts, "member_card_png", stuck_chart.never_done)

    club.clock.advance(timedelta(days=7))
    board = asyncio.ensure_future(jobs.posts.fire(club.guild.id, "leaderboard", jobs.send, manual=True))
    history = asyncio.ensure_future(club.slash(club.other, "test history"))
    await until(lambda: board_gate.entered and history_gate.entered, "both at the picture step")
    # ann's card: the only one with a short timeout, so the test need not wait the usual one out.
    monkeypatch.setattr(pictures, "chart_timeout", 3.0, raising=False)
    me = asyncio.ensure_future(club.slash(club.runner, "me"))
    await until(lambda: pictures._charts_pending == 1, "ann's card with the worker")
    (stuck_pid,) = pictures.chart_worker_pids()
    monkeypatch.setattr(pictures, "chart_timeout", RENDER_TIMEOUT, raising=False)
    history_gate.open.set()
    await until(lambda: pictures._charts_pending == 2, "ben's history waiting")
    board_gate.open.set()
    await until(lambda: pictures._charts_pending == 3, "the board's chart waiting")
    assert not me.done(), "both wait while ann's card is still drawing"

    fired, mine, his = await asyncio.gather(board, me, history, return_exceptions=True)
    assert not isinstance(fired, BaseException), f"the weekly post raised {fired!r}"
    assert fired.status == "sent"
    (post,) = club.fake.channel_messages(club.guild.text_channel_id)
    attached_image(post, "club-weeks.png", uploads(club, post))
    assert not isinstance(his, BaseException)
    attached_image(his, "test-history.png")
    assert not isinstance(mine, BaseException)
    assert "10 pts" in embed_text(mine), "ann's text goes out without her card"
    assert not mine.get("files")
    await until(lambda: not _alive(stuck_pid), "the stuck worker killed")
    assert stuck_pid not in pictures.chart_worker_pids()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


async def test_defect_h_a_chart_cancelled_by_its_pool_is_a_missing_picture_not_a_cancelled_caller(
    club: Club, error_log_guard: ErrorLogGuard
) -> None:
    """The pool cancelling a drawing (shut down under it) must not look like the caller's task being cancelled;
    a caller's task that is cancelled still is."""
    import threading
    from concurrent.futures import ThreadPoolExecutor

    error_log_guard.expect("rendering the queued picture failed")
    assert club.bot is not None
    pictures = club.bot.services.pictures
    threads = ThreadPoolExecutor(max_workers=1)
    release = threading.Event()
    busy = asyncio.ensure_future(pictures._run("the busy picture", threads, release.wait))
    queued = asyncio.ensure_future(pictures._run("the queued picture", threads, bytes))
    await until(lambda: threads._work_queue.qsize() == 1, "the second drawing queued")
    threads.shutdown(wait=False, cancel_futures=True)
    release.set()
    assert await queued is None
    assert await busy is True

    other_threads, hold = ThreadPoolExecutor(max_workers=1), threading.Event()
    caller = asyncio.ensure_future(pictures._run("a picture whose caller stops", other_threads, hold.wait))
    await until(lambda: other_threads._work_queue.qsize() == 0 and other_threads._threads, "the drawing started")
    caller.cancel()
    with pytest.raises(asyncio.CancelledError):
        await caller
    hold.set()
    other_threads.shutdown(wait=True)


async def test_bounded_cache_failed_pictures_are_remembered_up_to_a_cap(
    club: Club, caplog: pytest.LogCaptureFixture, error_log_guard: ErrorLogGuard
) -> None:
    """Failed pictures are named per member (user ids): a club of thousands must not grow the set for ever."""
    from concurrent.futures import ThreadPoolExecutor

    from bot.pictures import service

    error_log_guard.expect("rendering the /me card of user")
    assert club.bot is not None
    pictures = club.bot.services.pictures

    def broken() -> bytes:
        raise RuntimeError("drawing broke")

    caplog.set_level(logging.DEBUG, logger="bot.pictures.service")
    threads = ThreadPoolExecutor(max_workers=1)
    try:
        for user in range(3 * service.FAILED_MAX):
            assert await pictures._run(f"the /me card of user {user}", threads, broken) is None
        assert len(pictures._failed) <= service.FAILED_MAX
        # A recent failure is still remembered: its repeat is not logged as an error again.
        before = len([r for r in caplog.records if r.levelno >= logging.ERROR])
        await pictures._run(f"the /me card of user {3 * service.FAILED_MAX - 1}", threads, broken)
        assert len([r for r in caplog.records if r.levelno >= logging.ERROR]) == before
    finally:
        threads.shutdown(wait=True)


async def test_defect_h_shutdown_kills_a_chart_worker_still_drawing(
    club: Club, monkeypatch: pytest.MonkeyPatch, error_log_guard: ErrorLogGuard
) -> None:
    """Stopping the bot does not wait for a chart that may never finish: its worker is killed."""
    from bot.core.history import MemberDays
    from bot.pictures import charts
    from tests.e2e import stuck_chart

    error_log_guard.expect(f"rendering the /me card of user {club.runner.id} failed")
    await club.slash(club.runner, "checkin", kind="routine")
    attached_image(await club.slash(club.runner, "me"), "me.png")  # the worker is up
    assert club.bot is not None
    pictures = club.bot.services.pictures
    (worker,) = pictures._process._processes.values()
    monkeypatch.setattr(charts, "member_card_png", stuck_chart.never_done)
    monkeypatch.setattr(pictures, "chart_timeout", 600.0, raising=False)
    days = MemberDays(first_day=club.clock.now().date())
    card = asyncio.ensure_future(pictures.member_card(club.runner.id, "ann", days))
    await until(lambda: pictures._charts_pending == 1, "the card with the worker")
    await club.stop()
    assert await card is None
    assert worker.exitcode == -signal.SIGKILL
