"""Re-test reminders: after a weak self-test result, one DM four weeks later to repeat the test.

One row per member and test holds the reminder's due instant (NULL once sent). The tick claims
due rows (``FOR UPDATE SKIP LOCKED`` / ``BEGIN IMMEDIATE``), clears their due time and inserts a
``send_claim`` row in the same transaction, so a reminder goes out once across restarts and
processes; one missed while the bot was down goes out when it is back.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, select, update
from sqlalchemy.exc import IntegrityError

from bot.core.clock import Clock
from bot.core.errors import NotFound, quoted
from bot.core.members import Who, ensure_club_and_member
from bot.db.engine import SessionFactory
from bot.db.models import Club, Member, RetestReminder, SendClaim
from bot.db.send_claims import Claim, ClaimKey, block_dms_once, claim_once
from bot.i18n import N_

KIND = "retest"
RETEST_AFTER = timedelta(weeks=4)
CLAIM_BATCH = 500


@dataclass(frozen=True)
class Scheduled:
    due_at: datetime
    already: bool  # the reminder was set before; nothing changed


@dataclass(slots=True)
class DueRetest:
    claim: Claim
    reminder_id: int
    guild_id: int
    user_id: int
    channel_id: int | None
    test_slug: str
    # The member's stored Discord locale, then the club's language: the DM's language (bot.i18n).
    locale: str | None = None
    club_language: str | None = None


@dataclass(frozen=True)
class Change:
    """Two results of one test and side, older first."""

    test_name: str
    side: str
    before: str
    after: str
    side_word: str = "side"  # how the test names its side: "leg standing", "leg lifted"


def changes(entries: list[Any]) -> list[Change]:
    """Per test and side, the previous result and the newest one (entries newest first)."""
    newest: dict[tuple[str, str], Any] = {}
    found: list[Change] = []
    for entry in entries:
        key = (entry.test_name, entry.side)
        if key not in newest:
            newest[key] = entry
        elif newest[key] is not None:
            latest = newest[key]
            found.append(Change(entry.test_name, entry.side, entry.outcome_label, latest.outcome_label,
                                getattr(entry, "side_word", None) or "side"))
            newest[key] = None  # one pair per test and side
    return found


_retest = RetestReminder.__table__  # type: ignore[attr-defined]
_SENT = (
    update(_retest)
    .where(_retest.c.id.in_(bindparam("b_ids", expanding=True)))
    .values(next_due_at=None, updated_at=bindparam("b_now"))
)


def due_query(now: datetime, limit: int) -> Any:
    return (
        select(RetestReminder.id, RetestReminder.member_id, RetestReminder.test_slug, RetestReminder.next_due_at)
        .where(RetestReminder.next_due_at <= now, RetestReminder.dm_blocked.is_(False))
        .order_by(RetestReminder.next_due_at)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )


class RetestService:
    def __init__(self, sessions: SessionFactory, clock: Clock, test_names: Mapping[str, str]) -> None:
        self._sessions = sessions
        self._clock = clock
        self._names = test_names

    async def remind_later(self, who: Who, slug: str) -> Scheduled:
        """Set a reminder four weeks from now; a reminder already pending for this test stays as it is."""
        if slug not in self._names:
            raise NotFound(N_("There is no self-test called {name}."), name=quoted(slug))
        now = self._clock.now()
        async with self._sessions() as session:
            club, member = await ensure_club_and_member(session, who, now)
            assert club.id is not None
            assert member.id is not None
            row = (
                await session.execute(
                    select(RetestReminder)
                    .where(RetestReminder.member_id == member.id, RetestReminder.test_slug == slug)
                    .with_for_update()
                )
            ).scalar_one_or_none()
            if row is not None and row.next_due_at is not None and not row.dm_blocked:
                await session.commit()
                return Scheduled(row.next_due_at, already=True)
            if row is None:
                try:
                    async with session.begin_nested():
                        row = RetestReminder(member_id=member.id, club_id=club.id, test_slug=slug,
                                             created_at=now, updated_at=now)
                        session.add(row)
                except IntegrityError:
                    await session.commit()
                    return await self.remind_later(who, slug)
            row.next_due_at = now + RETEST_AFTER
            row.dm_blocked = False
            row.updated_at = now
            session.add(row)
            await session.commit()
            return Scheduled(row.next_due_at, already=False)

    async def claim_due(self, now: datetime | None = None, limit: int = CLAIM_BATCH) -> list[DueRetest]:
        now = now or self._clock.now()
        async with self._sessions() as session:
            rows = (await session.execute(due_query(now, limit))).all()
            if not rows:
                await session.commit()
                return []
            people = await _people(session, [r.member_id for r in rows])
            # Members who left, and tests no longer in the content, get nothing; their rows are cleared too.
            wanted = [
                r for r in rows
                if r.member_id in people and people[r.member_id][1] is None and r.test_slug in self._names
            ]
            won = await claim_once(
                session, KIND, [ClaimKey(r.id, f"d{r.next_due_at.date().isoformat()}", r.member_id) for r in wanted],
                now,
            )
            due = []
            for r in wanted:
                claim = won.get((r.id, f"d{r.next_due_at.date().isoformat()}"))
                if claim is None:
                    continue
                user_id, _left, guild_id, channel_id, locale, club_language = people[r.member_id]
                due.append(DueRetest(claim, r.id, guild_id, user_id, channel_id, r.test_slug, locale, club_language))
            await session.execute(_SENT, {"b_ids": [r.id for r in rows], "b_now": now})
            await session.commit()
        return due

    async def has_due(self, now: datetime | None = None) -> bool:
        now = now or self._clock.now()
        async with self._sessions() as session:
            return (await session.execute(due_query(now, 1))).first() is not None

    async def rebuild(self, claims: Sequence[tuple[SendClaim, Claim]]) -> list[DueRetest]:
        """The reminders of claims taken again (a crash or a shutdown cut their send short)."""
        due = []
        async with self._sessions() as session:
            for row, claim in claims:
                reminder = await session.get(RetestReminder, row.subject_id)
                if reminder is None or reminder.test_slug not in self._names:
                    continue
                person = (await _people(session, [reminder.member_id])).get(reminder.member_id)
                if person is None or person[1] is not None:
                    continue  # gone from the server: nothing to remind
                user_id, _left, guild_id, channel_id, locale, club_language = person
                assert reminder.id is not None
                due.append(DueRetest(claim, reminder.id, guild_id, user_id, channel_id, reminder.test_slug,
                                     locale, club_language))
            await session.commit()
        return due

    async def mark_dm_blocked(self, reminder_id: int) -> bool:
        return await block_dms_once(self._sessions, RetestReminder, reminder_id, self._clock.now())


async def _people(session: Any, member_ids: Sequence[int]) -> dict[int, list[Any]]:
    """user id, left at, guild id, channel id, locale and club language of each member."""
    return {
        m_id: rest
        for m_id, *rest in await session.execute(
            select(Member.id, Member.user_id, Member.left_at, Club.guild_id, Club.channel_id, Member.locale,
                   Club.language)
            .join(Club, Club.id == Member.club_id)
            .where(Member.id.in_(sorted(set(member_ids))))
        )
    }
