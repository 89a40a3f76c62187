"""The bot's default content (YAML); installed as ``bot._content``."""
