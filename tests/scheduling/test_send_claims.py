"""The one send-once mechanism (the ``send_claim`` table and the runner): exactly once, outcomes, retries in
the tick, leases, a stored attempt count and next try, the nonce, the look before sending again, the
closed-DM fallback, shutdown mid-batch, two processes; and the migration that moved the old tables in.
On SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import inspect, select, text

from bot.core.clock import ManualClock
from bot.core.delivery import ChannelNotice, DeliveryError, Problem
from bot.db import migrate, send_claims
from bot.db.engine import SessionFactory, make_engine, make_session_factory
from bot.db.models import SendClaim
from bot.db.send_claims import Claim, ClaimKey
from bot.scheduling.claim_source import ClaimSource
from bot.scheduling.due import DueJob, DueRunner
from tests.databases import PostgresDatabases

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
KIND = "test"
LEASE = timedelta(minutes=5)


@dataclass
class Item:
    claim: Claim
    key: int


@dataclass
class Outbox:
    """What the fake feature sent; ``fail`` holds errors to raise, one per attempt, per key."""

    sent: list[tuple[int, str]] = field(default_factory=list)
    fail: dict[int, list[BaseException]] = field(default_factory=dict)
    # Sends that reached "Discord" although the sender got an error (an ambiguous failure).
    delivered: dict[str, int] = field(default_factory=dict)
    notices: list[ChannelNotice] = field(default_factory=list)
    looked: int = 0
    hang: asyncio.Event | None = None
    waiting: list[int] = field(default_factory=list)
    all_waiting: asyncio.Event = field(default_factory=asyncio.Event)

    async def deliver(self, item: Item) -> int:
        if self.hang is not None:
            self.waiting.append(item.key)
            if len(self.waiting) == 2:
                self.all_waiting.set()
            await self.hang.wait()
        errors = self.fail.get(item.key)
        if errors:
            error = errors.pop(0)
            if isinstance(error, DeliveryError) and error.maybe_delivered:
                self.delivered[item.claim.nonce] = 9000 + item.key
            raise error
        self.sent.append((item.key, item.claim.nonce))
        self.delivered[item.claim.nonce] = 9000 + item.key
        return 9000 + item.key

    async def find(self, item: Item) -> int | None:
        self.looked += 1
        return self.delivered.get(item.claim.nonce)

    async def notice(self, notice: ChannelNotice) -> None:
        self.notices.append(notice)


@dataclass
class Env:
    sessions: SessionFactory
    clock: ManualClock
    outbox: Outbox
    # The feature's own "rows": keys due now.
    due: list[int] = field(default_factory=list)
    blocked: set[int] = field(default_factory=set)

    def runner(self, sessions: SessionFactory | None = None, delays: Sequence[float] = (0.0, 0.0)) -> DueRunner:
        sessions = sessions or self.sessions

        async def claim(now: datetime, limit: int) -> list[Item]:
            keys, self.due = list(dict.fromkeys(self.due[:limit])), self.due[limit:]
            async with sessions() as session:
                won = await send_claims.claim_once(session, KIND, [ClaimKey(k, "p1") for k in keys], now, LEASE)
                await session.commit()
            return [Item(won[(k, "p1")], k) for k in keys if (k, "p1") in won]

        async def has_due(_now: datetime) -> bool:
            return bool(self.due)

        async def rebuild(claims: Sequence[tuple[SendClaim, Claim]]) -> list[Item]:
            return [Item(claim, row.subject_id) for row, claim in claims if row.subject_id >= 0]

        async def dms_closed(item: Item) -> bool:
            first = item.key not in self.blocked
            self.blocked.add(item.key)
            return first

        source = ClaimSource(KIND, claim, has_due, rebuild, dms_closed, sessions, self.clock, LEASE)
        runner = DueRunner(self.clock, notifier=self.outbox)
        runner.register(DueJob(KIND, source, self.outbox.deliver, find=self.outbox.find,
                               notice=lambda item: ChannelNotice(1, f"dm closed {item.key}", item.key),
                               retry_delays=delays))
        return runner

    async def rows(self) -> list[SendClaim]:
        async with self.sessions() as session:
            return list((await session.execute(select(SendClaim).order_by(SendClaim.subject_id))).scalars())


@pytest.fixture
async def env(db_url: str) -> AsyncIterator[Env]:
    engine = make_engine(db_url)
    yield Env(make_session_factory(engine), ManualClock(NOW), Outbox())
    await engine.dispose()


async def test_items_go_out_once_with_their_nonce_and_a_key_is_claimed_once(env: Env) -> None:
    env.due = [1, 2, 1]
    assert await env.runner().run(KIND) == 2
    rows = await env.rows()
    assert [(r.subject_id, r.status, r.attempts, r.message_id) for r in rows] == [
        (1, "sent", 1, 9001), (2, "sent", 1, 9002)]
    assert [nonce for _key, nonce in env.outbox.sent] == [r.nonce for r in rows]
    assert all(r.nonce and len(r.nonce) <= 25 for r in rows)
    env.due = [1]
    assert await env.runner().run(KIND) == 0
    assert len(env.outbox.sent) == 2


async def test_a_transient_failure_is_tried_again_and_the_attempts_are_stored(env: Env) -> None:
    env.outbox.fail[1] = [DeliveryError("429", problem=Problem.TRANSIENT)]
    env.outbox.fail[2] = [DeliveryError("503", problem=Problem.TRANSIENT)] * 3
    env.due = [1, 2]
    assert await env.runner().run(KIND) == 1
    one, two = await env.rows()
    assert (one.status, one.attempts) == ("sent", 2)
    # Still failing after the tick's retries: tried again later, after a wait that grows with the attempts.
    assert (two.status, two.attempts, two.error, two.problem) == ("pending", 3, "503", "transient")
    assert two.next_try_at == NOW + timedelta(minutes=4)


async def test_a_refusal_fails_at_once_and_a_crash_is_recorded_not_lost(env: Env) -> None:
    env.outbox.fail[1] = [DeliveryError("refused", problem=Problem.REFUSED)]
    env.outbox.fail[2] = [RuntimeError("bug")]
    env.due = [1, 2, 3]
    assert await env.runner().run(KIND) == 1
    one, two, three = await env.rows()
    assert (one.status, one.attempts, one.problem) == ("failed", 1, "refused")
    assert (two.status, two.problem) == ("failed", "internal")
    assert three.status == "sent"


async def test_closed_dms_fall_back_to_the_channel_once(env: Env) -> None:
    env.outbox.fail[1] = [DeliveryError("closed", problem=Problem.DMS_CLOSED)] * 2
    env.due = [1]
    await env.runner().run(KIND)
    [row] = await env.rows()
    assert row.status == "fallback"
    assert [n.text for n in env.outbox.notices] == ["dm closed 1"]


async def test_an_ambiguous_failure_is_looked_for_before_sending_again(env: Env) -> None:
    env.outbox.fail[1] = [DeliveryError("dropped", problem=Problem.TRANSIENT, maybe_delivered=True)]
    env.due = [1]
    assert await env.runner().run(KIND) == 1
    [row] = await env.rows()
    assert (row.status, row.message_id, row.attempts) == ("sent", 9001, 1)
    assert env.outbox.sent == [], "found, not sent a second time"
    assert env.outbox.looked == 1


async def test_a_claim_whose_process_died_is_taken_again_after_the_lease(env: Env) -> None:
    async with env.sessions() as session:
        [claim] = (await send_claims.claim_once(session, KIND, [ClaimKey(1, "p1")], NOW, LEASE)).values()
        await session.commit()
    # The dead process had sent it: the new claim finds it by its nonce and does not send it again.
    env.outbox.delivered[claim.nonce] = 9001
    runner = env.runner()
    env.clock.set(NOW + LEASE - timedelta(seconds=1))
    assert await runner.run(KIND) == 0
    assert env.outbox.looked == 0, "a live claim is left alone"
    env.clock.set(NOW + LEASE)
    assert await runner.run(KIND) == 1
    [row] = await env.rows()
    assert (row.status, row.message_id) == ("sent", 9001)
    assert env.outbox.sent == []


async def test_stopping_mid_batch_leaves_the_items_due_again_and_a_restart_sends_them(env: Env) -> None:
    env.outbox.hang = asyncio.Event()
    env.due = [1, 2]
    runner = env.runner()
    tick = asyncio.create_task(runner.tick())
    await env.outbox.all_waiting.wait()
    await runner.stop(timeout=0.01)
    assert tick.done()
    rows = await env.rows()
    assert {(r.status, r.error) for r in rows} == {("pending", "interrupted by shutdown")}
    assert all(r.next_try_at == NOW for r in rows)
    # A new process after the restart: the stored claims go out, each looked for first.
    env.outbox.hang = None
    assert await env.runner().run(KIND) == 2
    assert [r.status for r in await env.rows()] == ["sent", "sent"]
    assert env.outbox.looked == 2


async def test_a_scheduled_change_waits_for_its_next_try(env: Env) -> None:
    async with env.sessions() as session:
        assert await send_claims.schedule(session, KIND, [ClaimKey(5, "p1")], NOW + timedelta(minutes=1)) == 1
        assert await send_claims.schedule(session, KIND, [ClaimKey(5, "p1")], NOW) == 0
        await session.commit()
    assert await env.runner().run(KIND) == 0
    env.clock.advance(timedelta(minutes=1))
    assert await env.runner().run(KIND) == 1
    assert env.outbox.looked == 0, "never tried before: nothing to look for"


async def test_a_claim_no_longer_due_is_recorded_skipped(env: Env) -> None:
    async with env.sessions() as session:
        await send_claims.schedule(session, KIND, [ClaimKey(-1, "p1")], NOW)
        await session.commit()
    assert await env.runner().run(KIND) == 0
    [row] = await env.rows()
    assert (row.status, row.error) == ("skipped", "no longer due")


async def test_two_processes_never_claim_the_same_item(db_url: str, env: Env) -> None:
    other_engine = make_engine(db_url)
    try:
        other = make_session_factory(other_engine)
        async with env.sessions() as session:
            for key in range(20):
                await send_claims.schedule(session, KIND, [ClaimKey(key, "p1")], NOW)
            await session.commit()
        await asyncio.gather(env.runner().run(KIND), env.runner(other).run(KIND))
    finally:
        await other_engine.dispose()
    assert sorted(key for key, _nonce in env.outbox.sent) == list(range(20))


# -- the migration that moved scheduled_run and due_claim in -------------------------------------------


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def empty_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'old.db'}"
        return
    databases: PostgresDatabases = request.getfixturevalue("postgres_databases")
    url = databases.empty()
    yield url
    databases.drop(url)


async def test_migration_moves_posts_and_claims_into_the_one_table(empty_url: str) -> None:
    await migrate.upgrade_async(empty_url, "0012")
    engine = make_engine(empty_url)
    try:
        async with engine.begin() as conn:
            await conn.execute(text(
                "INSERT INTO club (id, guild_id, timezone, week_start, post_day, post_time, leaderboard_day, "
                "leaderboard_time, routine_slug, paused, excluded_role_ids, created_at) VALUES "
                "(1, 77, 'UTC', 'monday', 'monday', '07:00', 'monday', '08:00', 'five-minute', false, '', "
                "'2026-11-01 00:00:00+00')"
            ))
            await conn.execute(text(
                "INSERT INTO member (id, club_id, user_id, display_name, hidden, role_ids, created_at) VALUES "
                "(1, 1, 5, 'ann', false, '', '2026-11-01 00:00:00+00')"
            ))
            await conn.execute(text(
                "INSERT INTO scheduled_run (id, club_id, kind, period_key, status, attempts, late, message_id, "
                "scheduled_for, claimed_at, finished_at) VALUES (7, 1, 'routine', 'w2026-11-16', 'sent', 1, false, "
                "555, '2026-11-16 07:00:00+00', '2026-11-16 07:00:00+00', '2026-11-16 07:00:01+00')"
            ))
            await conn.execute(text(
                "INSERT INTO due_claim (kind, subject_id, period_key, member_id, status, claimed_at) VALUES "
                "('nudge', 1, 'w2026-11-16', 1, 'sent', '2026-11-22 18:00:00+00')"
            ))
            await conn.execute(text(
                "INSERT INTO winner_role (id, club_id, role_id, winners, updated_at) VALUES "
                "(1, 1, 888, 1, '2026-11-01 00:00:00+00')"
            ))
            await conn.execute(text(
                "INSERT INTO winner_holder (club_id, member_id, period_key, granted_at) VALUES "
                "(1, 1, 'w2026-11-16', '2026-11-23 08:00:00+00')"
            ))
        await engine.dispose()
        await migrate.upgrade_async(empty_url)
        sessions = make_session_factory(engine)
        async with sessions() as session:
            rows = list((await session.execute(select(SendClaim).order_by(SendClaim.id))).scalars())
            tables = await (await session.connection()).run_sync(lambda conn: inspect(conn).get_table_names())
            holder_role = (await session.execute(text("SELECT role_id FROM winner_holder"))).scalar_one()
            # New claims get fresh ids after the moved ones.
            won = await send_claims.claim_once(session, "nudge", [ClaimKey(1, "w2026-11-23", 1)], NOW)
            await session.commit()
    finally:
        await engine.dispose()
    assert [(r.id, r.kind, r.subject_id, r.club_id, r.status, r.message_id, r.nonce) for r in rows[:1]] == [
        (7, "routine", 1, 1, "sent", 555, "gc-post-7")]
    assert [(r.kind, r.subject_id, r.member_id, r.status, r.period_key) for r in rows[1:]] == [
        ("nudge", 1, 1, "sent", "w2026-11-16")]
    assert not {"scheduled_run", "due_claim", "due_work"} & set(tables)
    assert holder_role == 888
    assert next(c.id for c in won.values()) > max(r.id for r in rows if r.id is not None)
