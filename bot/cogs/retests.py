"""Re-test reminders on Discord: the reminder DM and its start button. The "Remind me in 4 weeks" button that
sets one up sits under a self-test result (bot/cogs/selftests.py)."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any

import discord

from bot.content.schema import Content
from bot.core.clock import Clock
from bot.core.retests import KIND, DueRetest, RetestService
from bot.core.selftests import SelfTestService
from bot.core.sending import LOOK_BACK, RETRY_DELAYS
from bot.db.engine import SessionFactory
from bot.delivery.discord_output import DiscordOutput
from bot.discord_ui.interactions import guarded, texts_for
from bot.features import Feature, FeatureContext
from bot.i18n import Languages, Texts
from bot.render.retests import retest_dm_text, start_button_label
from bot.render.selftests import local_test, test_embed
from bot.scheduling.claim_source import ClaimSource
from bot.scheduling.due import DueJob

START_PREFIX = "gc:rs:"

Button = type[discord.ui.DynamicItem[discord.ui.Button[Any]]]
AnswerView = Callable[..., discord.ui.View]


def make_start_button(
    content: Content, selftests: SelfTestService, answer_view: AnswerView, answer_button: Button,
    languages: Languages,
) -> Button:
    """The reminder DM's start button: opens the test, with answer buttons that work in the DM."""

    class StartButton(
        discord.ui.DynamicItem[discord.ui.Button[Any]],
        template=START_PREFIX + r"(?P<guild>\d{1,20}):(?P<test>[a-z0-9-]{1,40})",
    ):
        def __init__(self, guild_id: int, test: str, label: str = "Start the test") -> None:
            super().__init__(
                discord.ui.Button(label=label[:80], emoji="▶️", style=discord.ButtonStyle.primary,
                                  custom_id=f"{START_PREFIX}{guild_id}:{test}")
            )
            self.guild_id, self.test = guild_id, test

        @classmethod
        async def from_custom_id(
            cls, interaction: discord.Interaction, item: discord.ui.Button[Any], match: re.Match[str]
        ) -> StartButton:
            return cls(int(match["guild"]), match["test"])

        @guarded
        async def callback(self, interaction: discord.Interaction) -> None:
            tr = texts_for(interaction, languages)
            test = local_test(content, tr, selftests.test(self.test))
            view = answer_view(tr, test, interaction.user.id, answer_button, guild_id=self.guild_id)
            caution = content.localized(tr.language).guide.caution
            await interaction.response.send_message(embed=test_embed(tr, test, caution), view=view)

    return StartButton


def retest_job(
    retests: RetestService, content: Content, start_button: Button, output: DiscordOutput, sessions: SessionFactory,
    clock: Clock, languages: Languages, retry_delays: Sequence[float] = RETRY_DELAYS,
) -> DueJob[DueRetest]:
    """Due re-test reminders, each a DM with the test's start button and its claim's nonce, in the member's
    language (stored locale, then the club's, then English). Closed DMs get nothing in public: a self-test is
    the member's own business; the claim records the fallback."""

    def texts(due: DueRetest) -> tuple[Texts, str]:
        tr = languages.texts(due.locale, due.club_language)
        return tr, local_test(content, tr, content.selftests[due.test_slug]).name

    async def deliver(due: DueRetest) -> int:
        tr, name = texts(due)
        view = discord.ui.View(timeout=None)
        view.add_item(start_button(due.guild_id, due.test_slug, start_button_label(tr, name)))  # type: ignore[call-arg]
        return (await output.dm(due.user_id, content=retest_dm_text(tr, name), view=view,
                                nonce=due.claim.nonce)).id

    async def find(due: DueRetest) -> int | None:
        text = retest_dm_text(*texts(due))
        since = (due.claim.claimed_at or clock.now()) - LOOK_BACK
        return await output.find_dm(due.user_id, due.claim.nonce, since, lambda m: m.content == text)

    source = ClaimSource(
        KIND, lambda now, limit: retests.claim_due(now, limit), retests.has_due, retests.rebuild,
        lambda due: retests.mark_dm_blocked(due.reminder_id), sessions, clock,
    )
    return DueJob(KIND, source, deliver, find=find, retry_delays=retry_delays,
                  describe=lambda due: f"re-test for user {due.user_id}")


def setup(ctx: FeatureContext) -> Feature:
    """Re-test reminders: the start button (it opens the test with the answer buttons), the DM job."""
    services = ctx.services
    start_button = make_start_button(
        services.content, services.selftests, ctx.shared["answer_view"], ctx.shared["answer_button"],
        services.languages,
    )
    job = retest_job(services.retests, services.content, start_button, ctx.output, services.sessions,
                     services.clock, services.languages, ctx.settings.send_retry_delays)
    return Feature("retests", dynamic_items=[start_button], due_jobs=[job])
