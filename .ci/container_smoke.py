"""Container smoke test: build the image with podman, run it against the fake Discord on the host.

Run by .ci/run from the repository root: ``.venv/bin/python .ci/container_smoke.py``. Exits 0 with a
"SKIPPED" line when podman cannot run containers here. Prints the image size, the build time and the time
from start to READY.

The python:3.11-slim base cannot be pulled on the CI machine: the build uses a stand-in made from Debian's
packages (.ci/container-base.sh) through the Dockerfile's PYTHON_IMAGE build argument. pip inside the build
uses wheels built here beforehand (wheelhouse/, PIP_NO_INDEX=1), so no index settings or certificates of
this machine go into the image. numpy among them is compiled here without BLAS, with the options the Dockerfile
compiles it with (NUMPY_BUILD_ARGS), once per numpy version: the wheel is kept in ~/.cache/gluteclub-wheels
(GLUTECLUB_WHEEL_CACHE), which later runs reuse.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import time
import urllib.request
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
BASE = "localhost/gluteclub-python-base:bookworm"
IMAGE = "localhost/gluteclub:ci"
TOKEN = "MTA4NTM1MTY1NzQ3MjAwMDAwNw.fake.token"
PODMAN = ["podman", "--runtime", "runc"]
WHEEL_CACHE = Path(os.environ.get("GLUTECLUB_WHEEL_CACHE") or Path.home() / ".cache" / "gluteclub-wheels")


class Failed(Exception):
    pass


class Unavailable(Exception):
    """Podman is there but cannot build or start containers on this machine."""


def podman(*args: str, check: bool = True, timeout: float = 900) -> subprocess.CompletedProcess[str]:
    result = subprocess.run([*PODMAN, *args], capture_output=True, text=True, timeout=timeout, check=False)
    if check and result.returncode != 0:
        raise Failed(f"podman {' '.join(args[:3])} … failed ({result.returncode}):\n{result.stderr[-3000:]}")
    return result


def skip_reason() -> str | None:
    if shutil.which("podman") is None:
        return "podman is not installed"
    if shutil.which("runc") is None:
        return "runc is not installed"
    if os.geteuid() != 0:
        return "needs rootful podman (run as root)"
    if shutil.which("debootstrap") is None:
        return "debootstrap is not installed (it builds the stand-in base image)"
    probe = podman("info", check=False, timeout=120)
    if probe.returncode != 0:
        return f"podman cannot run here: {probe.stderr.strip().splitlines()[-1:]}"
    return None


def build_base() -> None:
    made = subprocess.run(["bash", str(ROOT / ".ci" / "container-base.sh"), BASE], check=False)
    if made.returncode != 0:
        raise Unavailable("the stand-in base image could not be made (debootstrap or podman import failed)")
    probe = podman("run", "--rm", "--network", "host", BASE, "python", "-c", "print('ok')", check=False)
    if probe.returncode != 0 or probe.stdout.strip() != "ok":
        raise Unavailable(f"containers do not start here: {probe.stderr.strip()[-500:]}")


def build_wheels(wheelhouse: Path) -> None:
    """Wheels for the bot's dependencies and the build backend, built with this machine's pip settings."""
    pip = [sys.executable, "-m", "pip"]
    subprocess.run([*pip, "wheel", "--quiet", "-w", str(wheelhouse), str(ROOT)], check=True)
    subprocess.run([*pip, "download", "--quiet", "--no-deps", "-d", str(wheelhouse), "setuptools>=77"], check=True)
    for built in wheelhouse.glob("gluteclub-*.whl"):
        built.unlink()  # the image builds the bot from the source it copies in
    use_numpy_without_blas(wheelhouse)


def numpy_build_args() -> list[str]:
    dockerfile = (ROOT / "Dockerfile").read_text()
    found = re.search(r'^ARG NUMPY_BUILD_ARGS="([^"]*)"', dockerfile, re.MULTILINE)
    if found is None:
        raise Failed("the Dockerfile has no NUMPY_BUILD_ARGS")
    return found.group(1).replace("\\\n", " ").split()


def use_numpy_without_blas(wheelhouse: Path) -> None:
    """Replace the index's numpy wheel by one of the same version built without BLAS (cached between runs)."""
    index_wheels = list(wheelhouse.glob("numpy-*.whl"))
    if len(index_wheels) != 1:
        raise Failed(f"expected one numpy wheel in {wheelhouse}, found {[w.name for w in index_wheels]}")
    version = index_wheels[0].name.split("-")[1]
    args = numpy_build_args()
    options = hashlib.sha256(" ".join(args).encode()).hexdigest()[:12]
    cache = WHEEL_CACHE / f"numpy-{version}-cp{sys.version_info[0]}{sys.version_info[1]}-{options}"
    if not list(cache.glob("numpy-*-linux_*.whl")):
        print(f"compiling numpy {version} without BLAS into {cache} (once; about 10-20 minutes on two cores)")
        scratch = cache.with_name(cache.name + ".partial")
        shutil.rmtree(scratch, ignore_errors=True)
        subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-binary", "numpy",
                        *args, "-w", str(scratch), f"numpy=={version}"], check=True)
        shutil.rmtree(cache, ignore_errors=True)
        scratch.rename(cache)
    (built,) = cache.glob("numpy-*-linux_*.whl")
    shutil.copy2(built, wheelhouse / built.name)
    index_wheels[0].unlink()


