"""Stand-up reminders against real SQLite and PostgreSQL databases: settings, snooze, pause, the tick's claim."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, update

from bot.core.checkins import CheckinService
from bot.core.clock import ManualClock
from bot.core.errors import InvalidInput, NotFound
from bot.core.keeping_at_it import keeping_at_it_export
from bot.core.members import Who
from bot.core.points import STANDUP_DAILY_CAP, Kind
from bot.core.privacy import PrivacyService
from bot.core.standups import StandupService
from bot.db.engine import SessionFactory, make_engine, make_session_factory
from bot.db.models import Checkin, Club, Member, SendClaim, Standup
from bot.i18n import Languages
from bot.render.standups import describe_days

ENGLISH = Languages().english

GUILD = 222 << 22
WED_0900 = datetime(2026, 11, 18, 9, 0, tzinfo=UTC)  # a Wednesday; the club's zone is UTC


def at(hour: int, minute: int = 0, day: int = 18) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=UTC)


@dataclass
class Env:
    sessions: SessionFactory
    clock: ManualClock
    checkins: CheckinService
    standups: StandupService

    async def row(self, n: int) -> Standup:
        async with self.sessions() as session:
            result = await session.execute(
                select(Standup).join(Member, Member.id == Standup.member_id).where(Member.user_id == uid(n))
            )
            return result.scalar_one()

    async def rows(self) -> list[Standup]:
        async with self.sessions() as session:
            return list((await session.execute(select(Standup))).scalars())

    async def claim(self, when: datetime | None = None) -> list[int]:
        """Move the clock (if asked) and run the tick's claim; returns the users reminded, sorted."""
        if when is not None:
            self.clock.set(when)
        return sorted(r.user_id for r in await self.standups.claim_due())


@pytest.fixture
async def env(db_url: str) -> AsyncIterator[Env]:
    engine = make_engine(db_url)
    sessions = make_session_factory(engine)
    clock = ManualClock(WED_0900)
    checkins = CheckinService(sessions, clock)
    yield Env(sessions, clock, checkins, StandupService(sessions, clock, checkins))
    await checkins.close()
    await engine.dispose()


def uid(n: int) -> int:
    return 5000 + n


def who(n: int, roles: tuple[int, ...] = ()) -> Who:
    return Who(guild_id=GUILD, user_id=uid(n), display_name=f"sitter{n}", role_ids=roles)


# -- settings -----------------------------------------------------------------------------------


async def test_turn_on_uses_defaults_and_the_first_reminder_is_one_interval_after_start(env: Env) -> None:
    env.clock.set(at(8, 0))
    settings = await env.standups.turn_on(who(1))
    assert (settings.every, settings.start.isoformat(), settings.end.isoformat()) == (45, "09:00:00", "17:30:00")
    assert describe_days(ENGLISH, settings.days) == "Mon–Fri"
    assert settings.timezone == "UTC"
    assert settings.next_due_at == at(9, 45)
    status = await env.standups.status(who(1))
    assert status.settings is not None
    assert status.settings.enabled
    assert status.next_due_at == at(9, 45)
    assert (status.today, status.week) == (0, 0)


async def test_the_default_zone_is_the_clubs(env: Env) -> None:
    await env.standups.turn_on(who(1))
    async with env.sessions() as session:
        await session.execute(update(Club).where(Club.guild_id == GUILD).values(timezone="America/New_York"))
        await session.commit()
    settings = await env.standups.turn_on(who(2), start="08:00", end="12:00", every=60)
    assert settings.timezone == "America/New_York"
    # 09:00 UTC is 04:00 in New York: the first reminder is 09:00 there, 14:00 UTC.
    assert settings.next_due_at == at(14, 0)


async def test_turning_on_again_keeps_options_not_given(env: Env) -> None:
    await env.standups.turn_on(
        who(1), every=60, start="08:00", end="16:00", days="mon,wed,fri", timezone="europe/berlin"
    )
    again = await env.standups.turn_on(who(1), every=30)
    assert again.every == 30
    assert again.start.isoformat() == "08:00:00"
    assert again.days == ("monday", "wednesday", "friday")
    assert again.timezone == "Europe/Berlin"
    assert len(await env.rows()) == 1


