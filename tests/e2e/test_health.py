"""`/healthz` and `/metrics` of the real bot (HEALTH_PORT), against the fake Discord and both databases."""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import asyncpg
import pytest
from prometheus_client.parser import text_string_to_metric_families
from pydantic import ValidationError
from sqlalchemy.engine import make_url

from bot.db import send_claims
from bot.db.send_claims import ClaimKey
from bot.ops.metrics import RATE_LIMIT_LINES
from bot.settings import Settings
from tests.conftest import ErrorLogGuard
from tests.databases import PG_ADMIN_URL
from tests.e2e.conftest import Club, custom_ids, new_club
from tests.fakediscord import FakeDiscord


@pytest.fixture
async def watched(fake: FakeDiscord, db_url: str) -> AsyncIterator[Club]:
    """The usual club, its bot serving /healthz and /metrics on a free port of 127.0.0.1."""
    club = new_club(fake, db_url, health_port=0, health_db_timeout=1.0)
    await club.start()
    yield club
    await club.stop()


def base(club: Club) -> str:
    assert club.bot is not None
    assert club.bot.health is not None
    return f"http://127.0.0.1:{club.bot.health.port}"


async def get(club: Club, path: str) -> tuple[int, str]:
    async with aiohttp.ClientSession() as http, http.get(base(club) + path) as response:
        return response.status, await response.text()


async def health_becomes(club: Club, status: int) -> str:
    """Ask /healthz until it answers ``status``; its body."""
    seen: tuple[int, str] = (0, "")
    for _ in range(400):
        seen = await get(club, "/healthz")
        if seen[0] == status:
            return seen[1]
        await asyncio.sleep(0.025)
    raise AssertionError(f"/healthz never answered {status}; last {seen}")


async def scrape(club: Club) -> dict[str, list[Any]]:
    """Every sample of /metrics by metric family name, parsed by prometheus_client's own parser."""
    status, body = await get(club, "/metrics")
    assert status == 200
    return {family.name: family.samples for family in text_string_to_metric_families(body)}


def value(families: dict[str, list[Any]], family: str, sample: str, **labels: str) -> float:
    found = [s.value for s in families[family] if s.name == sample and s.labels == labels]
    assert len(found) == 1, f"{sample}{labels}: {found}; all: {families[family]}"
    return float(found[0])


async def test_healthz_is_503_while_the_gateway_is_down_and_200_after_the_resume(
    watched: Club, error_log_guard: ErrorLogGuard
) -> None:
    club = watched
    assert await health_becomes(club, 200) == "ok\n"
    # discord.py logs each failed reconnect attempt at ERROR with its traceback.
    error_log_guard.expect("Attempting a reconnect")
    resumes = club.fake.resume_count
    club.fake.refuse_gateway = True
    await club.fake.drop_gateway(resume=True)
    body = await health_becomes(club, 503)
    assert body.startswith("gateway: disconnected"), body
    families = await scrape(club)
    assert value(families, "gluteclub_gateway_connected", "gluteclub_gateway_connected", shard="0") == 0
    club.fake.refuse_gateway = False
    assert await health_becomes(club, 200) == "ok\n"
    assert club.fake.resume_count > resumes, "the session was resumed, not started again"
    reply = await club.slash(club.runner, "checkin", kind="routine")
    assert "Counted" in reply["content"]
    families = await scrape(club)
    assert value(families, "gluteclub_gateway_connected", "gluteclub_gateway_connected", shard="0") == 1
    latency = value(families, "gluteclub_gateway_latency_seconds", "gluteclub_gateway_latency_seconds", shard="0")
    assert latency >= 0


async def _refuse_postgres(url: str, refuse: bool) -> None:
    name = make_url(url).database
    admin = await asyncpg.connect(PG_ADMIN_URL, timeout=5)
    try:
        await admin.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS {"false" if refuse else "true"}')
        if refuse:
            await admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()",
                name,
            )
    finally:
        await admin.close()


async def test_healthz_is_503_while_the_database_does_not_answer(watched: Club, db_url: str) -> None:
    club = watched
    assert await health_becomes(club, 200) == "ok\n"
    if db_url.startswith("sqlite"):
        # Another process holds the write lock: the check's transaction waits for it past HEALTH_DB_TIMEOUT.
        holder = sqlite3.connect(make_url(db_url).database or "", isolation_level=None)
        try:
            holder.execute("BEGIN IMMEDIATE")
            status, body = await get(club, "/healthz")
            assert status == 503
            assert body == "database: no answer within 1 s\n"
            holder.execute("ROLLBACK")
        finally:
            holder.close()
    else:
        await _refuse_postgres(db_url, refuse=True)
        try:
            status, body = await get(club, "/healthz")
            assert status == 503
            assert body.startswith("database: "), body
            families = await scrape(club)
            errors = [s for s in families["gluteclub_database_errors"] if s.name.endswith("_total")]
            assert sum(s.value for s in errors) >= 1, "the refused connection is counted"
            assert {s.labels["error"] for s in errors} <= {"disconnect", "OperationalError", "DBAPIError",
                                                           "InterfaceError"}
        finally:
            await _refuse_postgres(db_url, refuse=False)
    assert await health_becomes(club, 200) == "ok\n"


