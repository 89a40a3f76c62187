"""The features in the member's language, through the real bot and the fake Discord: self-tests, stand-up and
nudge DMs (sent by jobs, so from the locale stored when the member last used the bot), challenge results in
the club's language, and a locale without a catalogue (``ja``) in English."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select, update

from bot.db.engine import make_engine, make_session_factory
from bot.db.models import Club as ClubRow
from bot.db.models import Member
from tests.e2e.conftest import Club, custom_ids, embed_text

MORNING = datetime(2026, 11, 18, 8, 0, tzinfo=UTC)
SUNDAY_1800 = datetime(2026, 11, 22, 18, 0, tzinfo=UTC)


def labels(message: dict[str, Any]) -> list[str]:
    return [c.get("label", "") for row in message.get("components") or [] for c in row.get("components", [])]


async def stored_locale(club: Club, user_id: int) -> str | None:
    engine = make_engine(club.settings.db_url)
    try:
        async with make_session_factory(engine)() as session:
            query = select(Member.locale).where(Member.user_id == user_id)
            return (await session.execute(query)).scalar_one()
    finally:
        await engine.dispose()


async def set_club_language(club: Club, language: str | None) -> None:
    engine = make_engine(club.settings.db_url)
    try:
        async with make_session_factory(engine)() as session:
            await session.execute(update(ClubRow).where(ClubRow.guild_id == club.guild.id).values(language=language))
            await session.commit()
    finally:
        await engine.dispose()


async def test_a_german_member_takes_a_self_test_in_german(club: Club) -> None:
    ix = await club.fake.slash(club.guild.id, club.runner.id, "test hip-drop", locale="de")
    message = await ix.final()
    text = embed_text(message)
    assert "So geht’s" in text
    assert "Worauf du achtest" in text
    assert "⚠️ Sicherheit" in text
    assert "Antworte für jede Seite mit den Knöpfen unten" in text
    assert "How to" not in text
    [figure] = message["attachments"]
    assert figure["description"].startswith("Figur zu"), "the figure's alt text is German too"
    assert "von hinten gesehen" in figure["description"]
    # The test's own words come from the German content.
    assert "Selbsttest: Hüftabsinken (Einbeinstand)" in text
    assert "Sinkt die Hüfte des angehobenen Beins unter die andere?" in text
    shown = labels(message)
    assert "Standbein links: Becken sank ab" in shown
    assert any(label.startswith("Standbein rechts: ") for label in shown)
    left = next(i for i in custom_ids(message) if i.endswith(":l:hip-drops"))
    answer = await club.click(club.runner, left, locale="de")
    result = embed_text(answer)
    assert "Privat gespeichert" in result
    assert "Hüftabsinken (Einbeinstand) (Standbein links): Becken sank ab" in result
    assert "Der mittlere Gesäßmuskel deines Standbeins" in result
    assert "Diese Woche" in result
    assert "Saved privately" not in result
    assert "In 4 Wochen erinnern" in " ".join(labels(answer))
    history = await club.slash(club.runner, "test history", locale="de")
    assert "Dein Selbsttest-Verlauf" in embed_text(history)
    assert await stored_locale(club, club.runner.id) == "de"


async def test_a_german_member_gets_the_standup_dm_and_its_buttons_in_german(club: Club) -> None:
    club.clock.set(MORNING)
    reply = await club.slash(club.runner, "standup on", every=45, start="09:00", end="17:30", days="mon-fri",
                             timezone="Europe/London", locale="de")
    assert "Aufsteh-Erinnerungen sind an" in reply["content"]
    assert "Mo.–Fr." in reply["content"]
    # An English-speaking member of the same club reads English.
    await club.slash(club.other, "standup on", every=45, start="09:00", end="17:30", days="mon-fri",
                     timezone="Europe/London")
    club.clock.set(datetime(2026, 11, 18, 9, 45, 5, tzinfo=UTC))
    assert club.bot is not None
    assert await club.bot.due.run("standup") == 2
    [dm] = club.fake.dm_messages(club.runner.id)
    assert "Zeit aufzustehen" in dm["content"]
    assert labels(dm) == ["Aufgestanden ✅", "10 Min. später", "Heute auslassen"]
    [english] = club.fake.dm_messages(club.other.id)
    assert "Time to stand up" in english["content"]
    assert labels(english) == ["Stood up ✅", "Snooze 10 min", "Skip today"]
    stood = next(i for i in custom_ids(dm) if ":up:" in i)
    ix = await club.fake.dm_click(stood, club.runner.id, message=dm, locale="de")
    pressed = await ix.final()
    assert "Gezählt: einmal Aufstehen" in pressed["content"]
    assert "Serie" in pressed["content"]


async def test_the_nudge_dm_is_in_the_members_language(club: Club) -> None:
    reply = await club.slash(club.runner, "nudge on", locale="fr")
    assert "Rappel hebdo activé" in reply["content"]
    assert "dimanche" in reply["content"]
    club.clock.set(SUNDAY_1800 + timedelta(seconds=20))
    assert club.bot is not None
    assert await club.bot.due.run("nudge") == 1
    [dm] = club.fake.dm_messages(club.runner.id)
    assert "Ta semaine du club se termine" in dm["content"]
    assert "Your club week closes" not in dm["content"]
    # The Done button under it reads French too; its custom id is the same in every language.
    [button] = [c for row in dm["components"] for c in row["components"]]
    assert button["label"] == "Fait ✅"


async def test_challenge_results_are_posted_in_the_clubs_language(club: Club) -> None:
    await club.slash(club.admin, "club setup", channel=club.guild.text_channel_id, day="monday", time="07:00",
                     timezone="UTC")
    await set_club_language(club, "es")
    # The admin reads English; the announcement is the club's, in Spanish.
    started = await club.slash(club.admin, "challenge start", name="Puente", weeks=1, goal="points", target=5)
    assert "Started **Puente**" in started["content"]
    [announcement] = [m for m in club.fake.channel_messages(club.guild.text_channel_id)
                      if "Nuevo reto del club" in embed_text(m)]
    assert labels(announcement) == ["Unirme"]
    joined = await club.click(club.runner, custom_ids(announcement)[0], message=announcement, locale="de")
    assert "Du machst bei **Puente** mit" in joined["content"]
    await club.slash(club.runner, "checkin", kind="routine")
    await club.slash(club.admin, "challenge end")
    [results] = [m for m in club.fake.channel_messages(club.guild.text_channel_id)
                 if "ha terminado" in (m.get("content") or "")]
    assert "miembro participó" in results["content"]
    assert "Well done" not in results["content"]
    [chart] = [a for a in results["attachments"] if a["filename"] == "challenge.png"]
    assert chart["description"].startswith("Resultados del reto Puente"), "the chart's alt text is the club's too"


async def test_a_locale_without_a_catalogue_reads_english_and_is_stored(club: Club) -> None:
    ix = await club.fake.slash(club.guild.id, club.runner.id, "test hamstring-vs-glute", locale="ja")
    message = await ix.final()
    assert "How to" in embed_text(message)
    club.clock.set(MORNING)
    await club.slash(club.runner, "standup on", every=45, start="09:00", end="17:30", days="mon-fri",
                     timezone="Europe/London", locale="ja")
    assert await stored_locale(club, club.runner.id) == "ja"
    club.clock.set(datetime(2026, 11, 18, 9, 45, 5, tzinfo=UTC))
    assert club.bot is not None
    assert await club.bot.due.run("standup") == 1
    [dm] = club.fake.dm_messages(club.runner.id)
    assert "Time to stand up" in dm["content"]
    assert labels(dm)[0] == "Stood up ✅"


async def test_a_job_dm_falls_back_to_the_clubs_language(club: Club) -> None:
    """A member whose locale was never seen (no row yet written with one) reads the club's language."""
    club.clock.set(MORNING)
    await club.slash(club.runner, "standup on", every=45, start="09:00", end="17:30", days="mon-fri",
                     timezone="Europe/London")
    engine = make_engine(club.settings.db_url)
    try:
        async with make_session_factory(engine)() as session:
            await session.execute(update(Member).where(Member.user_id == club.runner.id).values(locale=None))
            await session.commit()
    finally:
        await engine.dispose()
    await set_club_language(club, "fr")
    club.clock.set(datetime(2026, 11, 18, 9, 45, 5, tzinfo=UTC))
    assert club.bot is not None
    assert await club.bot.due.run("standup") == 1
    [dm] = club.fake.dm_messages(club.runner.id)
    assert "C’est l’heure de te lever" in dm["content"]