@pytest.mark.parametrize(
    "options",
    [
        {"every": 5},
        {"every": 500},
        {"start": "25:00"},
        {"end": "x" * 5000},
        {"days": "funday"},
        {"days": "mon," * 2000},
        {"timezone": "Mars/Olympus_Mons"},
        {"timezone": "Europe/London" * 500},
        {"start": "17:30", "end": "09:00"},
        {"start": "09:00", "end": "09:30", "every": 60},
    ],
)
async def test_bad_options_are_refused_and_nothing_is_stored(env: Env, options: dict[str, object]) -> None:
    with pytest.raises(InvalidInput) as info:
        await env.standups.turn_on(who(1), **options)  # type: ignore[arg-type]
    assert 0 < len(info.value.message) < 300
    assert await env.rows() == []


async def test_turn_off_stops_reminders_and_keeps_settings(env: Env) -> None:
    await env.standups.turn_on(who(1), every=60)
    assert await env.standups.turn_off(who(1))
    assert not await env.standups.turn_off(who(1))
    assert await env.claim(at(10, 0)) == []
    status = await env.standups.status(who(1))
    assert status.settings is not None
    assert not status.settings.enabled
    assert status.settings.every == 60
    assert status.next_due_at is None
    with pytest.raises(NotFound):
        await env.standups.snooze(uid(1), GUILD)


async def test_status_of_a_stranger_is_empty(env: Env) -> None:
    status = await env.standups.status(who(9))
    assert status.settings is None
    assert status.next_due_at is None


# -- the tick's claim ---------------------------------------------------------------------------


async def test_claim_sends_what_is_due_once_and_moves_each_row_on_the_grid(env: Env) -> None:
    for n in (1, 2, 3):
        await env.standups.turn_on(who(n))
    assert await env.claim(at(9, 44)) == []
    assert await env.claim(at(9, 45)) == [uid(1), uid(2), uid(3)]
    assert await env.claim() == []
    assert {r.next_due_at for r in await env.rows()} == {at(10, 30)}
    assert {r.last_reminded_at for r in await env.rows()} == {at(9, 45)}
    assert await env.claim(at(10, 30)) == [uid(1), uid(2), uid(3)]


async def test_a_due_reminder_carries_what_the_sender_needs(env: Env) -> None:
    await env.standups.turn_on(who(1))
    async with env.sessions() as session:
        await session.execute(update(Club).where(Club.guild_id == GUILD).values(channel_id=777))
        await session.commit()
    env.clock.set(at(9, 50))
    [due] = await env.standups.claim_due()
    assert (due.guild_id, due.user_id, due.channel_id) == (GUILD, uid(1), 777)
    assert due.due_at == at(9, 45)
    assert due.next_due_at == at(10, 30)
    assert due.every == 45
    assert not due.snoozed


async def test_nothing_outside_the_window_or_on_off_days(env: Env) -> None:
    await env.standups.turn_on(who(1), every=60, start="09:00", end="17:00")
    sent: list[datetime] = []
    env.clock.set(at(0, 0))
    # Walk Wednesday to Monday in five-minute ticks.
    while env.clock.now() < at(0, 0, day=23):
        if await env.standups.claim_due():
            sent.append(env.clock.now())
        env.clock.advance(timedelta(minutes=5))
    assert all(s.weekday() < 5 and 10 <= s.hour <= 17 for s in sent)
    assert sent[:8] == [at(h) for h in range(10, 18)]
    assert len(sent) == 8 * 3  # Wednesday, Thursday, Friday; nothing at the weekend
    assert (await env.row(1)).next_due_at == at(10, 0, day=23)


