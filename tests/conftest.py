"""Shared fixtures: throwaway databases on SQLite and PostgreSQL, and a guard against logged errors."""

from __future__ import annotations

import inspect
import logging
from collections.abc import AsyncIterator, Iterator

import pytest

from tests.databases import PostgresDatabases, SqliteDatabases, postgres_unavailable_reason
from tests.fakediscord import spec
from tests.leftovers import reap_leftover_tasks

BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


@pytest.fixture(scope="session")
def sqlite_databases(tmp_path_factory: pytest.TempPathFactory) -> SqliteDatabases:
    return SqliteDatabases(tmp_path_factory.mktemp("sqlite"))


@pytest.fixture(scope="session")
def postgres_databases() -> Iterator[PostgresDatabases]:
    reason = postgres_unavailable_reason()
    if reason:
        pytest.skip(reason)
    databases = PostgresDatabases()
    yield databases
    databases.close()


@pytest.fixture(params=BACKENDS)
def db_url(request: pytest.FixtureRequest) -> Iterator[str]:
    """A freshly migrated, empty database on each backend."""
    if request.param == "sqlite":
        databases: SqliteDatabases = request.getfixturevalue("sqlite_databases")
        url = databases.new()
        yield url
        databases.drop(url)
    else:
        pg: PostgresDatabases = request.getfixturevalue("postgres_databases")
        url = pg.new()
        yield url
        pg.drop(url)


class ErrorLogGuard(logging.Handler):
    """Collects ERROR records; a test fails if the bot logged one it did not expect."""

    def __init__(self) -> None:
        super().__init__(level=logging.ERROR)
        self.records: list[logging.LogRecord] = []
        self.expected: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)

    def expect(self, fragment: str) -> None:
        """Allow ERROR records whose message contains ``fragment``."""
        self.expected.append(fragment)

    def unexpected(self) -> list[logging.LogRecord]:
        return [r for r in self.records if not any(f in r.getMessage() for f in self.expected)]


@pytest.fixture(autouse=True)
def error_log_guard() -> Iterator[ErrorLogGuard]:
    guard = ErrorLogGuard()
    root = logging.getLogger()
    root.addHandler(guard)
    yield guard
    root.removeHandler(guard)
    bad = guard.unexpected()
    if bad:
        lines = "\n".join(f"{r.name}: {r.getMessage()}" for r in bad[:5])
        pytest.fail(f"the bot logged {len(bad)} unexpected error(s):\n{lines}")


@pytest.fixture(autouse=True)
def discord_spec_guard() -> Iterator[None]:
    """Fails a test whose requests to the fake Discord break Discord's published API spec (see
    tests/fakediscord/spec.py); a test that sends a bad request on purpose takes it with
    ``fake.take_spec_violations()``."""
    spec.unreported.clear()
    yield
    found, spec.unreported[:] = list(spec.unreported), []
    if found:
        lines = "\n".join(f"  {v}" for v in found[:10])
        more = f"\n  ... and {len(found) - 10} more" if len(found) > 10 else ""
        pytest.fail(
            f"{len(found)} request(s) to the fake Discord break Discord's API spec:\n{lines}{more}", pytrace=False
        )


@pytest.fixture(autouse=True)
def no_leftover_tasks(request: pytest.FixtureRequest) -> None:
    """Every async test ends with nothing pending in its event loop (set up first, so checked last)."""
    if inspect.iscoroutinefunction(getattr(request.node, "obj", None)):
        request.getfixturevalue("_leftover_task_check")


@pytest.fixture
async def _leftover_task_check() -> AsyncIterator[None]:
    yield
    found, stuck = await reap_leftover_tasks()
    if stuck:
        pytest.fail(
            f"{len(stuck)} task(s) would not finish even when cancelled:\n" + "\n".join(stuck), pytrace=False
        )
    if found:
        pytest.fail(
            f"the test left {len(found)} task(s) running (cancelled now):\n" + "\n".join(found), pytrace=False
        )
