"""`/glutes …`: the week's routine and exercise instructions."""

from __future__ import annotations

import re
from typing import Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.content.schema import EQUIPMENT, Content
from bot.content.search import filter_exercises, find_exercise, search_exercises, suggest
from bot.core.errors import NotFound, quoted
from bot.core.progression import ProgressionService
from bot.core.routines import RoutineService
from bot.discord_ui.interactions import guarded, texts_of, who_from
from bot.discord_ui.pictures import plan_picture
from bot.discord_ui.views import button_row_view, labelled, picture_kwargs
from bot.features import Feature, FeatureContext
from bot.i18n import ENGLISH, N_, Texts
from bot.pictures.service import INTERACTIVE_TIMEOUT, PictureService
from bot.render.exercises import LIST_PAGE_SIZE, exercise_embed, fact_word, list_embed, safety_embed, why_embed
from bot.render.limits import AUTOCOMPLETE_MAX, CHOICE_NAME_MAX, clip
from bot.render.plan import plan_embed

LIST_PREFIX = "gc:list:"
PREV_LABEL = N_("◀ Prev")
NEXT_LABEL = N_("Next ▶")
QUERY_MAX = 100


def _list_title(content: Content, muscle: str | None, equipment: str | None, tr: Texts = ENGLISH) -> str:
    parts = []
    if muscle:
        parts.append(content.guide.muscle_names.get(muscle, muscle))
    if equipment:
        parts.append(tr.t("kit: {equipment}", equipment=fact_word(tr, "equipment", equipment)))
    return tr.t("Exercises") + (f" · {' · '.join(parts)}" if parts else "")


def make_list_pager(content: Content) -> type[discord.ui.DynamicItem[discord.ui.Button[Any]]]:
    """Prev/next buttons whose custom id carries the filters and page, so no state is kept."""

    class ListPager(
        discord.ui.DynamicItem[discord.ui.Button[Any]],
        template=LIST_PREFIX + r"(?P<muscle>[a-z-]*):(?P<equipment>[a-z-]*):(?P<page>\d{1,3}):(?P<dir>prev|next)",
    ):
        def __init__(self, muscle: str, equipment: str, page: int, direction: str, *, disabled: bool = False) -> None:
            label = PREV_LABEL if direction == "prev" else NEXT_LABEL
            super().__init__(
                discord.ui.Button(
                    label=label,
                    style=discord.ButtonStyle.secondary,
                    custom_id=f"{LIST_PREFIX}{muscle}:{equipment}:{page}:{direction}",
                    disabled=disabled,
                )
            )
            self.muscle, self.equipment, self.page = muscle, equipment, page

        @classmethod
        async def from_custom_id(
            cls, interaction: discord.Interaction, item: discord.ui.Button[Any], match: re.Match[str]
        ) -> ListPager:
            return cls(match["muscle"], match["equipment"], int(match["page"]), match["dir"])

        @guarded
        async def callback(self, interaction: discord.Interaction) -> None:
            embed, view = list_page(content, type(self), self.muscle or None, self.equipment or None, self.page,
                                    texts_of(interaction))
            await interaction.response.edit_message(embed=embed, view=view)

    return ListPager


