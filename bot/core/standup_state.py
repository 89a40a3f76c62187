"""What a stand-up row holds as the service hands it out, and the row's state transitions, each written once."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Any

from bot.core.points import STANDUP_DAILY_CAP
from bot.core.standup_schedule import stored_days
from bot.core.timeutil import parse_hhmm
from bot.db.models import Standup
from bot.db.send_claims import Claim


@dataclass(frozen=True)
class StandupSettings:
    every: int
    start: time
    end: time
    days: tuple[str, ...]
    timezone: str
    enabled: bool
    dm_blocked: bool
    paused_until: datetime | None
    skip_date: date | None
    snoozed: bool
    next_due_at: datetime | None


@dataclass(frozen=True)
class StandupStatus:
    settings: StandupSettings | None
    next_due_at: datetime | None
    paused: bool
    skipped_today: bool
    today: int
    week: int
    daily_cap: int = STANDUP_DAILY_CAP


@dataclass(frozen=True)
class SnoozeResult:
    """``snoozed`` is False when the snooze would land after the window or after the next grid slot."""

    snoozed: bool
    next_due_at: datetime | None


@dataclass(slots=True)
class DueReminder:
    """One reminder claimed by the tick: everything the sender needs, no database row."""

    standup_id: int
    member_id: int
    guild_id: int
    user_id: int
    channel_id: int | None
    due_at: datetime
    every: int
    timezone: str
    snoozed: bool
    next_due_at: datetime
    # Its send-once claim (kind ``standup``, the reminder's due slot as the period).
    claim: Claim
    # The member's stored Discord locale, then the club's language: the DM's language (bot.i18n).
    locale: str | None = None
    club_language: str | None = None

    @property
    def nonce(self) -> str:
        """The claim's nonce: the same for every attempt of this reminder (Discord drops a repeat)."""
        return self.claim.nonce


def slot_key(due_at: datetime) -> str:
    """A reminder's claim period: its due instant in UTC, to the second (``2026-11-18T11:59:00``)."""
    if due_at.tzinfo is not UTC:
        due_at = due_at.astimezone(UTC)
    # isoformat is several times faster than strftime, and a tick builds a key per reminder.
    return due_at.isoformat(timespec="seconds")[:19]


def slot_of(key: str) -> datetime:
    return datetime.strptime(key, "%Y-%m-%dT%H:%M:%S").replace(tzinfo=UTC)


def settings_of(row: Standup) -> StandupSettings:
    return StandupSettings(
        every=row.every_minutes,
        start=parse_hhmm(row.window_start),
        end=parse_hhmm(row.window_end),
        days=stored_days(row.days),
        timezone=row.timezone,
        enabled=row.enabled,
        dm_blocked=row.dm_blocked,
        paused_until=row.paused_until,
        skip_date=row.skip_date,
        snoozed=row.snoozed,
        next_due_at=row.next_due_at,
    )


# -- the row's state transitions, each written once ---------------------------------------------


def on_grid(nxt: datetime) -> dict[str, Any]:
    """Back on the series' grid at ``nxt``: no snooze pending."""
    return {"snoozed": False, "next_slot_at": nxt, "next_due_at": nxt}


def snoozed_until(at: datetime) -> dict[str, Any]:
    """One extra reminder at ``at``; the grid slot (``next_slot_at``) stays where it was."""
    return {"snoozed": True, "next_due_at": at}


# Off (by the member, or because they left): nothing due; the settings are kept for next time.
STOPPED: dict[str, Any] = {"enabled": False, "snoozed": False, "next_slot_at": None, "next_due_at": None}
# DMs closed: nothing due until /standup on again.
DM_BLOCKED: dict[str, Any] = {"dm_blocked": True, "snoozed": False, "next_due_at": None}


def change(row: Standup, now: datetime, values: dict[str, Any]) -> None:
    for key, value in values.items():
        setattr(row, key, value)
    row.updated_at = now