async def test_metrics_parse_and_count_what_happened(watched: Club) -> None:
    club = watched
    before = await scrape(club)
    assert not [s for s in before["gluteclub_interactions"] if s.name.endswith("_total")]
    plan = await club.slash(club.runner, "glutes today")
    done = next(c for c in custom_ids(plan) if c.startswith("gc:done:"))
    assert "Counted" in (await club.click(club.runner, done))["content"]
    refused = await club.slash(club.runner, "club setup", channel=club.guild.text_channel_id, day="friday",
                               time="09:00", timezone="UTC")
    assert "Manage Server" in refused["content"]
    await club.slash(club.admin, "club setup", channel=club.guild.text_channel_id, day="monday", time="07:00",
                     timezone="Europe/London")
    # The post meets one 429 first; discord.py waits and sends it again.
    club.fake.fail("POST", r"/channels/\d+/messages$", status=429, times=1)
    assert "Posted" in (await club.slash(club.admin, "club post-now"))["content"]

    families = await scrape(club)
    count = "gluteclub_interactions_total"
    assert value(families, "gluteclub_interactions", count, kind="command", command="glutes today",
                 outcome="ok") == 1
    assert value(families, "gluteclub_interactions", count, kind="component", command="gc:done", outcome="ok") == 1
    assert value(families, "gluteclub_interactions", count, kind="command", command="club setup",
                 outcome="refused") == 1
    answered = value(families, "gluteclub_interaction_answer_seconds", "gluteclub_interaction_answer_seconds_count",
                     kind="command")
    assert answered == 4  # glutes today, the refused and the saved setup, post-now
    assert value(families, "gluteclub_interaction_answer_seconds", "gluteclub_interaction_answer_seconds_bucket",
                 kind="component", le="+Inf") == 1
    # /club post-now defers before it posts.
    assert value(families, "gluteclub_interaction_deferrals", "gluteclub_interaction_deferrals_total",
                 kind="command", command="club post-now") == 1
    assert value(families, "gluteclub_sends", "gluteclub_sends_total", kind="post", outcome="sent") == 1
    assert value(families, "gluteclub_rest_rate_limited", "gluteclub_rest_rate_limited_total", where="rest") == 1
    assert value(families, "gluteclub_due_waiting", "gluteclub_due_waiting", kind="standup") == 0


async def test_due_items_waiting_are_counted_by_kind(watched: Club) -> None:
    club = watched
    assert club.bot is not None
    await club.slash(club.admin, "club setup", channel=club.guild.text_channel_id, day="monday", time="07:00",
                     timezone="Europe/London")
    due = club.clock.now()
    async with club.bot.services.sessions() as session:
        await send_claims.schedule(session, "example", [ClaimKey(n, "w") for n in range(3)], due)
        await send_claims.schedule(session, "example", [ClaimKey(9, "later")], due.replace(year=due.year + 1))
        await session.commit()
    families = await scrape(club)
    assert value(families, "gluteclub_due_waiting", "gluteclub_due_waiting", kind="example") == 3


async def test_no_label_names_a_member_a_server_or_a_channel(watched: Club) -> None:
    club = watched
    fake = club.fake
    await club.slash(club.admin, "club setup", channel=club.guild.text_channel_id, day="monday", time="07:00",
                     timezone="Europe/London")
    assert "Posted" in (await club.slash(club.admin, "club post-now"))["content"]
    post = fake.channel_messages(club.guild.text_channel_id)[0]
    done = next(c for c in custom_ids(post) if c.startswith("gc:done:"))
    for member in (club.runner, club.other, club.admin):
        reply = await (await fake.click(done, member.id, club.guild.id, message=post)).final()
        assert "Counted" in reply["content"]
        # The feel buttons under the reply carry the member's id in their custom id.
        feel = next(c for c in custom_ids(reply) if c.startswith("gc:feel:"))
        await club.click(member, feel)
        await club.slash(member, "me")
        await club.slash(member, "checkin", kind="stretch")

    families = await scrape(club)
    labels = {v for samples in families.values() for s in samples for v in s.labels.values()}
    assert {"gc:done", "gc:feel", "me", "checkin"} <= labels
    secret = set()
    for member in (club.runner, club.other, club.admin):
        secret |= {str(member.id), member.username, member.nick or ""}
    secret |= {str(club.guild.id), club.guild.name, str(club.guild.text_channel_id)}
    leaks = {(label, word) for label in labels for word in secret if word and word.lower() in label.lower()}
    assert not leaks


def counting_filters() -> list[logging.Filter]:
    filters = [f for name in RATE_LIMIT_LINES for f in logging.getLogger(name).filters]
    return [f for f in filters if type(f).__module__ == "bot.ops.metrics"]


async def test_the_rate_limit_lines_are_counted_only_while_the_bot_runs(fake: FakeDiscord, db_url: str) -> None:
    club = new_club(fake, db_url, health_port=0)
    assert not counting_filters()
    await club.start()
    try:
        assert len(counting_filters()) == 2
    finally:
        await club.stop()
    assert not counting_filters()


async def test_off_by_default(club: Club) -> None:
    assert club.bot is not None
    assert club.bot.settings.health_port is None
    assert club.bot.metrics is None
    assert club.bot.health is None
    assert not counting_filters()
    assert club.bot.output.metrics is None


def test_health_port_empty_is_off_and_a_number_is_on() -> None:
    assert Settings(_env_file=None, health_port="").health_port is None  # type: ignore[call-arg]
    assert Settings(_env_file=None, health_port="9464").health_port == 9464  # type: ignore[call-arg]
    with pytest.raises(ValidationError):
        Settings(_env_file=None, health_port="70000")  # type: ignore[call-arg]