async def test_catch_up_after_downtime_sends_at_most_one_per_member_and_stays_on_the_grid(env: Env) -> None:
    await env.standups.turn_on(who(1), every=45)  # due 09:45
    await env.standups.turn_on(who(2), every=60)  # due 10:00
    await env.standups.turn_on(who(3), every=180)  # due 12:00
    # The bot was down from 09:00 until 12:30.
    assert await env.claim(at(12, 30)) == [uid(3)]  # 30 min late: sent; the others are hours late: skipped
    assert await env.claim() == []
    assert (await env.row(1)).next_due_at == at(12, 45)
    assert (await env.row(2)).next_due_at == at(13, 0)
    assert (await env.row(3)).next_due_at == at(15, 0)
    assert (await env.row(1)).last_reminded_at is None
    assert await env.claim(at(12, 45)) == [uid(1)]


async def test_a_clock_jump_of_three_hours_sends_nothing_stale(env: Env) -> None:
    for n in range(1, 6):
        await env.standups.turn_on(who(n))
    assert len(await env.claim(at(9, 45))) == 5
    assert await env.claim(at(12, 50)) == []  # 10:30 was missed by more than 45 minutes
    assert {r.next_due_at for r in await env.rows()} == {at(13, 30)}


async def test_claims_come_in_batches_oldest_first(env: Env) -> None:
    for n in range(1, 8):
        await env.standups.turn_on(who(n), every=20 + n)
    env.clock.set(at(9, 35))
    first = await env.standups.claim_due(limit=3)
    assert [d.user_id for d in first] == [uid(1), uid(2), uid(3)]
    assert await env.standups.has_due()
    rest = await env.standups.claim_due(limit=10)
    assert sorted(d.user_id for d in rest) == [uid(n) for n in range(4, 8)]
    assert not await env.standups.has_due()


# -- snooze, skip, pause ------------------------------------------------------------------------


async def test_snooze_moves_only_that_one_reminder(env: Env) -> None:
    await env.standups.turn_on(who(1))
    await env.standups.turn_on(who(2))
    assert await env.claim(at(9, 45)) == [uid(1), uid(2)]
    env.clock.set(at(9, 46))
    result = await env.standups.snooze(uid(1), GUILD)
    assert result.snoozed
    assert result.next_due_at == at(9, 56)
    assert (await env.row(2)).next_due_at == at(10, 30)
    assert await env.claim(at(9, 55)) == []
    env.clock.set(at(9, 56))
    [due] = await env.standups.claim_due()
    assert (due.user_id, due.snoozed) == (uid(1), True)
    # The series did not move: both are due again at 10:30.
    assert (await env.row(1)).next_due_at == at(10, 30)
    assert await env.claim(at(10, 30)) == [uid(1), uid(2)]


async def test_snooze_never_lands_outside_the_window_or_after_the_next_slot(env: Env) -> None:
    await env.standups.turn_on(who(1), every=20)
    env.clock.set(at(17, 25))
    late = await env.standups.snooze(uid(1), GUILD)  # 17:35 is after the window
    assert not late.snoozed
    await env.standups.claim_due()
    env.clock.set(at(9, 30, day=19))
    await env.standups.claim_due()  # 09:20 was due; next slot 09:40
    env.clock.set(at(9, 31, day=19))
    assert not (await env.standups.snooze(uid(1), GUILD)).snoozed  # 09:41 would be after 09:40
    assert (await env.row(1)).next_due_at == at(9, 40, day=19)


async def test_skip_today_skips_the_rest_of_the_local_day(env: Env) -> None:
    await env.standups.turn_on(who(1), timezone="America/New_York")  # 09:45 New York is 14:45 UTC
    await env.standups.turn_on(who(2))
    assert await env.claim(at(14, 45)) == [uid(1)]
    env.clock.set(at(15, 0))
    nxt = await env.standups.skip_today(uid(1), GUILD)
    assert nxt == at(14, 45, day=19)
    assert (await env.standups.status(who(1))).skipped_today
    assert (await env.row(2)).next_due_at == at(15, 0)
    reminded = set()
    while env.clock.now() < at(14, 30, day=19):
        env.clock.advance(timedelta(minutes=15))
        reminded.update(await env.claim())
    assert env.clock.now() == at(14, 30, day=19)
    assert uid(1) not in reminded
    assert uid(2) in reminded
    assert await env.claim(at(14, 45, day=19)) == [uid(1)]


