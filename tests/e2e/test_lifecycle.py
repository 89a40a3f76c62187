"""Members who leave, come back, or ask to be forgotten; what the export holds; club settings that undo."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select

from bot.db.engine import make_engine, make_session_factory
from bot.db.models import BoardArchive, Checkin, Member, MemberProgression, Standup, TestResult
from bot.db.models import Club as ClubRow
from tests.e2e.conftest import Club, custom_ids, embed_text

# Wednesday 18 November 2026 08:00 UTC (the club fixture's week starts Monday 16th).
MORNING = datetime(2026, 11, 18, 8, 0, tzinfo=UTC)
NEXT_MONDAY = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
# Columns that only link rows to each other; every other column is the member's data.
LINK_COLUMNS = {"id", "member_id", "club_id"}


async def query(club: Club, statement: Any) -> list[Any]:
    engine = make_engine(club.settings.db_url)
    try:
        async with make_session_factory(engine)() as session:
            return list((await session.execute(statement)).all())
    finally:
        await engine.dispose()


async def member_row(club: Club, user_id: int) -> Member | None:
    rows = await query(club, select(Member).where(Member.user_id == user_id))
    return rows[0][0] if rows else None


async def eventually(check: Callable[[], Awaitable[bool]], what: str) -> None:
    """Wait for a gateway event to have its effect (events arrive asynchronously)."""
    for _ in range(250):
        if await check():
            return
        await asyncio.sleep(0.02)
    raise AssertionError(f"never happened: {what}")


async def left(club: Club, user_id: int) -> bool:
    row = await member_row(club, user_id)
    return row is not None and row.left_at is not None


async def reminder_dm(club: Club, user: Any) -> dict[str, Any]:
    """Turn reminders on for ``user`` and let the tick deliver one DM."""
    club.clock.set(MORNING)
    await club.slash(user, "standup on", every=30, start="09:00", end="17:30", days="mon-fri")
    club.clock.set(datetime(2026, 11, 18, 9, 30, 5, tzinfo=UTC))
    assert club.bot is not None
    assert await club.bot.due.run("standup") == 1
    return club.fake.dm_messages(user.id)[-1]


async def archive_last_week(club: Club) -> None:
    """Freeze last week's board, as the weekly leaderboard post does."""
    assert club.bot is not None
    await club.bot.services.boards.finished_week(club.guild.id)


def stood_up_id(dm: dict[str, Any]) -> str:
    return next(i for i in custom_ids(dm) if ":up:" in i)


async def test_purge_left_also_removes_them_from_archived_boards(club: Club) -> None:
    await club.slash(club.runner, "checkin", kind="routine")
    await club.slash(club.other, "checkin", kind="routine")
    club.clock.set(NEXT_MONDAY)
    await archive_last_week(club)
    before = await club.slash(club.admin, "leaderboard", period="last-week")
    assert "ben" in before["embeds"][0]["description"], "last week's board is archived with ben on it"
    archived = await query(club, select(BoardArchive.board))
    assert any("ben" in json.dumps(board) for (board,) in archived)
    club.fake.remove_member(club.guild.id, club.other.id)
    await eventually(lambda: left(club, club.other.id), "ben marked as left")
    purged = await club.slash(club.admin, "club purge-left")
    assert "1 member" in purged["content"]
    after = await club.slash(club.admin, "leaderboard", period="last-week")
    text = after["embeds"][0]["description"]
    assert "ben" not in text
    assert "ann" in text
    archived = await query(club, select(BoardArchive.board))
    assert all("ben" not in json.dumps(board) for (board,) in archived)


