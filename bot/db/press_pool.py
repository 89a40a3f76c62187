"""PostgreSQL: the press path's own few connections, with nothing to reset between presses.

A press on PostgreSQL is one statement in autocommit (``PG_PRESS``). Through the engine's pool each
press also paid a liveness ping on checkout and the pool's bookkeeping; through a plain asyncpg pool
with its default reset, a ``RESET ALL``-style query on every release. This pool runs only that one
statement, which leaves no session state behind (no transaction, no SET, no LISTEN, no cursor, no
advisory lock), so a connection goes back to the pool as it is: one round trip per press.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

import asyncpg
from sqlalchemy.ext.asyncio import AsyncEngine

# Errors of the connection rather than of the statement (the server restarted or cut the connection, the
# client saw it in a broken state): that connection is dropped and the press tried again on another. The
# statement is idempotent: a press that did land before the cut is then "already counted".
CONNECTION_ERRORS = (
    asyncpg.exceptions.PostgresConnectionError,  # class 08, connection does not exist
    asyncpg.exceptions.OperatorInterventionError,  # class 57: admin shutdown, cannot connect now
    asyncpg.exceptions.InterfaceError,
    asyncpg.exceptions.InternalClientError,
    ConnectionError,
)
APPLICATION_NAME = "gluteclub-press"
# The engine's URL may carry options of SQLAlchemy's asyncpg adapter that asyncpg itself does not take.
_ADAPTER_OPTIONS = ("prepared_statement_cache_size", "prepared_statement_name_func", "async_fallback")


async def _keep_as_is(_connection: asyncpg.Connection) -> None:
    """Release without a reset query: the pool's one statement leaves nothing to reset."""


class PressPool:
    """Opened on the first press, closed with the check-in service.

    ``warm``: statements prepared on every connection as it opens. A connection's first statement also
    looks up the types of its parameters and columns (about 10 ms, once per connection); done here, that
    is not paid by a member whose press happens to be the first on a connection.
    """

    def __init__(self, engine: AsyncEngine, *, max_size: int = 4, warm: tuple[str, ...] = ()) -> None:
        self._engine = engine
        self._max_size = max_size
        self._warm = warm
        self._pool: asyncpg.Pool | None = None
        self._opening = asyncio.Lock()
        self._closed = False

    async def fetchrow(self, sql: str, *args: Any) -> asyncpg.Record | None:
        pool = self._pool or await self._open()
        # After a server restart every idle connection is dead: one more try than there are connections.
        for attempt in range(self._max_size + 1):
            async with pool.acquire() as connection:
                try:
                    return await connection.fetchrow(sql, *args)
                except CONNECTION_ERRORS:
                    # Drop it (the pool replaces it); asyncpg may already have let go of a connection it
                    # saw closed, and then refuses to touch it.
                    with contextlib.suppress(asyncpg.exceptions.InterfaceError):
                        if not connection.is_closed():
                            connection.terminate()
                    if attempt == self._max_size:
                        raise
        raise AssertionError("unreachable")

    async def _open(self) -> asyncpg.Pool:
        async with self._opening:
            if self._closed:
                raise RuntimeError("the check-in service is closed")
            if self._pool is None:
                args, kwargs = self._engine.dialect.create_connect_args(self._engine.url)
                for option in _ADAPTER_OPTIONS:
                    kwargs.pop(option, None)
                kwargs.setdefault("timeout", 30)
                # Named, so an operator can tell these connections apart in pg_stat_activity.
                kwargs["server_settings"] = {**kwargs.get("server_settings", {}), "application_name": APPLICATION_NAME}
                # No floor (min_size=0) and no idle limit: asyncpg keeps a floor by reopening lost connections
                # in a task of its own, and a close that cuts such an open short leaves a future whose error
                # nobody reads. A connection lost here is reopened by the next press that needs it.
                pool = await asyncpg.create_pool(
                    *args, min_size=0, max_size=self._max_size, max_inactive_connection_lifetime=0,
                    reset=_keep_as_is, init=self._init, **kwargs,
                )
                try:
                    # All of them at once: a burst should not wait on connections opened in the middle of it.
                    opened = await asyncio.gather(*(pool.acquire() for _ in range(self._max_size)))
                    for connection in opened:
                        await pool.release(connection)
                except BaseException:
                    pool.terminate()
                    raise
                self._pool = pool
            return self._pool

    async def _init(self, connection: asyncpg.Connection) -> None:
        """Each new connection, the first ones and any that replaces a cut one."""
        for sql in self._warm:
            await connection.prepare(sql)

    async def close(self) -> None:
        async with self._opening:
            self._closed = True
            pool, self._pool = self._pool, None
        if pool is not None:
            try:
                await asyncio.wait_for(pool.close(), timeout=5)
            except TimeoutError:
                pool.terminate()
