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
RUN /opt/venv/bin/pip install . \
    && /opt/venv/bin/pip uninstall --yes pip setuptools \
    && find /opt/venv -name '*.so' -exec strip --strip-unneeded {} +

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
