"""Club and member rows a hot path needs on every press, kept in memory between presses.

Only what the check-in path reads: ids, the club's calendar and language, the member's name and roles snapshot.
A guild is served by one process (its shard), so the services that change these rows drop the
entries here: club settings, a member leaving, hiding, being forgotten or purged. The cache is
bounded; an evicted entry costs one lookup.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass

from bot.db.models import Club


@dataclass(frozen=True)
class ClubRow:
    id: int
    timezone: str
    week_start: str
    excluded_role_ids: str = ""
    language: str | None = None  # the club's language (bot.i18n): a private answer's fallback, posts' own

    @classmethod
    def of(cls, club: Club) -> ClubRow:
        assert club.id is not None
        return cls(club.id, club.timezone, club.week_start, club.excluded_role_ids, club.language)


@dataclass(frozen=True)
class MemberRow:
    id: int
    display_name: str
    role_ids: str


class RowCache:
    def __init__(self, max_members: int = 20_000, max_clubs: int = 20_000) -> None:
        self._clubs: OrderedDict[int, ClubRow] = OrderedDict()
        self._members: OrderedDict[tuple[int, int], MemberRow] = OrderedDict()
        self._max_members = max_members
        self._max_clubs = max_clubs

    def club(self, guild_id: int) -> ClubRow | None:
        return self._clubs.get(guild_id)

    def put_club(self, guild_id: int, row: ClubRow) -> None:
        self._clubs[guild_id] = row
        if len(self._clubs) > self._max_clubs:
            self._clubs.popitem(last=False)

    def member(self, guild_id: int, user_id: int) -> MemberRow | None:
        row = self._members.get((guild_id, user_id))
        if row is not None:
            self._members.move_to_end((guild_id, user_id))
        return row

    def put_member(self, guild_id: int, user_id: int, row: MemberRow) -> None:
        self._members[(guild_id, user_id)] = row
        if len(self._members) > self._max_members:
            self._members.popitem(last=False)

    def drop_club(self, guild_id: int) -> None:
        """Club settings changed (time zone, week start…)."""
        self._clubs.pop(guild_id, None)

    def drop_member(self, guild_id: int, user_id: int) -> None:
        """The member left, hid, came back or was forgotten."""
        self._members.pop((guild_id, user_id), None)

    def drop_guild_members(self, guild_id: int) -> None:
        """Members of the guild were deleted in bulk (purge of those who left)."""
        for key in [k for k in self._members if k[0] == guild_id]:
            del self._members[key]
