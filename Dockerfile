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
# numpy without BLAS and LAPACK (the charts never multiply matrices; numpy.linalg keeps its small built-in
# fallback) and without the extra copies of its loops for newer CPUs (the baseline loops remain): the wheels on
# the index carry OpenBLAS and gfortran, about 28 MB. It is compiled from source here, with compilers that stay
# in this stage (about 10-20 minutes on two cores; the layer is cached afterwards), unless wheelhouse/ holds a
# numpy wheel built with these options beforehand (a locally built wheel: numpy-*-linux_*.whl; CI does that,
# see .ci/container_smoke.py, which reads NUMPY_BUILD_ARGS from here). -C needs pip 23.1 or later, and a venv
# gets the pip its Python bundles (Debian bookworm's: 23.0.1), so pip is brought up to date first.
ARG NUMPY_BUILD_ARGS="-Csetup-args=-Dallow-noblas=true -Csetup-args=-Dblas=none -Csetup-args=-Dlapack=none \
-Csetup-args=-Dcpu-dispatch=none"
# hadolint ignore=DL3008,SC2086
RUN if ls /wheelhouse/numpy-*-linux_*.whl >/dev/null 2>&1; then \
        /opt/venv/bin/pip install /wheelhouse/numpy-*-linux_*.whl; \
    else \
        apt-get update && apt-get install -y --no-install-recommends gcc g++ libc6-dev \
        && /opt/venv/bin/pip install "pip>=23.1" \
        && /opt/venv/bin/pip install --no-binary numpy $NUMPY_BUILD_ARGS "numpy>=1.25" \
        && rm -rf /var/lib/apt/lists/*; \
    fi
COPY pyproject.toml setup.py README.md ./
COPY bot ./bot
COPY migrations ./migrations
COPY content ./content
COPY docker ./docker
# Trimmed after the install, nothing the bot uses: test suites and numpy's test-only extension modules; C
# sources, headers and type stubs; numpy's f2py, distutils, fft, polynomial and random packages (matplotlib uses
# numpy.fft only for spectrum plots and numpy.random only to bootstrap box-plot medians, neither drawn here) and its lapack_lite module (numpy does not import it: numpy.linalg has its
# own copy of that code); SQLAlchemy's MySQL, Oracle and SQL Server dialects, its ODBC connector and its test
# suite; matplotlib's sample data, toolbar icons, GUI and web backends, and its fonts but DejaVu Sans and DejaVu
# Sans Bold (the charts' fonts), the small Computer Modern set (mathtext, should a name hold $...$; its italic
# and monospace letters then fall back to DejaVu Sans, with a logged warning) and the last-resort glyph font;
# fontTools but the two modules matplotlib's Agg path imports (agl and misc; the rest subsets fonts for PDF, PS
# and SVG output); discord.py's Windows voice DLLs; Pillow's AVIF and WebP codecs and its colour management and
# Tk modules (the bot only writes PNG; Pillow reports those formats as unsupported without them). Babel's
# locale data but the languages with a catalogue and English (docker/prune_babel.py; 35 MB → about 3 MB); Babel
# stays out of the zip, since it opens its data files by path.
# The extension modules lose their debug symbols; the libraries bundled in pillow.libs are left alone (strip
# breaks such patched ELF headers: numpy's bundled OpenBLAS then failed to load).
# Bytecode is kept only for what the bot and the chart worker import (docker/imports.py, and the migrations
# run once, in the build): all of it would add about 20 MB; none at all saves about 27 MB but adds about 1.7 s
# to each start and 0.8 s to the chart worker's start.
# Then every package without compiled modules moves into one compressed zip with its sources and that bytecode
# (docker/zip_packages.py; tracebacks still show the lines): about 25 MB less. So do SQLAlchemy, PyYAML and
# MarkupSafe, without their compiled modules: optional speed-ups with pure-Python fallbacks, off the bot's hot
# paths (a check-in goes to sqlite3 or asyncpg directly; the content is read once, at start, and PyYAML's
# pure-Python loader takes over from libyaml's; MarkupSafe serves Alembic's templates). SQLAlchemy's sources
# unzipped would cost about 11 MB.
# The compiled modules of aiohttp and its helpers stay: without them and SQLAlchemy's a check-in cost 8–20 %
# more CPU, without SQLAlchemy's alone 2–9 % (benchmarks/checkin_burst.py, alternating rounds on the host).
# The imports, a chart and a migration are run again from the zip. (cd: the directory's name carries the Python version, which WORKDIR cannot match.)
# hadolint ignore=DL3003
RUN /opt/venv/bin/pip install . \
    && /opt/venv/bin/pip uninstall --yes pip setuptools \
    && cd /opt/venv/lib/python3*/site-packages \
    && find /opt/venv -depth -type d -name __pycache__ -exec rm -rf {} + \
    && find numpy matplotlib mpl_toolkits fontTools PIL contourpy -depth -type d -name tests -exec rm -rf {} + \
    && rm -rf numpy/f2py numpy/distutils numpy/_core/include numpy/_pyinstaller discord/bin \
        numpy/_core/_multiarray_tests.* numpy/_core/_operand_flag_tests.* numpy/_core/_rational_tests.* \
        numpy/_core/_simd.* numpy/_core/_struct_ufunc_tests.* numpy/_core/_umath_tests.* \
        numpy/linalg/lapack_lite.* numpy/fft numpy/polynomial numpy/random \
        sqlalchemy/dialects/mysql sqlalchemy/dialects/oracle sqlalchemy/dialects/mssql \
        sqlalchemy/connectors/pyodbc.py sqlalchemy/testing \
        matplotlib/mpl-data/sample_data matplotlib/mpl-data/images matplotlib/backends/qt_editor \
        matplotlib/backends/web_backend matplotlib/backends/_tkagg.* matplotlib/backends/_backend_tk.py \
        matplotlib/backends/_backend_gtk.py matplotlib/backends/qt_compat.py \
        PIL/_avif.* PIL/_webp.* PIL/_imagingcms.* PIL/_imagingtk.* pillow.libs/libavif-* pillow.libs/libwebp* \
        pillow.libs/libsharpyuv-* pillow.libs/liblcms2-* \
    && find matplotlib/backends -name 'backend_*.py' ! -name backend_agg.py ! -name backend_mixed.py \
        ! -name backend_pdf.py ! -name backend_ps.py ! -name backend_svg.py -delete \
    && find matplotlib/mpl-data/fonts -type f ! -name 'DejaVuSans.ttf' ! -name 'DejaVuSans-Bold.ttf' \
        ! -name 'DejaVuSansDisplay.ttf' ! -name 'cm*.ttf' ! -name 'LastResortHE-Regular.ttf' -delete \
    && find fontTools -mindepth 1 -maxdepth 1 ! -name __init__.py ! -name agl.py ! -name misc -exec rm -rf {} + \
    && find . -type f \( -name '*.pyi' -o -name '*.c' -o -name '*.h' -o -name '*.pyx' -o -name '*.pxd' \) -delete \
    && find . -path '*.libs' -prune -o -name '*.so' -exec strip --strip-unneeded {} + \
    && /opt/venv/bin/python /src/docker/prune_babel.py "$PWD" /src/bot/i18n/locales \
    && /opt/venv/bin/python /src/docker/imports.py \
    && DATABASE_URL=sqlite+aiosqlite:////tmp/warm.db /opt/venv/bin/gluteclub migrate \
    && /opt/venv/bin/python /src/docker/zip_packages.py "$PWD" --keep bot babel \
        --pure sqlalchemy markupsafe yaml \
    && /opt/venv/bin/python /src/docker/imports.py \
    && DATABASE_URL=sqlite+aiosqlite:////tmp/check.db /opt/venv/bin/gluteclub migrate \
    && rm -f /tmp/warm.db /tmp/check.db \
    && /opt/venv/bin/python -m compileall -q bot

FROM ${PYTHON_IMAGE}
ENV PATH="/opt/venv/bin:$PATH" \
    PYTHONUNBUFFERED=1 \
    DATA_DIR=/data \
    MPLCONFIGDIR=/tmp/matplotlib \
    HEALTH_PORT=9464
COPY --from=build /opt/venv /opt/venv
RUN mkdir -p /data && chown 10001:10001 /data
WORKDIR /data
USER 10001:10001
VOLUME ["/data"]
# /healthz is 200 only while the gateway is connected and the database answers; it listens on 127.0.0.1 inside
# the container (HEALTH_HOST=0.0.0.0 and a published port let Prometheus reach /metrics from outside). The slim
# image has no curl: Python's urllib raises on a 503 or no answer, and the check exits 1.
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:' + os.environ['HEALTH_PORT'] + '/healthz', timeout=4)"]
CMD ["gluteclub", "run"]