async def test_a_member_who_rejoins_is_not_purged(club: Club) -> None:
    await club.slash(club.other, "checkin", kind="routine")
    club.fake.remove_member(club.guild.id, club.other.id)
    await eventually(lambda: left(club, club.other.id), "ben marked as left")
    club.fake.add_member(club.guild.id, "ben", user_id=club.other.id)

    async def back() -> bool:
        row = await member_row(club, club.other.id)
        return row is not None and row.left_at is None

    await eventually(back, "ben back after rejoining")
    purged = await club.slash(club.admin, "club purge-left")
    assert "0 member" in purged["content"]
    assert (await query(club, select(func.count()).select_from(Checkin)))[0][0] == 1


async def test_an_old_reminder_pressed_after_leaving_changes_nothing(club: Club) -> None:
    dm = await reminder_dm(club, club.runner)
    club.fake.remove_member(club.guild.id, club.runner.id)
    await eventually(lambda: left(club, club.runner.id), "ann marked as left")
    ix = await club.fake.dm_click(stood_up_id(dm), club.runner.id, message=dm)
    reply = await ix.final()
    assert "no longer in that server" in reply["content"]
    assert await left(club, club.runner.id), "a DM press does not bring a member back"
    assert (await query(club, select(func.count()).select_from(Checkin)))[0][0] == 0
    board = await club.slash(club.admin, "leaderboard")
    assert "ann" not in embed_text(board)


async def test_forget_is_not_undone_by_an_old_reminder(club: Club) -> None:
    dm = await reminder_dm(club, club.runner)
    ix = await club.fake.slash(club.guild.id, club.runner.id, "privacy forget")
    prompt = await ix.response()
    confirm = next(c for c in custom_ids(prompt["data"]) if ":confirm" in c)
    press = await club.fake.click(confirm, club.runner.id, club.guild.id, message=ix.original)
    assert "Done" in (await press.final())["content"]
    assert await member_row(club, club.runner.id) is None
    for button in custom_ids(dm):
        old = await club.fake.dm_click(button, club.runner.id, message=dm)
        reply = await old.final()
        assert reply["content"], f"{button} got an answer"
    assert "nothing to act on" in (await (await club.fake.dm_click(stood_up_id(dm), club.runner.id)).final())[
        "content"
    ]
    assert await member_row(club, club.runner.id) is None, "no old button recreates the member"
    assert (await query(club, select(func.count()).select_from(Checkin)))[0][0] == 0


async def test_export_holds_every_stored_column(club: Club) -> None:
    role = club.fake.add_role(club.guild.id, "pacers")
    club.fake.set_member_roles(club.guild.id, club.runner.id, [role])
    await reminder_dm(club, club.runner)
    logged = await club.slash(club.runner, "checkin", kind="routine")
    await club.click(club.runner, next(i for i in custom_ids(logged) if i.endswith(":easy")))
    test = await club.slash(club.runner, "test hip-drop")
    await club.click(club.runner, custom_ids(test)[0])
    club.clock.set(NEXT_MONDAY)
    await archive_last_week(club)

    ix = await club.fake.slash(club.guild.id, club.runner.id, "privacy export")
    await ix.final()
    upload = [c for c in club.fake.calls if c.files and ix.payload["token"] in c.path][-1]
    data = json.loads(upload.files[0][1])

    member = await member_row(club, club.runner.id)
    assert member is not None
    assert str(role.id) in member.role_ids
    sections: list[tuple[str, type[Any], bool]] = [
        ("member", Member, False), ("checkins", Checkin, True), ("self_tests", TestResult, True),
        ("standup_reminders", Standup, False), ("progression", MemberProgression, False),
    ]
    for key, model, many in sections:
        rows = [r for (r,) in await query(club, select(model).where(model.member_id == member.id)
                                          if model is not Member else select(Member).where(Member.id == member.id))]
        assert rows, f"the test stores {model.__name__} rows"
        exported = data[key] if many else [data[key]]
        assert len(exported) == len(rows)
        # Read from the table at test time: a column added later fails here until the export has it.
        for column in model.__table__.columns:  # type: ignore[attr-defined]
            if column.name in LINK_COLUMNS:
                continue
            for row, out in zip(rows, exported, strict=True):
                assert column.name in out, f"{model.__name__}.{column.name} is missing from the export"
                value = getattr(row, column.name)
                expected = value.isoformat() if hasattr(value, "isoformat") else value
                assert out[column.name] == expected, f"{model.__name__}.{column.name}"
    for field in ("role_ids", "left_at", "locale"):
        assert field in data["member"]
    for field in ("skip_date", "snoozed", "next_due_at", "last_reminded_at", "created_at"):
        assert field in data["standup_reminders"]
    assert [line["period_key"] for line in data["archived_boards"]] == ["w2026-11-16"]
    assert data["archived_boards"][0]["display_name"] == "ann"