def build_image() -> float:
    wheelhouse = ROOT / "wheelhouse"
    started = time.perf_counter()
    build_wheels(wheelhouse)
    try:
        podman(
            "build", "--build-arg", f"PYTHON_IMAGE={BASE}", "--build-arg", "PIP_NO_INDEX=1",
            "-t", IMAGE, "-f", "Dockerfile", str(ROOT), timeout=1800,
        )
    finally:
        for wheel in wheelhouse.glob("*.whl"):
            wheel.unlink()
    return time.perf_counter() - started


def check_image_is_clean() -> int:
    """The published image carries no wheelhouse, no pip index or certificate settings; returns its size."""
    inspect = json.loads(podman("image", "inspect", IMAGE).stdout)[0]
    env = inspect["Config"].get("Env") or []
    leaked = [e for e in env if e.startswith("PIP_")]
    if leaked:
        raise Failed(f"the image's environment has pip settings: {leaked}")
    if inspect["Config"].get("User") != "10001:10001":
        raise Failed(f"the image should run as 10001:10001, not {inspect['Config'].get('User')!r}")
    probe = podman(
        "run", "--rm", IMAGE, "sh", "-c",
        "ls /wheelhouse /etc/pip.conf /etc/xdg/pip /root/.config/pip 2>/dev/null; "
        "/opt/venv/bin/pip config list 2>/dev/null",
        check=False,
    )
    if probe.stdout.strip():
        raise Failed(f"the image contains pip settings or wheels:\n{probe.stdout}")
    return int(inspect["Size"])


def check_chart_worker_imports() -> None:
    """The chart worker's imports load in the image (numpy's bundled libraries intact), and a chart renders."""
    probe = podman(
        "run", "--rm", IMAGE, "python", "-c",
        "import matplotlib; matplotlib.use('Agg'); import matplotlib.pyplot; from datetime import date; "
        "from bot.pictures import charts; "
        "png = charts.club_chart_png(charts.ClubWeeks(1, 'Club', [date(2026, 1, 5)], [3], [12])); "
        "print('png', len(png))",
        check=False,
    )
    if probe.returncode != 0 or not probe.stdout.startswith("png "):
        raise Failed(f"the chart worker cannot draw in the image:\n{(probe.stdout + probe.stderr)[-3000:]}")


def control(fake: dict[str, Any], method: str, path: str, body: dict[str, Any] | None = None) -> Any:
    data = None if body is None else json.dumps(body).encode()
    url = fake["control_url"].rstrip("/") + path.removeprefix("/_fake")  # control_url ends in /_fake
    request = urllib.request.Request(url, data=data, method=method, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=60) as response:
        return json.loads(response.read())


