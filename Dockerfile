# syntax=docker/dockerfile:1
ARG PYTHON_IMAGE=python:3.11-slim

FROM ${PYTHON_IMAGE} AS build
# strip (binutils) drops the debug symbols of the compiled extensions: about 30 MB of the image.
# hadolint ignore=DL3008
RUN apt-get update && apt-get install -y --no-install-recommends binutils && rm -rf /var/lib/apt/lists/*
WORKDIR /src
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
RUN python -m venv /opt/venv
# Wheels built beforehand may be put in wheelhouse/ (with PIP_NO_INDEX=1 to use only those); it is empty
# otherwise and pip uses the package index. Neither reaches the final image.
COPY wheelhouse/ /wheelhouse/
ARG PIP_NO_INDEX
ARG PIP_FIND_LINKS=/wheelhouse
COPY pyproject.toml setup.py README.md ./
COPY bot ./bot
COPY migrations ./migrations
COPY content ./content
# Trimmed after the install, nothing the bot uses: test suites, C sources, headers and type stubs; numpy's f2py
# and distutils; matplotlib's sample data and its fonts but DejaVu Sans (the charts' font), the small Computer
# Modern set (mathtext, should a name hold $...$) and the last-resort glyph font; discord.py's Windows voice
# DLLs; Pillow's AVIF and WebP codecs (the bot only writes PNG; Pillow reports those formats as unsupported
# without them). The extension modules lose their debug symbols; the libraries bundled in numpy.libs and
# pillow.libs are left alone (strip breaks their patched ELF headers: numpy then fails to load).
# Bytecode is kept only for what the bot and the chart worker import (imported, and the migrations run once,
# in the build): all of it would add about 20 MB; none at all saves about 27 MB but adds about 1.7 s to each
# start and 0.8 s to the chart worker's start. (cd: the directory's name carries the Python version, which
# WORKDIR cannot match.)
# hadolint ignore=DL3003
RUN /opt/venv/bin/pip install . \
    && /opt/venv/bin/pip uninstall --yes pip setuptools \
    && cd /opt/venv/lib/python3*/site-packages \
    && find /opt/venv -depth -type d -name __pycache__ -exec rm -rf {} + \
    && find numpy matplotlib mpl_toolkits fontTools PIL contourpy -depth -type d -name tests -exec rm -rf {} + \
    && rm -rf numpy/f2py numpy/distutils numpy/_core/include numpy/_pyinstaller discord/bin \
        matplotlib/mpl-data/sample_data PIL/_avif.* PIL/_webp.* pillow.libs/libavif-* pillow.libs/libwebp* \
        pillow.libs/libsharpyuv-* \
    && find matplotlib/mpl-data/fonts -type f \
        ! -name 'DejaVuSans*' ! -name 'cm*.ttf' ! -name 'LastResortHE-Regular.ttf' -delete \
    && find . -type f \( -name '*.pyi' -o -name '*.c' -o -name '*.h' -o -name '*.pyx' -o -name '*.pxd' \) -delete \
    && find . -path '*.libs' -prune -o -name '*.so' -exec strip --strip-unneeded {} + \
    && /opt/venv/bin/python -c "import importlib, pkgutil, bot; \
[importlib.import_module(m.name) for m in pkgutil.walk_packages(bot.__path__, 'bot.') if '_migrations' not in m.name]; \
import matplotlib; matplotlib.use('Agg'); \
import matplotlib.figure, matplotlib.backends.backend_agg, matplotlib.dates, matplotlib.patches, matplotlib.colors, \
PIL.Image, PIL.ImageDraw, PIL.ImageFont, sqlalchemy.dialects.postgresql.asyncpg, apscheduler.triggers.cron, \
apscheduler.triggers.date, apscheduler.triggers.interval; PIL.Image.preinit()" \
    && DATABASE_URL=sqlite+aiosqlite:////tmp/warm.db /opt/venv/bin/gluteclub migrate \
    && rm -f /tmp/warm.db \
    && /opt/venv/bin/python -m compileall -q bot

FROM ${PYTHON_IMAGE}
ENV PATH="/opt/venv/bin:$PATH" \
    PYTHONUNBUFFERED=1 \
    DATA_DIR=/data \
    MPLCONFIGDIR=/tmp/matplotlib
COPY --from=build /opt/venv /opt/venv
RUN mkdir -p /data && chown 10001:10001 /data
WORKDIR /data
USER 10001:10001
VOLUME ["/data"]
CMD ["gluteclub", "run"]
