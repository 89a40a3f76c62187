"""`/privacy …`: hide from boards, export your data, forget it; leaving members drop off boards."""

from __future__ import annotations

import io
import logging
import secrets
from typing import Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.core.members import Who
from bot.core.privacy import PrivacyService
from bot.discord_ui.interactions import guarded, texts_of, who_from
from bot.discord_ui.views import labelled
from bot.features import Feature, FeatureContext
from bot.i18n import ENGLISH, N_, Texts
from bot.tree import ClubView

log = logging.getLogger(__name__)


FORGET_PREFIX = "gc:forget:"
CONFIRM_SECONDS = 120
EXPIRED = N_(
    "This confirmation has expired (it lasts two minutes, and not across a restart of the bot). "
    "Nothing was deleted. Run `/privacy forget` again if you still want your data gone."
)


class ForgetConfirm(ClubView):
    """Confirm buttons only the member who asked can press; they switch off when they expire."""

    def __init__(
        self, privacy: PrivacyService, who: Who, live: set[str], *, timeout: float = CONFIRM_SECONDS,
        tr: Texts = ENGLISH,
    ) -> None:
        super().__init__(timeout=timeout)
        self.privacy = privacy
        self.who = who
        self.tr = tr  # the asking member's language
        labelled(self.confirm, tr)
        labelled(self.cancel, tr)
        # The custom ids carry a token, so a press on buttons this process did not send is recognised.
        self.token = secrets.token_hex(8)
        self.live = live
        self.live.add(self.token)
        self.asked: discord.Interaction | None = None
        self.confirm.custom_id = f"{FORGET_PREFIX}confirm:{self.token}"
        self.cancel.custom_id = f"{FORGET_PREFIX}cancel:{self.token}"

    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        if interaction.user.id != self.who.user_id:
            await interaction.response.send_message(
                texts_of(interaction).t("This button belongs to someone else's request, so it does nothing for you."),
                ephemeral=True,
            )
            return False
        return True

    def _finish(self) -> None:
        self.stop()
        self.live.discard(self.token)

    async def on_timeout(self) -> None:
        self.live.discard(self.token)
        for item in self.children:
            if isinstance(item, discord.ui.Button):
                item.disabled = True
        if self.asked is None:
            return
        try:
            await self.asked.edit_original_response(content=self.tr.t(EXPIRED), view=self)
        except discord.HTTPException as error:
            log.warning("could not switch off expired forget buttons: HTTP %s (code %s)", error.status, error.code)

    @discord.ui.button(label=N_("Delete my data"), style=discord.ButtonStyle.danger, custom_id="gc:forget:confirm")
    @guarded
    async def confirm(self, interaction: discord.Interaction, button: discord.ui.Button[Any]) -> None:
        await interaction.response.defer(ephemeral=True)
        gone = await self.privacy.forget(self.who)
        tr = texts_of(interaction)
        await interaction.edit_original_response(
            content=tr.t(
                "Done. I deleted {checkins} check-ins and {results} self-test results and removed you from "
                "archived boards in this club. This cannot be undone.",
                checkins=tr.number(gone.checkins), results=tr.number(gone.test_results),
            ),
            view=None,
        )
        self._finish()

    @discord.ui.button(label=N_("Keep my data"), style=discord.ButtonStyle.secondary, custom_id="gc:forget:cancel")
    @guarded
    async def cancel(self, interaction: discord.Interaction, button: discord.ui.Button[Any]) -> None:
        await interaction.response.edit_message(content=texts_of(interaction).t("Nothing was deleted."), view=None)
        self._finish()


