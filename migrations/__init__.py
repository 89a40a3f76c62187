"""Alembic migrations; installed as ``bot._migrations`` so the bot can apply them from anywhere."""
