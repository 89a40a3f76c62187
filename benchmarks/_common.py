"""Shared helpers for the benchmark scripts: throwaway databases and result files."""

from __future__ import annotations

import asyncio
import json
import os
import platform
import statistics
import sys
import tempfile
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import asyncpg  # noqa: E402

from bot.db import migrate  # noqa: E402

RESULTS = ROOT / "benchmarks" / "results"
PG_ADMIN = os.environ.get("TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")


def machine() -> dict[str, Any]:
    return {"python": platform.python_version(), "cpus": os.cpu_count(), "platform": platform.platform()}


async def _pg(sql: str) -> None:
    conn = await asyncpg.connect(PG_ADMIN)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


class Database:
    """A migrated scratch database on SQLite or PostgreSQL, dropped on exit."""

    def __init__(self, backend: str) -> None:
        self.backend = backend
        self.name = f"gc_bench_{uuid.uuid4().hex[:8]}"
        self.url = ""
        self._dir: tempfile.TemporaryDirectory[str] | None = None

    def __enter__(self) -> Database:
        if self.backend == "sqlite":
            self._dir = tempfile.TemporaryDirectory()
            self.path = Path(self._dir.name) / "bench.db"
            self.url = f"sqlite+aiosqlite:///{self.path}"
        else:
            asyncio.run(_pg(f'CREATE DATABASE "{self.name}"'))
            base = PG_ADMIN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://", 1)
            self.url = f"{base}/{self.name}"
            self.dsn = f"{PG_ADMIN.rsplit('/', 1)[0]}/{self.name}"
        migrate.upgrade(self.url)
        return self

    def __exit__(self, *exc: object) -> None:
        if self._dir is not None:
            self._dir.cleanup()
        else:
            asyncio.run(_pg(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)'))


def summary(samples_ms: list[float]) -> dict[str, float]:
    ordered = sorted(samples_ms)
    return {
        "median_ms": round(statistics.median(ordered), 3),
        "p90_ms": round(ordered[int(len(ordered) * 0.9) - 1], 3),
        "max_ms": round(ordered[-1], 3),
        "runs": len(ordered),
    }


def write_result(name: str, data: dict[str, Any]) -> Path:
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"{name}.json"
    path.write_text(json.dumps({"machine": machine(), **data}, indent=2))
    return path