@pytest.mark.parametrize(
    ("span", "until", "next_due"),
    [
        ("1h", at(11, 0), at(11, 15)),
        ("today", at(0, 0, day=19), at(9, 45, day=19)),
        ("week", at(10, 0, day=25), at(10, 30, day=25)),
    ],
)
async def test_pause(env: Env, span: str, until: datetime, next_due: datetime) -> None:
    await env.standups.turn_on(who(1))
    env.clock.set(at(10, 0))
    settings = await env.standups.pause(who(1), span)
    assert settings.paused_until == until
    assert settings.next_due_at == next_due
    status = await env.standups.status(who(1))
    assert status.paused
    assert status.next_due_at == next_due
    assert await env.claim(at(10, 30)) == []
    assert await env.claim(next_due - timedelta(seconds=1)) == []
    assert await env.claim(next_due) == [uid(1)]


async def test_pause_needs_reminders_on_and_a_known_span(env: Env) -> None:
    with pytest.raises(NotFound):
        await env.standups.pause(who(1), "1h")
    await env.standups.turn_on(who(1))
    with pytest.raises(InvalidInput):
        await env.standups.pause(who(1), "forever")


async def test_turning_on_again_ends_a_pause(env: Env) -> None:
    await env.standups.turn_on(who(1))
    await env.standups.pause(who(1), "week")
    settings = await env.standups.turn_on(who(1))
    assert settings.paused_until is None
    assert settings.next_due_at == at(9, 45)


# -- closed DMs ---------------------------------------------------------------------------------


async def test_dm_blocked_is_marked_once_and_stops_claims_until_turned_on_again(env: Env) -> None:
    await env.standups.turn_on(who(1))
    await env.standups.turn_on(who(2))
    env.clock.set(at(9, 45))
    due = {d.user_id: d for d in await env.standups.claim_due()}
    assert await env.standups.mark_dm_blocked(due[uid(1)].standup_id)
    assert not await env.standups.mark_dm_blocked(due[uid(1)].standup_id)
    status = await env.standups.status(who(1))
    assert status.settings is not None
    assert status.settings.dm_blocked
    assert status.next_due_at is None
    assert await env.claim(at(10, 30)) == [uid(2)]
    assert await env.claim(at(11, 15)) == [uid(2)]
    with pytest.raises(NotFound):
        await env.standups.snooze(uid(1), GUILD)
    await env.standups.turn_on(who(1))
    assert await env.claim(at(12, 0)) == [uid(1), uid(2)]
    # Blocked again later: the one-off notice may go out again, once.
    assert await env.standups.mark_dm_blocked(due[uid(1)].standup_id)


# -- stood up -----------------------------------------------------------------------------------


async def test_stood_up_records_a_standup_checkin_and_the_daily_cap_holds(env: Env) -> None:
    await env.standups.turn_on(who(1))
    results = [await env.standups.stood_up(who(1)) for _ in range(STANDUP_DAILY_CAP + 2)]
    assert [r.counted for r in results] == [True] * STANDUP_DAILY_CAP + [False, False]
    assert all(r.kind is Kind.STANDUP for r in results)
    status = await env.standups.status(who(1))
    assert (status.today, status.week) == (STANDUP_DAILY_CAP, STANDUP_DAILY_CAP)
    env.clock.advance(timedelta(days=1))
    assert (await env.standups.stood_up(who(1))).counted
    status = await env.standups.status(who(1))
    assert (status.today, status.week) == (1, STANDUP_DAILY_CAP + 1)


async def test_stood_up_from_a_dm_keeps_the_role_snapshot(env: Env) -> None:
    await env.standups.turn_on(who(1, roles=(42, 43)))
    await env.standups.stood_up(Who(guild_id=GUILD, user_id=uid(1), display_name="global name"))
    async with env.sessions() as session:
        member = (await session.execute(select(Member).where(Member.user_id == uid(1)))).scalar_one()
        kinds = (await session.execute(select(Checkin.kind))).scalars().all()
    assert member.role_ids == "42,43"
    assert member.display_name == "sitter1"
    assert kinds == ["standup"]


