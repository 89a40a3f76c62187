"""Each shard process paces bulk sends at its share of the token's global budget."""

from __future__ import annotations

import asyncio
import contextlib
from itertools import pairwise

from bot.pacing import TOKEN_BULK_PER_SECOND, Pacer, bulk_pacer, process_share


def test_one_process_gets_the_whole_budget() -> None:
    assert process_share(None, None) == 1.0
    assert process_share(4, None) == 1.0  # SHARD_COUNT without SHARD_IDS: this process runs them all


def test_shard_processes_split_the_budget_by_their_shards() -> None:
    shares = [process_share(4, [0]), process_share(4, [1, 2]), process_share(4, [3])]
    assert shares == [0.25, 0.5, 0.25]
    assert sum(shares) == 1.0
    pacers = [bulk_pacer(4, [0, 1]), bulk_pacer(4, [2, 3])]
    assert abs(sum(1 / p.interval for p in pacers) - TOKEN_BULK_PER_SECOND) < 1e-9


class FakeTime:
    """A clock that moves only when the pacer sleeps (or the test says the loop was busy)."""

    def __init__(self) -> None:
        self.now = 100.0

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += seconds


def most_within(times: list[float], seconds: float) -> int:
    """The most sends in any window of ``seconds`` (half-open, as Discord's windows are)."""
    return max(sum(1 for t in times if start <= t < start + seconds - 1e-9) for start in times)


async def test_sends_keep_the_one_token_bucket_bound() -> None:
    fake = FakeTime()
    pacer = Pacer(per_second=49, clock=fake.clock, sleep=fake.sleep)
    times = []
    for n in range(500):
        await pacer.wait()
        times.append(fake.now)
        if n % 7 == 0:
            fake.now += 0.013  # the loop was busy: this sender came back late
    # Discord's one-second window never sees more than 50 (its limit), and 51 in a row take 50/49 s at least.
    assert most_within(times, 1.0) <= 50
    assert most_within(times, 50 / 49) <= 50
    # Over the run the pacer keeps the rate: late starts do not add up to lost slots.
    assert times[-1] - times[0] <= (len(times) - 1) / 49 + 1e-9


async def test_a_late_sender_gets_its_slot_back() -> None:
    fake = FakeTime()
    pacer = Pacer(per_second=10, clock=fake.clock, sleep=fake.sleep)
    times = []
    for n in range(30):
        await pacer.wait()
        times.append(fake.now)
        if n == 12:
            fake.now += 0.35  # three and a half intervals lost to a busy loop
    # 30 sends at 10/s take 2.9 s on an idle loop; the 0.35 s stall is made up in the next sends.
    assert times[-1] - times[0] <= 2.9 + 1e-9
    assert most_within(times, 1.1) <= 11
    assert min(b - a for a, b in pairwise(times)) >= 0.05 - 1e-9  # never closer than half an interval


async def test_a_token_share_below_one_per_second_still_paces() -> None:
    fake = FakeTime()
    pacer = Pacer(per_second=0.5, clock=fake.clock, sleep=fake.sleep)
    times = []
    for _ in range(4):
        await pacer.wait()
        times.append(fake.now)
    assert [round(b - a, 6) for a, b in pairwise(times)] == [2.0, 2.0, 2.0]


async def test_a_send_waits_while_too_many_earlier_ones_may_still_count_at_the_server() -> None:
    """Answers that come late (a busy loop, a slow network) hold the next send back: Discord counts a request
    somewhere between its start and its answer, so no second of Discord's sees more than ``limit``."""
    fake = FakeTime()
    pacer = Pacer(per_second=10, spacing=0, clock=fake.clock, sleep=fake.sleep)
    assert pacer.limit == 11
    async with contextlib.AsyncExitStack() as stack:
        slots = []
        for _ in range(11):  # all start at once (the rate allows 11 in a row), none answered yet
            slot = contextlib.AsyncExitStack()
            await slot.enter_async_context(pacer.slot())
            slots.append(slot)
            stack.push_async_callback(slot.aclose)
        started: list[float] = []

        async def twelfth() -> None:
            async with pacer.slot():
                started.append(fake.now)

        task = asyncio.create_task(twelfth())
        for _ in range(5):
            await asyncio.sleep(0)
        assert started == []  # the rate alone would allow it at 101.1; eleven are still unanswered
        fake.now = 100.5
        await slots[0].aclose()  # one answer, half a second after its start
        await task
    # It waited until that answer was a second old, not merely for the rate.
    assert started == [101.5]


async def test_bounded_cache_pacer_recent_sends_stay_bounded_behind_a_send_that_never_answers() -> None:
    """A send still waiting for its answer (a hung request) does not keep every later send in memory."""
    fake = FakeTime()
    pacer = Pacer(per_second=49, clock=fake.clock, sleep=fake.sleep)
    async with contextlib.AsyncExitStack() as stuck:
        await stuck.enter_async_context(pacer.slot())  # started, never answered while the rest go out
        for _ in range(2000):
            async with pacer.slot():
                pass
        assert len(pacer._recent) <= pacer.limit
    # The hung send still counted while it waited: the rest kept under the limit with it.
    assert fake.now - 100.0 >= 2000 / 49 - 1
