"""Each shard process paces bulk sends at its share of the token's global budget."""

from __future__ import annotations

from bot.pacing import TOKEN_BULK_PER_SECOND, bulk_pacer, process_share


def test_one_process_gets_the_whole_budget() -> None:
    assert process_share(None, None) == 1.0
    assert process_share(4, None) == 1.0  # SHARD_COUNT without SHARD_IDS: this process runs them all


def test_shard_processes_split_the_budget_by_their_shards() -> None:
    shares = [process_share(4, [0]), process_share(4, [1, 2]), process_share(4, [3])]
    assert shares == [0.25, 0.5, 0.25]
    assert sum(shares) == 1.0
    pacers = [bulk_pacer(4, [0, 1]), bulk_pacer(4, [2, 3])]
    assert abs(sum(1 / p.interval for p in pacers) - TOKEN_BULK_PER_SECOND) < 1e-9
