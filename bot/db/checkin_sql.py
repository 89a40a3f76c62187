"""The SQL of a check-in, both dialects in one place: a press, the running totals, an undo's recount.

SQLite runs a press as a few short statements in the write queue's thread (bot/db/checkin_store.py), with
named parameters as they are here. PostgreSQL runs it as one statement (``PG_PRESS``) in autocommit: one
round trip per press. Both follow the same steps:

1. the member: a press from inside the server creates the row or refreshes its name and roles and clears
   ``left_at`` (the member is back); a press in a DM only finds the row, and finds nothing for a member
   who was forgotten (it never creates one);
2. the check-in: ``INSERT … ON CONFLICT DO NOTHING`` into the first of the press's period keys still free
   (stand-ups have several a day; every other kind one), so the unique constraint makes it count once;
3. the running totals (``member_points``) of the check-in's periods, added in place
   (``points = member_points.points + excluded.points``), never read and written back;
4. what the reply shows: the week's points, how many are ahead, the routine weeks (for the streak).

On PostgreSQL step 1 locks the member's row until the press commits, and an undo takes the same lock
before it looks at anything (``MEMBER_LOCK``): a press and an undo of the same member run one after the
other, so an undo's recount always sees every press that committed before it.
"""

from __future__ import annotations

import functools
import re

from sqlalchemy import Date, TextClause, bindparam, text

from bot.db.types import UTCDateTime

# -- SQLite: one press as a few statements in the writer thread ------------------------------------------

MEMBER_UPSERT = (
    "INSERT INTO member (club_id, user_id, display_name, hidden, role_ids, created_at) "
    "VALUES (:club_id, :user_id, :display_name, FALSE, :role_ids, :at) "
    "ON CONFLICT (club_id, user_id) DO UPDATE SET display_name = excluded.display_name, "
    "role_ids = excluded.role_ids, left_at = NULL RETURNING id"
)
MEMBER_FIND = "SELECT id FROM member WHERE club_id = :club_id AND user_id = :user_id"
CHECKIN_INSERT = (
    "INSERT INTO checkin (member_id, club_id, kind, local_date, period_key, points, created_at) "
    "VALUES (:member_id, :club_id, :kind, :local_date, :period_key, :points, :at) "
    "ON CONFLICT DO NOTHING RETURNING id"
)
TOTALS_ADD = (
    "INSERT INTO member_points (member_id, period, club_id, points, routines, reached) VALUES "
    "(:member_id, :p0, :club_id, :points, :routines, :at), (:member_id, :p1, :club_id, :points, :routines, :at), "
    "(:member_id, :p2, :club_id, :points, :routines, :at) "
    "ON CONFLICT (member_id, period) DO UPDATE SET points = member_points.points + excluded.points, "
    "routines = member_points.routines + excluded.routines, "
    "reached = max(member_points.reached, excluded.reached) RETURNING period, points"
)
WEEK_POINTS = "SELECT points FROM member_points WHERE member_id = :member_id AND period = :period"
AHEAD = "SELECT count(*) FROM member_points WHERE club_id = :club_id AND period = :period AND points > :points"
ROUTINE_WEEKS = "SELECT period_key FROM checkin WHERE member_id = :member_id AND kind = 'routine'"

# -- PostgreSQL: one press in one statement ---------------------------------------------------------------
# Parameters: club_id, user_id, display_name, role_ids, at, in_server, kind, local_date, slot_keys (the period
# keys to try, in order, as one text joined by commas: cheaper to send than an array, and no key holds a comma),
# points, routines, p0…p2 (the running-total periods), week (this club-week's key).
# ``free`` says whether a slot looked free: a stand-up that found one but lost it to a press of the same member
# committing at the same moment is tried again (bot/db/checkin_store.py).