def list_page(
    content: Content,
    pager: type[Any],
    muscle: str | None,
    equipment: str | None,
    page: int,
    tr: Texts = ENGLISH,
) -> tuple[discord.Embed, discord.ui.View | None]:
    content = content.localized(tr.language)
    exercises = filter_exercises(content, muscle=muscle, equipment=equipment)
    pages = max(1, -(-len(exercises) // LIST_PAGE_SIZE))
    page = min(max(page, 0), pages - 1)
    embed = list_embed(exercises, page, _list_title(content, muscle, equipment, tr), content.guide.caution, tr=tr)
    if pages == 1:
        return embed, None
    m, e = muscle or "", equipment or ""
    return embed, button_row_view(
        labelled(pager(m, e, max(page - 1, 0), "prev", disabled=page == 0), tr),
        labelled(pager(m, e, min(page + 1, pages - 1), "next", disabled=page >= pages - 1), tr),
    )


class GlutesCog(commands.Cog):
    glutes = app_commands.Group(name="glutes", description="The weekly glute routine and how to do each exercise")
    progression_group = app_commands.Group(
        name="progression", description="Your own step on the club's routine", parent=glutes
    )

    def __init__(
        self,
        content: Content,
        routines: RoutineService,
        done_button: type[discord.ui.DynamicItem[Any]],
        list_pager: type[discord.ui.DynamicItem[Any]],
        progression: ProgressionService,
        pictures: PictureService,
    ) -> None:
        self.content = content
        self.routines = routines
        self.pictures = pictures
        self.done_button = done_button
        self.list_pager = list_pager
        self.progression = progression

    @glutes.command(name="today", description="This week's routine at your own step")
    async def today(self, interaction: discord.Interaction) -> None:
        who = who_from(interaction)
        await interaction.response.defer(ephemeral=True, thinking=True)
        tr = texts_of(interaction)
        plan = await self.routines.member_plan(who, tr)
        view = button_row_view(labelled(self.done_button(), tr))
        embed = plan_embed(plan, tr=tr)
        picture = await plan_picture(self.pictures, plan, tr=tr)
        await interaction.followup.send(embed=embed, view=view, ephemeral=True, **picture_kwargs(picture, embed))

    @glutes.command(name="exercise", description="How to do one exercise: steps, dose, cues, safety")
    @app_commands.describe(name="Start typing: e.g. clam, bridge, side plank")
    async def exercise(self, interaction: discord.Interaction, name: str) -> None:
        query = name[:QUERY_MAX]
        tr = texts_of(interaction)
        content = self.content.localized(tr.language)
        found = find_exercise(content, query) or find_exercise(self.content, query)
        if found is None:
            hints = suggest(content, query, limit=3)
            if hints:
                names = ", ".join(f"**{h.name}**" for h in hints)
                raise NotFound(N_("I don't know an exercise called {name}. Did you mean {names}?"),
                               name=quoted(query), names=names)
            raise NotFound(N_("I don't know an exercise called {name}. Try `/glutes list` to browse them."),
                           name=quoted(query))
        found = content.exercises.get(found.slug, found)
        embed = exercise_embed(content, found, tr=tr)
        picture = await self.pictures.exercise_figure(found.slug, timeout=INTERACTIVE_TIMEOUT, texts=tr)
        await interaction.response.send_message(embed=embed, ephemeral=True, **picture_kwargs(picture, embed))

    @exercise.autocomplete("name")
    async def exercise_autocomplete(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        content = self.content.localized(texts_of(interaction).language)
        matches = search_exercises(content, current[:QUERY_MAX], limit=AUTOCOMPLETE_MAX)
        return [app_commands.Choice(name=clip(e.name, CHOICE_NAME_MAX), value=e.slug) for e in matches]

    @glutes.command(name="list", description="Browse the exercises, by muscle or equipment")
    @app_commands.choices(
        muscle=[
            app_commands.Choice(name="gluteus medius", value="gluteus-medius"),
            app_commands.Choice(name="gluteus maximus", value="gluteus-maximus"),
            app_commands.Choice(name="gluteus minimus", value="gluteus-minimus"),
            app_commands.Choice(name="hamstrings", value="hamstrings"),
            app_commands.Choice(name="core", value="core"),
            app_commands.Choice(name="hip flexors", value="hip-flexors"),
        ],
        equipment=[app_commands.Choice(name=e, value=e) for e in sorted(EQUIPMENT)],
    )
    async def list_(
        self, interaction: discord.Interaction, muscle: str | None = None, equipment: str | None = None
    ) -> None:
        embed, view = list_page(self.content, self.list_pager, muscle, equipment, 0, texts_of(interaction))
        if view is None:
            await interaction.response.send_message(embed=embed, ephemeral=True)
        else:
            await interaction.response.send_message(embed=embed, view=view, ephemeral=True)

    @glutes.command(name="why", description="Why glute strength matters for runners")
    async def why(self, interaction: discord.Interaction) -> None:
        tr = texts_of(interaction)
        await interaction.response.send_message(embed=why_embed(self.content.localized(tr.language), tr=tr),
                                                ephemeral=True)

    @glutes.command(name="safety", description="Training safely: when to stop, screening, stretching")
    async def safety(self, interaction: discord.Interaction) -> None:
        tr = texts_of(interaction)
        await interaction.response.send_message(embed=safety_embed(self.content.localized(tr.language), tr=tr),
                                                ephemeral=True)

    @progression_group.command(name="reset", description="Go back to the base routine, step 1")
    async def progression_reset(self, interaction: discord.Interaction) -> None:
        who = who_from(interaction)
        await interaction.response.defer(ephemeral=True, thinking=True)
        routine = await self.progression.reset(who)
        tr = texts_of(interaction)
        routine = self.content.localized(tr.language).routines.get(routine.slug, routine)
        await interaction.followup.send(
            tr.t("Back to step 1 of {count} of the {routine}, with your easy and hard weeks cleared. "
                 "`/glutes today` shows it.", count=routine.step_count, routine=routine.name),
            ephemeral=True,
        )

def setup(ctx: FeatureContext) -> Feature:
    """/glutes: today's plan, exercises and the list pager."""
    services = ctx.services
    pager = make_list_pager(services.content)
    cog = GlutesCog(services.content, services.routines, ctx.shared["done_button"], pager, services.progression,
                    services.pictures)
    return Feature("glutes", cogs=[cog], dynamic_items=[pager])
