"""The one send-once table (``send_claim``): claim, take again after a lease or at the next try, finish.

A feature keeps *what is due* on its own rows (``next_due_at``); when its tick picks due rows it calls
:func:`claim_once` in the same transaction. Only the keys whose claim row this call inserted are handed
out, each with its nonce and a lease. A claim whose process died (lease over) or that is due again
(``pending``: scheduled for later, interrupted by a shutdown) is taken again by :func:`retake`, with
its attempt count and nonce, so the sender looks for an earlier attempt before it sends again.
:func:`finish` records the outcome. See ``docs/decisions.md`` ("Send once").
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, bindparam, delete, or_, select, text, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.delivery import Outcome, Problem
from bot.db.engine import SessionFactory
from bot.db.models import SendClaim
from bot.db.types import UTCDateTime

ERROR_MAX = 500
# How long a claim is its process's: after that (the process died mid-send) the claim is taken again.
DEFAULT_LEASE = timedelta(minutes=5)

_TABLE = SendClaim.__table__  # type: ignore[attr-defined]


def new_nonce() -> str:
    """A nonce for Discord's message create (at most 25 characters): the same for every attempt of a claim."""
    return "gc-" + secrets.token_hex(11)


def new_nonces(count: int) -> list[str]:
    """``count`` nonces like :func:`new_nonce`'s, from one read of the system's random source (a tick
    claims up to a thousand at once, and a read per nonce costs more than the rest of its row)."""
    pool = secrets.token_hex(11 * count)
    return ["gc-" + pool[i : i + 22] for i in range(0, 22 * count, 22)]


@dataclass(frozen=True, slots=True)
class ClaimKey:
    subject_id: int
    period_key: str
    member_id: int | None = None
    club_id: int | None = None


@dataclass(frozen=True, slots=True)
class Claim:
    """A claim as the sender gets it."""

    id: int
    nonce: str
    # Sends tried before this claim was handed out; more than none means: look before sending again.
    attempts: int = 0
    claimed_at: datetime | None = None
    # Taken again (lease over, or due again): an earlier attempt may have reached Discord.
    retaken: bool = False


@dataclass(frozen=True, slots=True)
class Finished:
    claim_id: int
    outcome: Outcome
    attempts: int
    error: str | None = None
    problem: Problem | None = None
    message_id: int | None = None
    # For ``pending``: when to try again.
    next_try_at: datetime | None = None


# Built once per dialect and run as one executemany ("insert many values"): a statement with a VALUES list
# of its own per batch would be compiled again for every batch size.
_CLAIM = {
    name: insert(_TABLE).on_conflict_do_nothing(index_elements=["kind", "subject_id", "period_key"])
    .returning(_TABLE.c.id, _TABLE.c.subject_id, _TABLE.c.period_key, _TABLE.c.nonce)
    for name, insert in (("sqlite", sqlite_insert), ("postgresql", pg_insert))
}


def _claim_statement(session: AsyncSession) -> Any:
    return _CLAIM[session.get_bind().dialect.name]


# The claim step of a tick: one statement with one parameter per column for the whole batch (a JSON list
# on SQLite, arrays on PostgreSQL), like the stand-up advance: a tick claims up to a thousand reminders,
# and binding a thousand rows one value at a time costs more than the database's own work.
_CLAIM_COLUMNS = (
    "(kind, subject_id, period_key, member_id, club_id, status, attempts, late, nonce, claimed_at, lease_until)"
)
_CLAIM_BATCH = {
    "sqlite": text(
        f"INSERT INTO send_claim {_CLAIM_COLUMNS} "
        "SELECT :kind, json_extract(v.value, '$[0]'), json_extract(v.value, '$[1]'), json_extract(v.value, '$[2]'), "
        "json_extract(v.value, '$[3]'), 'claimed', 0, 0, json_extract(v.value, '$[4]'), :now, :lease "
        # WHERE true: without it SQLite would read ON CONFLICT as part of the SELECT's join.
        "FROM json_each(:rows) AS v WHERE true "
        "ON CONFLICT (kind, subject_id, period_key) DO NOTHING RETURNING id, subject_id, period_key, nonce"
    ),
    "postgresql": text(
        f"INSERT INTO send_claim {_CLAIM_COLUMNS} "
        "SELECT :kind, v.s, v.p, v.m, v.c, 'claimed', 0, false, v.n, :now, :lease "
        "FROM unnest(CAST(:subjects AS bigint[]), CAST(:periods AS varchar[]), CAST(:members AS integer[]), "
        "CAST(:clubs AS integer[]), CAST(:nonces AS varchar[])) AS v(s, p, m, c, n) "
        "ON CONFLICT (kind, subject_id, period_key) DO NOTHING RETURNING id, subject_id, period_key, nonce"
    ),
}
_CLAIM_BATCH = {
    name: statement.bindparams(bindparam("now", type_=UTCDateTime()), bindparam("lease", type_=UTCDateTime()))
    for name, statement in _CLAIM_BATCH.items()
}


