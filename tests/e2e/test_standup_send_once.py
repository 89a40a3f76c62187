"""Stand-up reminders on the send-once claim table, end to end through the fake Discord, on SQLite and
PostgreSQL: a DM cut off by a stop goes out once after the restart, an ambiguous failure is looked for in the
DM history before anything is sent again, a transient failure is tried again later, a reminder more than one
interval late is recorded skipped, and the table keeps only what is worth keeping (sent claims deleted,
failed and skipped ones kept a week, then pruned by the hourly job)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from bot.db.engine import make_engine, make_session_factory
from bot.db.models import SendClaim
from tests.e2e.conftest import Club, custom_ids, new_club
from tests.e2e.test_send_once_defects import held_then_stopped
from tests.fakediscord import FakeDiscord

# Wednesday 18 November 2026; London is on UTC. Reminders every 45 minutes from 09:00: the first at 09:45.
MORNING = datetime(2026, 11, 18, 8, 0, tzinfo=UTC)
FIRST = datetime(2026, 11, 18, 9, 45, tzinfo=UTC)


@pytest.fixture
async def club(fake: FakeDiscord, db_url: str) -> AsyncIterator[Club]:
    setup = new_club(fake, db_url, send_retry_delays=(0.05, 0.05), shutdown_grace_seconds=0.3)
    await setup.start()
    setup.clock.set(MORNING)
    reply = await setup.slash(setup.runner, "standup on", every=45, start="09:00", end="17:30", days="mon-fri",
                              timezone="Europe/London")
    assert reply["flags"] & 64
    yield setup
    if setup.bot is not None:
        await setup.stop()
    await asyncio.sleep(0)


def dm_messages_path(club: Club) -> str:
    return rf"^/channels/{club.fake.dm_channel_id(club.runner.id)}/messages$"


async def standup_claims(club: Club) -> list[SendClaim]:
    engine = make_engine(club.settings.db_url)
    try:
        async with make_session_factory(engine)() as session:
            query = select(SendClaim).where(SendClaim.kind == "standup").order_by(SendClaim.id)
            return list((await session.execute(query)).scalars())
    finally:
        await engine.dispose()


async def run(club: Club) -> int:
    assert club.bot is not None
    return await club.bot.due.run("standup")


def reminders(club: Club) -> list[str]:
    return [m["content"] for m in club.fake.dm_messages(club.runner.id)]


async def test_a_standup_dm_cut_off_by_a_stop_goes_out_once_after_the_restart(club: Club) -> None:
    club.clock.set(FIRST + timedelta(seconds=5))
    held = club.fake.hold("POST", dm_messages_path(club), seconds=60)
    await held_then_stopped(club, held)
    [claim] = await standup_claims(club)
    assert (claim.status, claim.period_key) == ("pending", "2026-11-18T09:45:00"), "due again at once"
    await club.start()
    assert await run(club) == 1
    assert await run(club) == 0
    [dm] = club.fake.dm_messages(club.runner.id)
    assert len(custom_ids(dm)) == 3, "the reminder with its buttons, once"
    assert await standup_claims(club) == [], "a sent claim is deleted"


async def test_an_ambiguous_failure_then_the_dm_found_in_the_history_is_not_sent_again(club: Club) -> None:
    club.clock.set(FIRST + timedelta(seconds=5))
    # The DM is created, then the connection drops before the answer: the bot cannot know.
    dropped = club.fake.drop("POST", dm_messages_path(club), after=True)
    assert await run(club) == 0
    assert dropped.hits == 1
    [claim] = await standup_claims(club)
    assert (claim.status, claim.attempts) == ("pending", 1)
    assert claim.next_try_at is not None
    assert claim.next_try_at > club.clock.now()
    assert await run(club) == 0, "not before its next try"
    club.clock.set(claim.next_try_at)
    sends = len([c for c in club.fake.calls if c.method == "POST" and c.path.endswith("/messages")])
    assert await run(club) == 1
    assert len(reminders(club)) == 1, "found in the DM history, not sent a second time"
    assert len([c for c in club.fake.calls if c.method == "POST" and c.path.endswith("/messages")]) == sends
    assert await standup_claims(club) == []


async def test_a_transient_failure_is_sent_at_its_next_try(club: Club) -> None:
    club.clock.set(FIRST + timedelta(seconds=5))
    club.fake.drop("POST", dm_messages_path(club), after=False)
    assert await run(club) == 0
    assert reminders(club) == []
    [claim] = await standup_claims(club)
    assert claim.status == "pending"
    assert claim.next_try_at is not None
    club.clock.set(claim.next_try_at)
    assert await run(club) == 1
    assert len(reminders(club)) == 1
    assert await standup_claims(club) == []


async def test_a_reminder_one_interval_late_is_recorded_skipped(club: Club) -> None:
    # The bot was down from before 09:45 until 10:31: that reminder is useless now.
    club.clock.set(FIRST + timedelta(minutes=46))
    assert await run(club) == 0
    assert reminders(club) == []
    [claim] = await standup_claims(club)
    assert (claim.status, claim.period_key) == ("skipped", "2026-11-18T09:45:00")
    # The series carries on at its next slot.
    club.clock.set(datetime(2026, 11, 18, 11, 15, 5, tzinfo=UTC))
    assert await run(club) == 1
    assert len(reminders(club)) == 1


async def test_a_retry_that_comes_too_late_is_skipped_not_sent(club: Club) -> None:
    club.clock.set(FIRST + timedelta(seconds=5))
    club.fake.drop("POST", dm_messages_path(club), after=False)
    assert await run(club) == 0
    # The next try falls more than one interval after the reminder's slot (the bot was down meanwhile).
    club.clock.set(FIRST + timedelta(minutes=46))
    assert await run(club) == 1
    assert len(reminders(club)) == 1, "the 10:30 reminder only"
    statuses = {c.period_key: c.status for c in await standup_claims(club)}
    assert statuses["2026-11-18T09:45:00"] == "skipped"


async def test_settled_claims_are_deleted_and_failed_ones_kept_a_week_then_pruned(club: Club) -> None:
    club.clock.set(FIRST + timedelta(seconds=5))
    assert await run(club) == 1
    assert await standup_claims(club) == [], "sent: deleted at once"
    # The next reminder is refused by Discord (a lasting failure): recorded failed and kept.
    refused = club.fake.fail("POST", dm_messages_path(club), status=400,
                             json={"code": 50035, "message": "Invalid Form Body"})
    club.clock.set(FIRST + timedelta(minutes=45, seconds=5))
    assert await run(club) == 0
    assert refused.hits == 1
    [failed] = await standup_claims(club)
    assert failed.status == "failed"
    assert club.bot is not None
    prune = club.bot.scheduler.get_job("standup:prune")
    assert prune is not None, "pruned by an hourly scheduler job"
    club.clock.set(FIRST + timedelta(days=6))
    await prune.func()
    assert [c.status for c in await standup_claims(club)] == ["failed"], "kept for a week"
    club.clock.set(FIRST + timedelta(days=7, hours=1))
    await prune.func()
    assert await standup_claims(club) == []


async def test_a_retry_after_the_member_paused_is_skipped(club: Club) -> None:
    club.clock.set(FIRST + timedelta(seconds=5))
    club.fake.drop("POST", dm_messages_path(club), after=False)
    assert await run(club) == 0
    [claim] = await standup_claims(club)
    assert claim.next_try_at is not None
    reply = await club.slash(club.runner, "standup pause", **{"for": "1h"})
    assert reply["flags"] & 64
    club.clock.set(claim.next_try_at)
    assert await run(club) == 0
    assert reminders(club) == []
    assert [c.status for c in await standup_claims(club)] == ["skipped"]