async def test_the_retest_reminder_dm_and_history_are_in_the_members_language(club: Club) -> None:
    ix = await club.fake.slash(club.guild.id, club.runner.id, "test hamstring-vs-glute", locale="es-ES")
    left = next(i for i in custom_ids(await ix.final()) if i.endswith(":l:hamstring-first"))
    result = await club.click(club.runner, left, locale="es-ES")
    [remind] = [i for i in custom_ids(result) if i.startswith("gc:rt:")]
    reply = await club.click(club.runner, remind, locale="es-ES")
    assert "Hecho: te escribiré por MD" in reply["content"]
    club.clock.advance(timedelta(weeks=4, minutes=1))
    assert club.bot is not None
    assert await club.bot.due.run("retest") == 1
    [dm] = club.fake.dm_messages(club.runner.id)
    assert "Hace cuatro semanas" in dm["content"]
    assert labels(dm)[0].startswith("Empezar:")
    [start] = custom_ids(dm)
    opening = await club.fake.dm_click(start, club.runner.id, message=dm, locale="es-ES")
    opened = await opening.final()
    assert "Cómo se hace" in embed_text(opened)
    better = next(i for i in custom_ids(opened) if ":l:glute-first" in i)
    answered = await (await club.fake.dm_click(better, club.runner.id, message=opening.original,
                                               locale="es-ES")).final()
    assert "Guardado en privado" in embed_text(answered)
    history = await club.slash(club.runner, "test history", locale="es-ES")
    text = embed_text(history)
    assert "Tu historial de autotests" in text
    assert "Antes → ahora" in text
    assert "Elevación de pierna izquierda" in text