async def claim_once(
    session: AsyncSession, kind: str, keys: Sequence[ClaimKey], now: datetime, lease: timedelta = DEFAULT_LEASE
) -> dict[tuple[int, str], Claim]:
    """Insert claim rows for ``keys``; return ``{(subject_id, period_key): Claim}`` for those won.

    ``INSERT … ON CONFLICT DO NOTHING RETURNING`` on both backends, one statement for the batch: a key that
    already has a claim row returns nothing, so no exception and no savepoint per row. The caller commits.
    """
    if not keys:
        return {}
    unique = list({(k.subject_id, k.period_key): k for k in keys}.values())
    nonces = new_nonces(len(unique))
    dialect = session.get_bind().dialect.name
    params: dict[str, Any] = {"kind": kind, "now": now, "lease": now + lease}
    if dialect == "postgresql":
        params.update(subjects=[k.subject_id for k in unique], periods=[k.period_key for k in unique],
                      members=[k.member_id for k in unique], clubs=[k.club_id for k in unique], nonces=nonces)
    else:
        params["rows"] = json.dumps(
            [[k.subject_id, k.period_key, k.member_id, k.club_id, n] for k, n in zip(unique, nonces, strict=True)]
        )
    won = await session.execute(_CLAIM_BATCH[dialect], params)
    return {(subject, period): Claim(claim_id, nonce, 0, now) for claim_id, subject, period, nonce in won}


async def schedule(session: AsyncSession, kind: str, keys: Sequence[ClaimKey], due: datetime) -> int:
    """Add ``pending`` claims due at ``due`` (a change to make as soon as possible); an existing key is kept.
    Returns how many were added. The caller commits."""
    if not keys:
        return 0
    rows = [
        {"kind": kind, "subject_id": k.subject_id, "period_key": k.period_key, "member_id": k.member_id,
         "club_id": k.club_id, "status": Outcome.PENDING.value, "attempts": 0, "late": False,
         "nonce": new_nonce(), "claimed_at": due, "next_try_at": due}
        for k in {(k.subject_id, k.period_key): k for k in keys}.values()
    ]
    return len((await session.execute(_claim_statement(session), rows)).all())


async def skip(session: AsyncSession, kind: str, keys: Sequence[ClaimKey], now: datetime, reason: str) -> None:
    """Record ``keys`` as ``skipped`` (too late to be worth sending) in one statement; an existing key is kept.
    The caller commits."""
    if not keys:
        return
    rows = [
        {"kind": kind, "subject_id": k.subject_id, "period_key": k.period_key, "member_id": k.member_id,
         "club_id": k.club_id, "status": Outcome.SKIPPED.value, "attempts": 0, "late": True,
         "nonce": None, "claimed_at": now, "error": reason, "finished_at": now}
        for k in {(k.subject_id, k.period_key): k for k in keys}.values()
    ]
    await session.execute(_claim_statement(session), rows)


async def prune(sessions: SessionFactory, kind: str, before: datetime) -> int:
    """Delete this kind's finished claims (failed, skipped, fallback) finished before ``before``."""
    async with sessions() as session:
        result = await session.execute(
            delete(SendClaim).where(
                SendClaim.kind == kind,
                SendClaim.status.in_([Outcome.FAILED.value, Outcome.SKIPPED.value,  # type: ignore[attr-defined]
                                      Outcome.FALLBACK.value]),
                SendClaim.finished_at < before,  # type: ignore[operator]
            )
        )
        await session.commit()
        return int(result.rowcount or 0)  # type: ignore[attr-defined]


def due_again(now: datetime) -> Any:
    """Claims to take again at ``now``: pending at their next try, or claimed past their lease."""
    return or_(
        and_(SendClaim.status == Outcome.PENDING.value, SendClaim.next_try_at <= now),
        and_(SendClaim.status == Outcome.CLAIMED.value, SendClaim.lease_until <= now),
    )


def _retakable(kind: str, now: datetime) -> Any:
    return and_(SendClaim.kind == kind, due_again(now))


