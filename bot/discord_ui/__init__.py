"""Discord-side helpers that the cogs and bot.delivery share: who is asking, guarded callbacks, button rows,
pictures as attachments, the check-in reply.

Nothing here imports from bot.cogs: a cog uses these, and never another cog (tests/core/test_layering.py).
"""
