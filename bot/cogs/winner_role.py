"""The winner role's feature: its changes go out on the shared due tick (the role itself is set up through
/club; the hand-over to Discord lives in :mod:`bot.delivery.winner_role`)."""

from __future__ import annotations

from bot.delivery.winner_role import role_job
from bot.features import Feature, FeatureContext


def setup(ctx: FeatureContext) -> Feature:
    """The winner role's changes on the shared due tick."""
    services = ctx.services
    job = role_job(ctx.bot, services.winner_roles, ctx.output, services.sessions, services.clock,
                   ctx.settings.send_retry_delays)
    return Feature("winner_role", due_jobs=[job])
