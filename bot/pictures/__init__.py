"""Pictures: exercise figures (Pillow) and charts (matplotlib), rendered off the event loop.

Nothing here imports discord; the cogs wrap the bytes into attachments.
"""
