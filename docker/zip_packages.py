"""Move the pure-Python packages of a site-packages directory into one compressed zip, imported from there.

Run in the image's build stage, after the bot and the chart worker have imported what they use (so each module
they use has its bytecode in __pycache__). A package goes into the zip when it holds no compiled extension module;
its sources go in (tracebacks still show the lines), and bytecode only for the modules that were imported. The
zip is put on sys.path by a .pth file, after site-packages itself.

Usage: zip_packages.py SITE_PACKAGES [--keep NAME...] [--pure NAME...]. --keep: top-level names that stay on
disk. --pure: packages whose compiled modules are optional speed-ups, each with a pure-Python fallback the
package imports when the compiled one is missing (SQLAlchemy's Cython modules, aiohttp's parsers); those lose the
compiled modules and go into the zip.
"""

from __future__ import annotations

import argparse
import importlib.util
import py_compile
import shutil
import tempfile
import zipfile
from pathlib import Path

EXTENSIONS = (".so", ".pyd")


def zippable(entry: Path, keep: set[str]) -> bool:
    name = entry.name.removesuffix(".py")
    if name in keep or name.startswith("__") or entry.name.endswith((".dist-info", ".libs")):
        return False
    if entry.is_file():
        return entry.suffix == ".py"
    files = [p for p in entry.rglob("*") if p.is_file()]
    if not any(p.suffix == ".py" for p in files):
        return False  # not Python at all
    return not any(p.name.endswith(EXTENSIONS) or ".so." in p.name for p in files)


def cached(source: Path) -> Path:
    return Path(importlib.util.cache_from_source(str(source)))


def add(archive: zipfile.ZipFile, path: Path, arcname: str, scratch: Path) -> None:
    if path.suffix == ".pyc" or path.parent.name == "__pycache__":
        return
    archive.write(path, arcname)
    if path.suffix == ".py" and cached(path).is_file():
        compiled = scratch / "module.pyc"
        py_compile.compile(str(path), cfile=str(compiled), dfile=f"{archive.filename}/{arcname}",
                           doraise=True, invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH)
        archive.write(compiled, arcname.removesuffix(".py") + ".pyc")


def main(site: Path, keep: set[str], pure: set[str]) -> None:
    for name in pure:
        for compiled in (site / name).rglob("*"):
            if compiled.name.endswith(EXTENSIONS):
                compiled.unlink()
    target = site / "site-packages.zip"
    moved = []
    with tempfile.TemporaryDirectory() as scratch, \
            zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for entry in sorted(site.iterdir()):
            if not zippable(entry, keep):
                continue
            # Directories get their own entries: zipimport finds namespace packages (mpl_toolkits, discord.ext)
            # by them.
            paths = [entry] if entry.is_file() else [entry, *sorted(entry.rglob("*"))]
            for path in paths:
                if path.is_dir() and path.name != "__pycache__":
                    archive.write(path, path.relative_to(site).as_posix() + "/")
                elif path.is_file():
                    add(archive, path, path.relative_to(site).as_posix(), Path(scratch))
            moved.append(entry)
    for entry in moved:
        shutil.rmtree(entry) if entry.is_dir() else entry.unlink()
        pycache = site / "__pycache__"
        for stale in pycache.glob(f"{entry.name.removesuffix('.py')}.*.pyc"):
            stale.unlink()
    (site / "zz-site-packages-zip.pth").write_text(f"{target.name}\n")  # relative to site-packages
    print(f"{target.name}: {len(moved)} packages, {target.stat().st_size / 1e6:.1f} MB")


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("site", type=Path)
    parser.add_argument("--keep", nargs="*", default=[])
    parser.add_argument("--pure", nargs="*", default=[])
    args = parser.parse_args()
    main(args.site, set(args.keep), set(args.pure))