async def test_self_test_run_ids_only_clash_within_one_member(club: Club) -> None:
    test = await club.slash(club.runner, "test hip-drop")
    mine = custom_ids(test)[0]  # gc:t:<user>:<run>:<test>:<side>:<outcome>
    _, _, _, run, *rest = mine.split(":")
    theirs = ":".join(["gc", "t", str(club.other.id), run, *rest])
    first = await club.click(club.runner, mine)
    second = await club.click(club.other, theirs)
    assert "already answered" not in embed_text(first)
    assert "already answered" not in embed_text(second), "another member's answer with the same run id counts"
    assert (await query(club, select(func.count()).select_from(TestResult)))[0][0] == 2
    again = await club.click(club.runner, mine)
    assert "already answered" in embed_text(again)


async def test_the_mention_role_can_be_cleared(club: Club) -> None:
    role = club.fake.add_role(club.guild.id, "glute crew")
    await club.slash(club.admin, "club setup", channel=club.guild.text_channel_id, day="monday", time="07:00",
                     timezone="Europe/London", role=role.id)
    preview = await club.slash(club.admin, "club preview")
    assert f"<@&{role.id}>" in (preview.get("content") or "")
    cleared = await club.slash(club.admin, "club mention")
    assert "nobody" in cleared["content"]
    preview = await club.slash(club.admin, "club preview")
    assert "<@&" not in (preview.get("content") or "")
    assert "none" in embed_text(await club.slash(club.admin, "club show"))
    again = await club.slash(club.admin, "club mention", role=role.id)
    assert f"<@&{role.id}>" in again["content"]


async def test_members_and_clubs_with_hundreds_of_roles(club: Club) -> None:
    roles = [club.fake.add_role(club.guild.id, f"r{i}") for i in range(150)]
    club.fake.set_member_roles(club.guild.id, club.runner.id, roles)
    reply = await club.slash(club.runner, "checkin", kind="routine")
    assert "Counted" in reply["content"]
    assert club.bot is not None
    await club.bot.services.clubs.set_excluded_roles(club.guild.id, [r.id for r in roles[:140]])
    board = await club.slash(club.admin, "leaderboard")
    assert "ann" not in embed_text(board), "ann holds an excluded role"
    row = await member_row(club, club.runner.id)
    assert row is not None
    assert len(row.role_ids) > 2000
    stored = await query(club, select(ClubRow.excluded_role_ids))
    assert len(stored[0][0]) > 1000


async def forget_prompt(club: Club) -> tuple[Any, str]:
    ix = await club.fake.slash(club.guild.id, club.runner.id, "privacy forget")
    prompt = await ix.response()
    return ix, next(c for c in custom_ids(prompt["data"]) if ":confirm" in c)


async def test_forget_buttons_switch_off_when_they_expire(club: Club) -> None:
    await club.slash(club.runner, "checkin", kind="routine")
    assert club.bot is not None
    cog: Any = club.bot.get_cog("PrivacyCog")
    cog.confirm_seconds = 0.2
    mark = club.fake.mark()
    ix, confirm = await forget_prompt(club)
    edits = await club.fake.wait_for("PATCH", f"/webhooks/{club.fake.application_id}/{ix.token}/messages/@original",
                                     since=mark, timeout=10)
    body = edits[-1].json
    assert "expired" in body["content"]
    buttons = [c for row in body["components"] for c in row["components"]]
    assert buttons
    assert all(b.get("disabled") for b in buttons)
    press = await club.fake.click(confirm, club.runner.id, club.guild.id, message=ix.original)
    assert "Nothing was deleted" in (await press.final())["content"]
    assert (await query(club, select(func.count()).select_from(Checkin)))[0][0] == 1


