"""Re-test reminders end to end: the button on a weak result, the DM four weeks later, history before → now."""

from __future__ import annotations

from datetime import timedelta

from tests.e2e.conftest import Club, custom_ids, embed_text


async def weak_left_result(club: Club) -> dict:
    ix = await club.fake.slash(club.guild.id, club.runner.id, "test hamstring-vs-glute")
    ids = custom_ids(await ix.final())
    left = next(i for i in ids if i.endswith(":l:hamstring-first"))
    return await club.click(club.runner, left)


async def test_remind_button_dm_four_weeks_later_and_history(club: Club) -> None:
    result = await weak_left_result(club)
    [remind] = [i for i in custom_ids(result) if i.startswith("gc:rt:")]
    # A stranger pressing it is refused kindly, and nothing is set for anyone.
    stranger = await club.click(club.other, remind)
    assert "someone else's result" in stranger["content"]
    assert stranger["flags"] & 64
    reply = await club.click(club.runner, remind)
    assert "I'll DM you on <t:" in reply["content"]
    again = await club.click(club.runner, remind)
    assert "Already set" in again["content"]
    assert club.bot is not None
    club.clock.advance(timedelta(weeks=4) - timedelta(minutes=1))
    assert await club.bot.due.run("retest") == 0
    await club.restart()
    club.clock.advance(timedelta(minutes=2))
    assert await club.bot.due.run("retest") == 1
    assert await club.bot.due.run("retest") == 0
    assert club.fake.dm_messages(club.other.id) == []
    [dm] = club.fake.dm_messages(club.runner.id)
    assert "Hamstring" in dm["content"] or "hamstring" in dm["content"].lower()
    [start] = custom_ids(dm)
    assert start.startswith("gc:rs:")
    opening = await club.fake.dm_click(start, club.runner.id, message=dm)
    opened = await opening.final()
    assert "How to" in embed_text(opened)
    answers = custom_ids(opened)
    assert all(i.endswith(f":g{club.guild.id}") and len(i) <= 100 for i in answers)
    better = next(i for i in answers if ":l:glute-first" in i)
    answered = await (await club.fake.dm_click(better, club.runner.id, message=opening.original)).final()
    assert "Glute" in embed_text(answered)
    history = await club.slash(club.runner, "test history")
    assert "→" in embed_text(history)
    # The leg named as the test names it (the hamstring test checks the lifted leg), not "left side".
    assert "left leg lifted:" in embed_text(history)
    assert "left side" not in embed_text(history)


async def test_a_strong_result_offers_no_reminder(club: Club) -> None:
    ix = await club.fake.slash(club.guild.id, club.runner.id, "test hamstring-vs-glute")
    ids = custom_ids(await ix.final())
    strong = await club.click(club.runner, next(i for i in ids if i.endswith(":l:glute-first")))
    assert not [i for i in custom_ids(strong) if i.startswith("gc:rt:")]