async def retake(
    session: AsyncSession, kind: str, now: datetime, limit: int, lease: timedelta = DEFAULT_LEASE
) -> list[tuple[SendClaim, Claim]]:
    """Claim again this kind's rows that are due again or whose lease ran out. The caller commits."""
    rows = list((await session.execute(
        select(SendClaim).where(_retakable(kind, now)).order_by(SendClaim.id).limit(limit)
        .with_for_update(skip_locked=True)
    )).scalars())
    if not rows:
        return []
    before = {row.id: (row.status, row.attempts) for row in rows}
    await session.execute(
        update(SendClaim).where(SendClaim.id.in_([r.id for r in rows]))  # type: ignore[union-attr]
        .values(status=Outcome.CLAIMED.value, lease_until=now + lease, next_try_at=None)
    )
    taken = []
    for row in rows:
        assert row.id is not None
        nonce = row.nonce or new_nonce()
        # A lease that ran out, or an attempt before: look first. Never tried (a scheduled change): no need.
        status, attempts = before[row.id]
        retaken = status == Outcome.CLAIMED.value or attempts > 0
        taken.append((row, Claim(row.id, nonce, attempts, row.claimed_at, retaken=retaken)))
    return taken


async def has_retake(session: AsyncSession, kind: str, now: datetime) -> bool:
    found = await session.execute(select(SendClaim.id).where(_retakable(kind, now)).limit(1))
    return found.first() is not None


_FINISH = (
    update(_TABLE)
    .where(_TABLE.c.id == bindparam("b_id"), _TABLE.c.status == Outcome.CLAIMED.value)
    .values(status=bindparam("b_status"), attempts=bindparam("b_attempts"), error=bindparam("b_error"),
            problem=bindparam("b_problem"), message_id=bindparam("b_message"), next_try_at=bindparam("b_next"),
            finished_at=bindparam("b_finished"), lease_until=None)
)


# Sent claims of a kind that does not keep them: one statement for the batch (ids as one JSON or array value).
_FORGET = {
    "sqlite": text("DELETE FROM send_claim WHERE status = 'claimed' AND id IN (SELECT value FROM json_each(:ids))"),
    "postgresql": text("DELETE FROM send_claim WHERE status = 'claimed' AND id = ANY(CAST(:ids AS integer[]))"),
}


_NO_FLUSH_WAIT = text("SET LOCAL synchronous_commit TO OFF")


async def finish(
    sessions: SessionFactory, finished: Sequence[Finished], now: datetime, *, keep_sent: bool = True
) -> None:
    """Record each claim's outcome (one executemany). Only a claim still held is updated. With
    ``keep_sent=False`` a claim settled as sent is deleted instead: its feature's row has moved on already,
    so nothing can claim it again, and a kind sent many times a day does not grow the table."""
    if not finished:
        return
    gone = [] if keep_sent else [f.claim_id for f in finished if f.outcome is Outcome.SENT]
    if gone:
        finished = [f for f in finished if f.outcome is not Outcome.SENT]
    params = [
        {"b_id": f.claim_id, "b_status": f.outcome.value, "b_attempts": f.attempts,
         "b_error": (f.error or None) and f.error[:ERROR_MAX], "b_problem": f.problem.value if f.problem else None,
         "b_message": f.message_id, "b_next": f.next_try_at,
         "b_finished": now if f.outcome.finished else None}
        for f in finished
    ]
    async with sessions() as session:
        if gone:
            dialect = session.get_bind().dialect.name
            if dialect == "postgresql" and not params:
                # Only sent claims to delete: the commit need not wait for its flush to disk. Should the server
                # lose it in a crash, the claims are still "claimed": after the lease they are taken again, the
                # look for the earlier attempt finds each message by its nonce, and it is recorded sent, not
                # sent again. (Outcomes that count attempts or failures are committed as usual.)
                await session.execute(_NO_FLUSH_WAIT)
            await session.execute(_FORGET[dialect], {"ids": gone if dialect == "postgresql" else json.dumps(gone)})
        if params:
            await session.execute(_FINISH, params)
        await session.commit()


async def block_dms_once(
    sessions: SessionFactory, model: Any, row_id: int, now: datetime, **also: Any
) -> bool:
    """Mark a DM-driven row (``dm_blocked``, ``next_due_at``) as unreachable; True only the first time."""
    async with sessions() as session:
        result = await session.execute(
            update(model)
            .where(model.id == row_id, model.dm_blocked.is_(False))
            .values(dm_blocked=True, next_due_at=None, updated_at=now, **also)
        )
        await session.commit()
        return bool(result.rowcount)  # type: ignore[attr-defined]