async def test_forget_buttons_pressed_after_a_restart_answer_clearly(club: Club) -> None:
    await club.slash(club.runner, "checkin", kind="routine")
    ix, confirm = await forget_prompt(club)
    await club.restart()
    press = await club.fake.click(confirm, club.runner.id, club.guild.id, message=ix.original)
    reply = await press.final()
    assert "expired" in reply["content"]
    assert "Nothing was deleted" in reply["content"]
    assert (await query(club, select(func.count()).select_from(Checkin)))[0][0] == 1
    # The old, token-less buttons of earlier versions answer the same way.
    legacy = await club.fake.click("gc:forget:confirm", club.runner.id, club.guild.id)
    assert "expired" in (await legacy.final())["content"]


async def test_a_backtick_in_a_value_does_not_break_the_reply(club: Club) -> None:
    reply = await club.slash(club.admin, "club setup", channel=club.guild.text_channel_id, day="monday",
                             time="07`30", timezone="Europe/London")
    assert reply["content"].count("`") % 2 == 0
    assert "07ˋ30" in reply["content"]
    zone = await club.slash(club.admin, "club setup", channel=club.guild.text_channel_id, day="monday",
                            time="07:30", timezone="Europe/`London\nX")
    assert zone["content"].count("`") % 2 == 0


async def test_defect_j_last_weeks_frozen_board_leaves_out_who_hid_left_or_was_forgotten_since(club: Club) -> None:
    """The board is frozen when the week ends; who is on it is read when it is shown."""
    from sqlalchemy import delete

    cara = club.fake.add_member(club.guild.id, "cara")
    for member, kinds in ((club.runner, ("routine", "stretch")), (club.other, ("routine",)), (cara, ("routine",)),
                          (club.admin, ("stretch",))):
        for kind in kinds:
            await club.slash(member, "checkin", kind=kind)
    club.clock.set(NEXT_MONDAY)
    await archive_last_week(club)
    before = embed_text(await club.slash(club.admin, "leaderboard", period="last-week"))
    for name in ("ann", "ben", "cara", "coach"):
        assert name in before
    assert "**4.** coach" in before

    await club.slash(club.other, "privacy hide")
    club.fake.remove_member(club.guild.id, club.runner.id)
    await eventually(lambda: left(club, club.runner.id), "ann marked as left")
    # cara is forgotten while the board is being frozen: her row is gone, her line was written after the scrub.
    cara_row = await member_row(club, cara.id)
    assert cara_row is not None
    engine = make_engine(club.settings.db_url)
    try:
        async with make_session_factory(engine)() as session:
            await session.execute(delete(Member).where(Member.id == cara_row.id))
            await session.commit()
    finally:
        await engine.dispose()

    after = await club.slash(club.admin, "leaderboard", period="last-week")
    text = embed_text(after)
    for name in ("ann", "ben", "cara"):
        assert name not in text
    assert "**1.** coach" in text, "ranked again among those still shown"
    assert "1 on the board" in text
    assert club.bot is not None
    again = await club.bot.services.boards.finished_week(club.guild.id)  # what a repeated weekly post reads
    assert [r.display_name for r in again.rows] == ["coach"]
    assert again.ranked_members == 1

    await club.slash(club.other, "privacy show")
    shown = embed_text(await club.slash(club.admin, "leaderboard", period="last-week"))
    assert "**1.** ben" in shown
    assert "**2.** coach" in shown
