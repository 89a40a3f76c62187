"""`/club …`: admins set the weekly posts up; the posts go out through bot.delivery."""

from __future__ import annotations

import copy
import logging
from typing import Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.core.club_posts import ClubPostService, PostKind
from bot.core.clubs import ClubChanges, ClubService
from bot.core.errors import InvalidInput
from bot.core.privacy import PrivacyService
from bot.core.timeutil import suggest_timezones
from bot.delivery.senders import ClubPostSender
from bot.delivery.winner_role import WinnerRoles
from bot.discord_ui.interactions import DAY_CHOICES, require_manager, texts_of
from bot.discord_ui.pictures import PostPictures
from bot.features import Feature, FeatureContext
from bot.i18n import ENGLISH, N_, Languages, Texts
from bot.render.club import club_embed, language_name, post_content, post_embed
from bot.render.limits import AUTOCOMPLETE_MAX
from bot.scheduling.club_jobs import ClubJobs

log = logging.getLogger(__name__)

NEEDED = ("view_channel", "send_messages", "embed_links")


class ClubCog(commands.Cog):
    club = app_commands.Group(
        name="club",
        description="Club settings: the weekly posts (Manage Server only)",
        guild_only=True,
        default_permissions=discord.Permissions(manage_guild=True),
    )

    def __init__(
        self, clubs: ClubService, posts: ClubPostService, jobs: ClubJobs, privacy: PrivacyService,
        routine_names: dict[str, str], winner_roles: WinnerRoles | None = None, languages: Languages | None = None,
    ) -> None:
        self.languages = languages or Languages()
        # The languages there are catalogues for, each shown in its own words (the choices are never translated).
        setup = self.club.get_command("setup")
        assert isinstance(setup, app_commands.Command)
        # This cog's own copy of the option: the class's command (what the catalogues are extracted from) keeps none.
        language = copy.copy(setup._params["language"])
        language.choices = [app_commands.Choice(name=language_name(code), value=code) for code in self.languages.codes]
        setup._params["language"] = language
        self.clubs = clubs
        self.posts = posts
        self.jobs = jobs
        self.privacy = privacy
        self.routine_names = routine_names
        self.winner_roles = winner_roles

    @club.command(name="setup", description="Choose the channel, day, time and time zone of the weekly post")
    @app_commands.describe(
        channel="Where the weekly routine goes", day="Day of the routine post", time="24-hour HH:MM, e.g. 07:30",
        timezone="IANA zone, e.g. Europe/London", leaderboard_day="Day of the leaderboard post",
        leaderboard_time="HH:MM of the leaderboard post", role="Role to mention in the post",
        routine="Which routine the club follows",
        winner_role="Role the week's top members get after each leaderboard post",
        winners="How many top places get the winner role, 1–10 (ties included; default 1)",
        language="The language of the weekly posts (default: the server's)",
    )
    @app_commands.choices(day=DAY_CHOICES, leaderboard_day=DAY_CHOICES)
    async def setup(
        self,
        interaction: discord.Interaction,
        channel: discord.TextChannel,
        day: str,
        time: str,
        timezone: str,
        leaderboard_day: str | None = None,
        leaderboard_time: str | None = None,
        role: discord.Role | None = None,
        routine: str | None = None,
        winner_role: discord.Role | None = None,
        winners: int | None = None,
        language: str | None = None,
    ) -> None:
        require_manager(interaction)
        assert interaction.guild is not None
        server = str(interaction.guild_locale) if interaction.guild_locale else None
        changes = ClubChanges(
            channel_id=channel.id, day=day, time=time[:20], timezone=timezone[:100],
            leaderboard_day=leaderboard_day, leaderboard_time=leaderboard_time[:20] if leaderboard_time else None,
            role_id=role.id if role else None, routine=routine[:64] if routine else None,
            language=language if language in self.languages.codes else None,
            default_language=self.languages.language_of(server),
        )
        self.clubs.validate(changes)  # fail before anything changes
        missing = self._missing_permissions(interaction.guild, channel)
        if missing:
            raise InvalidInput(
                N_("I can't post in {channel}: I am missing **{permissions}** there. "
                   "Grant it (channel settings → Permissions) and run `/club setup` again."),
                channel=channel.mention, permissions=", ".join(missing),
            )
        wants_winner = self.winner_roles is not None and (winner_role is not None or winners is not None)
        if wants_winner:
            assert self.winner_roles is not None
            await self.winner_roles.validate(interaction.guild, winner_role, winners)
        await interaction.response.defer(ephemeral=True, thinking=True)
        async with self.clubs.one_change_at_a_time(interaction.guild.id):
            club = await self.clubs.configure(interaction.guild.id, changes, by=interaction.user.id)
            self.jobs.schedule(club)
        extra = ""
        if wants_winner:
            assert self.winner_roles is not None
            extra = " " + await self.winner_roles.configure(interaction.guild.id, winner_role, winners)
        tr = texts_of(interaction, club.language)
        written = tr.t("The weekly posts are in {language}.", language=language_name(club.language))
        await interaction.followup.send(
            tr.t("Saved.") + f" {self._next_text(club, tr)} {written}{extra} "
            + tr.t("Try `/club post-now` for a first post."),
            ephemeral=True,
        )

    @staticmethod
    def _missing_permissions(guild: discord.Guild, channel: discord.abc.GuildChannel) -> list[str]:
        perms = channel.permissions_for(guild.me)
        return [name.replace("_", " ").title() for name in NEEDED if not getattr(perms, name)]

    def _next_text(self, club: Any, tr: Texts = ENGLISH) -> str:
        now = self.posts.now()
        at = self.posts.next_at(club, PostKind.ROUTINE, now)
        return tr.t("Next routine post: {at}.", at=discord.utils.format_dt(at, "F"))

    @setup.autocomplete("timezone")
    async def timezone_autocomplete(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        return [app_commands.Choice(name=z, value=z) for z in suggest_timezones(current[:64], AUTOCOMPLETE_MAX)]

    @setup.autocomplete("routine")
    async def routine_autocomplete(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        needle = current.lower()
        return [
            app_commands.Choice(name=name[:100], value=slug)
            for slug, name in self.routine_names.items()
            if needle in slug or needle in name.lower()
        ][:AUTOCOMPLETE_MAX]

    @club.command(name="show", description="The club's settings and the next post times")
    async def show(self, interaction: discord.Interaction) -> None:
        require_manager(interaction)
        assert interaction.guild_id is not None
        await interaction.response.defer(ephemeral=True, thinking=True)
        club = await self.clubs.get(interaction.guild_id)
        if club is None:
            tr = texts_of(interaction)
            await interaction.followup.send(tr.t("Nothing is set up yet: start with `/club setup`."), ephemeral=True)
            return
        tr = texts_of(interaction, club.language)
        now = self.posts.now()
        embed = club_embed(
            club,
            self.posts.next_at(club, PostKind.ROUTINE, now),
            self.posts.next_at(club, PostKind.LEADERBOARD, now),
            await self.posts.recent_runs(club.guild_id), await self.posts.last_failure(club.guild_id), tr=tr,
        )
        await interaction.followup.send(embed=embed, ephemeral=True)

    @club.command(name="pause", description="Stop the weekly posts until /club resume")
    async def pause(self, interaction: discord.Interaction) -> None:
        require_manager(interaction)
        assert interaction.guild_id is not None
        await interaction.response.defer(ephemeral=True)
        async with self.clubs.one_change_at_a_time(interaction.guild_id):
            club = await self.clubs.set_paused(interaction.guild_id, True)
            self.jobs.schedule(club)
        tr = texts_of(interaction, club.language)
        await interaction.followup.send(tr.t("Weekly posts are paused. `/club resume` starts them again."),
                                        ephemeral=True)

    @club.command(name="resume", description="Start the weekly posts again")
    async def resume(self, interaction: discord.Interaction) -> None:
        require_manager(interaction)
        assert interaction.guild_id is not None
        await interaction.response.defer(ephemeral=True)
        async with self.clubs.one_change_at_a_time(interaction.guild_id):
            club = await self.clubs.set_paused(interaction.guild_id, False)
            self.jobs.schedule(club)
        tr = texts_of(interaction, club.language)
        await interaction.followup.send(tr.t("Weekly posts are back on.") + " " + self._next_text(club, tr),
                                        ephemeral=True)

    @club.command(name="post-now", description="Post this week's routine now (it counts as this week's post)")
    async def post_now(self, interaction: discord.Interaction) -> None:
        require_manager(interaction)
        assert interaction.guild_id is not None
        await interaction.response.defer(ephemeral=True, thinking=True)
        club = await self.clubs.get(interaction.guild_id)
        if club is None or club.channel_id is None:
            raise InvalidInput(N_("Set the channel first with `/club setup`."))
        tr = texts_of(interaction, club.language)
        result = await self.jobs.post_now(interaction.guild_id)
        if result is None:
            await interaction.followup.send(tr.t("I am restarting; try `/club post-now` again in a minute."),
                                            ephemeral=True)
            return
        if result.status == "sent":
            channel = f"<#{club.channel_id}>"
            reply = tr.t("Posted in {channel}. It counts as this week's post.", channel=channel)
        elif result.status == "duplicate":
            reply = tr.t("This week's routine is already posted; the next one follows the schedule.")
        elif result.status == "failed":
            reply = tr.t("I could not post: {reason}", reason=result.detail)
        elif result.status == "in-flight":
            reply = tr.t("This week's routine is being posted right now; `/club show` tells how it went.")
        else:
            reply = tr.t("Not posted ({status}).", status=result.status)
        await interaction.followup.send(reply, ephemeral=True)

    @club.command(name="preview", description="See the next weekly post (only you see it)")
    async def preview(self, interaction: discord.Interaction) -> None:
        require_manager(interaction)
        assert interaction.guild_id is not None
        await interaction.response.defer(ephemeral=True, thinking=True)
        club = await self.clubs.get(interaction.guild_id)
        if club is None:
            raise InvalidInput(N_("Nothing is set up yet: start with `/club setup`."))
        post = await self.posts.preview(club)
        # As the club will read it: in the club's language.
        tr = self.languages.texts(club.language) if club.language else ENGLISH
        await interaction.followup.send(content=post_content(post, tr), embed=post_embed(post, tr), ephemeral=True)

    @club.command(name="exclude-role", description="Leave holders of a role (e.g. coaches) off the boards")
    async def exclude_role(self, interaction: discord.Interaction, role: discord.Role, exclude: bool = True) -> None:
        require_manager(interaction)
        assert interaction.guild_id is not None
        await interaction.response.defer(ephemeral=True)
        club = await self.clubs.get(interaction.guild_id)
        current = {int(r) for r in (club.excluded_role_ids.split(",") if club and club.excluded_role_ids else [])}
        current = current | {role.id} if exclude else current - {role.id}
        await self.clubs.set_excluded_roles(interaction.guild_id, sorted(current))
        tr = texts_of(interaction)
        if exclude:
            text = tr.t("Members with {role} are left off the boards.", role=role.mention)
        else:
            text = tr.t("Members with {role} are back on the boards.", role=role.mention)
        await interaction.followup.send(text, ephemeral=True)

    @club.command(name="winner-role-clear", description="Stop the weekly winner role and take it from its holders")
    async def winner_role_clear(self, interaction: discord.Interaction) -> None:
        require_manager(interaction)
        assert interaction.guild_id is not None
        if self.winner_roles is None:
            raise InvalidInput(N_("The winner role is not available here."))
        await interaction.response.defer(ephemeral=True)
        await interaction.followup.send(await self.winner_roles.clear(interaction.guild_id), ephemeral=True)
    @club.command(name="mention", description="Set the role the weekly posts mention, or leave it out to stop")
    @app_commands.describe(role="Role to mention; leave empty to mention nobody")
    async def mention(self, interaction: discord.Interaction, role: discord.Role | None = None) -> None:
        require_manager(interaction)
        assert interaction.guild_id is not None
        await interaction.response.defer(ephemeral=True)
        await self.clubs.set_mention_role(interaction.guild_id, role.id if role else None)
        tr = texts_of(interaction)
        if role:
            text = tr.t("The weekly posts mention {role}.", role=role.mention)
        else:
            text = tr.t("The weekly posts mention nobody now.")
        await interaction.followup.send(text, ephemeral=True, allowed_mentions=discord.AllowedMentions.none())

    @club.command(name="purge-left", description="Delete the data of members who left the server")
    async def purge_left(self, interaction: discord.Interaction) -> None:
        require_manager(interaction)
        assert interaction.guild_id is not None
        await interaction.response.defer(ephemeral=True)
        gone = await self.privacy.purge_left(interaction.guild_id)
        tr = texts_of(interaction)
        await interaction.followup.send(
            tr.n("Deleted the data of {count} member who left.", "Deleted the data of {count} members who left.",
                 gone), ephemeral=True,
        )


def setup(ctx: FeatureContext) -> Feature:
    """/club and the weekly posts: one scheduler job per club and kind, catch-up once the gateway is up."""
    services = ctx.services
    winner_roles = WinnerRoles(ctx.bot, services.winner_roles)
    sender = winner_roles.wrap(
        ClubPostSender(ctx.output, ctx.shared["done_button"], PostPictures(services.pictures, services.history),
                       languages=services.languages)
    )
    jobs = ClubJobs(ctx.scheduler, services.clubs, services.posts, sender, owns=ctx.owns,
                    max_in_flight=ctx.settings.posts_in_flight)
    routine_names = {slug: r.name for slug, r in services.content.routines.items()}
    cog = ClubCog(services.clubs, services.posts, jobs, services.privacy, routine_names, winner_roles,
                  services.languages)
    ctx.shared["club_jobs"] = jobs
    return Feature("club", cogs=[cog], on_start=[jobs.load_all], on_ready=[jobs.catch_up_all], on_stop=[jobs.stop])
