#!/usr/bin/env bash
# CI only: a stand-in for the python:3.11-slim base image (which cannot be pulled here), built from Debian's
# own packages with debootstrap and imported into podman. Built once; later runs find it in podman's store.
set -euo pipefail

tag="${1:-localhost/gluteclub-python-base:bookworm}"
mirror="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"

if podman image exists "$tag"; then
    echo "base image $tag: already built"
    exit 0
fi

root="$(mktemp -d)"
trap 'rm -rf "$root"' EXIT
echo "base image $tag: debootstrap bookworm (minbase + python3) from $mirror"
debootstrap --variant=minbase --include=python3,python3-venv,python-is-python3,ca-certificates \
    bookworm "$root" "$mirror" >"$root.log" 2>&1 || { tail -30 "$root.log"; exit 1; }
rm -f "$root.log"
# What a slim image leaves out: package caches and lists, documentation, man pages, translations.
rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/* "$root"/usr/share/doc/* \
    "$root"/usr/share/man/* "$root"/usr/share/info/* "$root"/usr/share/locale/*
tar -C "$root" --numeric-owner -c . | podman import --change 'CMD ["python3"]' - "$tag" >/dev/null
podman image ls "$tag"