class PrivacyCog(commands.Cog):
    privacy_group = app_commands.Group(name="privacy", description="Your data in this club", guild_only=True)

    def __init__(self, privacy: PrivacyService, *, confirm_seconds: float = CONFIRM_SECONDS) -> None:
        self.privacy = privacy
        self.confirm_seconds = confirm_seconds
        # Tokens of forget-confirm buttons that this process is still listening to.
        self.live_confirms: set[str] = set()

    @privacy_group.command(name="hide", description="Leave the leaderboards (your own stats still count)")
    async def hide(self, interaction: discord.Interaction) -> None:
        who = who_from(interaction)
        await interaction.response.defer(ephemeral=True)
        await self.privacy.set_hidden(who, True)
        await interaction.followup.send(
            texts_of(interaction).t("You are hidden from leaderboards. Your check-ins still count for `/me`."),
            ephemeral=True,
        )

    @privacy_group.command(name="show", description="Appear on the leaderboards again")
    async def show(self, interaction: discord.Interaction) -> None:
        who = who_from(interaction)
        await interaction.response.defer(ephemeral=True)
        await self.privacy.set_hidden(who, False)
        await interaction.followup.send(texts_of(interaction).t("You are back on the leaderboards."), ephemeral=True)

    @privacy_group.command(name="export", description="Download everything stored about you in this club")
    async def export(self, interaction: discord.Interaction) -> None:
        who = who_from(interaction)
        await interaction.response.defer(ephemeral=True, thinking=True)
        data = await self.privacy.export(who)
        await interaction.followup.send(
            texts_of(interaction).t("Here is everything I store about you in this club."),
            file=discord.File(io.BytesIO(data), filename="gluteclub-my-data.json"),
            ephemeral=True,
        )

    @privacy_group.command(name="forget", description="Delete all your data in this club (asks to confirm)")
    async def forget(self, interaction: discord.Interaction) -> None:
        who = who_from(interaction)
        tr = texts_of(interaction)
        view = ForgetConfirm(self.privacy, who, self.live_confirms, timeout=self.confirm_seconds, tr=tr)
        view.asked = interaction
        await interaction.response.send_message(
            tr.t("This deletes all your check-ins, self-test results and reminder settings in this club, "
                 "for good. Are you sure?"),
            view=view,
            ephemeral=True,
        )

    @commands.Cog.listener()
    async def on_member_join(self, member: discord.Member) -> None:
        await self.privacy.member_joined(member.guild.id, member.id)

    @commands.Cog.listener()
    async def on_raw_member_remove(self, payload: discord.RawMemberRemoveEvent) -> None:
        await self.privacy.member_left(payload.guild_id, payload.user.id)


def make_expired_forget_button(live: set[str]) -> type[discord.ui.DynamicItem[discord.ui.Button[Any]]]:
    """Forget buttons nobody listens to any more (expired, or sent before a restart) answer that nothing was
    deleted. Routed by custom id, so other interactions never reach it; a live confirmation answers itself.
    """

    class ExpiredForgetButton(
        discord.ui.DynamicItem[discord.ui.Button[Any]],
        # With a token (this version), or without one (the buttons of earlier versions).
        template=FORGET_PREFIX + r"(?P<action>confirm|cancel)(?::(?P<token>[0-9a-f]{1,64}))?",
    ):
        def __init__(self, action: str = "confirm", token: str = "") -> None:
            suffix = f":{token}" if token else ""
            super().__init__(discord.ui.Button(label=action, custom_id=f"{FORGET_PREFIX}{action}{suffix}"))
            self.token = token

        @classmethod
        async def from_custom_id(
            cls, interaction: discord.Interaction, item: discord.ui.Button[Any], match: Any
        ) -> ExpiredForgetButton:
            return cls(match["action"], match["token"] or "")

        async def callback(self, interaction: discord.Interaction) -> None:
            if self.token and self.token in live:
                return  # the live view answers
            try:
                await interaction.response.edit_message(content=texts_of(interaction).t(EXPIRED), view=None)
            except discord.HTTPException as error:
                log.warning("could not answer an expired forget button: HTTP %s (code %s)", error.status, error.code)

    return ExpiredForgetButton


def setup(ctx: FeatureContext) -> Feature:
    """/privacy: hide, export, forget."""
    cog = PrivacyCog(ctx.services.privacy)
    return Feature("privacy", cogs=[cog], dynamic_items=[make_expired_forget_button(cog.live_confirms)],
                   custom_ids=["gc:forget:"])
