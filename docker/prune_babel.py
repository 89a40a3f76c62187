"""Keep Babel's locale data for the languages the bot has catalogues for, and English: run in the build stage.

Babel ships data for about 1,100 locales (35 MB); the bot writes numbers and dates only in a language it
has a catalogue for (``bot/i18n/locales/<code>``) or in English, so the rest goes: for each catalogue
language its own file and its regional ones (``es``, ``es_ES``, ``es_419`` …), for English the locales
Discord has (``en`` for en-US, ``en_GB`` and its parent ``en_001``), and ``root``, the base of them all.
Babel reads these files with ``open``, so the package stays out of the zip (docker/zip_packages.py).

Usage: prune_babel.py SITE_PACKAGES LOCALES_DIR
"""

import sys
from pathlib import Path


def main(site: Path, locales: Path) -> None:
    languages = {folder.name.split("_", 1)[0] for folder in locales.iterdir() if (folder / "LC_MESSAGES").is_dir()}
    keep = {"root", "en", "en_001", "en_GB"}
    removed = kept = 0
    for data in (site / "babel" / "locale-data").glob("*.dat"):
        name = data.stem
        if name in keep or name.split("_", 1)[0] in languages:
            kept += 1
        else:
            data.unlink()
            removed += 1
    print(f"babel locale data: kept {kept} locales ({', '.join(sorted(languages))}, English), removed {removed}")


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]))