PG_PRESS = """
WITH m AS (
  INSERT INTO member (club_id, user_id, display_name, hidden, role_ids, created_at)
  SELECT CAST(:club_id AS INTEGER), CAST(:user_id AS BIGINT), CAST(:display_name AS VARCHAR), FALSE,
         CAST(:role_ids AS VARCHAR), CAST(:at AS TIMESTAMPTZ)
  WHERE CAST(:in_server AS BOOLEAN)
  ON CONFLICT (club_id, user_id) DO UPDATE
    SET display_name = excluded.display_name, role_ids = excluded.role_ids, left_at = NULL
  RETURNING id
), dm AS (
  SELECT id FROM member
  WHERE club_id = CAST(:club_id AS INTEGER) AND user_id = CAST(:user_id AS BIGINT)
    AND NOT CAST(:in_server AS BOOLEAN)
  FOR UPDATE
), who AS (
  SELECT id FROM m UNION ALL SELECT id FROM dm
), free AS (
  SELECT s.key FROM unnest(string_to_array(CAST(:slot_keys AS VARCHAR), ',')) WITH ORDINALITY AS s(key, n)
  WHERE NOT EXISTS (SELECT 1 FROM checkin x JOIN who ON x.member_id = who.id
                    WHERE x.kind = CAST(:kind AS VARCHAR) AND x.period_key = s.key)
  ORDER BY s.n LIMIT 1
), c AS (
  INSERT INTO checkin (member_id, club_id, kind, local_date, period_key, points, created_at)
  SELECT who.id, CAST(:club_id AS INTEGER), CAST(:kind AS VARCHAR), CAST(:local_date AS DATE),
         free.key, CAST(:points AS INTEGER), CAST(:at AS TIMESTAMPTZ) FROM who CROSS JOIN free
  ON CONFLICT DO NOTHING
  RETURNING member_id, period_key
), t AS (
  INSERT INTO member_points (member_id, period, club_id, points, routines, reached)
  SELECT c.member_id, p.period, CAST(:club_id AS INTEGER), CAST(:points AS INTEGER), CAST(:routines AS INTEGER),
         CAST(:at AS TIMESTAMPTZ)
  FROM c CROSS JOIN (VALUES (CAST(:p0 AS VARCHAR)), (CAST(:p1 AS VARCHAR)), (CAST(:p2 AS VARCHAR))) AS p(period)
  ON CONFLICT (member_id, period) DO UPDATE SET points = member_points.points + excluded.points,
    routines = member_points.routines + excluded.routines,
    reached = greatest(member_points.reached, excluded.reached)
  RETURNING period, points
), mine AS (
  SELECT coalesce(
    (SELECT t.points FROM t WHERE t.period = CAST(:week AS VARCHAR)),
    (SELECT mp.points FROM member_points mp JOIN who ON mp.member_id = who.id
      WHERE mp.period = CAST(:week AS VARCHAR)),
    0) AS points
)
SELECT (SELECT id FROM who) AS member_id,
       (SELECT count(*) FROM c) AS counted,
       (SELECT count(*) FROM free) AS free,
       (SELECT points FROM mine) AS week_points,
       (SELECT count(*) FROM member_points WHERE club_id = CAST(:club_id AS INTEGER)
          AND period = CAST(:week AS VARCHAR) AND points > (SELECT points FROM mine)) AS ahead,
       ARRAY(SELECT period_key FROM checkin WHERE member_id = (SELECT id FROM who) AND kind = 'routine'
             UNION SELECT c.period_key FROM c WHERE CAST(:kind AS VARCHAR) = 'routine') AS weeks
"""

# -- An undo (both dialects, through SQLAlchemy: ``statement``) ------------------------------------------

# PostgreSQL: the member's row, locked as a press locks it (see the module's docstring). SQLite needs none:
# its transactions take the one write lock as they begin (BEGIN IMMEDIATE).
MEMBER_LOCK = "SELECT id FROM member WHERE id = :member_id FOR UPDATE"
LAST_CHECKIN = (
    "SELECT id, kind, local_date, period_key, points, created_at FROM checkin WHERE member_id = :member_id "
    "ORDER BY created_at DESC, id DESC LIMIT 1"
)
CHECKIN_DELETE = "DELETE FROM checkin WHERE id = :id"


@functools.cache
def recount(ranged: bool) -> tuple[str, str]:
    """Set one running-total row (:member_id, :period) from the member's check-ins, in the period's dates
    [:start, :end) when ``ranged`` (a month or a week; all time is not): the row from the sums, then the row
    gone if no check-in is left. The sums and the row are written by one statement each."""
    dates = " AND local_date >= :start AND local_date < :end" if ranged else ""
    upsert = (
        "INSERT INTO member_points (member_id, period, club_id, points, routines, reached) "
        "SELECT member_id, :period, :club_id, sum(points), sum(CASE WHEN kind = 'routine' THEN 1 ELSE 0 END), "
        f"max(created_at) FROM checkin WHERE member_id = :member_id{dates} GROUP BY member_id "
        "ON CONFLICT (member_id, period) DO UPDATE SET points = excluded.points, routines = excluded.routines, "
        "reached = excluded.reached"
    )
    delete = (
        "DELETE FROM member_points WHERE member_id = :member_id AND period = :period "
        f"AND NOT EXISTS (SELECT 1 FROM checkin WHERE member_id = :member_id{dates})"
    )
    return upsert, delete


def positional(sql: str) -> tuple[str, tuple[str, ...]]:
    """``sql`` with ``:name`` parameters turned into asyncpg's ``$1, $2…``, and the names in that order."""
    names: list[str] = []

    def number(match: re.Match[str]) -> str:
        if match.group(1) not in names:
            names.append(match.group(1))
        return f"${names.index(match.group(1)) + 1}"

    return re.sub(r"(?<![:\w]):([a-z_][a-z0-9_]*)", number, sql), tuple(names)


PG_PRESS_POSITIONAL, PG_PRESS_PARAMS = positional(PG_PRESS)


@functools.cache
def statement(sql: str) -> TextClause:
    """``sql`` for SQLAlchemy, with the instants and the days typed as the models store them."""
    clause = text(sql)
    typed = [bindparam("at", type_=UTCDateTime()), bindparam("local_date", type_=Date()),
             bindparam("start", type_=Date()), bindparam("end", type_=Date())]
    present = [b for b in typed if re.search(rf":{b.key}\b", sql)]
    return clause.bindparams(*present) if present else clause
