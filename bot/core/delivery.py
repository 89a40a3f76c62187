"""What can become of one piece of outgoing work: the outcome vocabulary every feature records.

Plain data, no Discord: the Discord output module (:mod:`bot.delivery.discord_output`) turns discord.py
and network errors into :class:`DeliveryError`, and the services record a :class:`Delivery`.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Outcome(StrEnum):
    """The one status vocabulary of everything sent once (the ``send_claim`` rows and each delivery)."""

    PENDING = "pending"  # due (again) at its next try: scheduled, or interrupted, or a transient failure
    CLAIMED = "claimed"  # being sent by a process until its lease runs out
    SENT = "sent"
    FALLBACK = "fallback"  # DMs closed: the member was told in the club's channel instead (or nothing said)
    FAILED = "failed"  # given up, with a reason
    SKIPPED = "skipped"  # not sent on purpose (too late, nothing to say)

    @property
    def finished(self) -> bool:
        return self not in (Outcome.PENDING, Outcome.CLAIMED)


class Problem(StrEnum):
    """Why a send did not go through; decides whether it is tried again and who is told."""

    TRANSIENT = "transient"  # 429, 5xx, a dropped connection, a timeout: try again
    DMS_CLOSED = "dms_closed"  # 50007: the member does not take DMs from the bot
    CHANNEL_GONE = "channel_gone"  # 10003: the channel was deleted
    NO_ACCESS = "no_access"  # 50001/50013 or 403: the bot may not see or post there
    REFUSED = "refused"  # another 4xx: Discord rejected what was sent
    INTERNAL = "internal"  # our side: a bug, a database error while building, a shutdown

    @property
    def needs_admin(self) -> bool:
        """Problems only a server admin can fix: retrying every week changes nothing until then."""
        return self in (Problem.CHANNEL_GONE, Problem.NO_ACCESS)


class DeliveryError(Exception):
    """A send that did not go through.

    ``reason`` is for admins and logs, never for a public message. ``maybe_delivered`` is set when the
    request may have reached Discord (no answer, or a 5xx): before sending again, look for the message.
    """

    def __init__(
        self,
        reason: str,
        *,
        transient: bool | None = None,
        problem: Problem | None = None,
        maybe_delivered: bool = False,
    ) -> None:
        super().__init__(reason)
        if problem is None:
            problem = Problem.TRANSIENT if transient else Problem.REFUSED
        self.problem = problem
        self.maybe_delivered = maybe_delivered

    @property
    def transient(self) -> bool:
        return self.problem is Problem.TRANSIENT


def unexpected(error: BaseException) -> DeliveryError:
    """Any other exception, as a non-transient failure with a short reason (its type, not its text)."""
    return DeliveryError(f"internal error ({type(error).__name__})", problem=Problem.INTERNAL)


@dataclass(frozen=True)
class Delivery:
    """What became of one item: the outcome, and for failures the problem and the admin-facing reason."""

    outcome: Outcome
    reason: str = ""
    problem: Problem | None = None
    message_id: int | None = None

    @classmethod
    def sent(cls, message_id: int | None) -> Delivery:
        return cls(Outcome.SENT, message_id=message_id)

    @classmethod
    def from_error(cls, error: DeliveryError) -> Delivery:
        outcome = Outcome.PENDING if error.transient else Outcome.FAILED
        return cls(outcome, str(error)[:500], error.problem)


@dataclass(frozen=True)
class ChannelNotice:
    """A short public message in a club channel (the closed-DM fallback), mentioning one member."""

    channel_id: int
    text: str
    user_id: int | None = None
