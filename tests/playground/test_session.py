"""The playground's session without a browser: the real bot on the (spec-checked) fake, driven as the page does."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from bot.__main__ import migrate_in_child
from bot.playground.clock import ShiftedClock
from bot.playground.session import Playground, playground_settings, running_playground
from bot.resources import content_dir
from tests.fakediscord import FakeDiscord


@pytest.fixture
async def playground(tmp_path: Path) -> AsyncIterator[Playground]:
    async with FakeDiscord(interaction_deadline=None, keep_attachments=True) as fake:
        settings = playground_settings(fake, tmp_path, None)
        assert await asyncio.to_thread(migrate_in_child, settings.db_url)
        async with running_playground(settings, fake, ShiftedClock(), []) as pg:
            yield pg


def member(pg: Playground, name: str) -> str:
    return next(str(m.user.id) for m in pg.world.members if m.user.username == name)


async def next_message(pg: Playground, match: Any) -> dict[str, Any]:
    """The next message event the page would get that ``match`` accepts."""
    found: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()

    def listen(event: dict[str, Any]) -> None:
        if event["t"] == "message" and not found.done() and match(event["message"]):
            found.set_result(event["message"])

    pg.listeners.add(listen)
    try:
        return await asyncio.wait_for(found, 30)
    finally:
        pg.listeners.discard(listen)


async def test_the_club_is_set_up_through_the_fake_and_ephemerals_name_their_member(playground: Playground) -> None:
    state = playground.state()
    assert "glutes today" in [c["path"] for c in state["commands"]]
    (saved,) = state["messages"]
    assert saved["content"].startswith("Saved.")
    assert saved["visible_to"] == str(playground.world.coach.user.id)


async def test_a_stand_up_jump_sends_the_reminder_to_the_members_dm_pane(playground: Playground) -> None:
    ann = member(playground, "ann")
    turned_on = asyncio.create_task(next_message(playground, lambda m: m["visible_to"] == ann and m["content"]))
    await asyncio.sleep(0)
    answer = await playground.act({"op": "slash", "user": ann, "command": "standup on",
                                   "options": {"every": "30", "start": "00:00", "end": "23:59", "days": "every day"}})
    assert answer == {"t": "ok"}
    await turned_on
    assert not [m for m in playground.messages.values() if playground.fake.channels[int(m["channel_id"])].guild_id
                is None], "no DM before the clock moves"
    reminder = asyncio.create_task(next_message(playground, lambda m: m["dm_user"] is not None))
    await asyncio.sleep(0)
    before = playground.clock.now()
    answer = await playground.act({"op": "clock", "target": "standup"})
    assert answer["text"].startswith("Jumped to the next standup"), answer
    assert playground.clock.now() > before
    message = await reminder
    assert message["dm_user"] == ann
    assert any(c.get("custom_id") for row in message["components"] for c in row["components"])


async def test_autocomplete_answers_from_the_synced_command_tree(playground: Playground) -> None:
    ann = member(playground, "ann")
    answer = await playground.act({"op": "autocomplete", "user": ann, "command": "glutes exercise",
                                   "focused": "name", "value": "bri"})
    assert answer["t"] == "choices"
    assert any("ridge" in c["name"] for c in answer["choices"]), answer


async def test_a_content_folder_with_problems_shows_them_instead_of_the_bot(tmp_path: Path) -> None:
    broken = tmp_path / "content"
    broken.mkdir()
    for source in content_dir().glob("*.yaml"):
        (broken / source.name).write_text(source.read_text(encoding="utf-8"), encoding="utf-8")
    first = sorted(broken.glob("*.yaml"))[0]
    first.write_text("this: [is not valid yaml\n", encoding="utf-8")
    from bot.content.loader import check_content

    problems = check_content(broken)
    assert problems
    async with FakeDiscord() as fake, running_playground(
        playground_settings(fake, tmp_path, broken), fake, ShiftedClock(), problems
    ) as pg:
        assert pg.state()["problems"] == problems
        answer = await pg.act({"op": "slash", "user": member(pg, "ann"), "command": "glutes today"})
        assert answer["t"] == "error"
        assert not fake.calls, "the bot did not start"


async def test_edits_and_deletes_reach_the_page(playground: Playground) -> None:
    events: list[dict[str, Any]] = []
    playground.listeners.add(events.append)
    (saved,) = playground.messages.values()
    playground.fake.edit_message(saved, {"content": "Saved, and edited."}, [])
    playground.fake.delete_message(int(saved["id"]))
    assert [e["t"] for e in events] == ["message", "delete"]
    assert events[0]["message"]["content"] == "Saved, and edited."
    assert events[1]["id"] == saved["id"]
    assert playground.state()["messages"] == []


async def test_the_member_picker_chooses_a_locale_and_the_bot_answers_in_it(playground: Playground) -> None:
    assert playground.state()["locales"] == ["en-US", "de", "fr", "es-ES", "ja"]
    ann = member(playground, "ann")
    turned_on = asyncio.create_task(next_message(playground, lambda m: m["visible_to"] == ann and m["content"]))
    await asyncio.sleep(0)
    answer = await playground.act({"op": "slash", "user": ann, "command": "standup on", "locale": "de",
                                   "options": {"every": "30", "start": "00:00", "end": "23:59", "days": "every day"}})
    assert answer == {"t": "ok"}
    assert "Aufsteh-Erinnerungen sind an" in (await turned_on)["content"]
    reminder = asyncio.create_task(next_message(playground, lambda m: m["dm_user"] is not None))
    await asyncio.sleep(0)
    await playground.act({"op": "clock", "target": "standup"})
    message = await reminder
    assert "Zeit aufzustehen" in message["content"]
    # A locale the page does not offer is sent as English.
    assert Playground._locale({"locale": "xx"}) == "en-US"