def smoke_run() -> tuple[float, float]:
    """Start the image against the fake; returns (seconds from start to READY, seconds podman stop took)."""
    fake_process = subprocess.Popen(
        [sys.executable, "-m", "tests.fakediscord", "--port", "0", "--guilds", "1"],
        cwd=ROOT, stdout=subprocess.PIPE, text=True,
    )
    name = f"gluteclub-ci-{uuid.uuid4().hex[:8]}"
    volume = f"{name}-data"
    try:
        assert fake_process.stdout is not None
        fake = json.loads(fake_process.stdout.readline())
        guild = fake["guilds"][0]
        podman("volume", "create", volume)
        started = time.perf_counter()
        podman(
            "run", "-d", "--name", name, "--network", "host",
            "-e", f"DISCORD_TOKEN={TOKEN}", "-e", f"DISCORD_API_BASE={fake['api_base']}",
            "-e", f"DISCORD_GATEWAY_URL={fake['gateway_url']}", "-v", f"{volume}:/data", IMAGE,
        )
        ready_after = None
        while time.perf_counter() - started < 120:
            if "ready as" in podman("logs", name).stdout + podman("logs", name).stderr:
                ready_after = time.perf_counter() - started
                break
            if podman("inspect", "--format", "{{.State.Running}}", name).stdout.strip() != "true":
                break
            time.sleep(0.1)
        logs = podman("logs", name)
        if ready_after is None:
            raise Failed(f"the bot never became ready:\n{(logs.stdout + logs.stderr)[-3000:]}")
        info = control(fake, "GET", "/_fake/info")
        if info["identify_count"] != 1:
            raise Failed(f"expected one IDENTIFY, the fake saw {info['identify_count']}")
        answer = control(fake, "POST", "/_fake/interactions", {
            "kind": "slash", "guild_id": guild["id"], "user_id": guild["owner_id"], "command": "glutes today",
            "wait": "final", "timeout": 30,
        })
        if "Glute bridge" not in json.dumps(answer.get("final")):
            raise Failed(f"/glutes today did not answer with the routine: {json.dumps(answer)[:2000]}")
        answer = control(fake, "POST", "/_fake/interactions", {
            "kind": "slash", "guild_id": guild["id"], "user_id": guild["owner_id"], "command": "glutes exercise",
            "options": {"name": "clamshell"}, "wait": "final", "timeout": 30,
        })
        final = answer.get("final") or {}
        if "Clams" not in json.dumps(final) or not any(f.get("size", 0) > 0 for f in final.get("files") or []):
            raise Failed(f"/glutes exercise: no exercise or no figure: {json.dumps(answer)[:2000]}")
        violations = control(fake, "GET", "/_fake/spec_violations")
        if violations:
            raise Failed("requests outside Discord's API spec:\n" + "\n".join(v["text"] for v in violations[:10]))
        stopping = time.perf_counter()
        podman("stop", "-t", "10", name, timeout=60)
        stop_took = time.perf_counter() - stopping
        state = podman("inspect", "--format", "{{.State.ExitCode}}", name).stdout.strip()
        logs = podman("logs", name)
        text = logs.stdout + logs.stderr
        if state != "0":
            raise Failed(f"exit code {state} after podman stop (SIGTERM):\n{text[-3000:]}")
        if "applying migrations" not in text or TOKEN in text:
            raise Failed(f"unexpected log (no migration line, or the token printed):\n{text[-3000:]}")
        listing = podman("run", "--rm", "-v", f"{volume}:/data", IMAGE, "ls", "/data").stdout.split()
        if "gluteclub.db" not in listing:
            raise Failed(f"no gluteclub.db in the /data volume: {listing}")
        return ready_after, stop_took
    finally:
        podman("rm", "-f", name, check=False)
        podman("volume", "rm", "-f", volume, check=False)
        fake_process.terminate()
        fake_process.wait(timeout=30)


def main() -> int:
    reason = skip_reason()
    if reason:
        print(f"== container smoke test SKIPPED: {reason}")
        return 0
    try:
        build_base()
    except Unavailable as exc:
        print(f"== container smoke test SKIPPED: {exc}")
        return 0
    try:
        build_seconds = build_image()
        size = check_image_is_clean()
        check_chart_worker_imports()
        ready_after, stop_took = smoke_run()
    except (Failed, subprocess.CalledProcessError) as exc:
        print(f"container smoke test FAILED: {exc}", file=sys.stderr)
        return 1
    print(f"image {IMAGE}: {size / 1e6:.0f} MB (target ≤ 200 MB); build (wheels + image) {build_seconds:.0f} s")
    print(f"start to READY {ready_after:.1f} s; podman stop took {stop_took:.1f} s, exit code 0")
    print("migrated, identified once, answered /glutes today and /glutes exercise (with its figure); "
          "gluteclub.db is in the /data volume; the chart worker imports matplotlib and draws")
    return 0


if __name__ == "__main__":
    sys.exit(main())
