"""Packaging beyond pyproject.toml: the top-level migrations/ and content/ ship inside the ``bot`` package,
and so do the playground's page files.

In the wheel they are ``bot/_migrations`` and ``bot/_content``; an editable install maps the same names onto
the repository's directories. The bot finds both with importlib.resources.
"""

from setuptools import find_packages, setup

setup(
    packages=[*find_packages(include=["bot", "bot.*"]), "bot._migrations", "bot._content"],
    package_dir={"bot._migrations": "migrations", "bot._content": "content"},
    package_data={
        "bot._migrations": ["script.py.mako", "versions/*.py"],
        "bot._content": ["*.yaml", "locales/*/*.yaml"],
        "bot.i18n": ["locales/*.pot", "locales/*/LC_MESSAGES/*.po"],
        "bot.playground": ["static/*.html", "static/*.js", "static/*.css"],
        "bot.playground.fake": ["README.md"],
    },
    include_package_data=False,
)