# -- privacy ------------------------------------------------------------------------------------


async def test_forget_deletes_the_reminder_settings(env: Env) -> None:
    await env.standups.turn_on(who(1))
    await env.standups.turn_on(who(2))
    await PrivacyService(env.sessions, env.clock).forget(who(1))
    assert [r.member_id for r in await env.rows()] == [(await env.row(2)).member_id]
    assert await env.claim(at(9, 45)) == [uid(2)]


async def test_forget_deletes_the_reminder_claims_the_export_shows(env: Env) -> None:
    """A stand-up claim carries no member id (it follows its series): the export still shows the member's,
    and forgetting the member deletes them with the series, kept (skipped) and open (claimed) alike."""
    await env.standups.turn_on(who(1))
    await env.standups.turn_on(who(2))
    assert await env.claim(at(9, 45)) == [uid(1), uid(2)]  # claimed, not finished yet
    assert await env.claim(at(12, 30)) == []  # the 10:30 slot two hours late: skipped, the claim kept a week

    async def claims() -> list[tuple[int, str]]:
        async with env.sessions() as session:
            rows = await session.execute(select(SendClaim.subject_id, SendClaim.status).where(
                SendClaim.kind == "standup").order_by(SendClaim.subject_id, SendClaim.period_key))
            return [(subject, status) for subject, status in rows]

    first, second = (await env.row(1)).id, (await env.row(2)).id
    assert await claims() == [(first, "claimed"), (first, "skipped"), (second, "claimed"), (second, "skipped")]
    async with env.sessions() as session:
        member = (await session.execute(select(Member).where(Member.user_id == uid(1)))).scalar_one()
        exported = (await keeping_at_it_export(session, member))["scheduled_messages"]
    assert [(c["kind"], c["subject_id"], c["status"]) for c in exported] == [
        ("standup", first, "claimed"), ("standup", first, "skipped")]
    await PrivacyService(env.sessions, env.clock).forget(who(1))
    assert await claims() == [(second, "claimed"), (second, "skipped")]


async def test_members_who_left_get_no_more_reminders(env: Env) -> None:
    await env.standups.turn_on(who(1))
    await env.standups.turn_on(who(2))
    await PrivacyService(env.sessions, env.clock).member_left(GUILD, uid(1))
    assert await env.claim(at(9, 45)) == [uid(2)]
    row = await env.row(1)
    assert not row.enabled
    assert row.next_due_at is None


# -- several processes --------------------------------------------------------------------------


async def test_concurrent_claims_from_two_processes_are_disjoint_and_complete(db_url: str) -> None:
    if db_url.startswith("sqlite"):
        pytest.skip("SKIP LOCKED is PostgreSQL's; on SQLite BEGIN IMMEDIATE serialises the claims")
    engines = [make_engine(db_url), make_engine(db_url)]
    try:
        clock = ManualClock(WED_0900)
        services = []
        for engine in engines:
            sessions = make_session_factory(engine)
            services.append(StandupService(sessions, clock, CheckinService(sessions, clock)))
        for n in range(200):
            await services[0].turn_on(who(n))
        clock.set(at(9, 45))

        # Each process takes one batch before either drains the rest, so both really claim side by side
        # (otherwise the one that connects first may take all 200 before the other starts).
        claimed_once = [asyncio.Event(), asyncio.Event()]

        async def drain(me: int) -> list[int]:
            got: list[int] = []
            while batch := await services[me].claim_due(limit=15):
                got.extend(d.standup_id for d in batch)
                claimed_once[me].set()
                await claimed_once[1 - me].wait()
            claimed_once[me].set()
            return got

        first, second = await asyncio.gather(drain(0), drain(1))
        assert first
        assert second
        assert not set(first) & set(second)
        assert len(first) + len(second) == 200
        assert not await services[0].has_due()
    finally:
        for engine in engines:
            await engine.dispose()
