"""The due-work mechanism on the due_work table: exactly once, outcomes, retries with backoff, leases, fallback."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import pytest

from bot.core.clock import ManualClock
from bot.core.delivery import ChannelNotice, Delivery, DeliveryError, Outcome, Problem
from bot.db.engine import SessionFactory, make_engine, make_session_factory
from bot.scheduling.due import DueJob, DueRunner
from bot.scheduling.due_work import DueItem, DueWorkQueue, DueWorkTiming
from tests.conftest import ErrorLogGuard

NOW = datetime(2026, 11, 18, 9, 0, tzinfo=UTC)
TIMING = DueWorkTiming(lease=timedelta(minutes=5), retry_delays=(timedelta(minutes=1), timedelta(minutes=10)))


@dataclass
class Outbox:
    """Stands in for Discord: records deliveries, raises what it is told to, per key."""

    sent: list[str] = field(default_factory=list)
    failing: dict[str, list[BaseException]] = field(default_factory=dict)
    notices: list[ChannelNotice] = field(default_factory=list)

    async def deliver(self, item: DueItem) -> int:
        await asyncio.sleep(0)
        errors = self.failing.get(item.key)
        if errors:
            raise errors.pop(0)
        self.sent.append(item.key)
        return 7000 + len(self.sent)

    async def notice(self, notice: ChannelNotice) -> None:
        self.notices.append(notice)


@dataclass
class Env:
    sessions: SessionFactory
    clock: ManualClock
    queue: DueWorkQueue
    outbox: Outbox
    runner: DueRunner

    async def status(self, key: str) -> tuple[str, int, str | None]:
        row = await self.queue.get("nudge", key)
        assert row is not None
        return row.status, row.attempts, row.reason


def notice_for(item: DueItem) -> ChannelNotice | None:
    if item.channel_id is None:
        return None
    return ChannelNotice(item.channel_id, f"<@{item.user_id}> your DMs are closed", item.user_id)


def make_runner(queue: DueWorkQueue, clock: ManualClock, outbox: Outbox) -> DueRunner:
    runner = DueRunner(clock, notifier=outbox)
    runner.register(DueJob("nudge", queue.source("nudge"), deliver=outbox.deliver, notice=notice_for, batch_size=2))
    return runner


@pytest.fixture
async def env(db_url: str) -> AsyncIterator[Env]:
    engine = make_engine(db_url)
    sessions = make_session_factory(engine)
    clock = ManualClock(NOW)
    queue = DueWorkQueue(sessions, clock, TIMING)
    outbox = Outbox()
    yield Env(sessions, clock, queue, outbox, make_runner(queue, clock, outbox))
    await engine.dispose()


async def test_items_go_out_once_when_due_and_scheduling_twice_keeps_one(env: Env) -> None:
    assert await env.queue.schedule("nudge", "a", NOW + timedelta(minutes=1), user_id=1)
    assert not await env.queue.schedule("nudge", "a", NOW + timedelta(minutes=2), user_id=1)
    for n in range(3):
        await env.queue.schedule("nudge", f"b{n}", NOW, user_id=2)
    await env.queue.schedule("other-feature", "c", NOW)
    assert await env.runner.run("nudge") == 3  # two batches of two in one run
    assert sorted(env.outbox.sent) == ["b0", "b1", "b2"]
    env.clock.set(NOW + timedelta(minutes=1))
    assert await env.runner.run("nudge") == 1
    assert await env.runner.run("nudge") == 0
    assert env.outbox.sent.count("a") == 1
    status, attempts, _ = await env.status("a")
    assert (status, attempts) == ("sent", 1)
    assert (await env.queue.get("nudge", "a")).message_id is not None  # type: ignore[union-attr]
    assert (await env.queue.get("other-feature", "c")).status == "pending"  # type: ignore[union-attr]


async def test_transient_failures_are_retried_with_backoff_then_fail_with_the_reason(env: Env) -> None:
    await env.queue.schedule("nudge", "a", NOW, user_id=1)
    env.outbox.failing["a"] = [DeliveryError(f"HTTP 50{n} from Discord", transient=True) for n in range(3)]
    assert await env.runner.run("nudge") == 0
    assert await env.status("a") == ("pending", 1, "HTTP 500 from Discord")
    assert (await env.queue.get("nudge", "a")).due_at == NOW + timedelta(minutes=1)  # type: ignore[union-attr]
    assert await env.runner.run("nudge") == 0, "not due again before the backoff"
    env.clock.set(NOW + timedelta(minutes=1))
    await env.runner.run("nudge")
    assert await env.status("a") == ("pending", 2, "HTTP 501 from Discord")
    env.clock.set(NOW + timedelta(minutes=11))
    await env.runner.run("nudge")
    assert await env.status("a") == ("failed", 3, "HTTP 502 from Discord")
    env.clock.set(NOW + timedelta(days=1))
    assert await env.runner.run("nudge") == 0
    assert env.outbox.sent == []


async def test_a_refusal_fails_at_once_and_a_crash_is_recorded_not_lost(
    env: Env, error_log_guard: ErrorLogGuard
) -> None:
    error_log_guard.expect("crashed")
    await env.queue.schedule("nudge", "refused", NOW)
    await env.queue.schedule("nudge", "bug", NOW)
    await env.queue.schedule("nudge", "fine", NOW)
    env.outbox.failing["refused"] = [DeliveryError("Discord refused the post (400: bad)", problem=Problem.REFUSED)]
    env.outbox.failing["bug"] = [KeyError("oops")]
    assert await env.runner.run("nudge") == 1
    assert await env.status("refused") == ("failed", 1, "Discord refused the post (400: bad)")
    assert await env.status("bug") == ("failed", 1, "internal error (KeyError)")


async def test_closed_dms_fall_back_to_the_channel_once(env: Env) -> None:
    await env.queue.schedule("nudge", "a", NOW, user_id=11, channel_id=99)
    await env.queue.schedule("nudge", "b", NOW, user_id=12)
    await env.queue.schedule("nudge", "a-later", NOW + timedelta(days=1), user_id=11, channel_id=99)
    closed = DeliveryError("the member's DMs are closed", problem=Problem.DMS_CLOSED)
    env.outbox.failing = {"a": [closed], "b": [closed], "a-later": [closed]}
    await env.runner.run("nudge")
    assert env.outbox.notices == [ChannelNotice(99, "<@11> your DMs are closed", 11)]
    assert (await env.status("a"))[0] == "failed"
    env.clock.set(NOW + timedelta(days=1))
    await env.runner.run("nudge")
    assert (await env.status("a-later"))[0] == "failed"
    assert len(env.outbox.notices) == 1, "the member was told once"


async def test_a_claim_whose_process_died_is_claimed_again_after_the_lease(env: Env) -> None:
    await env.queue.schedule("nudge", "a", NOW)
    source = env.queue.source("nudge")
    [claimed] = await source.claim(NOW, 10)  # a process claims it, then dies before recording
    assert await source.claim(NOW + timedelta(minutes=4), 10) == []
    env.clock.set(NOW + timedelta(minutes=5))
    assert await env.runner.run("nudge") == 1
    assert await env.status("a") == ("sent", 2, None)
    # The dead process's late record (attempt 1) changes nothing.
    await source.record([(claimed, Delivery(Outcome.FAILED, "late"))])
    assert (await env.status("a"))[0] == "sent"


async def test_cancel_drops_a_pending_item(env: Env) -> None:
    await env.queue.schedule("nudge", "a", NOW + timedelta(hours=1))
    assert await env.queue.cancel("nudge", "a")
    assert not await env.queue.cancel("nudge", "a")
    env.clock.set(NOW + timedelta(hours=2))
    assert await env.runner.run("nudge") == 0
    assert (await env.status("a"))[0] == "skipped"


async def test_stopping_mid_batch_records_the_items_as_due_again(env: Env) -> None:
    await env.queue.schedule("nudge", "slow", NOW)
    started = asyncio.Event()

    async def slow(item: DueItem) -> int:
        started.set()
        await asyncio.sleep(3600)
        return 1

    runner = DueRunner(env.clock)
    runner.register(DueJob("nudge", env.queue.source("nudge"), deliver=slow))
    tick = asyncio.create_task(runner.tick())
    await started.wait()
    await runner.stop(timeout=0.05)
    assert tick.done()
    status, attempts, reason = await env.status("slow")
    assert (status, attempts, reason) == ("pending", 1, "interrupted by shutdown")
    assert await runner.tick() == {}, "a stopped runner takes no new work"


@pytest.mark.parametrize("db_url", ["postgres"], indirect=True)
async def test_two_processes_never_claim_the_same_item(db_url: str, env: Env) -> None:
    for n in range(40):
        await env.queue.schedule("nudge", f"k{n}", NOW)
    other_engine = make_engine(db_url)
    try:
        other = DueWorkQueue(make_session_factory(other_engine), env.clock, TIMING)
        outbox_b = Outbox()
        runner_b = make_runner(other, env.clock, outbox_b)
        for runner in (env.runner, runner_b):
            runner._jobs["nudge"].batch_size = 5
        await asyncio.gather(env.runner.run("nudge"), runner_b.run("nudge"))
    finally:
        await other_engine.dispose()
    both = env.outbox.sent + outbox_b.sent
    assert sorted(both) == sorted(f"k{n}" for n in range(40))
    assert len(set(both)) == 40
